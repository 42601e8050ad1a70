/**
 * Entry point of a training worker process (started by src/train/pool.ts): runs the jobs it is sent,
 * one at a time, reporting progress and the result back over IPC.
 */
import { errorMessage, isLineageError } from '../errors.js';
import { runTrainingJob, type TrainingJob } from './job.js';
import type { WorkerMessage } from './pool.js';

function send(message: WorkerMessage): void {
  process.send!(message);
}

process.on('message', (job: TrainingJob) => {
  runTrainingJob(job, (progress) => send({ type: 'progress', progress })).then(
    (result) => send({ type: 'done', result }),
    (e: unknown) => send({ type: 'error', message: errorMessage(e), ...(isLineageError(e) && e.hint !== undefined ? { hint: e.hint } : {}) }),
  );
});
process.on('disconnect', () => process.exit(0));
