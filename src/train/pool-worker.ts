/** Entry point of a training worker process (started by ./pool.ts): runs the jobs it is sent, one at a time. */
import { runTrainingJob, type TrainingJob } from './job.js';
import type { TrainProgress, TrainResult } from './loop.js';
import { serveJobs } from './worker-pool.js';

serveJobs<TrainingJob, TrainProgress, TrainResult>(runTrainingJob);
