/**
 * Extraction from a public init (issue 11), its linear-probe stage alone: the held-out cosine to the
 * victim of the best linear map (1 − cosine, full-batch Adam, 300 steps, lr 1e-2, as
 * extractFromPublicInit's fitHead) from the start model's embedding, by query set: subsets of the
 * faces-real thief's LFW faces, one augmented view of each (shift ≤ 10 px, flip), ORL, FER2013.
 * Forward passes only (cheap next to training the start model). Held out: the first 200 of the
 * faces-real split's held-out faces.
 *
 *   npx tsx bench/faces-extract-probe.ts      # VICTIM, START, ORL (200), FER (2000) in the environment
 */
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadImages } from '../src/data/load.js';
import type { ImageBatch } from '../src/data/types.js';
import { predictAll } from '../src/fingerprints/query.js';
import { loadModel } from '../src/models/load.js';
import type { Outputs } from '../src/models/types.js';
import { regression } from '../src/train/losses.js';
import { drawBatch } from '../src/train/preprocess.js';
import { Random } from '../src/util/random.js';
import { facesRealSplit } from '../src/zoo/presets/faces-real.js';

const VICTIM = process.env.VICTIM ?? 'builtin:mobileface';
const START = process.env.START ?? 'builtin:mobilefacenet';
const FER = Number(process.env.FER ?? '2000');
const ds = resolve('../shared/datasets');
const size = { height: 112, width: 112 };
const split = await facesRealSplit(resolve(ds, 'lfw'), 1);
const thief = await loadImages(resolve(ds, 'lfw'), { faceCrop: true, size, channels: 3, indices: split.thief });
const heldOut = await loadImages(resolve(ds, 'lfw'), { faceCrop: true, size, channels: 3, indices: split.heldOut.slice(0, 200) });
const random = new Random(7);
const all = Array.from({ length: thief.count }, (_, i) => i);
const views = [drawBatch(thief, all, { crop: 10, flip: true }, random)];
const ORL = Number(process.env.ORL ?? '200');
const orl = await loadImages(resolve(ds, 'orl'), { size, channels: 3, limit: ORL });
const fer = await loadImages(resolve(ds, 'fer2013'), { size, channels: 3, limit: FER });
const sets: Record<string, ImageBatch> = { heldOut, thief, view1: views[0]!, orl, fer };
const victim = await loadModel(VICTIM);
const start = await loadModel(START);
const t0 = performance.now();
const feats: Record<string, { x: Outputs; y: Outputs }> = {};
for (const [name, batch] of Object.entries(sets)) {
  feats[name] = { x: await predictAll(start, batch), y: await predictAll(victim, batch) };
  console.log(`${name}: ${batch.count} images embedded at ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const rows = (o: Outputs, n = o.rows) => tf.tensor2d(o.data.subarray(0, n * o.cols), [n, o.cols]);
const loss = regression('cosine');
function probe(parts: [string, number?][]): number {
  return tf.tidy(() => {
    const x = tf.concat(parts.map(([k, n]) => rows(feats[k]!.x, n)));
    const y = tf.concat(parts.map(([k, n]) => rows(feats[k]!.y, n)));
    const dIn = x.shape[1]!, dOut = y.shape[1]!;
    const w = tf.variable(tf.randomNormal([dIn, dOut], 0, 1 / Math.sqrt(dIn), 'float32', 1));
    const b = tf.variable(tf.zeros([dOut]));
    const opt = tf.train.adam(1e-2);
    for (let s = 0; s < 300; s++) opt.minimize(() => loss({ logits: tf.add(tf.matMul(x, w), b) as tf.Tensor2D, targets: y as tf.Tensor2D }));
    const cos = 1 - loss({ logits: tf.add(tf.matMul(rows(feats.heldOut!.x), w), b) as tf.Tensor2D, targets: rows(feats.heldOut!.y) as tf.Tensor2D }).dataSync()[0]!;
    opt.dispose(); w.dispose(); b.dispose();
    return cos;
  });
}
const plans: Record<string, [string, number?][]> = {
  'thief 100': [['thief', 100]], 'thief 200': [['thief', 200]], 'thief 463': [['thief']],
  'thief + 1 augmented view': [['thief'], ['view1']], [`thief + ORL ${ORL}`]: [['thief'], ['orl']], [`thief + FER ${FER}`]: [['thief'], ['fer']],
  'thief + view + ORL + FER': [['thief'], ['view1'], ['orl'], ['fer']],
};
const results: Record<string, number> = {};
for (const [name, parts] of Object.entries(plans)) {
  results[name] = probe(parts);
  console.log(`${name}: held-out cosine ${results[name]!.toFixed(4)}`);
}
console.log(JSON.stringify({ victim: VICTIM, start: START, results }));
