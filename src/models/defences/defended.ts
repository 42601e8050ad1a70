import { createHash } from 'node:crypto';
import { imageAt, type ImageBatch } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import type { InputSpec, Model, Outputs } from '../types.js';
import { outputKindProblem, type DefenceKey } from './parse.js';

/**
 * A suspect that answers through `predict` instead of `inner`: the one shape every defence takes.
 * Queries are counted by `inner` (a defence does not change what the API bills); the source names
 * the defence, so reports say which suspect was defended how.
 */
export function defended(inner: Model, label: string, predict: (batch: ImageBatch) => Promise<Outputs>, spec: InputSpec = inner.spec): Model {
  return {
    source: `${inner.source} [${label}]`,
    spec,
    predict,
    get queries() {
      return inner.queries;
    },
    dispose: () => inner.dispose(),
  };
}

/** An output defence: `map` rewrites the rows `inner` returns (it sees the input batch too, for seeds). */
export function outputDefence(inner: Model, label: string, map: (outputs: Outputs, batch: ImageBatch) => Outputs, spec?: InputSpec): Model {
  return defended(inner, label, async (batch) => map(await inner.predict(batch), batch), spec);
}

/** An input defence: `map` rewrites every image before `inner` sees it. */
export function inputDefence(inner: Model, label: string, map: (batch: ImageBatch) => Promise<ImageBatch>): Model {
  return defended(inner, label, async (batch) => inner.predict(await map(batch)));
}

/** Refuse a defence on a model whose outputs it cannot transform (e.g. top-k of an embedding). */
export function requireOutputKind(inner: Model, key: DefenceKey, label: string = key): void {
  const problem = outputKindProblem(key, inner.spec.outputKind, inner.source, label);
  if (problem) {
    throw new LineageError(problem,
      inner.spec.outputKind === 'embedding' ? 'for embeddings choose truncate, project, rotate, round or noise' : 'for class scores choose top1, topk, temperature, round or noise');
  }
}

/**
 * The seed of one image's random draws: a hash of the defence's seed and the image's bytes, so an
 * image gets the same noise however the queries are cut into batches (a real API that caches answers
 * behaves the same, and `serve --defence` answers exactly like the library wrapper).
 */
export function imageSeed(seed: number, batch: ImageBatch, i: number): number {
  return createHash('sha256').update(`${seed}:`).update(imageAt(batch, i)).digest().readUInt32LE(0);
}

/** Row-wise softmax of z / temperature (max subtracted for stability). */
export function softmax(outputs: Outputs, temperature = 1): Outputs {
  const { rows, cols } = outputs;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = outputs.data.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    let sum = 0;
    const e = row.map((z) => Math.exp((z - max) / temperature));
    for (const v of e) sum += v;
    data.set(e.map((v) => v / sum), r * cols);
  }
  return { data, rows, cols };
}
