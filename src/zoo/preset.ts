import type { ProgressFn } from '../fingerprints/types.js';
import type { ZooBase, ZooManifest, ZooModel } from './manifest.js';
import type { ZooJobRunner } from './trained/pool.js';

/** What a preset gets while a zoo is being built. */
export interface ZooBuildContext {
  /** The zoo folder (absolute); model paths in entries are relative to it. */
  readonly dir: string;
  /** Seed for every random choice the preset makes (noise, data splits, training). */
  readonly seed: number;
  /** Image folder given by the user instead of the preset's default data. */
  readonly data?: string;
  readonly onProgress?: ProgressFn;
  readonly log: (line: string) => void;
  /** Ids of the models this run builds (`--only`), when not all: a preset need not prepare the others. */
  readonly wanted?: ReadonlySet<string>;
  /** Runs the jobs of a preset that `runsJobs` elsewhere (a queue); absent: local worker processes. */
  readonly jobRunner?: ZooJobRunner;
}

/** Measurements a build step records in the model's manifest entry. */
export type ZooMeasurements = Partial<Pick<ZooModel, 'testAccuracy' | 'verificationAuc' | 'fidelity' | 'trainSeconds'>>;

/** One model of a zoo: its manifest entry, and how to make it when it is not there yet. */
export interface ZooModelPlan {
  readonly model: ZooModel;
  /**
   * Write the model at `target` (the absolute form of `model.path`) so that a reader never sees
   * half of it (temp path + rename). Absent for models that exist already (e.g. `builtin:<name>`).
   */
  readonly build?: (target: string) => Promise<ZooMeasurements>;
  /**
   * For a model that exists already (no `build`, e.g. `builtin:<name>`): what to record of it (its
   * utility). Run once: a rerun keeps an earlier entry of the same path that has measurements.
   */
  readonly measure?: () => Promise<ZooMeasurements>;
}

/**
 * A recipe for a zoo. `lineage zoo --preset <name>` runs it through `buildZoo`, which skips models an
 * earlier run finished and writes the manifest after every model, so a preset only says what the
 * zoo holds and how to make one model (derive a copy, train a network…).
 */
export interface ZooPreset {
  readonly name: string;
  readonly description: string;
  readonly task: ZooManifest['task'];
  /** True when its models are made by plain-data jobs (src/zoo/trained) that can run on a queue's workers. */
  readonly runsJobs?: boolean;
  /** The public model the victim was fine-tuned from, recorded in the manifest (ZooManifest.base). */
  readonly base?: ZooBase;
  /** The held-out images fingerprints are drawn from; may write them into the zoo. `previous`: an earlier run's entry. */
  data(ctx: ZooBuildContext, previous?: ZooManifest['data']): Promise<ZooManifest['data']>;
  /** The zoo's models, victim first. */
  models(ctx: ZooBuildContext, data: ZooManifest['data']): AsyncIterable<ZooModelPlan>;
}
