/**
 * Trained attacks on a real face model (issue 11): training speed of TF.js graph models in the one
 * loop, LFW verification AUC of builtin:mobileface before and after fine-tune-all / fine-tune-last /
 * fine-prune, and the held-out cosine that extraction from a public init reaches per epoch.
 * Thief faces: LFW identities that do not appear in View-2 fold 1 (≥ 2 images each); utility and
 * fidelity: fold 1's pairs and faces. Writes results/graph-attacks.json.
 * Run: npx tsx bench/graph-attacks.ts   (PARTS=speed,finetune,extract; OUT=results/graph-attacks.json; THIEF=240; EPOCHS=2;
 *   EXTRACT_EPOCHS=3; EXTRACT_FACES=1500; EXTRACT_LR=3e-4)
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { extractFromPublicInit } from '../src/attacks/extract-public.js';
import { finePruneGraph } from '../src/attacks/fine-prune-graph.js';
import { fineTuneGraph } from '../src/attacks/fine-tune-graph.js';
import type { AttackRecord } from '../src/attacks/types.js';
import { loadLfw } from '../src/data/lfw.js';
import { selectImages, type ImageBatch, type ImageSet } from '../src/data/types.js';
import { loadModel } from '../src/models/load.js';
import { classIndices } from '../src/train/data.js';
import { loadGraphTrainable } from '../src/train/graph.js';
import { cosFace, crossEntropy } from '../src/train/losses.js';
import { trainModel } from '../src/train/loop.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { loadVerificationPairs, verificationAuc, type VerificationPairs } from '../src/zoo/verification.js';

const LFW = path.resolve(import.meta.dirname, '../../shared/datasets/lfw');
const PARTS = new Set((process.env.PARTS ?? 'speed,finetune,extract').split(','));
const THIEF = Number(process.env.THIEF ?? 240);
const EPOCHS = Number(process.env.EPOCHS ?? 2);
const EXTRACT_EPOCHS = Number(process.env.EXTRACT_EPOCHS ?? 3);
const EXTRACT_FACES = Number(process.env.EXTRACT_FACES ?? 1500);
const EXTRACT_LR = Number(process.env.EXTRACT_LR ?? 3e-4);
const quiet = { onWarning: () => {} };
const log = (...a: unknown[]): void => console.log(new Date().toISOString().slice(11, 19), ...a);

/**
 * Thief faces: identities absent from the fold-1 pairs, ≥ 2 images each, the first THIEF such images
 * (labelled, for fine-tuning); `queries`: the first EXTRACT_FACES faces of all those identities (extraction needs no labels).
 */
async function thiefFaces(pairs: VerificationPairs): Promise<{ images: ImageBatch; labels: Int32Array; people: number; queries: ImageBatch }> {
  const all = await loadLfw(LFW, { faceCrop: true, size: { height: 112, width: 112 } });
  // loadVerificationPairs loads the faces with loadLfw, so they carry their identities.
  const excluded = new Set((pairs.images as ImageSet).labels);
  const counts = new Map<string, number>();
  all.labels!.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
  const rows = all.labels!.flatMap((l, i) => (!excluded.has(l) && counts.get(l)! >= 2 ? [i] : [])).slice(0, THIEF);
  const { indices, classes } = classIndices(rows.map((i) => all.labels![i]!));
  const queries = all.labels!.flatMap((l, i) => (excluded.has(l) ? [] : [i])).slice(0, EXTRACT_FACES);
  return { images: selectImages(all, rows), labels: indices, people: classes.length, queries: selectImages(all, queries) };
}

async function aucOf(source: string, pairs: VerificationPairs): Promise<number> {
  const model = await loadModel(source, quiet);
  try {
    return await verificationAuc(model, pairs);
  } finally {
    await model.dispose();
  }
}

