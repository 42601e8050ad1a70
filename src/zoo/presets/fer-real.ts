import { basename, relative, resolve } from 'node:path';
import { adversarialTrainingGraph } from '../../attacks/adversarial-graph.js';
import type { PgdSettings } from '../../attacks/adversarial.js';
import { extractLabels, extractProbabilities } from '../../attacks/extract.js';
import { finePruneGraph } from '../../attacks/fine-prune-graph.js';
import { fineTune } from '../../attacks/fine-tune.js';
import { fineTuneGraph } from '../../attacks/fine-tune-graph.js';
import { trainFromScratch } from '../../attacks/from-scratch.js';
import type { AttackRecord, TrainSettings } from '../../attacks/types.js';
import { loadImages } from '../../data/load.js';
import { selectImages, type ImageSet } from '../../data/types.js';
import { derivedCopyPath, writeDerivedCopy } from '../../demo/suspects.js';
import { LineageError } from '../../errors.js';
import { panelModels } from '../../fingerprints/calibrate.js';
import { predictAll } from '../../fingerprints/query.js';
import { builtinDescription } from '../../models/builtin.js';
import { loadModel } from '../../models/load.js';
import { withOutputCache } from '../../models/output-cache.js';
import { resizeBatch } from '../../models/preprocess.js';
import type { Model, Outputs } from '../../models/types.js';
import { argmaxRows } from '../../stats/correlation.js';
import type { ArchitectureName } from '../../train/architectures.js';
import { faceApiExpressionLayers } from '../../train/face-api-layers.js';
import { classIndices, type TrainingData } from '../../train/data.js';
import { Random } from '../../util/random.js';
import { fidelity } from '../fidelity.js';
import type { ZooManifest } from '../manifest.js';
import type { ZooBuildContext, ZooMeasurements, ZooModelPlan, ZooPreset } from '../preset.js';
import { cifar10SmallRecipe } from './cifar10-small.js';

/** The owner's model: mini-Xception trained on FER2013 (TF.js graph, 64×64 grey; src/models/builtin.ts). */
export const FER_VICTIM = 'emotion';
/** FER2013 in the shared datasets, relative to the working directory (the repository root). */
const DEFAULT_FER = '../shared/datasets/fer2013';
/**
 * FER2013's own parts, never mixed: held-out faces from PrivateTest (utility, agreement,
 * fingerprints), the thief's from PublicTest, the owner's (homologous models) from Training.
 */
const PARTS = { heldOut: { prefix: 'test/', count: 1000 }, thief: { prefix: 'validation/', count: 2000 }, owner: { prefix: 'train/', count: 3000 } } as const;
/** Models per group. */
const PER_GROUP = 5;
/**
 * Students (Extract-L/P, other-teacher, homologous) 1..3 are built with the trained copies; 4..5 come
 * last, after the irrelevant models, so that a build cut short for CPU time still has every group.
 */
const FIRST_STUDENTS = 3;
/** Students: ResNet-8 at 32×32 grey trains at ~100 img/s per core, mini-Xception's 64×64 would be 4× slower. */
const STUDENT_ARCHITECTURE: ArchitectureName = 'resnet8';
const STUDENT_SIZE = 32;
const STUDENT: TrainSettings = { epochs: 3, batchSize: 64, optimizer: 'adam', lr: 2e-3, schedule: 'cosine', augment: { crop: 2, flip: true } };
const DISTILLATION = { alpha: 0.9, temperature: 20 } as const;
/**
 * Training through the victim's graph costs ~10 img/s of a core for every weight (~1 s per 32 faces
 * for the last convolution alone, plus ~5 s per 32 for one PGD step), so each copy trains one pass
 * over a seeded sample of the thief's labelled PublicTest faces: all 2,000 for the last layer, 400
 * for every weight (13 Adam steps, SAC's small step), 128 with their adversarial twins.
 */
const FINE_TUNE: TrainSettings = { epochs: 1, batchSize: 32, optimizer: 'adam', lr: 1e-4, augment: { flip: true } };
const FINE_TUNE_FACES = { all: 400, last: PARTS.thief.count } as const;
/** 'last': only the last graph weights learn — the final classifier convolution's kernel and bias, before the pooled logits — so a larger step. */
const LAST_WEIGHTS = 2;
const FINE_TUNE_LAST: TrainSettings = { ...FINE_TUNE, lr: 1e-3 };
/**
 * Fine-pruning: 3 % of every convolution's channels (least active on 200 thief faces; 1 of 64, 3 of
 * 128) zeroed, then a larger step to recover. Measured on the held-out faces: 3 % before recovery
 * 66.1 %; 5 % 57.9 % before and 60–62 % after it, 10 % 58.5 % after it — below the floor.
 */
