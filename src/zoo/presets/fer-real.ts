import { basename, relative, resolve } from 'node:path';
import { extractLabels, extractProbabilities } from '../../attacks/extract.js';
import { fineTuneGraph } from '../../attacks/fine-tune-graph.js';
import { trainFromScratch } from '../../attacks/from-scratch.js';
import type { AttackRecord, TrainSettings } from '../../attacks/types.js';
import { loadImages } from '../../data/load.js';
import type { ImageSet } from '../../data/types.js';
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
import { classIndices } from '../../train/data.js';
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
/** 3 per group, not 5: a student costs ~1 min of a core and stays near the class prior at this budget (BENCHMARKS.md). */
const PER_GROUP = 3;
const HOMOLOGOUS = 3;
/** Students: ResNet-8 at 32×32 grey trains at ~100 img/s per core, mini-Xception's 64×64 would be 4× slower. */
const STUDENT_ARCHITECTURE: ArchitectureName = 'resnet8';
const STUDENT_SIZE = 32;
const STUDENT: TrainSettings = { epochs: 3, batchSize: 64, optimizer: 'adam', lr: 2e-3, schedule: 'cosine', augment: { crop: 2, flip: true } };
const DISTILLATION = { alpha: 0.9, temperature: 20 } as const;
/** Fine-tuning a pretrained network (SAC's recipe, cut to one pass): the thief's labelled PublicTest faces, a small step. */
const FINE_TUNE: TrainSettings = { epochs: 1, batchSize: 32, optimizer: 'adam', lr: 1e-4, augment: { flip: true } };
const FINE_TUNED = 5;
/** 'last': only the last graph weights learn — the final classifier convolution's kernel and bias, before the pooled logits. */
const LAST_WEIGHTS = 2;
/** The other teacher: a public expression model by other authors, so its students are independent of the victim (fr_expression answers ~4 img/s here: too slow to teach). */
const OTHER_TEACHER = 'faceapi_expression';

/**
 * Thefts of a real facial-expression model. Victim builtin:emotion; stolen: its training-free
 * copies (the CIFAR-10 zoo's prune / quantise / noise settings), fine-tunes of every weight or of
 * the last convolution on the thief's labelled PublicTest faces (training through the TF.js graph,
 * src/train/graph.ts), and Extract-L / Extract-P ResNet-8 students (the victim labels the thief's
 * faces once); independent: the other built-in expression models (group 'irrelevant'), ResNet-8
 * students of builtin:faceapi_expression trained like the Extract-P ones (group 'other-teacher')
 * and ResNet-8 models trained from scratch on the owner's Training faces with their true labels
 * (group 'homologous'). Every model built is measured on the 1,000 held-out PrivateTest faces:
 * accuracy and top-1 agreement with the victim. Not built, for want of CPU time: fine-pruning,
 * adversarial training and students starting from another public model.
 */
export const ferRealPreset: ZooPreset = {
  name: 'fer-real',
  description: `victim builtin:${FER_VICTIM} (mini-Xception), ${cifar10SmallRecipe.weightCopies.length} weight copies, ${FINE_TUNED} fine-tunes (all / last), ${PER_GROUP} Extract-L/P students, `
    + `${PER_GROUP} students of builtin:${OTHER_TEACHER}, ${HOMOLOGOUS} homologous, the other built-in expression models; FER2013`,
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
async function ferParts(path: string, seed: number): Promise<Parts> {
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
    for (const { name, group, op } of cifar10SmallRecipe.weightCopies) {
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
    for (const layers of ['all', 'last'] as const) {
      for (let k = 1; k <= FINE_TUNED; k++) {
        const id = `fine-tune-${layers}-${k}`;
        const seed = ctx.seed * 1000 + (layers === 'all' ? 300 : 400) + k;
        yield {
          model: { id, path: id, role: 'stolen', group: `fine-tune-${layers}`, parent: FER_VICTIM, attack: `fine-tune ${layers === 'all' ? 'every weight' : 'the last convolution'} on the thief's labelled faces`, architecture: victimArchitecture, seed, params: { thiefImages: PARTS.thief.count, ...(layers === 'last' ? { lastWeights: LAST_WEIGHTS } : {}), ...FINE_TUNE } },
          build: async (target) => {
            const { thief, thiefLabels } = await inputs();
            const record = await fineTuneGraph(`builtin:${FER_VICTIM}`, { images: thief, labels: thiefLabels }, {
              layers: layers === 'all' ? 'all' : { last: LAST_WEIGHTS }, saveTo: target, seed, training: FINE_TUNE,
            });
            return measure(target, record);
          },
        };
      }
    }
    const studentParams = { architecture: STUDENT_ARCHITECTURE, size: STUDENT_SIZE, thiefImages: PARTS.thief.count, queries: 'once', ...STUDENT };
    for (let k = 1; k <= PER_GROUP; k++) {
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
      if (k > HOMOLOGOUS) continue;
      yield {
        model: { id: `homologous-${k}`, path: `homologous-${k}`, role: 'independent', group: 'homologous', attack: "trained from scratch on the owner's FER2013 Training faces and labels", architecture: STUDENT_ARCHITECTURE, seed: seed + 200, params: { architecture: STUDENT_ARCHITECTURE, size: STUDENT_SIZE, ownerImages: PARTS.owner.count, ...STUDENT } },
        build: async (target) => {
          const owner = await loadImages(data.path, { indices: (await ferParts(data.path, ctx.seed)).owner });
          const images = await resizeBatch(owner, STUDENT_SIZE, STUDENT_SIZE);
          const { indices: labels, classes } = classIndices(owner.labels!, owner.classNames);
          return measure(target, await trainFromScratch({ images, labels }, { saveTo: target, seed: seed + 200, architecture: STUDENT_ARCHITECTURE, classes: classes.length, training: STUDENT }, 'homologous'));
        },
      };
    }
    for (const source of panelModels('emotion', `builtin:${FER_VICTIM}`)) {
      const name = source.slice('builtin:'.length);
      // fr_expression answers ~4 img/s here: measuring it would take minutes (0.72 on 280 faces, src/models/builtin.ts).
      yield { model: { id: name, path: source, role: 'independent', group: 'irrelevant', architecture: builtinDescription(name) }, ...(name === 'fr_expression' ? {} : { measure: () => measure(source) }) };
    }
  } finally {
    if (shared) await (await shared).victim.dispose();
    if (otherTeacher) await (await otherTeacher).dispose();
  }
}
