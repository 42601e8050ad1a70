import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageBatch } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import { predictAll } from '../src/fingerprints/query.js';
import type { Model, Outputs } from '../src/models/types.js';

/** A fake model whose output for an image is [first pixel, 2 × first pixel]; `tamper` edits its replies. */
function fakeModel(tamper: (out: Outputs) => Outputs = (o) => o): Model & { calls: number[] } {
  const calls: number[] = [];
  return {
    source: 'fake.onnx',
    spec: {} as Model['spec'],
    queries: 0,
    calls,
    async predict(batch: ImageBatch) {
      calls.push(batch.count);
      const data = new Float32Array(batch.count * 2);
      for (let i = 0; i < batch.count; i++) [data[2 * i], data[2 * i + 1]] = [batch.data[i]!, 2 * batch.data[i]!];
      return tamper({ data, rows: batch.count, cols: 2 });
    },
    async dispose() {},
  };
}

const batch = (n: number): ImageBatch => ({ data: Uint8Array.from({ length: n }, (_, i) => i % 256), count: n, height: 1, width: 1, channels: 1 });

test('predictAll keeps every row in order across adaptive chunks, and reports progress to the end', async () => {
  const model = fakeModel();
  const seen: number[] = [];
  const out = await predictAll(model, batch(300), (p) => seen.push(p.done));
  assert.equal(out.rows, 300);
  assert.equal(model.calls.reduce((a, b) => a + b, 0), 300);
  assert.equal(model.calls[0], 8, 'starts with a small chunk');
  assert.ok(model.calls.length < 10, 'a fast model gets big chunks');
  for (let i = 0; i < 300; i++) assert.deepEqual([out.data[2 * i], out.data[2 * i + 1]], [i % 256, 2 * (i % 256)]);
  assert.equal(seen.at(-1), 300);
});

test('predictAll refuses non-finite outputs and a wrong number of rows, naming the model', async () => {
  const nan = fakeModel((o) => (o.data[1] = NaN, o));
  await assert.rejects(predictAll(nan, batch(4)), (e: unknown) => e instanceof LineageError && /fake\.onnx produced a non-finite output \(NaN\) for sample 0/.test(e.message));
  const short = fakeModel((o) => ({ ...o, rows: o.rows - 1 }));
  await assert.rejects(predictAll(short, batch(4)), (e: unknown) => e instanceof LineageError && /returned 3 outputs for 4 images/.test(e.message));
});
