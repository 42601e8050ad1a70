/** Entry point of a trained-zoo worker process (started by ./pool.ts): runs the jobs it is sent, one at a time. */
import type { TrainProgress } from '../../train/loop.js';
import { serveJobs } from '../../train/worker-pool.js';
import type { ZooJob } from './job.js';
import type { ZooJobRecords } from './pool.js';
import { runZooJob } from './run-job.js';

serveJobs<ZooJob, TrainProgress, ZooJobRecords>(runZooJob, (progress) => progress.phase === 'epoch');