const FINE_PRUNE = { ratio: 0.03, probeImages: 200, faces: 400, training: { ...FINE_TUNE, lr: 3e-4 } } as const;
/** Adversarial training: one PGD step of 4/255 from a random start (≈ FGSM) per face, every weight, clean and adversarial halves. */
const ADVERSARIAL = { pgd: { epsilon: 4, step: 4, steps: 1 } satisfies PgdSettings, faces: 128, training: { ...FINE_TUNE, batchSize: 16 } } as const;
/**
 * Training-free copies a thief would use: magnitude pruning up to 20 % (25 % measured 62.4 %, below
 * the floor; the CIFAR-10 zoo's 30–50 % far below), and the CIFAR-10 zoo's quantisation and noise settings.
 */
const WEIGHT_COPIES = [
  ...[0.025, 0.05, 0.1, 0.15, 0.2].map((ratio) => ({ name: `prune-${Number((ratio * 100).toFixed(1))}pct`, group: 'prune', op: { kind: 'prune' as const, ratio } })),
  ...cifar10SmallRecipe.weightCopies.filter((copy) => copy.group !== 'prune'),
];
/** The other teacher: a public expression model by other authors, so its students are independent of the victim (fr_expression answers ~4 img/s here: too slow to teach). */
const OTHER_TEACHER = 'faceapi_expression';
/**
 * Students that start from a public model: face-api's expression net (rebuilt as a trainable layers
 * model, src/train/face-api-layers.ts; 58.9 % on the held-out faces) trained one pass over the
 * thief's 2,000 faces on the victim's answers, every layer learning; ~8 faces/s here at 112×112.
 * Measured (seed 7): top-1 labels lr 1e-3 60.4 % (agreement 0.635); logits T = 4 lr 1e-3 59.0 %
 * (0.640), lr 1e-4 58.2 %; only the last dense block and head learning, 4 epochs (cosine) 59.4 %
 * (0.666): below the floor either way — the public model's own 58.9 % is where the student stays.
 * Its siblings train the same way on the thief's TRUE labels: same public parent, same faces, same
 * recipe, no victim — independent models that share the students' ancestor.
 */
const PUBLIC_START = 'faceapi_expression';
const PUBLIC_TRAINING: TrainSettings = { epochs: 1, batchSize: 32, optimizer: 'adam', lr: 1e-3, augment: { flip: true } };
const PUBLIC_DISTILLATION = { alpha: 0.9, temperature: 4 } as const;

/**
 * Thefts of a real facial-expression model. Victim builtin:emotion; stolen, 5 per group: its
 * training-free copies (magnitude pruning 5–25 %, fp16 / int8 — the only two quantisations — and
 * weight noise), fine-tunes of every weight or of the last convolution, fine-pruning and adversarial
 * training on the thief's labelled PublicTest faces (training through the TF.js graph,
 * src/train/graph.ts), and Extract-L / Extract-P ResNet-8 students (the victim labels the thief's
 * faces once); independent: the other built-in expression models (group 'irrelevant'), ResNet-8
 * students of builtin:faceapi_expression trained like the Extract-P ones (group 'other-teacher')
 * and ResNet-8 models trained from scratch on the owner's Training faces with their true labels
 * (group 'homologous'). Every model built is measured on the 1,000 held-out PrivateTest faces:
 * accuracy and top-1 agreement with the victim. Last: Extract-L / Extract-P students that start from
 * a public expression model (builtin:faceapi_expression, group 'public-init-l' / 'public-init-p')
 * and its siblings, trained the same way on the thief's true labels (group 'public-sibling', independent).
 */
export const ferRealPreset: ZooPreset = {
  name: 'fer-real',
  description: `victim builtin:${FER_VICTIM} (mini-Xception), ${WEIGHT_COPIES.length} weight copies, ${PER_GROUP} each of fine-tune all / last, fine-prune, adversarial training, Extract-L/P students, `
    + `students of builtin:${OTHER_TEACHER} and homologous models, the other built-in expression models, ${PER_GROUP} each of Extract-L/P students starting from builtin:${PUBLIC_START} and their siblings; FER2013`,
  task: 'classification',
  data: async (ctx) => {
    const path = ctx.data ?? resolve(DEFAULT_FER);
    const { heldOut } = await ferParts(path, ctx.seed);
    ctx.log(`data: ${path}, ${heldOut.length} held-out PrivateTest faces`);
    return { path, indices: heldOut };
  },
  models: ferRealModels,
};

