/**
 * A training-free change to a model's weights, used to make "stolen" copies of real pretrained models.
 * Which tensors each one touches is decided by `isKernel` (see tensor-edit.ts).
 */
export type WeightOp =
  /** Zero the `ratio` smallest-|w| entries of every kernel (default 0.3). */
  | { readonly kind: 'prune'; readonly ratio?: number }
  /** Round every float weight through IEEE float16 and back. */
  | { readonly kind: 'fp16' }
  /** Symmetric int8 round-trip of every kernel, per output channel where the format fixes the axis. */
  | { readonly kind: 'int8' }
  /** w += sigma · sd(w) · N(0, 1) on every kernel, sd taken per tensor (default sigma 0.01). */
  | { readonly kind: 'noise'; readonly sigma?: number; readonly seed: number };

export type WeightOpKind = WeightOp['kind'];

/** One float weight tensor, values row-major. */
export interface WeightTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /**
   * Axis of the output channels when the format fixes it (TF.js kernels: last, depthwise: the
   * channel axis; ONNX conv weights: first). Only a precision hint for per-channel quantisation.
   */
  readonly channelAxis?: number;
}

/** What a derived copy differs by, for manifests and reports. */
export interface DeriveRecord {
  readonly source: string;
  readonly output: string;
  readonly format: 'tfjs' | 'onnx';
  readonly op: WeightOpKind;
  /** The op's parameters with defaults filled in. */
  readonly params: Readonly<Record<string, number>>;
  /** Float tensors the op edited / float tensors in the model. */
  readonly tensorsEdited: number;
  readonly tensors: number;
  /** Float weights in the model (all float tensors). */
  readonly weights: number;
  /** Share of all float weights whose value changed. */
  readonly changedFraction: number;
  readonly maxAbsDelta: number;
}
