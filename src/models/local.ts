import type { ImageBatch } from '../data/types.js';
import { assertFinite, chunkRanges, concatRows } from './outputs.js';
import { sliceBatch, specChannelCount, toInputTensor } from './preprocess.js';
import type { InputSpec, Model, Outputs } from './types.js';

/** The engine-specific part of a model that runs in this process (ONNX Runtime, TF.js). */
export interface Runner {
  /** Largest batch one run may take (1 for models exported with a fixed batch of 1). */
  readonly maxBatch: number;
  /** Run one preprocessed chunk: `input` is `count` images laid out as the spec says. */
  run(input: Float32Array, shape: readonly number[], count: number): Promise<Outputs>;
  dispose(): Promise<void>;
}

/** Tensor shape for `count` images under a spec. */
export function inputShape(spec: InputSpec, count: number): number[] {
  const c = specChannelCount(spec);
  return spec.layout === 'nhwc' ? [count, spec.height, spec.width, c] : [count, c, spec.height, spec.width];
}

/** A Model backed by a Runner: preprocesses, runs in chunks, checks and stacks the outputs. */
export class LocalModel implements Model {
  private count = 0;

  constructor(
    readonly source: string,
    readonly spec: InputSpec,
    private readonly runner: Runner,
  ) {}

  get queries(): number {
    return this.count;
  }

  async predict(batch: ImageBatch): Promise<Outputs> {
    const blocks: Outputs[] = [];
    for (const [start, end] of chunkRanges(batch.count, this.runner.maxBatch)) {
      const input = await toInputTensor(sliceBatch(batch, start, end), this.spec);
      blocks.push(await this.runner.run(input, inputShape(this.spec, end - start), end - start));
    }
    this.count += batch.count;
    return assertFinite(concatRows(blocks, this.source), this.source);
  }

  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}
