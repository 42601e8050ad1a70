import { access, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadImages } from '../../data/load.js';
import { LineageError } from '../../errors.js';
import type { ZooManifest } from '../manifest.js';
import type { ZooBuildContext, ZooMeasurements, ZooModelPlan, ZooPreset } from '../preset.js';
import { splitByClass, type DataSplit } from '../split.js';
import { MODEL_RECORD, type ModelRecord, type ZooJob } from './job.js';
import { jobsFor, planZoo, SCRATCH_DIR, VICTIM_ID } from './plan.js';
import { localJobRunner, type ZooJobRunner } from './pool.js';
import type { TrainedZooRecipe } from './recipe.js';
import { JobScheduler } from './scheduler.js';

const exists = (path: string) => access(path).then(() => true, () => false);

async function readRecord(dir: string): Promise<ModelRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MODEL_RECORD), 'utf8')) as ModelRecord;
  } catch {
    return undefined;
  }
}

/** The dataset folder to use, checked. */
async function datasetOf(recipe: TrainedZooRecipe, ctx: ZooBuildContext): Promise<string> {
  const path = ctx.data ?? resolve(recipe.dataset);
  if (!(await exists(path))) {
    throw new LineageError(`zoo ${recipe.name} needs its dataset at ${path}, which is missing`, 'pass --data <folder with images.u8 + labels.csv>, or run from the repository root next to ../shared/datasets');
  }
  return path;
}

async function splitOf(recipe: TrainedZooRecipe, path: string, seed: number): Promise<DataSplit> {
  const { labels } = await loadImages(path);
  if (!labels) throw new LineageError(`${path} has no labels`, 'give a labelled dataset (images.u8 + labels.csv)');
  return splitByClass(labels, recipe.shares, seed);
}

/** Jobs whose models are all complete (their folder holds a record) from an earlier run. */
async function finishedJobs(jobs: readonly ZooJob[]): Promise<Map<string, Record<string, ModelRecord>>> {
  const done = new Map<string, Record<string, ModelRecord>>();
  for (const job of jobs) {
    const records = await Promise.all(job.outputs.map((o) => readRecord(o.dir)));
    if (records.every((r) => r !== undefined)) done.set(job.id, Object.fromEntries(job.outputs.map((o, k) => [o.id, records[k]!])));
  }
  return done;
}

/** Share of equal top-1 predictions. */
function agreement(a: readonly number[], b: readonly number[]): number {
  return a.filter((label, i) => label === b[i]).length / a.length;
}

/**
 * A zoo preset that trains: the recipe's dataset split per class (held-out part = the zoo's
 * fingerprint and test data), the victim, its stolen copies and the negatives. Every model is
 * written in the zoo's scratch folder and renamed into place with a record of its measurements,
 * so a folder that exists is complete and an interrupted build resumes where it stopped.
 */
export function trainedZooPreset(recipe: TrainedZooRecipe): ZooPreset {
  return {
    name: recipe.name,
    description: recipe.description,
    task: 'classification',
    runsJobs: true,
    data: async (ctx) => {
      const path = await datasetOf(recipe, ctx);
      const split = await splitOf(recipe, path, ctx.seed);
      ctx.log(`data: ${path} — ${split.defender.length} defender, ${split.attacker.length} attacker, ${split.heldOut.length} held-out images`);
      return { path, indices: split.heldOut };
    },
    models: (ctx, data) => trainedModels(recipe, ctx, data),
  };
}

async function* trainedModels(recipe: TrainedZooRecipe, ctx: ZooBuildContext, data: ZooManifest['data']): AsyncGenerator<ZooModelPlan> {
  const split = await splitOf(recipe, data.path, ctx.seed);
  const plan = planZoo(recipe, ctx.dir, data.path, split, ctx.seed);
  let local: ZooJobRunner | undefined;
  let scheduler: Promise<JobScheduler> | undefined;
  // Started on the first model built (buildZoo walks the plan once without building).
  const start = async (): Promise<JobScheduler> => {
    await rm(join(ctx.dir, SCRATCH_DIR), { recursive: true, force: true });
    const runner = ctx.jobRunner ?? (local = localJobRunner(recipe.processes));
    const jobs = jobsFor(plan, ctx.wanted);
    return new JobScheduler(jobs, await finishedJobs(jobs), (job) => {
      ctx.log(`${job.id}: training (${job.step.kind})`);
      return runner.run(job, ({ epoch, epochs, loss }) => ctx.log(`${job.id}: epoch ${epoch}/${epochs}, loss ${loss.toFixed(3)}`));
    }, runner.concurrency);
  };
  const measurements = async (job: string, id: string, group: string): Promise<ZooMeasurements> => {
    const records = await (await (scheduler ??= start())).records(job);
    const { measurements: own, predictions } = records[id]!;
    if (group === 'transfer') return own;
    const victim = await readRecord(join(ctx.dir, VICTIM_ID));
    return victim ? { ...own, fidelity: agreement(predictions, victim.predictions) } : own;
  };
  try {
    for (const { model, job } of plan.models) {
      yield { model, build: () => measurements(job, model.id, model.group) };
    }
  } finally {
    await local?.close();
    if (scheduler) await rm(join(ctx.dir, SCRATCH_DIR), { recursive: true, force: true });
  }
}
