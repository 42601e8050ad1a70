import { loadImages } from '../data/load.js';
import type { ImageSet } from '../data/types.js';
import { LineageError } from '../errors.js';
import { loadModel } from '../models/load.js';
import type { ModelOptions } from '../models/load.js';
import type { Model } from '../models/types.js';
import type { Kernel } from '../stats/correlation.js';
import { LINEAGE_VERSION } from '../version.js';
import { assessQuality, isDegenerate } from './quality.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import { jpegSamples } from './samples/sac-jc.js';
import { cutMixSamples } from './samples/sac-m.js';
import { wrongSamples } from './samples/sac-w.js';
import type { Fingerprint, OutputMode, ProgressFn, SacMethodName, SacParams, SampleSet } from './types.js';

export interface FingerprintOptions {
  /** Labelled or unlabelled images to draw samples from: a path (any layout `loadImages` knows) or a loaded set. */
  readonly data: string | ImageSet;
  /** LFW folders: crop the face first (true = the standard 128 px centre box, a number = that side). */
  readonly faceCrop?: boolean | number;
  readonly method?: SacMethodName;
  readonly samples?: number;
  readonly seed?: number;
  readonly kernel?: Kernel;
  readonly outputMode?: OutputMode;
  readonly jpegSeverity?: number;
  readonly transpose?: boolean;
  /** Keep a fingerprint whose victim matrix is flat (normally refused: see quality.ts). */
  readonly allowDegenerate?: boolean;
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

/** Make a fingerprint of `victim`: choose samples, query the victim, freeze samples, outputs and matrix. */
export async function fingerprint(victim: Model | string, options: FingerprintOptions): Promise<Fingerprint> {
  const model = typeof victim === 'string' ? await loadModel(victim, options.model) : victim;
  try {
    return await fingerprintModel(model, options);
  } finally {
    if (typeof victim === 'string') await model.dispose();
  }
}

async function fingerprintModel(victim: Model, options: FingerprintOptions): Promise<Fingerprint> {
  const params: SacParams = {
    method: options.method ?? DEFAULT_PARAMS.method,
    samples: options.samples ?? DEFAULT_PARAMS.samples,
    seed: options.seed ?? DEFAULT_PARAMS.seed,
    kernel: options.kernel ?? DEFAULT_PARAMS.kernel,
    outputMode: options.outputMode ?? DEFAULT_PARAMS.outputMode,
    jpegSeverity: options.jpegSeverity ?? DEFAULT_PARAMS.jpegSeverity,
    transpose: options.transpose ?? DEFAULT_PARAMS.transpose,
  };
  if (!Number.isInteger(params.samples) || params.samples < 2) {
    throw new LineageError(`--samples must be an integer ≥ 2, got ${params.samples}`, 'use e.g. --samples 100');
  }
  const { spec } = victim;
  const pool = typeof options.data === 'string'
    ? await loadImages(options.data, {
      size: { height: spec.height, width: spec.width },
      channels: spec.channels === 'gray' ? 1 : 3,
      ...(options.faceCrop !== undefined ? { faceCrop: options.faceCrop } : {}),
    })
    : options.data;
  if (pool.count < params.samples) {
    throw new LineageError(`${describe(options.data)} has ${pool.count} images; ${params.samples} samples were asked for`, 'lower --samples or give more data');
  }
  const chosen = await chooseSamples(pool, victim, params, options.onProgress);
  const outputs = await predictAll(victim, chosen.images, options.onProgress, 'querying the victim');
  const matrix = sacMatrix(outputs, params.kernel, params.outputMode);
  const quality = assessQuality(matrix, chosen.images.count, params.kernel, chosen.labels);
  if (isDegenerate(quality) && !options.allowDegenerate) {
    throw new LineageError(`refusing to make a fingerprint of ${victim.source}: ${quality.warnings[0]}`, 'fix the preprocessing flags, or pass --allow-degenerate to keep it anyway');
  }
  const { height, width, channels, count } = chosen.images;
  return {
    manifest: {
      lineageVersion: LINEAGE_VERSION,
      createdAt: new Date().toISOString(),
      params,
      victim: { source: victim.source, spec, outputDim: outputs.cols },
      samples: { count, height, width, channels, origin: describe(options.data), names: chosen.names, ...(chosen.labels ? { labels: chosen.labels } : {}) },
      quality,
    },
    samples: chosen.images,
    victimOutputs: outputs,
    victimMatrix: matrix,
  };
}

function chooseSamples(pool: ImageSet, victim: Model, p: SacParams, onProgress?: ProgressFn): Promise<SampleSet> {
  switch (p.method) {
    case 'sac-jc':
      return jpegSamples(pool, p.samples, p.seed, p.jpegSeverity);
    case 'sac-w':
      return wrongSamples(pool, victim, p.samples, p.seed, onProgress);
    case 'sac-m':
      return Promise.resolve(cutMixSamples(pool, p.samples, p.seed, p.transpose));
  }
}

const describe = (data: string | ImageSet) => (typeof data === 'string' ? data : `${data.count} in-memory images`);
