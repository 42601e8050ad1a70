import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../src/errors.js';
import type { Model } from '../src/models/types.js';
import { initTrainingBackend } from '../src/train/backend.js';
import { adamOnInputs, boundaryLoss, crossEntropy, pgd, toImageBatch, whiteBox, type WhiteBox } from '../src/fingerprints/peers/index.js';

// A 1×2-pixel grey "model" with logits z = x·W: its gradients have a known sign everywhere.
const W = [[1, 0, 0], [0, 1, 0]]; // z = (x₀, x₁, 0)
const linear: WhiteBox = {
  source: 'linear',
  height: 1,
  width: 2,
  channels: 1,
  logits: (pixels) => tf.matMul(tf.reshape(pixels, [pixels.shape[0], 2]), tf.tensor2d(W)) as tf.Tensor2D,
};
const pixels = (values: number[][]) => tf.tensor4d(values.flat(), [values.length, 1, 2, 1]);

test('boundary loss = ReLU(z_i − z_j + k) + ReLU(max_{t≠i,j} z_t − z_i)', async () => {
  await initTrainingBackend();
  const z = tf.tensor2d([[3, 1, 0.5], [1, 12, 0.5], [1, 12, 2]]);
  // (3 − 1 + 10) + 0 = 12;  0 + 0 = 0;  0 + (2 − 1) = 1.
  assert.deepEqual(Array.from(boundaryLoss([0, 0, 0], [1, 1, 1], 10)(z).dataSync()), [12, 0, 1]);
  // Cross-entropy of class 1 for z = (0, ln 3): −ln ¾.
  const ce = crossEntropy([1])(tf.tensor2d([[0, Math.log(3)]])).dataSync()[0]!;
  assert.ok(Math.abs(ce + Math.log(0.75)) < 1e-6);
});

test('PGD ends on the corner of the ε-ball the gradient sign points to, clipped to [0, 255]', async () => {
  await initTrainingBackend();
  // Untargeted away from class 0: ∇CE = W·(p − e₀) = (p₀ − 1, p₁) → pixel 0 down, pixel 1 up.
  const seeds = pixels([[100, 100], [4, 252]]);
  const adv = pgd(linear, seeds, { epsilon: 8, step: 2, steps: 12, labels: [0, 0], targeted: false, seed: 3 });
  assert.deepEqual(Array.from(adv.dataSync()), [92, 108, 0, 255]);
  // Targeted towards class 0 moves the other way.
  const towards = pgd(linear, seeds, { epsilon: 8, step: 2, steps: 12, labels: [0, 0], targeted: true, seed: 3 });
  assert.deepEqual(Array.from(towards.dataSync()), [108, 92, 12, 244]);
  tf.dispose([seeds, adv, towards]);
});

test('Adam on the input drives the IPGuard loss to 0, stops there, and stays in [0, 255]', async () => {
  await initTrainingBackend();
  const start = pixels([[100, 100], [250, 10]]);
  const loss = boundaryLoss([0, 0], [1, 1], 10);
  const { pixels: x, steps } = adamOnInputs(linear, start, loss, { steps: 500, lr: 1, stopAtZero: true });
  assert.ok(steps < 500, `stopped after ${steps} steps`);
  assert.deepEqual(Array.from(loss(linear.logits(x)).dataSync()), [0, 0]);
  assert.ok(Array.from(x.dataSync()).every((v) => v >= 0 && v <= 255));
  const batch = toImageBatch(x);
  assert.equal(batch.count, 2);
  assert.deepEqual([batch.height, batch.width, batch.channels], [1, 2, 1]);
  tf.dispose([start, x]);
});

test('only TF.js models are white boxes; others get a LineageError, not a fallback', async () => {
  const onnxLike: Model = {
    source: 'suspect.onnx',
    spec: { height: 1, width: 1, channels: 'gray', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'logits' },
    queries: 0,
    predict: () => Promise.reject(new Error('unused')),
    dispose: () => Promise.resolve(),
  };
  await assert.rejects(whiteBox(onnxLike), (e) => e instanceof LineageError && /white-box/.test(e.message));
});
