import { loadImages } from '../data/load.js';
import { isLineageError, LineageError } from '../errors.js';
import type { MethodName, ProgressFn } from '../fingerprints/types.js';
import { applyDefence } from '../models/defences/apply.js';
import { loadModel } from '../models/load.js';
import type { Outputs } from '../models/types.js';
import { resolveZooPath, zooVictim } from '../zoo/manifest.js';
import type { ZooManifest, ZooModel } from '../zoo/manifest.js';
import { zooUtility } from '../zoo/utility.js';
import { withOutputCache } from '../models/output-cache.js';
import { fingerprintKey, makeBenchFingerprint } from './fingerprints.js';
import type { BenchFingerprint } from './fingerprints.js';
import type { BenchSettings, ModelScore } from './types.js';

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

/**
 * Fingerprint the zoo's victim once per plan, then load every other model once and check it against
 * every fingerprint (outputs cached per input image, see withOutputCache). One entry per plan,
 * undefined where the method cannot run on this victim.
 */
export async function scoreZoo(zoo: string, manifest: ZooManifest, plans: readonly FingerprintPlan[], options: ScoreOptions = {}): Promise<(FingerprintScores | undefined)[]> {
  const suspects = suspectsOf(zoo, manifest);
  const utility = zooUtility(manifest);
  const utilityOf = (id: string) => {
    const { value, broken } = utility.get(id)!;
    return { ...(value !== undefined ? { utility: value } : {}), ...(broken ? { broken } : {}) };
  };
  const modelOptions = options.onWarning ? { onWarning: options.onWarning } : {};
  const warnings: string[] = [];
  const fingerprints = await makeFingerprints(zoo, manifest, plans, { ...options, onWarning: (w) => { warnings.push(w); options.onWarning?.(w); } });
  if (fingerprints.every((f) => f === undefined)) {
    throw new LineageError(`no method could run on zoo ${zoo}: ${warnings.join('; ')}`, 'choose methods that fit this zoo (--methods), or fewer --samples');
  }
  const results = fingerprints.map((fingerprint) => fingerprint && { fingerprint, scores: [] as ModelScore[], matrices: new Map<string, Float64Array>(), outputs: new Map<string, Outputs>() });
  for (const m of suspects) {
    const model = withOutputCache(await loadModel(resolveZooPath(zoo, m.path), modelOptions), m.id);
    try {
      for (const [k, r] of results.entries()) {
        if (!r) continue;
        const start = performance.now();
        const { defence } = plans[k]!.settings;
        // The defended suspect wraps the cached model: output defences re-use its answers.
        const c = await r.fingerprint.check(defence ? applyDefence(model, defence) : model, options.onProgress);
        if ('skipped' in c) {
          options.onWarning?.(`${m.id} left out of ${r.fingerprint.method}: ${c.skipped}`);
          continue;
        }
        r.scores.push({ id: m.id, role: m.role, group: m.group, values: c.values, queries: c.queries, seconds: (performance.now() - start) / 1000, ...utilityOf(m.id) });
        if (c.matrix && options.keep?.has(m.id)) r.matrices.set(m.id, c.matrix);
        if (c.outputs && r.fingerprint.cluster) r.outputs.set(m.id, c.outputs);
      }
    } finally {
      await model.dispose();
    }
  }
  return results;
}

/** Each plan's fingerprint, made once per distinct key; undefined where the method was skipped. */
async function makeFingerprints(zoo: string, manifest: ZooManifest, plans: readonly FingerprintPlan[], options: ScoreOptions): Promise<(BenchFingerprint | undefined)[]> {
  const victim = await loadModel(resolveZooPath(zoo, zooVictim(manifest).path), options.onWarning ? { onWarning: options.onWarning } : {});
  try {
    const { data } = manifest;
    const dataPath = resolveZooPath(zoo, data.path);
    const pool = await loadImages(dataPath, {
      size: { height: victim.spec.height, width: victim.spec.width },
      channels: victim.spec.channels === 'gray' ? 1 : 3,
      ...(data.faceCrop ? { faceCrop: true } : {}),
      ...(data.indices ? { indices: data.indices } : {}),
    });
    const made = new Map<string, BenchFingerprint | undefined>();
    const fingerprints: (BenchFingerprint | undefined)[] = [];
    for (const { method, settings } of plans) {
      if (settings.samples > pool.count) {
        throw new LineageError(`the zoo's data ${dataPath} holds ${pool.count} images; ${settings.samples} samples were asked for`, `use --samples ${pool.count} or fewer`);
      }
      const key = fingerprintKey(method, settings);
      if (!made.has(key)) made.set(key, await fingerprintOrSkip(() => makeBenchFingerprint(victim, pool, method, settings, options.onProgress), method, options.onWarning));
      fingerprints.push(made.get(key));
    }
    return fingerprints;
  } finally {
    await victim.dispose();
  }
}

/**
 * One method's fingerprint, or undefined with the reason as a warning when the zoo cannot give it
 * (see makeBenchFingerprint): the other methods of the run go on.
 */
async function fingerprintOrSkip(make: () => Promise<BenchFingerprint>, method: string, onWarning?: (message: string) => void): Promise<BenchFingerprint | undefined> {
  try {
    return await make();
  } catch (e) {
    if (!isLineageError(e)) throw e;
    onWarning?.(`${method} skipped: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    return undefined;
  }
}
