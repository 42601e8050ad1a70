import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../src/errors.js';
import { crossEntropy, distillation, lossFromSpec, regression } from '../src/train/losses.js';
import { makeOptimizer, scheduledRate, setLearningRate } from '../src/train/optimizer.js';
import { drawBatch } from '../src/train/preprocess.js';
import { Random } from '../src/util/random.js';

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} ≠ ${b}`);
const value = (t: tf.Scalar): number => { const v = t.dataSync()[0]!; t.dispose(); return v; };

test('cross-entropy on logits, with labels or the targets\' argmax', () => {
  const logits = tf.tensor2d([[0, 0], [0, Math.log(3)]]);
  close(value(crossEntropy()({ logits, labels: tf.tensor1d([0, 1], 'int32') })), (Math.log(2) - Math.log(0.75)) / 2, 'CE');
  close(value(crossEntropy()({ logits, targets: tf.tensor2d([[1, 0], [0, 5]]) })), (Math.log(2) - Math.log(0.75)) / 2, 'CE on argmax');
  assert.throws(() => crossEntropy()({ logits }), LineageError);
});

test('distillation: α·T²·KL(teacher ‖ student) at temperature T + (1 − α)·CE', () => {
  const logits = tf.tensor2d([[0, Math.log(3)]]);
  const targets = tf.tensor2d([[0, 0]]);
  const labels = tf.tensor1d([1], 'int32');
  // T = 2: student softmax(s/2) = [1, √3] / (1 + √3), teacher uniform.
  const s = [1 / (1 + Math.sqrt(3)), Math.sqrt(3) / (1 + Math.sqrt(3))];
  const kl = 0.5 * Math.log(0.5 / s[0]!) + 0.5 * Math.log(0.5 / s[1]!);
  const ce = -Math.log(0.75);
  close(value(distillation({ alpha: 0.9, temperature: 2 })({ logits, labels, targets })), 0.9 * 4 * kl + 0.1 * ce, 'KD');
  close(value(lossFromSpec({ kind: 'distillation', alpha: 1, temperature: 2 })({ logits, targets })), 4 * kl, 'KD α = 1');
  assert.throws(() => distillation({ alpha: 2, temperature: 20 }), LineageError);
});

test('embedding regression: mse and cosine', () => {
  close(value(regression('mse')({ logits: tf.tensor2d([[1, 2]]), targets: tf.tensor2d([[0, 0]]) })), 2.5, 'mse');
  close(value(regression('cosine')({ logits: tf.tensor2d([[1, 0], [1, 1]]), targets: tf.tensor2d([[0, 1], [2, 2]]) })), 0.5, 'cosine');
});

test('learning-rate schedules and setting the rate of any optimiser', () => {
  assert.equal(scheduledRate('constant', 0.1, 7, 10, 3, 4), 0.1);
  close(scheduledRate('cosine', 0.1, 0, 10, 0, 2), 0.1, 'cosine start');
  close(scheduledRate('cosine', 0.1, 5, 10, 1, 2), 0.05, 'cosine middle');
  close(scheduledRate('step', 1, 0, 10, 4, 10), 1, 'step before half');
  close(scheduledRate('step', 1, 0, 10, 5, 10), 0.1, 'step at half');
  close(scheduledRate('step', 1, 0, 10, 8, 10), 0.01, 'step after 75 %');
  for (const name of ['sgd', 'momentum', 'adam'] as const) {
    const optimizer = makeOptimizer(name, 0.1, 0.9);
    setLearningRate(optimizer, 0.025);
    assert.equal(optimizer.getConfig()['learningRate'], 0.025, name);
    optimizer.dispose();
  }
});

test('augmentation: a flip mirrors each row; a crop is a zero-filled shift of at most `crop` pixels', () => {
  const image = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), count: 1, height: 2, width: 3, channels: 1 as const };
  const flipped = drawBatch(image, [0], { flip: true }, { next: () => 0.1, int: () => 0 } as unknown as Random);
  assert.deepEqual([...flipped.data], [3, 2, 1, 6, 5, 4]);
  const shifts = new Set<string>();
  const random = new Random(3);
  for (let i = 0; i < 40; i++) {
    const out = [...drawBatch(image, [0], { crop: 1 }, random).data];
    const match = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dy, dx] as const)).find(([dy, dx]) =>
      out.every((v, p) => {
        const y = Math.floor(p / 3) + dy;
        const x = (p % 3) + dx;
        return v === (y >= 0 && y < 2 && x >= 0 && x < 3 ? image.data[y * 3 + x] : 0);
      }));
    assert.ok(match, `crop output ${out} is not a shift of the image`);
    shifts.add(match.join(','));
  }
  assert.equal(shifts.size, 9, 'every shift in −1..1 × −1..1 occurs');
});
