import { isKernel, type TensorEdit } from './tensor-edit.js';
import type { WeightTensor } from './types.js';

/**
 * Weight-only int8 quantisation, symmetric: per output channel c (per tensor when the format does
 * not fix the channel axis), scale_c = max|w_c| / 127 and w' = scale_c · round(w / scale_c), the
 * code in [−127, 127]. Kernels only — biases and norm parameters stay float, as in dynamic-range
 * weight quantisation. Error per weight ≤ scale_c / 2. Per channel matters: conv kernels with batch
 * norm folded in have channels of very different ranges, and per tensor the small ones round to 0.
 */
export function int8Edit(): TensorEdit {
  return {
    params: {},
    appliesTo: isKernel,
    apply(tensor) {
      const channelOf = channelIndexer(tensor);
      const maxAbs = new Float64Array(channelOf.count);
      tensor.values.forEach((v, i) => {
        const c = channelOf(i);
        maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(v));
      });
      return tensor.values.map((v, i) => {
        const scale = maxAbs[channelOf(i)]! / 127;
        if (!(scale > 0) || !Number.isFinite(scale)) return v;
        return Math.sign(v) * Math.min(127, Math.round(Math.abs(v) / scale)) * scale; // rounds half away from zero
      });
    },
  };
}

/** Maps a flat row-major index to its channel along `channelAxis` (one channel when absent). */
function channelIndexer({ shape, channelAxis }: WeightTensor): ((i: number) => number) & { count: number } {
  if (channelAxis === undefined) return Object.assign(() => 0, { count: 1 });
  const count = shape[channelAxis]!;
  const inner = shape.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  return Object.assign((i: number) => Math.floor(i / inner) % count, { count });
}
