import { loadImages } from '../data/load.js';
import type { ImageSet } from '../data/types.js';
import { LineageError } from '../errors.js';
import { loadModel } from '../models/load.js';
import type { ModelOptions } from '../models/load.js';
import type { Model } from '../models/types.js';
import type { Kernel } from '../stats/correlation.js';
import { LINEAGE_VERSION } from '../version.js';
import { baseOf } from './base.js';
import { withModel } from './calibrate.js';
import { assessQuality, refusalOf } from './quality.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import { jpegSamples } from './samples/sac-jc.js';
import { cutMixSamples } from './samples/sac-m.js';
import { wrongSamples } from './samples/sac-w.js';
import { peerFingerprint, requirePeerVictim } from './peer-fingerprint.js';
import type { PeerMethodName } from './peers/types.js';
import { isPeerMethod } from './types.js';
import type { AnyFingerprint, Fingerprint, MethodName, OutputMode, PeerFingerprintBundle, ProgressFn, SacMethodName, SacParams, SampleSet } from './types.js';

export interface FingerprintOptions {
  /** Labelled or unlabelled images to draw samples from: a path (any layout `loadImages` knows) or a loaded set. */
  readonly data: string | ImageSet;
  /** LFW folders: crop the face first (true = the standard 128 px centre box, a number = that side). */
  readonly faceCrop?: boolean | number;
  /** A SAC method (default sac-jc) or a peer method (ipguard, modeldiff, deepjudge, akh, deepcore). */
  readonly method?: MethodName;
  /** SAC: the number of samples N; peer methods: the number of seed images drawn from the data. */
  readonly samples?: number;
  readonly seed?: number;
  /** The options below apply to the SAC methods only. */
  readonly kernel?: Kernel;
  readonly outputMode?: OutputMode;
  readonly jpegSeverity?: number;
  /** SAC-JC: compress at this many times the sample size and shrink back (default 1). */
  readonly jpegScale?: number;
  readonly transpose?: boolean;
  /** Keep a fingerprint whose victim matrix is flat (normally refused: see quality.ts). */
  readonly allowDegenerate?: boolean;
  /**
   * The public model the victim was fine-tuned from (any model source, or a loaded Model): the
   * bundle keeps its matrix too, and verdicts become base-aware (base.ts). Loaded with its own
   * preprocessing (built-in spec, sidecar or model file), not the victim's `model` options.
   */
  readonly base?: Model | string;
  /** Preprocessing overrides for the victim when it is given as a path. */
  readonly model?: ModelOptions;
  readonly onProgress?: ProgressFn;
}

export const DEFAULT_PARAMS: SacParams = {
  method: 'sac-jc',
  samples: 100,
  seed: 1,
  kernel: 'cosine',
  outputMode: 'raw',
  jpegSeverity: 1,
  transpose: false,
};

const SAC_ONLY_OPTIONS = ['kernel', 'outputMode', 'jpegSeverity', 'jpegScale', 'transpose', 'allowDegenerate', 'base'] as const;

/**
 * Make a fingerprint of `victim` with any method: load the data at the victim's input size, then
 * SAC (choose samples, query the victim, freeze samples, outputs and matrix) or a peer method
 * (build its query inputs, freeze them and the victim's outputs).
 */
export function fingerprint(victim: Model | string, options: FingerprintOptions & { readonly method?: SacMethodName }): Promise<Fingerprint>;
export function fingerprint(victim: Model | string, options: FingerprintOptions & { readonly method: PeerMethodName }): Promise<PeerFingerprintBundle>;
export function fingerprint(victim: Model | string, options: FingerprintOptions): Promise<AnyFingerprint>;
export async function fingerprint(victim: Model | string, options: FingerprintOptions): Promise<AnyFingerprint> {
  const model = typeof victim === 'string' ? await loadModel(victim, options.model) : victim;
  try {
    return await fingerprintModel(model, options);
  } finally {
    if (typeof victim === 'string') await model.dispose();
  }
}