type Parts = Record<keyof typeof PARTS, number[]>;

/** Seeded subsets of FER2013's PrivateTest, PublicTest and Training rows (sorted). */
export async function ferParts(path: string, seed: number): Promise<Parts> {
  const all = await loadImages(path).catch(() => undefined);
  if (!all?.labels) {
    throw new LineageError(`zoo fer-real needs FER2013 at ${path} (images.u8 + labels.csv)`, 'pass --data <FER2013 folder>, or run from the repository root next to ../shared/datasets');
  }
  const random = new Random(seed);
  const pick = ({ prefix, count }: { prefix: string; count: number }): number[] => {
    const rows = all.names.flatMap((name, i) => (name.startsWith(prefix) ? [i] : []));
    if (rows.length < count) throw new LineageError(`FER2013 at ${path} has ${rows.length} ${prefix} faces, fer-real needs ${count}`, 'use the full FER2013 folder of ../shared/datasets');
    return random.shuffle(rows).slice(0, count).sort((a, b) => a - b);
  };
  return { heldOut: pick(PARTS.heldOut), thief: pick(PARTS.thief), owner: pick(PARTS.owner) };
}

/** What every build step shares, loaded on the first model built. */
interface Shared {
  readonly victim: Model;
  readonly heldOut: ImageSet;
  readonly heldOutLabels: Int32Array;
  readonly victimOutputs: Outputs;
  /** The thief's faces at the stored 48×48 (each teacher resizes to its own input), and their labels. */
  readonly thief: ImageSet;
  readonly thiefLabels: Int32Array;
}

async function sharedInputs(ctx: ZooBuildContext, data: ZooManifest['data']): Promise<Shared> {
  const parts = await ferParts(data.path, ctx.seed);
  const [heldOut, thief] = await Promise.all([loadImages(data.path, { indices: parts.heldOut }), loadImages(data.path, { indices: parts.thief })]);
  const victim = withOutputCache(await loadModel(`builtin:${FER_VICTIM}`));
  return {
    victim, heldOut, thief,
    heldOutLabels: classIndices(heldOut.labels!, heldOut.classNames).indices,
    thiefLabels: classIndices(thief.labels!, thief.classNames).indices,
    victimOutputs: await predictAll(victim, heldOut),
  };
}

