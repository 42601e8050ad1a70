import { Command } from 'commander';
import { intOption } from '../parse.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description('take zoo, bench and scan jobs from a Redis queue (lineage zoo/bench/scan --queue) until stopped (Ctrl-C: finish the jobs in hand; twice: stop now)')
    .requiredOption('--queue <redis-url>', 'the queue, e.g. redis://127.0.0.1:6379')
    .option('--processes <n>', 'jobs at once, each in its own training process (one per core)', '1')
    .option('--lock-ms <ms>', 'how long a job stays locked without a sign of life: a worker that dies loses its job to another after this', '30000')
    .action(async (flags) => {
      const { startWorker } = await import('../../queue/worker.js');
      const worker = await startWorker({
        queue: flags.queue,
        processes: intOption(flags.processes, '--processes'),
        lockMs: intOption(flags.lockMs, '--lock-ms'),
        log: (line) => console.error(line),
      });
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(130);
        stopping = true;
        console.error('stopping: finishing the jobs in hand (again to stop now; their jobs go to another worker)');
        void worker.close().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
