import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BENCH_SETTINGS } from '../src/bench/settings.js';
import { defenceMisfit, parseSweep, sweepSettings } from '../src/bench/sweep.js';
import { jpegCompress } from '../src/data/jpeg.js';
import type { ImageBatch } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import {
  applyDefence, centreCrop, flip, jpegInput, outputNoise, parseDefence, pixelNoise, project, rescale, rotate, round, temperature, top1, topK, truncate,
} from '../src/index.js';
import type { Model, OutputKind, Outputs } from '../src/models/types.js';

/** A fake model that answers `rows[first pixel of the image]`, and remembers the images it was sent. */
function fakeModel(rows: readonly (readonly number[])[], outputKind: OutputKind = 'logits'): Model & { seen: ImageBatch[]; disposed: boolean } {
  let queries = 0;
  const cols = rows[0]!.length;
  return {
    source: 'fake.onnx',
    spec: { outputKind } as Model['spec'],
    seen: [],
    disposed: false,
    get queries() {
      return queries;
    },
    async predict(batch: ImageBatch): Promise<Outputs> {
      this.seen.push(batch);
      queries += batch.count;
      const size = batch.height * batch.width * batch.channels;
      const data = new Float32Array(batch.count * cols);
      for (let i = 0; i < batch.count; i++) data.set(rows[batch.data[i * size]!]!, i * cols);
      return { data, rows: batch.count, cols };
    },
    async dispose() {
      this.disposed = true;
    },
  };
}

/** `count` 1×1 grey images whose pixel values are 0, 1, 2, … (one per row of the fake model). */
const pixels = (...values: number[]): ImageBatch => ({ data: Uint8Array.from(values), count: values.length, height: 1, width: 1, channels: 1 });
const rowsOf = (o: Outputs) => Array.from({ length: o.rows }, (_, r) => Array.from(o.data.subarray(r * o.cols, (r + 1) * o.cols)));
const close = (a: readonly number[], b: readonly number[], tol = 1e-6) => assert.ok(a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol), `${a} ≠ ${b}`);

test('top1 answers a one-hot row at the arg-max and says its outputs are labels', async () => {
  const model = top1(fakeModel([[1, 3, 2], [5, 0, 5]]));
  assert.equal(model.spec.outputKind, 'label');
  assert.deepEqual(rowsOf(await model.predict(pixels(0, 1))), [[0, 1, 0], [1, 0, 0]]);
  assert.throws(() => top1(fakeModel([[1, 2]], 'embedding')), /top1 needs logits/);
});

test('topk keeps the k largest softmax probabilities and zeroes the rest', async () => {
  // exp(z) = 1, 2, 5 → probabilities 1/8, 2/8, 5/8.
  const out = await topK(fakeModel([[0, Math.log(2), Math.log(5)]]), 2).predict(pixels(0));
  close(rowsOf(out)[0]!, [0, 0.25, 0.625]);
  assert.throws(() => topK(fakeModel([[0]]), 0), LineageError);
});

test('temperature returns softmax(z / T)', async () => {
  const out = await temperature(fakeModel([[0, 2 * Math.log(3)]]), 2).predict(pixels(0));
  close(rowsOf(out)[0]!, [0.25, 0.75]);
});

test('round rounds every value to d decimals, half away from zero, on logits and embeddings', async () => {
  const out = await round(fakeModel([[0.14, -0.25, 2.06, 0.5]], 'embedding'), 1).predict(pixels(0));
  close(rowsOf(out)[0]!, [0.1, -0.3, 2.1, 0.5]);
  close(rowsOf(await round(fakeModel([[1.4, -1.5]]), 0).predict(pixels(0)))[0]!, [1, -2]);
  assert.throws(() => round(fakeModel([[1]], 'label'), 1), /round=1 needs logits or embedding/);
});

test('output noise: sd = sigma × the row RMS, the same for an image however it is batched, new with another seed', async () => {
  const row = Array.from({ length: 20_000 }, (_, i) => (i % 2 === 0 ? 3 : -3)); // RMS 3
  const inner = fakeModel([row, row]);
  const model = outputNoise(inner, 0.1, 7);
  const both = rowsOf(await model.predict(pixels(0, 1)));
  const alone = rowsOf(await model.predict(pixels(1)));
  assert.deepEqual(both[1], alone[0], 'image 1 gets the same noise alone and in a batch');
  assert.notDeepEqual(both[0], both[1], 'different images get different noise');
  const diffs = both[0]!.map((v, i) => v - row[i]!);
  const sd = Math.sqrt(diffs.reduce((s, d) => s + d * d, 0) / diffs.length);
  assert.ok(Math.abs(sd - 0.3) < 0.01, `noise sd ${sd}, expected 0.3`);
  assert.notDeepEqual(rowsOf(await outputNoise(inner, 0.1, 8).predict(pixels(1)))[0], alone[0], 'another seed, other noise');
});

