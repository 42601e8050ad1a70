import { LineageError } from '../../errors.js';
import type { ZooJob } from './job.js';
import type { ZooJobRecords } from './pool.js';

/**
 * Runs a zoo's jobs as they are asked for, each after the jobs it depends on, while keeping up to
 * `concurrency` jobs in flight: when fewer are running, the next jobs in plan order whose
 * dependencies are done start ahead of being asked for. buildZoo asks for one model at a time; this
 * is what lets independent models train side by side in the worker processes.
 */
export class JobScheduler {
  private readonly byId: ReadonlyMap<string, ZooJob>;
  private readonly started = new Map<string, Promise<ZooJobRecords>>();
  private readonly finished = new Set<string>();
  private inFlight = 0;

  /** `done`: jobs complete from an earlier run. */
  constructor(
    private readonly jobs: readonly ZooJob[],
    done: ReadonlyMap<string, ZooJobRecords>,
    private readonly run: (job: ZooJob) => Promise<ZooJobRecords>,
    private readonly concurrency: number,
  ) {
    this.byId = new Map(jobs.map((j) => [j.id, j]));
    for (const [id, records] of done) {
      this.started.set(id, Promise.resolve(records));
      this.finished.add(id);
    }
  }

  /** The records of job `id`'s models, running it (and what it needs) when not done yet. */
  records(id: string): Promise<ZooJobRecords> {
    const result = this.ensure(id);
    this.fill();
    return result;
  }

  private ensure(id: string): Promise<ZooJobRecords> {
    const known = this.started.get(id);
    if (known) return known;
    const job = this.byId.get(id)!;
    this.inFlight++;
    // A job whose dependency failed fails naming it (the dependency's own error is reported once, for it).
    const needed = job.after.map((dep) => this.ensure(dep).catch(() => {
      throw new LineageError(`needs ${dep}, which failed`, 'see the error of that model; rerun the same command to build it and the models made from it');
    }));
    const result = Promise.all(needed)
      .then(() => this.run(job))
      .finally(() => {
        this.inFlight--;
        this.finished.add(id);
        this.fill();
      });
    result.catch(() => {}); // a job started ahead of being asked for may fail unobserved; its caller sees it when it asks
    this.started.set(id, result);
    return result;
  }

  /** Start jobs ahead of time while fewer than `concurrency` are in flight. */
  private fill(): void {
    for (const job of this.jobs) {
      if (this.inFlight >= this.concurrency) return;
      if (!this.started.has(job.id) && job.after.every((dep) => this.finished.has(dep))) this.ensure(job.id);
    }
  }
}