async function fingerprintModel(victim: Model, options: FingerprintOptions): Promise<AnyFingerprint> {
  const method = options.method ?? DEFAULT_PARAMS.method;
  const samples = options.samples ?? DEFAULT_PARAMS.samples;
  const seed = options.seed ?? DEFAULT_PARAMS.seed;
  if (!Number.isInteger(samples) || samples < 2) {
    throw new LineageError(`--samples must be an integer ≥ 2, got ${samples}`, 'use e.g. --samples 100');
  }
  if (isPeerMethod(method)) {
    const given = SAC_ONLY_OPTIONS.filter((key) => options[key] !== undefined);
    if (given.length > 0) {
      throw new LineageError(`${given.join(', ')} appl${given.length === 1 ? 'ies' : 'y'} to the SAC methods only, not to ${method}`,
        'drop the SAC-only options (--kernel, --severity, --transpose, --label-only, --allow-degenerate, --base), or use --method sac-jc, sac-w or sac-m');
    }
    requirePeerVictim(victim, method); // before the data is loaded: fail fast
  }
  const pool = await loadPool(victim, options, samples);
  const origin = describe(options.data);
  if (isPeerMethod(method)) return peerFingerprint(victim, pool, method, { samples, seed, origin });
  return sacFingerprint(victim, pool, origin, {
    method,
    samples,
    seed,
    kernel: options.kernel ?? DEFAULT_PARAMS.kernel,
    outputMode: options.outputMode ?? DEFAULT_PARAMS.outputMode,
    jpegSeverity: options.jpegSeverity ?? DEFAULT_PARAMS.jpegSeverity,
    // Recorded only when not 1, so bundles made without it keep their exact manifest.
    ...(options.jpegScale !== undefined && options.jpegScale !== 1 ? { jpegScale: options.jpegScale } : {}),
    transpose: options.transpose ?? DEFAULT_PARAMS.transpose,
  }, options);
}

/** The data as images at the victim's input size and channel count, with at least `samples` of them. */
async function loadPool(victim: Model, options: FingerprintOptions, samples: number): Promise<ImageSet> {
  const { spec } = victim;
  const pool = typeof options.data === 'string'
    ? await loadImages(options.data, {
      size: { height: spec.height, width: spec.width },
      channels: spec.channels === 'gray' ? 1 : 3,
      ...(options.faceCrop !== undefined ? { faceCrop: options.faceCrop } : {}),
    })
    : options.data;
  if (pool.count < samples) {
    throw new LineageError(`${describe(options.data)} has ${pool.count} images; ${samples} samples were asked for`, 'lower --samples or give more data');
  }
  return pool;
}

async function sacFingerprint(victim: Model, pool: ImageSet, origin: string, params: SacParams, options: FingerprintOptions): Promise<Fingerprint> {
  const started = performance.now();
  const queriesBefore = victim.queries;
  const chosen = await chooseSamples(pool, victim, params, options.onProgress);
  const outputs = await predictAll(victim, chosen.images, options.onProgress, 'querying the victim');
  const matrix = sacMatrix(outputs, params.kernel, params.outputMode);
  const quality = assessQuality(matrix, chosen.images.count, params.kernel, chosen.labels, chosen.images);
  const refusal = refusalOf(quality);
  if (refusal && !options.allowDegenerate) {
    throw new LineageError(`refusing to make a fingerprint of ${victim.source}: ${refusal}`, 'fix the preprocessing flags or the data, or pass --allow-degenerate to keep it anyway');
  }
  const base = options.base === undefined ? undefined
    : await withModel(options.base, options.model?.onWarning ? { onWarning: options.model.onWarning } : undefined, (m) => baseOf(m, chosen, params, matrix, options.onProgress));
  const { height, width, channels, count } = chosen.images;
  return {
    kind: 'sac',
    manifest: {
      lineageVersion: LINEAGE_VERSION,
      createdAt: new Date().toISOString(),
      params,
      victim: { source: victim.source, spec: victim.spec, outputDim: outputs.cols },
      samples: { count, height, width, channels, origin, names: chosen.names, ...(chosen.labels ? { labels: chosen.labels } : {}) },
      quality,
      cost: { seconds: (performance.now() - started) / 1000, victimQueries: victim.queries - queriesBefore },
      ...(base ? { base: base.info } : {}),
    },
    samples: chosen.images,
    victimOutputs: outputs,
    victimMatrix: matrix,
    ...(base ? { base: base.matrices } : {}),
  };
}

function chooseSamples(pool: ImageSet, victim: Model, p: SacParams, onProgress?: ProgressFn): Promise<SampleSet> {
  switch (p.method) {
    case 'sac-jc':
      return jpegSamples(pool, p.samples, p.seed, p.jpegSeverity, p.jpegScale);
    case 'sac-w':
      return wrongSamples(pool, victim, p.samples, p.seed, onProgress);
    case 'sac-m':
      return Promise.resolve(cutMixSamples(pool, p.samples, p.seed, p.transpose));
  }
}

const describe = (data: string | ImageSet) => (typeof data === 'string' ? data : `${data.count} in-memory images`);
