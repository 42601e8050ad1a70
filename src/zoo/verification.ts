import { join } from 'node:path';
import { listImageFolder } from '../data/folder.js';
import type { FacePair } from '../data/lfw.js';
import { loadLfw, loadLfwPairs } from '../data/lfw.js';
import type { ImageBatch } from '../data/types.js';
import { isLineageError, LineageError } from '../errors.js';
import { withModel } from '../fingerprints/calibrate.js';
import { predictAll } from '../fingerprints/query.js';
import type { ProgressFn } from '../fingerprints/types.js';
import type { Model } from '../models/types.js';
import { auc } from '../stats/auc.js';
import { normalizeRows } from '../stats/correlation.js';
import type { ZooMeasurements, ZooModelPlan } from './preset.js';

/*
 * The utility of a face model (zoo/utility.ts: the floor a stolen copy must reach): face
 * verification AUC on held-out LFW pairs, measured while a zoo is built.
 */

/** Held-out LFW verification pairs: the faces they use and the pairs as indices into them. */
export interface VerificationPairs {
  readonly images: ImageBatch;
  readonly pairs: readonly FacePair[];
}

export interface VerificationPairOptions {
  /** Size the faces are loaded at: the input size of the model measured (it resizes otherwise). */
  readonly size: { readonly height: number; readonly width: number };
  /**
   * LFW images (indices in loadLfw's order) no model being measured has trained on: only pairs
   * with both images among them are kept. Default: every image (no model trained on LFW).
   */
  readonly heldOut?: readonly number[];
  /** View-2 folds to use (1-based; 600 pairs each); default: every fold the folder has. */
  readonly folds?: readonly number[];
}

/** The LFW View-2 pairs (pairs_subset.csv or pairs.txt) whose faces are held out, face-cropped; only the faces they use are loaded. */
export async function loadVerificationPairs(lfw: string, options: VerificationPairOptions): Promise<VerificationPairs> {
  const listing = await listImageFolder(join(lfw, 'jpg'));
  const allowed = options.heldOut && new Set(options.heldOut);
  const kept = (await loadLfwPairs(lfw, { names: listing.files })).pairs
    .filter((p) => (!options.folds || options.folds.includes(p.fold)) && (!allowed || (allowed.has(p.a) && allowed.has(p.b))));
  for (const same of [true, false]) {
    if (!kept.some((p) => p.same === same)) {
      throw new LineageError(`${lfw} has no ${same ? 'same' : 'different'}-person pair among its held-out faces${options.folds ? ` in fold ${options.folds.join(', ')}` : ''}`,
        'hold out more LFW images (whole identities) for the utility pairs, or use more folds');
    }
  }
  const indices = [...new Set(kept.flatMap((p) => [p.a, p.b]))].sort((x, y) => x - y);
  const position = new Map(indices.map((image, k) => [image, k]));
  const images = await loadLfw(lfw, { size: options.size, faceCrop: true, indices });
  return { images, pairs: kept.map((p) => ({ ...p, a: position.get(p.a)!, b: position.get(p.b)! })) };
}

/**
 * A meter on the held-out pairs of `lfw`, or undefined when the folder has no usable pairs (a cut-down
 * LFW without its pairs file, or no same- and different-person pair held out): utility unmeasured, not guessed.
 */
export async function verificationMeterIfPairs(lfw: string, options: Omit<VerificationPairOptions, 'size'> = {}): Promise<UtilityMeter | undefined> {
  try {
    await loadVerificationPairs(lfw, { ...options, size: { height: 1, width: 1 } });
  } catch (e) {
    if (isLineageError(e)) return undefined;
    throw e;
  }
  return verificationMeter(lfw, options);
}

/** How a zoo builder measures a model's utility: the manifest fields it records. */
export type UtilityMeter = (model: Model) => Promise<ZooMeasurements>;

/**
 * A zoo builder's utility measurer for face models: each model's verification AUC on the same
 * held-out pairs, loaded once per input size (at the model's own size).
 */
export function verificationMeter(lfw: string, options: Omit<VerificationPairOptions, 'size'> = {}): UtilityMeter {
  const sets = new Map<string, Promise<VerificationPairs>>();
  return async (model) => {
    const { height, width } = model.spec;
    const key = `${height}x${width}`;
    let set = sets.get(key);
    if (!set) sets.set(key, (set = loadVerificationPairs(lfw, { ...options, size: { height, width } })));
    return { verificationAuc: await verificationAuc(model, await set) };
  };
}

/** A plan's `measure` for a model that exists already (a source `loadModel` reads, e.g. `builtin:<name>`): load, measure, dispose; nothing without a meter. */
export function measuredBy(meter: UtilityMeter | undefined, source: string): Pick<ZooModelPlan, 'measure'> {
  return meter ? { measure: () => withModel(source, undefined, meter) } : {};
}

/**
 * Face verification AUC of any embedding model: P(a same-person pair's cosine is above a
 * different-person pair's), ties ½. Every image of the set is embedded once.
 */
export async function verificationAuc(model: Model, set: VerificationPairs, onProgress?: ProgressFn): Promise<number> {
  const out = await predictAll(model, set.images, onProgress, `verification pairs: ${model.source}`);
  const unit = normalizeRows(out.data, out.rows, out.cols);
  const cosine = (a: number, b: number) => {
    let sum = 0;
    for (let k = 0; k < out.cols; k++) sum += unit[a * out.cols + k]! * unit[b * out.cols + k]!;
    return sum;
  };
  // auc() takes distances, small = positive: 1 − cosine, same-person pairs as the positives.
  const distances = (same: boolean) => set.pairs.filter((p) => p.same === same).map((p) => 1 - cosine(p.a, p.b));
  return auc(distances(true), distances(false));
}
