import type { ImageBatch } from '../data/types.js';

/** Colour layout a model expects. */
export type ChannelOrder = 'rgb' | 'bgr' | 'gray';
/** Tensor layout a model expects. */
export type Layout = 'nhwc' | 'nchw';
/** What the selected output is: class scores (raw logits), an embedding, or a hard label only. */
export type OutputKind = 'logits' | 'embedding' | 'label';
/**
 * Where a spec setting came from, strongest first. 'default' means nobody declared it: callers
 * should warn, because a wrong input range silently ruins fingerprints (see METHODS.md).
 */
export type SpecSource = 'override' | 'sidecar' | 'builtin' | 'model' | 'default';

/**
 * How 8-bit pixels become the model's input tensor:
 *   x = (pixel * scale - mean[c]) / std[c]
 * e.g. [0,1]: scale 1/255, mean 0, std 1;  [-1,1]: scale 1/127.5, mean 1, std 1;  raw 0–255: scale 1.
 * `mean` and `std` are indexed in the model's own channel order (`channels`), one entry per channel.
 */
export interface InputSpec {
  readonly height: number;
  readonly width: number;
  readonly channels: ChannelOrder;
  readonly layout: Layout;
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Which model output to read: a name, or an index into the model's outputs. */
  readonly output: string | number;
  readonly outputKind: OutputKind;
  /** Name of the input tensor, when the model has several or names matter (ONNX / graph models). */
  readonly inputName?: string;
  /** Where scale/mean/std came from; absent means unknown (treat like 'default'). */
  readonly normalisationSource?: SpecSource;
}

/**
 * Row-major matrix of model outputs: `rows` samples × `cols` output values.
 * For outputKind 'label' each row is one-hot (1 at the returned class, 0 elsewhere).
 */
export interface Outputs {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Any model Lineage can query: a local ONNX file, a TF.js model, or a remote HTTP endpoint.
 * `predict` takes 8-bit images of any size and does the model's own preprocessing (see InputSpec).
 */
export interface Model {
  /** Where the model came from (file path or URL), for messages and reports. */
  readonly source: string;
  readonly spec: InputSpec;
  predict(batch: ImageBatch): Promise<Outputs>;
  /** Number of images sent to the model so far (the query count a suspect API would bill). */
  readonly queries: number;
  dispose(): Promise<void>;
}