test('truncate keeps the first d embedding values; more than there are is refused', async () => {
  assert.deepEqual(rowsOf(await truncate(fakeModel([[1, 2, 3]], 'embedding'), 2).predict(pixels(0))), [[1, 2]]);
  await assert.rejects(truncate(fakeModel([[1, 2, 3]], 'embedding'), 5).predict(pixels(0)), /returns only 3 values/);
  assert.throws(() => truncate(fakeModel([[1, 2, 3]]), 2), /truncate=2 needs embedding/);
});

test('project is a fixed seeded linear map to d values: linear, same matrix for every call, lengths kept on average', async () => {
  const x = Array.from({ length: 400 }, (_, i) => Math.sin(i));
  const model = project(fakeModel([x, x.map((v) => 2 * v)], 'embedding'), 300, 3);
  const [a, b] = rowsOf(await model.predict(pixels(0, 1)));
  assert.equal(a!.length, 300);
  close(b!, a!.map((v) => 2 * v), 1e-4);
  close(rowsOf(await model.predict(pixels(0)))[0]!, a!);
  const ratio = Math.hypot(...a!) / Math.hypot(...x);
  assert.ok(ratio > 0.85 && ratio < 1.15, `length ratio ${ratio}`);
});

test('rotate keeps lengths and cosines exactly and changes the coordinates', async () => {
  const rows = [[1, 0, 0, 2, 1], [0.5, -1, 3, 0, 0]];
  const [a, b] = rowsOf(await rotate(fakeModel(rows, 'embedding'), 5).predict(pixels(0, 1)));
  const dot = (u: readonly number[], v: readonly number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
  close([dot(a!, a!), dot(b!, b!), dot(a!, b!)], [dot(rows[0]!, rows[0]!), dot(rows[1]!, rows[1]!), dot(rows[0]!, rows[1]!)], 1e-5);
  assert.ok(a!.some((v, i) => Math.abs(v - rows[0]![i]!) > 0.1));
});

/** A 4×4 RGB image: the centre 2×2 block is (200, 100, 50), the border (0, 0, 0) — first pixel 0. */
function framed(): ImageBatch {
  const data = new Uint8Array(4 * 4 * 3);
  for (const y of [1, 2]) for (const x of [1, 2]) data.set([200, 100, 50], (y * 4 + x) * 3);
  return { data, count: 1, height: 4, width: 4, channels: 3 };
}

test('jpeg sends the model exactly what jpegCompress decodes', async () => {
  const inner = fakeModel(Array.from({ length: 256 }, () => [1]));
  const image = framed();
  await jpegInput(inner, 30).predict(image);
  assert.deepEqual(inner.seen[0]!.data, (await jpegCompress(image, 30)).decoded.data);
  assert.throws(() => jpegInput(inner, 101), /jpeg=101/);
});

test('crop keeps the centre and resizes it back: the framed centre fills the image', async () => {
  const inner = fakeModel(Array.from({ length: 256 }, () => [1]));
  await centreCrop(inner, 0.5).predict(framed());
  const seen = inner.seen[0]!;
  assert.deepEqual([seen.height, seen.width, seen.channels], [4, 4, 3]);
  for (let p = 0; p < 16; p++) assert.deepEqual(Array.from(seen.data.subarray(3 * p, 3 * p + 3)), [200, 100, 50]);
});

test('rescale loses fine detail and keeps the size: a 1-pixel checkerboard turns flat, a flat image stays', async () => {
  const inner = fakeModel(Array.from({ length: 256 }, () => [1]));
  const board = { data: Uint8Array.from({ length: 64 }, (_, p) => ((p % 8) + Math.floor(p / 8)) % 2 === 0 ? 0 : 200), count: 1, height: 8, width: 8, channels: 1 as const };
  await rescale(inner, 0.5).predict(board);
  const out = inner.seen[0]!;
  assert.deepEqual([out.height, out.width], [8, 8]);
  const spread = Math.max(...out.data) - Math.min(...out.data);
  assert.ok(spread < 60, `checkerboard spread after rescale ${spread} (was 200)`);
  await rescale(inner, 0.5).predict({ ...board, data: new Uint8Array(64).fill(77) });
  assert.ok(inner.seen[1]!.data.every((v) => v === 77));
});

test('pixel noise: per-pixel Gaussian of sigma grey levels, clipped to 0..255, seeded by the image', async () => {
  const inner = fakeModel(Array.from({ length: 256 }, () => [1]));
  const image = { data: new Uint8Array(20_000).fill(128), count: 1, height: 100, width: 200, channels: 1 as const };
  const model = pixelNoise(inner, 4, 1);
  await model.predict(image);
  await model.predict({ ...image, count: 2, data: new Uint8Array(40_000).fill(128) });
  const noisy = inner.seen[0]!.data;
  const sd = Math.sqrt(noisy.reduce((s, v) => s + (v - 128) ** 2, 0) / noisy.length);
  assert.ok(Math.abs(sd - 4) < 0.15, `pixel noise sd ${sd}, expected 4`);
  assert.deepEqual(inner.seen[1]!.data.subarray(20_000), noisy, 'the same image gets the same noise in a batch');
  await model.predict({ ...image, data: new Uint8Array(20_000).fill(255) });
  assert.ok(inner.seen[2]!.data.every((v) => v <= 255) && inner.seen[2]!.data.some((v) => v < 255), 'clipped at 255');
});

test('flip mirrors each row of pixels left to right, channels kept together', async () => {
  const inner = fakeModel(Array.from({ length: 256 }, () => [1]));
  await flip(inner).predict({ data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), count: 1, height: 1, width: 3, channels: 3 });
  assert.deepEqual(Array.from(inner.seen[0]!.data), [7, 8, 9, 4, 5, 6, 1, 2, 3]);
});

