import { imageAt, type ImageBatch } from '../data/types.js';
import { LineageError } from '../errors.js';

/**
 * The adaptive thief's query detector: scores that flag fingerprint queries among the images an
 * API receives. Higher = more suspicious. Thresholds are fitted on ordinary images only (the
 * thief's normal traffic), at a chosen false-alarm rate.
 */
export type QueryScore = (batch: ImageBatch, i: number) => number;

/** BT.601 luma of image i, as a Float64Array of height × width. */
function luma(batch: ImageBatch, i: number): Float64Array {
  const image = imageAt(batch, i);
  const { height, width, channels } = batch;
  const out = new Float64Array(height * width);
  for (let p = 0; p < height * width; p++) {
    out[p] = channels === 1 ? image[p]! : 0.299 * image[3 * p]! + 0.587 * image[3 * p + 1]! + 0.114 * image[3 * p + 2]!;
  }
  return out;
}

/**
 * JPEG blockiness: the mean absolute step between neighbouring pixels across 8-pixel block
 * boundaries, over the mean step elsewhere, for the best of the 8 grid offsets per axis (so a grid
 * shifted by re-cropping is found too) divided by the median offset's value — about 1 for a photo,
 * well above 1 for a strongly compressed JPEG. The two axes are averaged.
 */
export const blockiness: QueryScore = (batch, i) => {
  const y = luma(batch, i);
  const { height, width } = batch;
  const axis = (step: (a: number, b: number) => number, along: number, across: number): number => {
    // steps[o]: mean |difference| between position k−1 and k for k ≡ o (mod 8), summed over the other axis.
    const sums = new Float64Array(8);
    const counts = new Float64Array(8);
    for (let k = 1; k < along; k++) {
      for (let j = 0; j < across; j++) {
        sums[k % 8] += step(k, j);
        counts[k % 8] += 1;
      }
    }
    const means = Array.from(sums, (s, o) => (counts[o]! > 0 ? s / counts[o]! : 0)).filter((_, o) => counts[o]! > 0);
    const sorted = [...means].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return Math.max(...means) / (median + 1e-3);
  };
  const horizontal = axis((x, row) => Math.abs(y[row * width + x]! - y[row * width + x - 1]!), width, height);
  const vertical = axis((r, col) => Math.abs(y[r * width + col]! - y[(r - 1) * width + col]!), height, width);
  return (horizontal + vertical) / 2;
};

/**
 * SAC-m's CutMix patch: the largest edge contrast of a square of side round(0.2·W) whose centre
 * lies in a corner region (SAC-m's rule), over the image's mean neighbour step. The contrast is the
 * mean |step| across the square's sides that lie inside the image.
 */
export const cutMixCorner: QueryScore = (batch, i) => {
  const y = luma(batch, i);
  const { height, width } = batch;
  const side = Math.max(1, Math.round(0.2 * width));
  let total = 0;
  for (let r = 0; r < height; r++) for (let c = 1; c < width; c++) total += Math.abs(y[r * width + c]! - y[r * width + c - 1]!);
  const typical = total / (height * (width - 1)) + 1e-3;
  const inCorner = (v: number, size: number) => v < size / 6 || v > (5 * size) / 6;
  let best = 0;
  for (let top = 0; top + side <= height; top++) {
    for (let left = 0; left + side <= width; left++) {
      if (!(inCorner(top + side / 2, height) || top === 0 || top + side === height) || !(inCorner(left + side / 2, width) || left === 0 || left + side === width)) continue;
      let sum = 0;
      let n = 0;
      const across = (a: number, b: number) => {
        sum += Math.abs(y[a]! - y[b]!);
        n++;
      };
      for (let k = 0; k < side; k++) {
        if (left > 0) across((top + k) * width + left, (top + k) * width + left - 1);
        if (left + side < width) across((top + k) * width + left + side - 1, (top + k) * width + left + side);
        if (top > 0) across(top * width + left + k, (top - 1) * width + left + k);
        if (top + side < height) across((top + side - 1) * width + left + k, (top + side) * width + left + k);
      }
      if (n > 0) best = Math.max(best, sum / n / typical);
    }
  }
  return best;
};

/** COS[u][x] = c(u)·cos((2x + 1)uπ / 16): the orthonormal 8-point DCT-II basis. */
const COS = Array.from({ length: 8 }, (_, u) => Array.from({ length: 8 }, (_, x) => (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16)));

/**
 * A JPEG quality estimate from the coefficients themselves: the fraction of high-frequency DCT
 * coefficients (u + v ≥ 5) of the 8×8 luma blocks, on JPEG's own grid, that are near zero
 * (|c| < 2 grey levels). Strong compression quantises nearly all of them to zero; a photo, even a
 * small or smooth one, keeps some texture and sensor noise there. Higher = lower JPEG quality.
 */
export const jpegQuantisation: QueryScore = (batch, i) => {
  const y = luma(batch, i);
  const { height, width } = batch;
  let small = 0;
  let total = 0;
  const block = new Float64Array(64);
  for (let by = 0; by + 8 <= height; by += 8) {
    for (let bx = 0; bx + 8 <= width; bx += 8) {
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) block[r * 8 + c] = y[(by + r) * width + bx + c]! - 128;
      for (let u = 0; u < 8; u++) {
        for (let v = 0; v < 8; v++) {
          if (u + v < 5) continue;
          let coefficient = 0;
          for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) coefficient += COS[u]![r]! * COS[v]![c]! * block[r * 8 + c]!;
          if (Math.abs(coefficient) < 2) small++;
          total++;
        }
      }
    }
  }
  return total > 0 ? small / total : 0;
};

/** The named detectors the thief runs. */
export const QUERY_DETECTORS = { blockiness, quantisation: jpegQuantisation, cutmix: cutMixCorner } as const satisfies Record<string, QueryScore>;

/** Scores of every image of a batch. */
export const scoreAll = (score: QueryScore, batch: ImageBatch): number[] => Array.from({ length: batch.count }, (_, i) => score(batch, i));

/**
 * The threshold that flags at most `falseAlarm` of the ordinary images: an image is flagged when its
 * score is strictly above it (the ⌈(1 − falseAlarm)·n⌉-th smallest ordinary score).
 */
export function fitThreshold(ordinary: readonly number[], falseAlarm: number): number {
  if (ordinary.length === 0) throw new LineageError('no ordinary images to fit the detector threshold on', 'give the detector a sample of normal traffic');
  const sorted = [...ordinary].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((1 - falseAlarm) * sorted.length) - 1)]!;
}

/** Fraction of scores above the threshold. */
export const flaggedRate = (scores: readonly number[], threshold: number): number => scores.filter((s) => s > threshold).length / scores.length;
