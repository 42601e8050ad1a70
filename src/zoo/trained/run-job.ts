/** Run one trained-zoo job (in a worker process): the attack, then measuring and placing its models. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adversarialTraining, extractAdversarial } from '../../attacks/adversarial.js';
import { extractLabels, extractProbabilities } from '../../attacks/extract.js';
import { finePrune } from '../../attacks/fine-prune.js';
import { fineTune } from '../../attacks/fine-tune.js';
import { trainFromScratch } from '../../attacks/from-scratch.js';
import { transferLearning } from '../../attacks/transfer.js';
import type { AttackOptions, AttackRecord, TrainSettings } from '../../attacks/types.js';
import { weightCopy } from '../../attacks/weight-copy.js';
import { loadImages } from '../../data/load.js';
import { selectImages, type ImageSet } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import { resizeBatch } from '../../models/preprocess.js';
import { argmaxRows } from '../../stats/correlation.js';
import { initTrainingBackend } from '../../train/backend.js';
import { classIndices, type TrainingData } from '../../train/data.js';
import { predictOutputs } from '../../train/evaluate.js';
import type { TrainProgress } from '../../train/loop.js';
import { loadTrainableModel } from '../../train/save.js';
import { MODEL_RECORD, type ModelRecord, type ZooJob, type ZooStep } from './job.js';

/** A labelled dataset with class indices, loaded once per process. */
interface Dataset {
  readonly set: ImageSet;
  readonly classNames: readonly string[];
  readonly labels: Int32Array;
}

const datasets = new Map<string, Promise<Dataset>>();

function dataset(path: string): Promise<Dataset> {
  let loaded = datasets.get(path);
  if (!loaded) {
    loaded = loadImages(path).then((set) => {
      if (!set.labels) throw new LineageError(`${path} has no labels`, 'give a labelled dataset (images.u8 + labels.csv, or one folder per class)');
      const { indices, classes } = classIndices(set.labels, set.classNames ?? [...new Set(set.labels)].sort());
      return { set, classNames: classes, labels: indices };
    });
    datasets.set(path, loaded);
  }
  return loaded;
}

/** Images `rows` of the dataset with their labels, optionally relabelled by `relabel` (rows it maps to −1 dropped). */
function part(data: Dataset, rows: readonly number[], relabel?: (label: number) => number): TrainingData {
  const kept = relabel ? rows.filter((r) => relabel(data.labels[r]!) >= 0) : rows;
  return { images: selectImages(data.set, kept), labels: kept.map((r) => (relabel ?? ((l: number) => l))(data.labels[r]!)) };
}

/** Old class index → new class index (−1: not in the new task). */
function transferMap(data: Dataset, classes: readonly (readonly string[])[]): (label: number) => number {
  const map = data.classNames.map((name) => classes.findIndex((group) => group.includes(name)));
  return (label) => map[label]!;
}

/** Run `job`, leaving each of its models complete in its final folder; returns their records by model id. */
export async function runZooJob(job: ZooJob, onProgress?: (progress: TrainProgress) => void): Promise<Record<string, ModelRecord>> {
  await initTrainingBackend();
  const data = await dataset(job.data.path);
  const scratch = join(job.scratch, `${job.id}.${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const saveTo = (id: string) => join(scratch, id);
    const records = await runStep(job, data, saveTo, onProgress);
    const relabel = job.step.kind === 'transfer' ? transferMap(data, job.step.classes) : undefined;
    const heldOut = part(data, job.data.split.heldOut, relabel);
    const out: Record<string, ModelRecord> = {};
    for (const [k, { id, dir }] of job.outputs.entries()) {
      const record = await measure(saveTo(id), heldOut, records[k]!);
      await writeFile(join(saveTo(id), MODEL_RECORD), JSON.stringify(record));
      await rm(dir, { recursive: true, force: true });
      await rename(saveTo(id), dir);
      out[id] = record;
    }
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Test accuracy and held-out predictions of the saved model. */
async function measure(dir: string, heldOut: TrainingData, attack: AttackRecord): Promise<ModelRecord> {
  const { model, spec } = await loadTrainableModel(dir);
  try {
    const images = await resizeBatch(heldOut.images, spec.height, spec.width);
    const predictions = Array.from(argmaxRows(predictOutputs(model, images, spec)));
    const correct = predictions.filter((p, i) => p === heldOut.labels![i]).length;
    return { measurements: { testAccuracy: correct / predictions.length, trainSeconds: attack.seconds }, predictions };
  } finally {
    model.dispose();
  }
}

async function runStep(job: ZooJob, data: Dataset, saveTo: (id: string) => string, onProgress?: (progress: TrainProgress) => void): Promise<AttackRecord[]> {
  const step: ZooStep = job.step;
  const { split } = job.data;
  const [first] = job.outputs.map((o) => o.id);
  const options = (training: TrainSettings): AttackOptions => ({ saveTo: saveTo(first!), seed: job.seed, training, ...(onProgress ? { onProgress } : {}) });
  const source = (): string => {
    if (!job.source) throw new LineageError(`zoo job ${job.id} has no source model`, 'this is a bug in the zoo plan');
    return job.source;
  };
  const attacker = part(data, split.attacker);
  switch (step.kind) {
    case 'scratch':
      return [await trainFromScratch(part(data, step.group === 'irrelevant' ? split.attacker : split.defender), { ...options(step.training), architecture: step.architecture, classes: data.classNames.length }, step.group)];
    case 'fine-tune':
      return [await fineTune(source(), attacker, { ...options(step.training), layers: step.layers })];
    case 'fine-prune':
      return finePrune(source(), attacker, {
        ...(onProgress ? { onProgress } : {}), seed: job.seed, training: step.training, prunesPerRound: step.prunesPerRound, fineTuneImages: step.fineTuneImages, probeImages: step.probeImages,
        snapshots: step.ratios.map((ratio, k) => ({ ratio, saveTo: saveTo(job.outputs[k]!.id) })),
      });
    case 'extract-l':
      return [await extractLabels(job.victim, attacker.images, { ...options(step.training), architecture: step.architecture, queries: step.queries })];
    case 'extract-p':
      return [await extractProbabilities(job.victim, attacker.images, { ...options(step.training), architecture: step.architecture, queries: step.queries, alpha: step.alpha, temperature: step.temperature })];
    case 'adversarial': {
      const settings = { ...options(step.training), pgd: step.pgd, rounds: step.rounds, imagesPerRound: step.imagesPerRound };
      return [step.labels === 'victim'
        ? await extractAdversarial(source(), job.victim, attacker.images, settings)
        : await adversarialTraining(source(), attacker, settings)];
    }
    case 'transfer':
      return [await transferLearning(source(), part(data, split.attacker, transferMap(data, step.classes)), { ...options(step.training), classes: step.classes.length })];
    case 'weights':
      return [await weightCopy(source(), step.op, saveTo(first!))];
  }
}
