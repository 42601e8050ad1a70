import { loadImages } from '../data/load.js';
import type { ImageSet } from '../data/types.js';
import { isLineageError, LineageError } from '../errors.js';
import type { MethodName, ProgressFn } from '../fingerprints/types.js';
import { withModel } from '../fingerprints/calibrate.js';
import { applyDefence } from '../models/defences/apply.js';
import { loadModel } from '../models/load.js';
import type { Model, Outputs } from '../models/types.js';
import { resolveZooPath, zooVictim } from '../zoo/manifest.js';
import type { ZooManifest, ZooModel } from '../zoo/manifest.js';
import { zooUtility } from '../zoo/utility.js';
import type { Utility } from '../zoo/utility.js';
import { withOutputCache } from '../models/output-cache.js';
import { fingerprintKey, makeBenchFingerprint } from './fingerprints.js';
import type { BenchFingerprint } from './fingerprints.js';
import type { BenchSettings, FailedModel, ModelScore } from './types.js';

/** One fingerprint the benchmark makes: a method at one point of the parameter space. */
export interface FingerprintPlan {
  readonly method: MethodName;
  readonly settings: BenchSettings;
}

/** The zoo's models checked against one fingerprint. */
export interface FingerprintScores {
  readonly fingerprint: BenchFingerprint;
  /** The models the method could score, in manifest order. */
  readonly scores: readonly ModelScore[];
  /** Matrices of the models asked for in `keep`, by id (SAC). */
  readonly matrices: ReadonlyMap<string, Float64Array>;
  /** Every scored model's outputs, by id, when the fingerprint has a clustering rule. */
  readonly outputs: ReadonlyMap<string, Outputs>;
}

export interface ScoreOptions {
  /** Ids of models whose correlation matrices are kept (for heatmaps). */
  readonly keep?: ReadonlySet<string>;
  readonly onProgress?: ProgressFn;
  readonly onWarning?: (message: string) => void;
  /** A model that could not be checked at all (a queue job that failed every try); it is left out of the scores. */
  readonly onFailure?: (failed: FailedModel) => void;
}

/** The zoo's non-victim models, which must include at least one stolen and one independent model. */
export function suspectsOf(zoo: string, manifest: ZooManifest): (ZooModel & { role: 'stolen' | 'independent' })[] {
  const suspects = manifest.models.filter((m): m is ZooModel & { role: 'stolen' | 'independent' } => m.role !== 'victim');
  for (const role of ['stolen', 'independent'] as const) {
    if (!suspects.some((m) => m.role === role)) {
      throw new LineageError(`zoo ${zoo} has no ${role} model`, 'a benchmark needs stolen and independent models: build the zoo fully (`lineage zoo`)');
    }
  }
  return suspects;
}

/** One zoo model checked against one fingerprint: its score, and what the report or a clustering rule keeps of it. */
export interface ModelCheck {
  readonly score: ModelScore;
  /** SAC: its matrix, when the model is one of `keep`. */
  readonly matrix?: Float64Array;
  /** Its outputs, when the fingerprint has a clustering rule. */
  readonly outputs?: Outputs;
}

/** scoreZoo's signature: `lineage bench --queue` puts its own (queue/bench-jobs.ts) in the local one's place. */
export type ZooScorer = typeof scoreZoo;

/**
 * Fingerprint the zoo's victim once per plan, then load every other model once and check it against
 * every fingerprint (outputs cached per input image, see withOutputCache). One entry per plan,
 * undefined where the method cannot run on this victim.
 */
export async function scoreZoo(zoo: string, manifest: ZooManifest, plans: readonly FingerprintPlan[], options: ScoreOptions = {}): Promise<(FingerprintScores | undefined)[]> {
  const suspects = suspectsOf(zoo, manifest);
  const utility = zooUtility(manifest);
  const warnings: string[] = [];
  const fingerprints = await makeFingerprints(zoo, manifest, plans, { ...options, onWarning: (w) => { warnings.push(w); options.onWarning?.(w); } });
  requireSomeFingerprint(zoo, fingerprints, warnings);
  const checks: (ModelCheck | undefined)[][] = [];
  for (const m of suspects) checks.push(await checkZooModel(zoo, m, utility, fingerprints, plans, options));
  return gatherScores(fingerprints, checks);
}

/** Refuse a run where no method could make its fingerprint, with every reason. */
export function requireSomeFingerprint(zoo: string, fingerprints: readonly (BenchFingerprint | undefined)[], warnings: readonly string[]): void {
  if (fingerprints.every((f) => f === undefined)) {
    throw new LineageError(`no method could run on zoo ${zoo}: ${warnings.join('; ')}`, 'choose methods that fit this zoo (--methods), or fewer --samples');
  }
}

/**
 * Load zoo model `m` once and check it against every plan's fingerprint (through the plan's
 * defence, if any): one entry per plan, undefined where there is no fingerprint or the method
 * cannot score this model (said as a warning).
 */
