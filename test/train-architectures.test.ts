import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../src/errors.js';
import { architectureNames, buildModel, resnet, type ArchitectureName } from '../src/train/architectures.js';
import { useWasmBackend } from '../src/train/backend.js';
import { fuseBatchNorm } from '../src/train/fused-batch-norm.js';

function inputShape(name: ArchitectureName): [number, number, number] {
  return name === 'fer-cnn' ? [16, 16, 1] : [16, 16, 3];
}

test('every architecture gives logits of the class count and takes an Adam step on wasm', async () => {
  await useWasmBackend();
  for (const name of architectureNames) {
    const shape = inputShape(name);
    const model = buildModel(name, { inputShape: shape, classes: 5, seed: 1 });
    fuseBatchNorm(model);
    const x = tf.randomUniform([2, ...shape], -1, 1, 'float32', 2);
    const labels = tf.oneHot(tf.tensor1d([0, 4], 'int32'), 5);
    assert.deepEqual((model.predict(x) as tf.Tensor).shape, [2, 5], name);
    const optimizer = tf.train.adam(1e-3);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, variables)!;
    assert.ok(Number.isFinite(loss.dataSync()[0]!), `${name}: finite loss`);
    tf.dispose([x, labels, loss]);
    optimizer.dispose();
    model.dispose();
  }
});

test('initial weights depend on the seed only', () => {
  const weights = (seed: number): Float32Array[] => {
    const model = buildModel('resnet8', { inputShape: [8, 8, 3], classes: 3, seed });
    const values = model.getWeights().map((w) => w.dataSync() as Float32Array);
    model.dispose();
    return values;
  };
  const a = weights(7);
  assert.deepEqual(weights(7), a);
  const b = weights(8);
  assert.notDeepEqual(b[0], a[0]);
});

test('bad architecture settings are LineageErrors', () => {
  assert.throws(() => resnet(9, { inputShape: [8, 8, 3], classes: 3, seed: 1 }), LineageError);
  assert.throws(() => buildModel('resnet8', { inputShape: [8, 0, 3], classes: 3, seed: 1 }), LineageError);
  assert.throws(() => buildModel('nope' as ArchitectureName, { inputShape: [8, 8, 3], classes: 3, seed: 1 }), /unknown architecture "nope"/);
});
