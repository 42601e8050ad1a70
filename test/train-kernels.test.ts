import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { resnet } from '../src/train/architectures.js';
import { initTrainingBackend, useWasmBackend } from '../src/train/backend.js';
import { batchNormTraining } from '../src/train/batch-norm-training.js';
import { fuseBatchNorm } from '../src/train/fused-batch-norm.js';
import { trainingKernels } from '../src/train/kernels/index.js';
import { Random } from '../src/util/random.js';

type Shape4 = [number, number, number, number];

function randomValues(shape: readonly number[], seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.next() * 2 - 1);
}

/** max |a − b| / max |b|: error relative to the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Run `f` on wasm and on cpu (the reference); returns every output's relative error. */
async function wasmVsCpu(f: () => tf.Tensor[]): Promise<number[]> {
  const run = async (backend: string): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    const outputs = tf.tidy(f);
    const values = outputs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outputs);
    return values;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  await tf.setBackend('wasm');
  return wasm.map((values, i) => relativeError(values, cpu[i]!));
}

const TOLERANCE = 1e-4;
let worst = 0;
function check(what: string, errors: number[]): void {
  for (const e of errors) {
    assert.ok(e < TOLERANCE, `${what}: relative error ${e.toExponential(2)}`);
    worst = Math.max(worst, e);
  }
}

// [batch, height, width, in channels, out channels (depthwise: multiplier), kernel, stride, padding]
const CASES: readonly (readonly [number, number, number, number, number, number, number, 'same' | 'valid'])[] = [
  [2, 8, 8, 3, 8, 3, 1, 'same'],
  [2, 9, 7, 3, 8, 3, 2, 'same'],
  [2, 7, 9, 12, 8, 3, 2, 'same'],
  [1, 9, 9, 10, 5, 3, 2, 'valid'],
  [2, 7, 7, 3, 4, 3, 1, 'valid'],
  [2, 8, 8, 3, 8, 1, 2, 'same'],
  [2, 7, 7, 16, 4, 1, 1, 'valid'],
  [1, 10, 10, 2, 3, 5, 2, 'same'],
];

test('the training kernels are registered for wasm', async () => {
  await useWasmBackend();
  for (const [name, kernel] of Object.entries(trainingKernels)) {
    assert.equal(tf.getKernel(name, 'wasm')?.kernelFunc, kernel, name);
  }
  assert.equal(await initTrainingBackend(), 'wasm', 'a second init changes nothing');
});

test('conv2d gradients (filter and input) match the cpu backend', async () => {
  await useWasmBackend();
  for (const [i, [n, h, w, cin, cout, k, s, pad]] of CASES.entries()) {
    const xShape: Shape4 = [n, h, w, cin];
    const wShape: Shape4 = [k, k, cin, cout];
    const xs = randomValues(xShape, 10 * i + 1);
    const ws = randomValues(wShape, 10 * i + 2);
    const yShape = tf.tidy(() => tf.conv2d(tf.tensor4d(xs, xShape), tf.tensor4d(ws, wShape), s, pad).shape);
    const dys = randomValues(yShape, 10 * i + 3);
    const errors = await wasmVsCpu(() => {
      const x = tf.tensor4d(xs, xShape);
      const dy = tf.tensor4d(dys, yShape);
      return [
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: s, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: wShape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        tf.conv2dTranspose(dy, tf.tensor4d(ws, wShape), xShape, s, pad),
      ];
    });
    check(`conv2d ${CASES[i]!.join(',')}: dW, dx`, errors);
  }
});

test('depthwise conv2d gradients (filter and input) match the cpu backend', async () => {
  await useWasmBackend();
  for (const [i, [n, h, w, cin, , k, s, pad]] of CASES.entries()) {
    const mult = 1 + (i % 2);
    const xShape: Shape4 = [n, h, w, cin];
    const wShape: Shape4 = [k, k, cin, mult];
    const xs = randomValues(xShape, 10 * i + 4);
    const ws = randomValues(wShape, 10 * i + 5);
    const yShape = tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d(xs, xShape), tf.tensor4d(ws, wShape), s, pad).shape);
    const dys = randomValues(yShape, 10 * i + 6);
    const errors = await wasmVsCpu(() => {
      const dy = tf.tensor4d(dys, yShape);
      const f = (x: tf.Tensor4D, filter: tf.Tensor4D): tf.Scalar => tf.sum(tf.mul(tf.depthwiseConv2d(x, filter, s, pad), dy));
      return tf.grads(f as (...args: tf.Tensor[]) => tf.Scalar)([tf.tensor4d(xs, xShape), tf.tensor4d(ws, wShape)]);
    });
    check(`depthwise ${CASES[i]!.join(',')} ×${mult}: dx, dW`, errors);
  }
});

