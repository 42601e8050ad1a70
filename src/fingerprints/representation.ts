import type { Outputs } from '../models/types.js';
import { argmaxRows, correlationMatrix, labelOnlyOutputs } from '../stats/correlation.js';
import type { Kernel } from '../stats/correlation.js';
import type { OutputMode } from './types.js';

/**
 * What SAC reads from a model: the N×N correlation matrix of its outputs on the samples. In label
 * mode only the predicted class counts (for APIs that return labels): each row becomes the
 * one-hot-ish softmax of METHODS.md §2.5 before the matrix is built.
 */
export function sacMatrix(outputs: Outputs, kernel: Kernel, mode: OutputMode, classes = outputs.cols): Float64Array {
  const rows = mode === 'label' ? labelOnlyOutputs(argmaxRows(outputs), classes) : outputs;
  return correlationMatrix(rows, kernel);
}
