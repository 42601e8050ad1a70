import { loadImages } from '../data/load.js';
import { LineageError } from '../errors.js';
import { compareWithFingerprint } from '../fingerprints/compare.js';
import { fingerprint } from '../fingerprints/fingerprint.js';
import type { Fingerprint, ProgressFn, SacParams } from '../fingerprints/types.js';
import { loadModel } from '../models/load.js';
import { resolveZooPath, zooVictim } from '../zoo/manifest.js';
import type { ZooManifest, ZooModel } from '../zoo/manifest.js';
import { withOutputCache } from './cached-model.js';
import type { ModelScore } from './types.js';

export interface MadeFingerprint {
  readonly fp: Fingerprint;
  readonly seconds: number;
  readonly victimQueries: number;
}

export interface ZooScores {
  readonly fingerprints: readonly MadeFingerprint[];
  /** scores[f][k]: model k of `suspects` against fingerprint f. */
  readonly scores: readonly (readonly ModelScore[])[];
  /** Per fingerprint, the matrices of the models asked for in `keep`, by id. */
  readonly matrices: readonly ReadonlyMap<string, Float64Array>[];
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
 * Fingerprint the zoo's victim once per parameter set, then load every other model once and
 * compare it with every fingerprint (outputs cached per sample batch, see withOutputCache).
 */
export async function scoreZoo(zoo: string, manifest: ZooManifest, params: readonly SacParams[], options: ScoreOptions = {}): Promise<ZooScores> {
  const suspects = suspectsOf(zoo, manifest);
  const modelOptions = options.onWarning ? { onWarning: options.onWarning } : {};
  const fingerprints = await makeFingerprints(zoo, manifest, params, options);
  const scores = params.map((): ModelScore[] => []);
  const matrices = params.map(() => new Map<string, Float64Array>());
  for (const m of suspects) {
    const model = withOutputCache(await loadModel(resolveZooPath(zoo, m.path), modelOptions), m.id);
    try {
      for (const [f, { fp }] of fingerprints.entries()) {
        const start = performance.now();
        const c = await compareWithFingerprint(fp, model, options.onProgress);
        scores[f]!.push({ id: m.id, role: m.role, group: m.group, distance: c.distance, pearsonDistance: c.pearsonDistance, queries: c.queries, seconds: (performance.now() - start) / 1000 });
        if (options.keep?.has(m.id)) matrices[f]!.set(m.id, c.matrix);
      }
    } finally {
      await model.dispose();
    }
  }
  return { fingerprints, scores, matrices };
}

async function makeFingerprints(zoo: string, manifest: ZooManifest, params: readonly SacParams[], options: ScoreOptions): Promise<MadeFingerprint[]> {
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
    const made: MadeFingerprint[] = [];
    for (const p of params) {
      if (p.samples > pool.count) {
        throw new LineageError(`the zoo's data ${dataPath} holds ${pool.count} images; ${p.samples} samples were asked for`, `use --samples ${pool.count} or fewer`);
      }
      const start = performance.now();
      const before = victim.queries;
      const fp = await fingerprint(victim, { data: pool, ...p, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
      made.push({ fp, seconds: (performance.now() - start) / 1000, victimQueries: victim.queries - before });
    }
    return made;
  } finally {
    await victim.dispose();
  }
}