test('batch-norm gradients match autodiff of the plain formula on cpu', async () => {
  await useWasmBackend();
  const shape: Shape4 = [3, 5, 7, 6];
  const xs = randomValues(shape, 21);
  const gs = randomValues([6], 22);
  const bs = randomValues([6], 23);
  const dys = randomValues(shape, 24);
  const epsilon = 1e-3;
  const plain = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  };
  const gradsOf = (f: (x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor): tf.Tensor[] =>
    tf.grads(((x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.sum(tf.mul(f(x, g, b), tf.tensor4d(dys, shape)))) as (...args: tf.Tensor[]) => tf.Scalar)(
      [tf.tensor4d(xs, shape), tf.tensor1d(gs), tf.tensor1d(bs)]);
  const inputs = (): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] => [tf.tensor4d(xs, shape), tf.tensor1d(gs), tf.tensor1d(bs)];

  await tf.setBackend('cpu');
  const reference = tf.tidy(() => [...gradsOf(plain), plain(...inputs())]).map((t) => { const v = t.dataSync().slice(); t.dispose(); return v; });
  await tf.setBackend('wasm');
  // Training-mode batch norm (the fused tf.layers path) and the FusedBatchNorm op gradient.
  const fused = tf.tidy(() => {
    const training = (x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor => {
      const { y, mean, variance } = batchNormTraining(x, g, b, epsilon);
      tf.dispose([mean, variance]);
      return y;
    };
    return [...gradsOf(training), training(...inputs())];
  });
  const op = tf.tidy(() => {
    const withStats = (x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor => {
      // Batch statistics recomputed from x so the gradient flows through them as in the plain formula.
      const m = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, m.mean, m.variance, b, g, epsilon);
    };
    return [...gradsOf(withStats), withStats(...inputs())];
  });
  for (const [name, outputs] of [['batchNormTraining', fused], ['FusedBatchNorm gradient', op]] as const) {
    const values = outputs.map((t) => t.dataSync());
    tf.dispose(outputs);
    check(`${name}: dx, dγ, dβ, y`, values.map((v, i) => relativeError(v, reference[i]!)));
  }
});

test('a whole ResNet-8 training gradient on wasm matches the cpu backend', async () => {
  await useWasmBackend();
  const shape: Shape4 = [4, 8, 8, 3];
  const xs = randomValues(shape, 31);
  const gradients = async (backend: string): Promise<Map<string, Float32Array>> => {
    await tf.setBackend(backend);
    const model = resnet(8, { inputShape: [8, 8, 3], classes: 4, seed: 3 });
    if (backend === 'wasm') assert.equal(fuseBatchNorm(model), 9);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
    const x = tf.tensor4d(xs, shape);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, variables);
    const out = new Map<string, Float32Array>([['loss', value.dataSync() as Float32Array]]);
    model.trainableWeights.forEach((w, i) => out.set(w.originalName, grads[variables[i]!.name]!.dataSync() as Float32Array));
    model.weights.filter((w) => !w.trainable).forEach((w) => out.set(w.originalName, w.read().dataSync() as Float32Array));
    tf.dispose([value, labels, x, ...Object.values(grads)]);
    model.dispose();
    return out;
  };
  const cpu = await gradients('cpu');
  const wasm = await gradients('wasm');
  await tf.setBackend('wasm');
  assert.equal(wasm.size, cpu.size);
  assert.ok(cpu.size > 40);
  for (const [name, reference] of cpu) check(`ResNet-8 ${name}`, [relativeError(wasm.get(name)!, reference)]);
  console.log(`worst relative error wasm vs cpu over all checks: ${worst.toExponential(2)}`);
});
