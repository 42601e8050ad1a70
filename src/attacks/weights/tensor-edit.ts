import type { WeightTensor } from './types.js';

/** One weight operation, applied tensor by tensor. */
export interface TensorEdit {
  /** Parameters with defaults filled in, for the record. */
  readonly params: Readonly<Record<string, number>>;
  appliesTo(tensor: WeightTensor): boolean;
  /** The edited values, as a new array (the input is never changed). */
  apply(tensor: WeightTensor): Float32Array;
}

/**
 * Conv and dense kernels are the tensors spanning at least two axes of size > 1 (in × out, or
 * spatial × channels); biases, batch-norm parameters, PReLU slopes ([C, 1, 1] in ONNX) and scalar
 * constants do not. Shape is the one signal every format keeps (TF.js graph models fold batch norm
 * into unnamed `mul`/`offset` vectors, ONNX names are free-form), so it decides alone. Trade-off:
 * a dense layer with a single output ([in, 1]) counts as a vector and is left alone.
 */
export function isKernel(tensor: { readonly shape: readonly number[] }): boolean {
  return tensor.shape.filter((d) => d > 1).length >= 2;
}

export interface WeightEditSummary {
  readonly tensorsEdited: number;
  readonly tensors: number;
  readonly weights: number;
  readonly changed: number;
  readonly maxAbsDelta: number;
}

/**
 * The weight-walking core shared by every format: each format reader hands over its float tensors
 * in file order, gets back the values to write, and the walker keeps the change statistics.
 */
export class WeightWalker {
  private tensorsEdited = 0;
  private tensors = 0;
  private weights = 0;
  private changed = 0;
  private maxAbsDelta = 0;

  constructor(private readonly edit: TensorEdit) {}

  /** Values to write for `tensor`: an edited copy, or `tensor.values` itself when the op skips it. */
  visit(tensor: WeightTensor): Float32Array {
    this.tensors++;
    this.weights += tensor.values.length;
    if (!this.edit.appliesTo(tensor)) return tensor.values;
    this.tensorsEdited++;
    const edited = this.edit.apply(tensor);
    for (let i = 0; i < edited.length; i++) {
      const delta = Math.abs(edited[i]! - tensor.values[i]!);
      if (delta > 0) this.changed++;
      if (delta > this.maxAbsDelta) this.maxAbsDelta = delta;
    }
    return edited;
  }

  summary(): WeightEditSummary {
    const { tensorsEdited, tensors, weights, changed, maxAbsDelta } = this;
    return { tensorsEdited, tensors, weights, changed, maxAbsDelta };
  }
}