const results: Record<string, unknown> = { machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}`, date: new Date().toISOString() };
const out = path.resolve(process.env.OUT ?? path.join(import.meta.dirname, '../results/graph-attacks.json'));
const save = (): Promise<void> => writeFileAtomic(out, JSON.stringify(results, null, 2) + '\n');

const pairs = await loadVerificationPairs(LFW, { size: { height: 112, width: 112 }, folds: [1] });
const thief = await thiefFaces(pairs);
log(`fold 1: ${pairs.pairs.length} pairs on ${pairs.images.count} faces; thief: ${thief.images.count} faces of ${thief.people} people`);
results['data'] = { verificationPairs: pairs.pairs.length, verificationFaces: pairs.images.count, thiefFaces: thief.images.count, thiefPeople: thief.people };
const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-bench-'));

if (PARTS.has('speed')) {
  // Training step rate, batch 16, Adam, 2 epochs of 32 faces (first step's set-up included).
  const speed: Record<string, number> = {};
  for (const name of ['mobileface', 'mobilefacenet', 'emotion']) {
    const embedder = name !== 'emotion';
    const model = await loadGraphTrainable(`builtin:${name}`, { ...(embedder ? { head: { kind: 'cosine', units: 16, seed: 1 } } : {}), ...quiet });
    const data = { images: selectImages(thief.images, [...Array(32).keys()]), labels: Int32Array.from({ length: 32 }, (_, i) => i % (embedder ? 16 : 7)) };
    const r = await trainModel(model, data, { epochs: 2, batchSize: 16, seed: 1, loss: embedder ? cosFace({ scale: 30, margin: 0.35 }) : crossEntropy() });
    model.dispose();
    speed[name] = Math.round(r.imagesPerSecond * 10) / 10;
    log(`speed ${name}: ${speed[name]} img/s`);
  }
  results['trainImagesPerSecond'] = speed;
  await save();
}

if (PARTS.has('finetune')) {
  const victim = 'builtin:mobileface';
  const before = await aucOf(victim, pairs);
  log(`victim ${victim} AUC ${before.toFixed(4)}`);
  const training = { epochs: EPOCHS, batchSize: 16, lr: 1e-4 };
  const rows: { attack: string; params: unknown; seconds: number; auc: number }[] = [];
  const attacks: [string, () => Promise<AttackRecord>][] = [
    ['fine-tune-all', () => fineTuneGraph(victim, thief, { layers: 'all', saveTo: path.join(dir, 'all'), seed: 1, training })],
    ['fine-tune-last', () => fineTuneGraph(victim, thief, { layers: { last: 10 }, saveTo: path.join(dir, 'last'), seed: 1, training: { ...training, lr: 1e-3 } })],
    ['fine-prune', () => finePruneGraph(victim, thief, { ratio: 0.2, probeImages: 64, saveTo: path.join(dir, 'prune'), seed: 1, training })],
  ];
  for (const [name, run] of attacks) {
    const record = await run();
    const auc = await aucOf(record.output, pairs);
    rows.push({ attack: name, params: record.params, seconds: Math.round(record.seconds), auc: Math.round(auc * 10000) / 10000 });
    log(`${name}: AUC ${auc.toFixed(4)} (${Math.round(record.seconds)} s)`);
  }
  results['fineTune'] = { victim, aucBefore: Math.round(before * 10000) / 10000, attacks: rows };
  await save();
}

if (PARTS.has('extract')) {
  const victim = await loadModel('builtin:fr_feature', quiet);
  const heldOut = selectImages(pairs.images, [...Array(Math.min(200, pairs.images.count)).keys()]);
  const epochs: { epoch: number; seconds: number; heldOutCosine: number }[] = [];
  const started = performance.now();
  const record = await extractFromPublicInit(victim, thief.queries, {
    start: 'builtin:mobileface', saveTo: path.join(dir, 'student'), seed: 1, heldOut, training: { epochs: EXTRACT_EPOCHS, batchSize: 16, lr: EXTRACT_LR, schedule: 'cosine' },
    onProgress: (p) => {
      if (p.phase !== 'epoch' || !p.validation) return;
      epochs.push({ epoch: p.epoch, seconds: Math.round((performance.now() - started) / 1000), heldOutCosine: Math.round((1 - p.validation.loss) * 1000) / 1000 });
      log(`extract epoch ${p.epoch}: held-out cosine ${(1 - p.validation.loss).toFixed(3)}`);
    },
  });
  await victim.dispose();
  const studentAuc = await aucOf(record.output, pairs);
  results['extractPublicInit'] = { victim: 'builtin:fr_feature', start: 'builtin:mobileface', queries: record.params['queries'], lr: EXTRACT_LR, heldOutFaces: heldOut.count, epochs, seconds: Math.round(record.seconds), studentAuc: Math.round(studentAuc * 10000) / 10000 };
  log(`student AUC ${studentAuc.toFixed(4)}`);
  await save();
}
await rm(dir, { recursive: true, force: true });