export async function checkZooModel(zoo: string, m: ZooModel & { role: 'stolen' | 'independent' }, utility: ReadonlyMap<string, Utility>, fingerprints: readonly (BenchFingerprint | undefined)[],
  plans: readonly FingerprintPlan[], options: ScoreOptions = {}): Promise<(ModelCheck | undefined)[]> {
  const { value, broken } = utility.get(m.id)!;
  const model = withOutputCache(await loadModel(resolveZooPath(zoo, m.path), options.onWarning ? { onWarning: options.onWarning } : {}), m.id);
  try {
    const checks: (ModelCheck | undefined)[] = [];
    for (const [k, fingerprint] of fingerprints.entries()) {
      checks.push(undefined);
      if (!fingerprint) continue;
      const start = performance.now();
      const { defence } = plans[k]!.settings;
      // The defended suspect wraps the cached model: output defences re-use its answers.
      const c = await fingerprint.check(defence ? applyDefence(model, defence) : model, options.onProgress);
      if ('skipped' in c) {
        options.onWarning?.(`${m.id} left out of ${fingerprint.method}: ${c.skipped}`);
        continue;
      }
      checks[k] = {
        score: { id: m.id, role: m.role, group: m.group, values: c.values, queries: c.queries, seconds: (performance.now() - start) / 1000, ...(value !== undefined ? { utility: value } : {}), ...(broken ? { broken } : {}) },
        ...(c.matrix && options.keep?.has(m.id) ? { matrix: c.matrix } : {}),
        ...(c.outputs && fingerprint.cluster ? { outputs: c.outputs } : {}),
      };
    }
    return checks;
  } finally {
    await model.dispose();
  }
}

/** Each fingerprint's scores from the checks of every model (checks[model][plan], models in manifest order). */
export function gatherScores(fingerprints: readonly (BenchFingerprint | undefined)[], checks: readonly (readonly (ModelCheck | undefined)[])[]): (FingerprintScores | undefined)[] {
  return fingerprints.map((fingerprint, k) => {
    if (!fingerprint) return undefined;
    const made = checks.map((perPlan) => perPlan[k]).filter((x): x is ModelCheck => x !== undefined);
    return {
      fingerprint,
      scores: made.map((c) => c.score),
      matrices: new Map(made.flatMap((c) => (c.matrix ? [[c.score.id, c.matrix] as const] : []))),
      outputs: new Map(made.flatMap((c) => (c.outputs ? [[c.score.id, c.outputs] as const] : []))),
    };
  });
}

/** Each plan's fingerprint, made once per distinct key; undefined where the method was skipped. */
async function makeFingerprints(zoo: string, manifest: ZooManifest, plans: readonly FingerprintPlan[], options: ScoreOptions): Promise<(BenchFingerprint | undefined)[]> {
  return withVictimPool(zoo, manifest, options.onWarning, async (victim, pool, dataPath) => withZooBase(zoo, manifest, options.onWarning, async (base) => {
    const made = new Map<string, BenchFingerprint | undefined>();
    const fingerprints: (BenchFingerprint | undefined)[] = [];
    for (const { method, settings } of plans) {
      requireSamples(settings, pool, dataPath);
      const key = fingerprintKey(method, settings);
      if (!made.has(key)) made.set(key, await fingerprintOrSkip(() => makeBenchFingerprint(victim, pool, method, settings, options.onProgress, base), method, options.onWarning));
      fingerprints.push(made.get(key));
    }
    return fingerprints;
  }));
}

/** Run `use` with the zoo's public base (ZooManifest.base) loaded, or with undefined when the zoo names none. */
export function withZooBase<T>(zoo: string, manifest: ZooManifest, onWarning: ((message: string) => void) | undefined, use: (base?: Model) => Promise<T>): Promise<T> {
  return manifest.base ? withModel(resolveZooPath(zoo, manifest.base.path), onWarning ? { onWarning } : undefined, use) : use();
}

/** Run `use` with the zoo's victim and its images (at the victim's input size) that fingerprints are made from. */
export async function withVictimPool<T>(zoo: string, manifest: ZooManifest, onWarning: ((message: string) => void) | undefined,
  use: (victim: Model, pool: ImageSet, dataPath: string) => Promise<T>): Promise<T> {
  const victim = await loadModel(resolveZooPath(zoo, zooVictim(manifest).path), onWarning ? { onWarning } : {});
  try {
    const { data } = manifest;
    const dataPath = resolveZooPath(zoo, data.path);
    const pool = await loadImages(dataPath, {
      size: { height: victim.spec.height, width: victim.spec.width },
      channels: victim.spec.channels === 'gray' ? 1 : 3,
      ...(data.faceCrop ? { faceCrop: true } : {}),
      ...(data.indices ? { indices: data.indices } : {}),
    });
    return await use(victim, pool, dataPath);
  } finally {
    await victim.dispose();
  }
}

/** A fingerprint of more samples than the zoo's data holds is refused, naming both. */
export function requireSamples(settings: BenchSettings, pool: ImageSet, dataPath: string): void {
  if (settings.samples > pool.count) {
    throw new LineageError(`the zoo's data ${dataPath} holds ${pool.count} images; ${settings.samples} samples were asked for`, `use --samples ${pool.count} or fewer`);
  }
}

/**
 * One method's fingerprint, or undefined with the reason as a warning when the zoo cannot give it
 * (see makeBenchFingerprint): the other methods of the run go on.
 */
export async function fingerprintOrSkip(make: () => Promise<BenchFingerprint>, method: string, onWarning?: (message: string) => void): Promise<BenchFingerprint | undefined> {
  try {
    return await make();
  } catch (e) {
    if (!isLineageError(e)) throw e;
    onWarning?.(`${method} skipped: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    return undefined;
  }
}
