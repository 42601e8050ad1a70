import { roundToFloat16 } from './float16.js';
import type { TensorEdit } from './tensor-edit.js';

/** fp16 quantisation: every float weight (kernels, biases, norm parameters) rounded through float16. */
export function fp16Edit(): TensorEdit {
  return {
    params: {},
    appliesTo: () => true,
    apply: ({ values }) => values.map(roundToFloat16),
  };
}