test('a defended model counts the inner model\'s queries, disposes it and names the defence', async () => {
  const inner = fakeModel([[1, 2]]);
  const model = applyDefence(inner, 'topk=1,round=2');
  await model.predict(pixels(0, 0, 0));
  assert.equal(model.queries, 3);
  assert.equal(model.source, 'fake.onnx [topk=1] [round=2]');
  await model.dispose();
  assert.ok(inner.disposed);
});

test('the spec parser: steps in order, seed, none; unknown keys and bad values are refused with the list of keys', () => {
  assert.deepEqual(parseDefence('topk=3,round=2,jpeg=75').steps, [{ key: 'topk', value: 3 }, { key: 'round', value: 2 }, { key: 'jpeg', value: 75 }]);
  assert.deepEqual(parseDefence('none'), { text: 'none', steps: [], seed: 1 });
  assert.equal(parseDefence('noise=0.1,seed=9').seed, 9);
  assert.deepEqual(parseDefence('flip , top1').steps.map((s) => s.key), ['flip', 'top1']);
  const refused = (spec: string, message: RegExp) => assert.throws(() => parseDefence(spec), (e: unknown) => e instanceof LineageError && message.test(e.message) && /topk, temperature, round/.test(e.hint ?? ''));
  refused('blur=3', /unknown key 'blur'/);
  refused('toString', /unknown key 'toString'/);
  refused('topk', /'topk' needs a value/);
  refused('flip=1', /'flip=1' takes no value/);
  refused('seed=-1', /seed=-1/);
  assert.throws(() => parseDefence('jpeg=0'), /jpeg=0: expected a whole number ≥ 1 and ≤ 100/);
  assert.throws(() => parseDefence('rescale=1.5'), /rescale=1.5: expected a number > 0 and ≤ 1/);
  assert.throws(() => parseDefence('round='), /round=NaN/);
});

test('steps apply in the order written: input steps to the image, output steps to the answer', async () => {
  // temperature first, then round: the probabilities 1/8 and 7/8 are rounded, not the logits.
  const logits = [[0, 2 * Math.log(7)]];
  close(rowsOf(await applyDefence(fakeModel(logits), 'temperature=2,round=1').predict(pixels(0)))[0]!, [0.1, 0.9]);
  // round first, then temperature: softmax of the rounded logits (2 ln 7 = 3.89 → 3.9).
  close(rowsOf(await applyDefence(fakeModel(logits), 'round=1,temperature=2').predict(pixels(0)))[0]!, [1 / (1 + Math.exp(1.95)), 1 / (1 + Math.exp(-1.95))]);
  // flip then pixel noise: the noise is seeded by the flipped image, so the order shows in the pixels.
  const image: ImageBatch = { data: Uint8Array.from({ length: 16 }, (_, p) => p * 10), count: 1, height: 4, width: 4, channels: 1 };
  const sent = async (wrap: (m: Model) => Model) => {
    const inner = fakeModel(Array.from({ length: 256 }, () => [1]));
    await wrap(inner).predict(image);
    return inner.seen[0]!.data;
  };
  const written = await sent((m) => applyDefence(m, 'flip,pixelnoise=3'));
  assert.deepEqual(written, await sent((m) => flip(pixelNoise(m, 3, 1))));
  assert.notDeepEqual(written, await sent((m) => pixelNoise(flip(m), 3, 1)));
});

test('bench --sweep defence=…: values split on commas, steps joined by +; methods that cannot work behind a defence are named', () => {
  const sweep = parseSweep('defence=none,top1,jpeg=75+round=2');
  assert.deepEqual(sweep.values, ['none', 'top1', 'jpeg=75+round=2']);
  assert.deepEqual(sweepSettings(DEFAULT_BENCH_SETTINGS, sweep).map((s) => s.defence), [undefined, 'top1', 'jpeg=75,round=2']);
  assert.throws(() => parseSweep('defence=none,blur=2'), /unknown key 'blur'/);
  assert.match(defenceMisfit('deepjudge', parseDefence('top1'), 'logits') ?? '', /not applicable: deepjudge compares class scores/);
  assert.equal(defenceMisfit('akh', parseDefence('top1'), 'logits'), undefined);
  assert.equal(defenceMisfit('sac-jc', parseDefence('top1,jpeg=50'), 'logits'), undefined);
  assert.match(defenceMisfit('sac-jc', parseDefence('topk=3'), 'embedding') ?? '', /not applicable: defence topk needs logits outputs/);
  assert.match(defenceMisfit('sac-jc', parseDefence('top1,round=2'), 'logits') ?? '', /defence round needs logits or embedding outputs, and the model returns label/);
});
