import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectImages, type ImageBatch } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import { exportOnnx } from '../src/export/onnx-export.js';
import { loadModel } from '../src/models/load.js';
import type { InputSpec, Outputs } from '../src/models/types.js';
import { fitToSpec } from '../src/train/data.js';
import { inputTensor } from '../src/train/evaluate.js';
import { fitHead, imprintHead, loadGraphTrainable, type GraphTrainable } from '../src/train/graph.js';
import { HEAD_OUTPUT, float16Bits, saveGraphModel } from '../src/train/graph-save.js';
import { trainModel } from '../src/train/loop.js';
import { cosFace, regression } from '../src/train/losses.js';
import { LFW_SKIP, lfwIdentityFaces } from './helpers/lfw.js';

const quiet = { onWarning: () => {} };

/** Rows of graph node `node` (or the head when `node` is undefined) for images at the spec's size. */
async function graphRows(model: GraphTrainable, images: ImageBatch, spec: InputSpec, node?: string): Promise<Float32Array> {
  const fitted = (await fitToSpec({ images }, spec)).images;
  return tf.tidy(() => {
    const x = inputTensor(fitted, spec);
    return (node === undefined ? model.apply(x, false) : model.run(x, [node])[0]!).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Outputs): number {
  assert.equal(a.length, b.data.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
}

test('float16Bits encodes like IEEE half precision (round to nearest even, saturating)', () => {
  assert.equal(float16Bits(0), 0);
  assert.equal(float16Bits(-0), 0x8000);
  assert.equal(float16Bits(1), 0x3c00);
  assert.equal(float16Bits(-2), 0xc000);
  assert.equal(float16Bits(65504), 0x7bff);
  assert.equal(float16Bits(1e6), 0x7bff);
  assert.equal(float16Bits(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(float16Bits(1 + 2 ** -11), 0x3c00); // tie → even
  assert.equal(float16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie → even (up)
  assert.equal(float16Bits(Infinity), 0x7c00);
});

test('a TF.js graph model (builtin:mobileface) trains with a CosFace head and round-trips through save/load', { skip: LFW_SKIP, timeout: 120_000 }, async () => {
  const { images, labels } = await lfwIdentityFaces(4, 4, 112);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-'));
  const model = await loadGraphTrainable('builtin:mobileface', { head: { kind: 'cosine', units: 4, seed: 3 }, ...quiet });
  try {
    assert.equal(model.output, 'batchnorm0/add_1');
    assert.equal(model.outputSize, 4);
    const saveTo = path.join(dir, 'tuned');
    const result = await trainModel(model, { images, labels }, {
      epochs: 3, batchSize: 8, lr: 1e-3, seed: 1, loss: cosFace({ scale: 30, margin: 0.35 }), saveTo,
    });
    const losses = result.history.map((h) => h.loss);
    assert.ok(losses[2]! < losses[0]! - 1, `training loss should fall: ${losses.join(' → ')}`);
    assert.ok(result.imagesPerSecond > 0);

    // The head is dropped: the saved model reads the trained embedding node, as the original did.
    const sidecar = JSON.parse(await readFile(path.join(saveTo, 'model.lineage.json'), 'utf8')) as { output: string; mean: number[] };
    assert.equal(sidecar.output, 'batchnorm0/add_1');
    const spec = model.defaultSpec();
    const probe = selectImages(images, [0, 5, 10]);
    const trained = await graphRows(model, probe, spec, model.output);
    const loaded = await loadModel(saveTo, quiet);
    assert.equal(maxAbsDiff(trained, await loaded.predict(probe)), 0, 'float32 storage gives identical outputs');
    await loaded.dispose();
    await assert.rejects(exportOnnx(saveTo, path.join(dir, 'x.onnx')), /is a TF\.js graph model, not a layers model/);
    const original = await loadModel('builtin:mobileface', quiet);
    assert.ok(maxAbsDiff(trained, await original.predict(probe)) > 1e-3, 'training changed the weights');
    await original.dispose();

    const half = path.join(dir, 'half');
    await saveGraphModel(model, half, spec, 'float16');
    const json = JSON.parse(await readFile(path.join(half, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    assert.ok(json.weightsManifest[0]!.weights.some((w) => w.quantization?.dtype === 'float16'));
    const halfModel = await loadModel(half, quiet);
    const fromHalf = await halfModel.predict(probe);
    await halfModel.dispose();
    for (let r = 0; r < 3; r++) {
      const a = trained.subarray(r * 256, (r + 1) * 256);
      const b = fromHalf.data.subarray(r * 256, (r + 1) * 256);
      const cos = a.reduce((s, v, i) => s + v * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
      assert.ok(cos > 0.999, `float16 storage stays close: cosine ${cos}`);
    }
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a kept linear head is saved as graph nodes; only the last weights train when asked', { skip: LFW_SKIP, timeout: 60_000 }, async () => {
  const { images } = await lfwIdentityFaces(4, 4, 112);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-'));
  const model = await loadGraphTrainable('builtin:emotion', { trainOnly: { last: 2 }, head: { kind: 'linear', units: 5, keep: true, seed: 2 }, ...quiet });
  try {
    assert.equal(model.variables.length, 2 + 2, 'two graph weights plus the head kernel and bias');
    const frozen = model.weightNames[0]!;
    assert.equal(model.variable(frozen), undefined);
    const before = (await model.weight(frozen).data()).slice();
    const targets: Outputs = { data: Float32Array.from({ length: 16 * 5 }, (_, i) => Math.sin(i)), rows: 16, cols: 5 };
    const first = await fitHead(model, { images, targets }, regression('cosine'), { steps: 1, lr: 1e-2 });
    const probed = await fitHead(model, { images, targets }, regression('cosine'), { steps: 100, lr: 1e-2 });
    assert.ok(probed < first - 0.05, `the linear probe fits the head alone: loss ${first} → ${probed}`);
    assert.deepEqual(await model.weight(frozen).data(), before, 'a linear probe leaves the graph alone');
    const saveTo = path.join(dir, 'projected');
    await trainModel(model, { images, targets }, { epochs: 1, batchSize: 8, seed: 1, loss: regression('cosine'), saveTo });
    assert.deepEqual(await model.weight(frozen).data(), before, 'frozen weights stay bit-identical');

    const loaded = await loadModel(saveTo, quiet);
    assert.equal(loaded.spec.output, HEAD_OUTPUT);
    const probe = selectImages(images, [1, 2]);
    const rows = await loaded.predict(probe);
    assert.equal(rows.cols, 5);
    assert.ok(maxAbsDiff(await graphRows(model, probe, model.defaultSpec()), rows) < 1e-5);
    await loaded.dispose();
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

/** A 4×4 grey-image graph model whose only weight feeds a TopK (an op without a tfjs gradient). */
async function writeEinsumModel(dir: string): Promise<string> {
  const float = { T: { type: 'DT_FLOAT' } };
  const json = {
    format: 'graph-model',
    generatedBy: 'hand',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '1' }] } } } },
        { name: 'shape', op: 'Const', attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } }, dtype: { type: 'DT_INT32' } } },
        { name: 'w', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '16' }, { size: '3' }] } } }, dtype: { type: 'DT_FLOAT' } } },
        { name: 'flat', op: 'Reshape', input: ['x', 'shape'], attr: { ...float, Tshape: { type: 'DT_INT32' } } },
        { name: 'k', op: 'Const', attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: {} } }, dtype: { type: 'DT_INT32' } } },
        { name: 'scores', op: 'MatMul', input: ['flat', 'w'], attr: { ...float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'out', op: 'TopKV2', input: ['scores', 'k'], attr: { ...float, sorted: { b: true } } },
      ],
      versions: {},
    },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'shape', shape: [2], dtype: 'int32' }, { name: 'w', shape: [16, 3], dtype: 'float32' }, { name: 'k', shape: [], dtype: 'int32' }] }],
  };
  const weights = Buffer.concat([
    Buffer.from(new Int32Array([-1, 16]).buffer), Buffer.from(Float32Array.from({ length: 48 }, (_, i) => i / 48).buffer), Buffer.from(new Int32Array([2]).buffer),
  ]);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await writeFile(path.join(dir, 'w.bin'), weights);
  await writeFile(path.join(dir, 'model.lineage.json'), JSON.stringify({ size: 4, channels: 'gray', range: '0-1', output: 'out', outputKind: 'logits' }));
  return dir;
}

