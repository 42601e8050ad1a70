/** Entry point of a trained-zoo worker process (started by ./pool.ts): runs the jobs it is sent, one at a time. */
import { readFileSync } from 'node:fs';
import { errorMessage, isLineageError } from '../../errors.js';
import type { ZooJob } from './job.js';
import type { ZooWorkerReply } from './pool.js';
import { runZooJob } from './run-job.js';

function reply(message: ZooWorkerReply): void {
  process.send!(message);
}

/** The parent's pid as the kernel sees it now (process.ppid is fixed at start-up); undefined off Linux. */
function currentParent(): number | undefined {
  try {
    return Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[1]);
  } catch {
    return undefined;
  }
}

const parent = currentParent();

process.on('message', (job: ZooJob) => {
  runZooJob(job, (progress) => {
    // Training chains promises that settle at once and never lets 'disconnect' through: a build that
    // was killed is noticed here, after every batch, by this process having been re-parented.
    if (parent !== undefined && currentParent() !== parent) process.exit(0);
    if (progress.phase === 'epoch') reply({ type: 'progress', progress });
  }).then(
    (records) => reply({ type: 'done', records }),
    (e: unknown) => reply({ type: 'error', message: errorMessage(e), ...(isLineageError(e) && e.hint !== undefined ? { hint: e.hint } : {}) }),
  );
});
process.on('disconnect', () => process.exit(0));
