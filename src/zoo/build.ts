import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineageError, errorMessage } from '../errors.js';
import type { ProgressFn } from '../fingerprints/types.js';
import { makeFolders } from '../util/atomic-write.js';
import { checkSeed } from '../util/random.js';
import { readZooManifest, resolveZooPath, writeZooManifest, ZOO_FORMAT_VERSION, ZOO_MANIFEST } from './manifest.js';
import type { ZooManifest, ZooModel } from './manifest.js';
import type { ZooBuildContext, ZooMeasurements, ZooModelPlan, ZooPreset } from './preset.js';
import type { ZooJobRunner } from './trained/pool.js';

export interface BuildZooOptions {
  readonly seed?: number;
  /** Image folder to use instead of the preset's default data. */
  readonly data?: string;
  /** Build only the models with these ids (the victim always comes along), e.g. a small zoo for tests. */
  readonly only?: readonly string[];
  readonly onProgress?: ProgressFn;
  readonly log?: (line: string) => void;
  /** Run the preset's jobs here instead of in local worker processes (a queue, src/queue); only presets that `runsJobs`. */
  readonly jobRunner?: ZooJobRunner;
  /**
   * Go on past a model that fails (and the models made from it), then fail naming every failed
   * model; the manifest lists the finished ones. Default: stop at the first failure.
   */
  readonly keepGoing?: boolean;
}

/**
 * Build (or finish) the zoo of `preset` in `dir`. Resumable: a model listed in the manifest of an
 * earlier run whose file is still there is kept as it is; every other one is built. The manifest is
 * rewritten (atomically) after every model, so an interrupted run loses at most the model in hand:
 * until this run reaches them, the earlier run's finished models stay listed after this run's.
 * The manifest lists the models of this run, victim first.
 */
export async function buildZoo(dir: string, preset: ZooPreset, options: BuildZooOptions = {}): Promise<ZooManifest> {
  const root = resolve(dir);
  const log = options.log ?? (() => {});
  if (options.jobRunner && !preset.runsJobs) {
    throw new LineageError(`zoo ${preset.name} builds its models in this process and cannot use a queue`, 'build it without --queue (queues run the trained presets: cifar10-*, fer2013-*)');
  }
  await makeFolders(root);
  const previous = await previousManifest(root, preset);
  const ctx: ZooBuildContext = {
    dir: root,
    seed: checkSeed(options.seed ?? 1),
    ...(options.data !== undefined ? { data: resolve(options.data) } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.jobRunner ? { jobRunner: options.jobRunner } : {}),
    log,
  };
  const data = await preset.data(ctx, previous?.data);
  const wanted = await wantedIds(preset, ctx, data, options.only);
  const finished = new Map((previous?.models ?? []).map((m) => [m.id, m]));
  const base = { format: 'lineage-zoo', version: ZOO_FORMAT_VERSION, name: preset.name, task: preset.task, data, createdAt: previous?.createdAt ?? new Date().toISOString(), ...(preset.base ? { base: preset.base } : {}) } as const;
  const models: ZooModel[] = [];
  const failed: { readonly id: string; readonly reason: string }[] = [];
  // Built inside the loop, while the preset's generator is suspended: what it holds open (a victim
  // model it measures copies against) lives until the last model is done.
  for await (const plan of preset.models({ ...ctx, ...(options.only ? { wanted } : {}) }, data)) {
    if (!wanted.has(plan.model.id)) continue;
    const step = `[${models.length + failed.length + 1}/${wanted.size}]`;
    try {
      models.push(await modelOf(plan, root, finished.get(plan.model.id), (line) => log(`${step} ${line}`)));
    } catch (e) {
      if (!options.keepGoing) throw e;
      failed.push({ id: plan.model.id, reason: errorMessage(e) });
      log(`${step} ${plan.model.id}: FAILED: ${errorMessage(e)}`);
      continue;
    }
    await writeZooManifest(root, { ...base, models: [...models, ...(await notYetReached(root, previous, wanted, models, failed))] });
  }
  if (failed.length > 0) {
    throw new LineageError(`${failed.length} of ${wanted.size} models of zoo ${preset.name} failed: ${failed.map((f) => `${f.id} (${f.reason})`).join('; ')}`,
      `the manifest in ${root} lists the ${models.length} finished models; fix the cause and rerun the same command to build the rest`);
  }
  return { ...base, models };
}

async function modelOf(plan: ZooModelPlan, root: string, earlier: ZooModel | undefined, log: (line: string) => void): Promise<ZooModel> {
  const { model, build, measure } = plan;
  const target = resolveZooPath(root, model.path);
  if (!build) {
    if (!measure) {
      log(`${model.id}: ${model.path}`);
      return model;
    }
    if (earlier?.path === model.path && MEASUREMENTS.some((key) => earlier[key] !== undefined)) {
      log(`${model.id}: ${model.path}, measured before, kept`);
      return earlier;
    }
    const measured = await measure();
    log(`${model.id}: ${model.path}, measured`);
    return { ...model, ...measured };
  }
  if (earlier?.path === model.path && (await exists(target))) {
    log(`${model.id}: already built, kept`);
    return earlier;
  }
  const start = Date.now();
  const measured = await build(target);
  log(`${model.id}: built in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return { ...model, ...measured };
}

/**
 * Models an earlier run finished that this run has not reached yet (still wanted, file still there):
 * listed so that a rerun stopped early does not drop them from the manifest.
 */
async function notYetReached(root: string, previous: ZooManifest | undefined, wanted: ReadonlySet<string>, reached: readonly ZooModel[], failed: readonly { readonly id: string }[]): Promise<ZooModel[]> {
  const seen = new Set([...reached.map((m) => m.id), ...failed.map((f) => f.id)]);
  const carried: ZooModel[] = [];
  for (const model of previous?.models ?? []) {
    if (wanted.has(model.id) && !seen.has(model.id) && (model.path.startsWith('builtin:') || (await exists(resolveZooPath(root, model.path))))) carried.push(model);
  }
  return carried;
}

/** Ids of the preset's models to build: all, or the victim and those in `only` (checked first, before any work). */
async function wantedIds(preset: ZooPreset, ctx: ZooBuildContext, data: ZooManifest['data'], only: readonly string[] | undefined): Promise<Set<string>> {
  const all: ZooModel[] = [];
  for await (const plan of preset.models(ctx, data)) all.push(plan.model);
  if (!only) return new Set(all.map((m) => m.id));
  const unknown = only.filter((id) => !all.some((m) => m.id === id));
  if (unknown.length > 0) {
    throw new LineageError(`preset ${preset.name} has no model ${unknown.join(', ')}`, `its models: ${all.map((m) => m.id).join(', ')}`);
  }
  return new Set(all.filter((m) => m.role === 'victim' || only.includes(m.id)).map((m) => m.id));
}

/** The manifest of an earlier run in `root`, refused when another preset made it. */
async function previousManifest(root: string, preset: ZooPreset): Promise<ZooManifest | undefined> {
  if (!(await exists(resolve(root, ZOO_MANIFEST)))) return undefined;
  const manifest = await readZooManifest(root);
  if (manifest.name !== preset.name) {
    throw new LineageError(`${root} holds zoo '${manifest.name}', not '${preset.name}'`, 'build each preset in its own folder');
  }
  return manifest;
}

/** Every field a build or measure step may record (ZooMeasurements). */
const MEASUREMENTS = ['testAccuracy', 'verificationAuc', 'fidelity', 'trainSeconds'] as const satisfies readonly (keyof ZooMeasurements)[];

const exists = (path: string) => access(path).then(() => true, () => false);