test('training through an op without a gradient names the op and the node', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-'));
  try {
    const model = await loadGraphTrainable(await writeEinsumModel(dir), quiet);
    const images: ImageBatch = { data: new Uint8Array(4 * 16).map((_, i) => i * 3), count: 4, height: 4, width: 4, channels: 1 };
    await assert.rejects(
      trainModel(model, { images, labels: [0, 1, 1, 0] }, { epochs: 1, batchSize: 4, seed: 1 }),
      (e: unknown) => e instanceof LineageError && /no gradient for its op TopK \(node out\)/.test(e.message),
    );
    model.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loading refuses what is not a trainable graph model', async () => {
  await assert.rejects(loadGraphTrainable('builtin:fr_feature', quiet), /not a TF\.js graph model/);
  await assert.rejects(loadGraphTrainable('builtin:mobileface', { output: 'no/such/node', ...quiet }), /has no node "no\/such\/node"/);
  await assert.rejects(loadGraphTrainable('builtin:mobileface', { trainOnly: { last: 999 }, ...quiet }), /has \d+ trainable weights/);
  await assert.rejects(loadGraphTrainable('builtin:mobileface', { head: { kind: 'cosine', units: 3, keep: true, seed: 1 }, ...quiet }), /cannot be kept/);
});

test('imprinting sets each cosine-head class to its mean normalised embedding and leaves unseen classes', { skip: LFW_SKIP, timeout: 60_000 }, async () => {
  const { images } = await lfwIdentityFaces(4, 4, 64);
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 1, 2, 0];
  const model = await loadGraphTrainable('builtin:emotion', { head: { kind: 'cosine', units: 4, seed: 9 }, ...quiet });
  try {
    const unseen = (await model.head!.kernel.data()).filter((_, i) => i % 4 === 3);
    await imprintHead(model, { images, labels });
    const kernel = await model.head!.kernel.data();
    assert.deepEqual(kernel.filter((_, i) => i % 4 === 3), unseen, 'class 3 has no images: its weights stay');
    const rows = await graphRows(model, images, model.defaultSpec(), model.output);
    for (const c of [0, 1, 2]) {
      const mean = new Float64Array(7);
      labels.forEach((l, r) => {
        if (l !== c) return;
        const row = rows.subarray(r * 7, (r + 1) * 7);
        const norm = Math.hypot(...row);
        row.forEach((v, d) => (mean[d]! += v / norm));
      });
      const column = Array.from({ length: 7 }, (_, d) => kernel[d * 4 + c]!);
      const cos = column.reduce((sum, v, d) => sum + v * mean[d]!, 0) / Math.hypot(...column) / Math.hypot(...mean);
      assert.ok(cos > 0.9999, `class ${c}: cosine ${cos} to its mean embedding`);
    }
  } finally {
    model.dispose();
  }
});
