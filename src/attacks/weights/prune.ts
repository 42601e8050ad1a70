import { LineageError } from '../../errors.js';
import { isKernel, type TensorEdit } from './tensor-edit.js';

export const DEFAULT_PRUNE_RATIO = 0.3;

/**
 * Magnitude pruning: in every kernel, zero exactly round(ratio · size) entries, those with the
 * smallest |w| (ties broken by position, so the result is deterministic).
 */
export function pruneEdit(ratio = DEFAULT_PRUNE_RATIO): TensorEdit {
  if (!(ratio > 0 && ratio < 1)) {
    throw new LineageError(`prune ratio ${ratio} is out of range`, 'give a ratio strictly between 0 and 1, e.g. 0.3');
  }
  return {
    params: { ratio },
    appliesTo: isKernel,
    apply({ values }) {
      const out = values.slice();
      const count = Math.round(ratio * values.length);
      if (count === 0) return out;
      const magnitudes = values.map(Math.abs).sort();
      const cutoff = magnitudes[count - 1]!;
      // Everything strictly below the cutoff goes; entries equal to it go in order until `count`.
      let atCutoff = count - magnitudes.indexOf(cutoff);
      for (let i = 0; i < out.length; i++) {
        const m = Math.abs(out[i]!);
        if (m < cutoff) out[i] = 0;
        else if (m === cutoff && atCutoff > 0) {
          out[i] = 0;
          atCutoff--;
        }
      }
      return out;
    },
  };
}
