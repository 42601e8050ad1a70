/**
 * fer-real's broken students (issue 12): does more thief data and training lift an Extract-L student
 * from scratch above the floor (62.9 %)? One ResNet-8 32×32 student on the thief's 2,000 PublicTest
 * faces plus every FER2013 Training face outside the owner's 3,000 (3,436; 5,436 in all), labelled
 * once by builtin:emotion, 4 epochs (the preset: 2,000 faces, 3 epochs). Prints accuracy and
 * agreement with the victim on the zoo's 1,000 held-out faces as one JSON line.
 * Run: npx tsx bench/fer-real-student.ts   (FER=../shared/datasets/fer2013; EPOCHS=4; OUT=out/fer-real-student)
 */
import { extractLabels } from '../src/attacks/extract.js';
import { loadImages } from '../src/data/load.js';
import { predictAll } from '../src/fingerprints/query.js';
import { loadModel } from '../src/models/load.js';
import { withOutputCache } from '../src/models/output-cache.js';
import { argmaxRows } from '../src/stats/correlation.js';
import { classIndices } from '../src/train/data.js';
import { ferParts } from '../src/zoo/presets/fer-real.js';

const FER = process.env['FER'] ?? '../shared/datasets/fer2013';
const EPOCHS = Number(process.env['EPOCHS'] ?? 4);
const all = await loadImages(FER);
const { heldOut, thief, owner } = await ferParts(FER, 1);
const owners = new Set(owner);
const extra = all.names.flatMap((name, i) => (name.startsWith('train/') && !owners.has(i) ? [i] : []));
const [images, held] = await Promise.all([loadImages(FER, { indices: [...thief, ...extra] }), loadImages(FER, { indices: heldOut })]);
const labels = classIndices(held.labels!, held.classNames).indices;
const victim = withOutputCache(await loadModel('builtin:emotion'));
const started = performance.now();
const record = await extractLabels(victim, images, {
  saveTo: process.env['OUT'] ?? 'out/fer-real-student', seed: 1001, architecture: 'resnet8', size: 32,
  training: { epochs: EPOCHS, batchSize: 64, optimizer: 'adam', lr: 2e-3, schedule: 'cosine', augment: { crop: 2, flip: true } },
});
const agreeing = (a: Int32Array, b: ArrayLike<number>) => a.reduce((hits, p, i) => hits + (p === b[i] ? 1 : 0), 0) / a.length;
const student = await loadModel(record.output);
const answers = argmaxRows(await predictAll(student, held));
console.log(JSON.stringify({ faces: images.count, epochs: EPOCHS, seconds: (performance.now() - started) / 1000,
  accuracy: agreeing(answers, labels), agreement: agreeing(answers, argmaxRows(await predictAll(victim, held))) }));
await Promise.all([student.dispose(), victim.dispose()]);