async function* ferRealModels(ctx: ZooBuildContext, data: ZooManifest['data']): AsyncGenerator<ZooModelPlan> {
  const victimArchitecture = builtinDescription(FER_VICTIM);
  let shared: Promise<Shared> | undefined;
  let otherTeacher: Promise<Model> | undefined;
  let publicModel: ReturnType<typeof faceApiExpressionLayers> | undefined;
  const inputs = () => (shared ??= sharedInputs(ctx, data));
  /** Accuracy and agreement with the victim of the model at `source`, on the held-out faces. */
  const measure = async (source: string, record?: AttackRecord): Promise<ZooMeasurements> => {
    const { heldOut, heldOutLabels, victimOutputs } = await inputs();
    const model = await loadModel(source);
    try {
      const outputs = await predictAll(model, heldOut);
      const predicted = argmaxRows(outputs);
      return {
        testAccuracy: predicted.reduce((hits, label, i) => hits + (label === heldOutLabels[i] ? 1 : 0), 0) / predicted.length,
        fidelity: fidelity(victimOutputs, outputs, 'classification'),
        ...(record ? { trainSeconds: record.seconds } : {}),
      };
    } finally {
      await model.dispose();
    }
  };
  // The victim's accuracy sets the utility floor (src/zoo/utility.ts).
  yield { model: { id: FER_VICTIM, path: `builtin:${FER_VICTIM}`, role: 'victim', group: 'victim', architecture: victimArchitecture }, measure: () => measure(`builtin:${FER_VICTIM}`) };
  try {
    for (const { name, group, op } of WEIGHT_COPIES) {
      const file = derivedCopyPath(FER_VICTIM, name, ctx.dir);
      const { kind, ...params } = op;
      yield {
        model: { id: basename(file), path: relative(ctx.dir, file), role: 'stolen', group, parent: FER_VICTIM, attack: `${kind} of the weights, no training`, architecture: victimArchitecture, params },
        build: async (target) => {
          await writeDerivedCopy(FER_VICTIM, (await inputs()).victim.spec, target, op);
          return measure(target);
        },
      };
    }
    const thiefSample = async (faces: number, seed: number): Promise<TrainingData> => {
      const { thief, thiefLabels } = await inputs();
      const rows = new Random(seed).permutation(thief.count).slice(0, faces);
      return { images: selectImages(thief, rows), labels: rows.map((i) => thiefLabels[i]!) };
    };
    /** A trained copy of the victim: `id`-k, k = 1..5, each on its own seeded sample of `faces` thief faces. */
    const graphCopies = function* (group: string, base: number, attack: string, faces: number, params: Record<string, unknown>, train: (data: TrainingData, target: string, seed: number) => Promise<AttackRecord>): Generator<ZooModelPlan> {
      for (let k = 1; k <= PER_GROUP; k++) {
        const id = `${group}-${k}`;
        const seed = ctx.seed * 1000 + base + k;
        yield {
          model: { id, path: id, role: 'stolen', group, parent: FER_VICTIM, attack, architecture: victimArchitecture, seed, params: { thiefImages: faces, ...params } },
          build: async (target) => measure(target, await train(await thiefSample(faces, seed), target, seed)),
        };
      }
    };
    const victimSource = `builtin:${FER_VICTIM}`;
    const { faces: pruneFaces, training: pruneTraining, ...pruning } = FINE_PRUNE;
    yield* graphCopies('fine-tune-last', 400, "fine-tune the last convolution on the thief's labelled faces", FINE_TUNE_FACES.last, { lastWeights: LAST_WEIGHTS, ...FINE_TUNE_LAST },
      (data, saveTo, seed) => fineTuneGraph(victimSource, data, { layers: { last: LAST_WEIGHTS }, saveTo, seed, training: FINE_TUNE_LAST }));
    yield* graphCopies('fine-tune-all', 300, "fine-tune every weight on the thief's labelled faces", FINE_TUNE_FACES.all, { ...FINE_TUNE },
      (data, saveTo, seed) => fineTuneGraph(victimSource, data, { layers: 'all', saveTo, seed, training: FINE_TUNE }));
    yield* graphCopies('adv-train', 600, "adversarial training of every weight on the thief's labelled faces and their PGD twins", ADVERSARIAL.faces, { ...ADVERSARIAL.pgd, ...ADVERSARIAL.training },
      (data, saveTo, seed) => adversarialTrainingGraph(victimSource, data, { layers: 'all', pgd: ADVERSARIAL.pgd, saveTo, seed, training: ADVERSARIAL.training }));
    yield* graphCopies('fine-prune', 500, `fine-pruning: ${pruning.ratio * 100} % of every convolution's channels zeroed, then every weight fine-tuned`, pruneFaces, { ...pruning, ...pruneTraining },
      (data, saveTo, seed) => finePruneGraph(victimSource, data, { ...pruning, saveTo, seed, training: pruneTraining }));

    const studentParams = { architecture: STUDENT_ARCHITECTURE, size: STUDENT_SIZE, thiefImages: PARTS.thief.count, queries: 'once', ...STUDENT };
    const students = function* (k: number): Generator<ZooModelPlan> {
      const seed = ctx.seed * 1000 + k;
      const options = (target: string) => ({ saveTo: target, seed, architecture: STUDENT_ARCHITECTURE, size: STUDENT_SIZE, training: STUDENT });
      yield {
        model: { id: `extract-l-${k}`, path: `extract-l-${k}`, role: 'stolen', group: 'extract-l', parent: FER_VICTIM, attack: "student trained on the victim's top-1 labels", architecture: STUDENT_ARCHITECTURE, seed, params: studentParams },
        build: async (target) => {
          const { victim, thief } = await inputs();
          return measure(target, await extractLabels(victim, thief, options(target)));
        },
      };
      yield {
        model: { id: `extract-p-${k}`, path: `extract-p-${k}`, role: 'stolen', group: 'extract-p', parent: FER_VICTIM, attack: "student distilled from the victim's logits", architecture: STUDENT_ARCHITECTURE, seed, params: { ...studentParams, ...DISTILLATION } },
        build: async (target) => {
          const { victim, thief } = await inputs();
          return measure(target, await extractProbabilities(victim, thief, { ...options(target), ...DISTILLATION }));
        },
      };
      yield {
        model: { id: `other-teacher-${k}`, path: `other-teacher-${k}`, role: 'independent', group: 'other-teacher', attack: `the Extract-P recipe with builtin:${OTHER_TEACHER} as the teacher`, architecture: STUDENT_ARCHITECTURE, seed: seed + 100, params: { ...studentParams, ...DISTILLATION, teacher: `builtin:${OTHER_TEACHER}` } },
        build: async (target) => {
          const teacher = await (otherTeacher ??= loadModel(`builtin:${OTHER_TEACHER}`).then((m) => withOutputCache(m)));
          return measure(target, await extractProbabilities(teacher, (await inputs()).thief, { ...options(target), seed: seed + 100, ...DISTILLATION }));
        },
      };
      yield {
        model: { id: `homologous-${k}`, path: `homologous-${k}`, role: 'independent', group: 'homologous', attack: "trained from scratch on the owner's FER2013 Training faces and labels", architecture: STUDENT_ARCHITECTURE, seed: seed + 200, params: { architecture: STUDENT_ARCHITECTURE, size: STUDENT_SIZE, ownerImages: PARTS.owner.count, ...STUDENT } },
        build: async (target) => {
          const owner = await loadImages(data.path, { indices: (await ferParts(data.path, ctx.seed)).owner });
          const images = await resizeBatch(owner, STUDENT_SIZE, STUDENT_SIZE);
          const { indices: labels, classes } = classIndices(owner.labels!, owner.classNames);
          return measure(target, await trainFromScratch({ images, labels }, { saveTo: target, seed: seed + 200, architecture: STUDENT_ARCHITECTURE, classes: classes.length, training: STUDENT }, 'homologous'));
        },
      };
    };
    const publicStart = () => (publicModel ??= faceApiExpressionLayers(`builtin:${PUBLIC_START}`));
    const publicParams = { start: `builtin:${PUBLIC_START}`, thiefImages: PARTS.thief.count, queries: 'once', ...PUBLIC_TRAINING };
    /** Students of the victim that start from the public model, and their siblings: the public model trained on the thief's own labels. */
    const publicStudents = function* (k: number): Generator<ZooModelPlan> {
      const seed = ctx.seed * 1000 + 700 + k;
      const options = async (target: string) => ({ saveTo: target, seed, start: await publicStart(), training: PUBLIC_TRAINING });
      yield {
        model: { id: `public-init-l-${k}`, path: `public-init-l-${k}`, role: 'stolen', group: 'public-init-l', parent: FER_VICTIM, attack: `builtin:${PUBLIC_START} trained on the victim's top-1 labels`, architecture: builtinDescription(PUBLIC_START), seed, params: publicParams },
        build: async (target) => {
          const { victim, thief } = await inputs();
          return measure(target, await extractLabels(victim, thief, await options(target)));
        },
      };
      yield {
        model: { id: `public-init-p-${k}`, path: `public-init-p-${k}`, role: 'stolen', group: 'public-init-p', parent: FER_VICTIM, attack: `builtin:${PUBLIC_START} distilled from the victim's logits`, architecture: builtinDescription(PUBLIC_START), seed, params: { ...publicParams, ...PUBLIC_DISTILLATION } },
        build: async (target) => {
          const { victim, thief } = await inputs();
          return measure(target, await extractProbabilities(victim, thief, { ...(await options(target)), ...PUBLIC_DISTILLATION }));
        },
      };
      yield {
        model: { id: `public-sibling-${k}`, path: `public-sibling-${k}`, role: 'independent', group: 'public-sibling', attack: `builtin:${PUBLIC_START} trained on the thief's true labels (no victim)`, architecture: builtinDescription(PUBLIC_START), seed, params: { ...publicParams, queries: 'none' } },
        build: async (target) => {
          const { thief, thiefLabels } = await inputs();
          return measure(target, await fineTune(await publicStart(), { images: thief, labels: thiefLabels }, { layers: 'all', saveTo: target, seed, training: PUBLIC_TRAINING }));
        },
      };
    };
    for (let k = 1; k <= FIRST_STUDENTS; k++) yield* students(k);
    for (const source of panelModels('emotion', victimSource)) {
      const name = source.slice('builtin:'.length);
      // fr_expression answers ~4 img/s here: measuring it would take minutes (0.72 on 280 faces, src/models/builtin.ts).
      yield { model: { id: name, path: source, role: 'independent', group: 'irrelevant', architecture: builtinDescription(name) }, ...(name === 'fr_expression' ? {} : { measure: () => measure(source) }) };
    }
    for (let k = FIRST_STUDENTS + 1; k <= PER_GROUP; k++) yield* students(k);
    // Added after the first complete build: last, so that build's models are kept as they are.
    for (let k = 1; k <= PER_GROUP; k++) yield* publicStudents(k);
  } finally {
    if (publicModel) (await publicModel).model.dispose();
    if (shared) await (await shared).victim.dispose();
    if (otherTeacher) await (await otherTeacher).dispose();
  }
}
