import { join, resolve } from 'node:path';
import { distillEmbeddings } from '../../attacks/embedding-distill.js';
import type { TrainSettings } from '../../attacks/types.js';
import { listImageFolder } from '../../data/folder.js';
import { loadImages } from '../../data/load.js';
import type { ImageBatch } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import { predictAll } from '../../fingerprints/query.js';
import { loadModel } from '../../models/load.js';
import { withOutputCache } from '../../models/output-cache.js';
import type { Model, Outputs } from '../../models/types.js';
import type { ArchitectureName } from '../../train/architectures.js';
import { Random } from '../../util/random.js';
import { fidelity } from '../fidelity.js';
import { verificationMeterIfPairs } from '../verification.js';
import type { ZooManifest } from '../manifest.js';
import type { ZooBuildContext, ZooModelPlan, ZooPreset } from '../preset.js';
import { builtinFaceModels, DEFAULT_LFW, FACE_VICTIM } from './faces-builtin.js';

/** Students per teacher: distilled from the victim (stolen) and from another real face model (independent). */
const STUDENTS = 5;
/** The other teacher: a real face model by other authors, so its students are independent of the victim. */
const OTHER_TEACHER = 'faceres';
const STUDENT_ARCHITECTURE: ArchitectureName = 'resnet8';
/** Student input side: ResNet-8 trains at ~100 img/s per core at 32×32 (BENCHMARKS.md). */
const STUDENT_SIZE = 32;
const STUDENT_TRAINING: TrainSettings = { epochs: 8, batchSize: 32, optimizer: 'adam', lr: 2e-3, schedule: 'cosine', augment: { flip: true } };
/** LFW faces: the attacker's (students' training images) and the held-out ones (fingerprints), disjoint. */
const ATTACKER_IMAGES = 1000;
const HELD_OUT_IMAGES = 1000;
/** Held-out images a student's agreement with the victim is measured on. */
const FIDELITY_IMAGES = 64;

/**
 * The faces-builtin zoo (victim builtin:fr_feature, its training-free copies, four independent real
 * face models) plus trained students, the face-verification analogue of model extraction: five
 * ResNet-8 students distilled from the victim's embeddings on the attacker's LFW faces (group
 * 'distill', stolen), and five students of the same architecture, data and recipe distilled from
 * builtin:faceres (group 'other-teacher', independent: the hard negatives, like homologous models).
 * LFW is required: the students need a few thousand faces.
 */
export const facesSmallPreset: ZooPreset = {
  name: 'faces-small',
  description: `faces-builtin plus ${STUDENTS} ResNet-8 students distilled from the victim's embeddings and ${STUDENTS} from builtin:${OTHER_TEACHER}; LFW`,
  task: 'face-embedding',
  data: async (ctx) => {
    const lfw = ctx.data ?? resolve(DEFAULT_LFW);
    const { heldOut } = await lfwSplit(lfw, ctx.seed);
    ctx.log(`data: ${lfw} (LFW, centre face crop), ${heldOut.length} held-out faces for fingerprints`);
    return { path: lfw, faceCrop: true, indices: heldOut };
  },
  models: facesSmallModels,
};

/** A seeded split of the LFW images into attacker and held-out faces (at most half of them each). */
async function lfwSplit(lfw: string, seed: number): Promise<{ attacker: number[]; heldOut: number[]; count: number }> {
  const listing = await listImageFolder(join(lfw, 'jpg')).catch(() => undefined);
  if (!listing || listing.files.length < 4) {
    throw new LineageError(`zoo faces-small needs LFW at ${lfw} (a jpg/ folder of face photos)`, 'pass --data <LFW folder>, or run from the repository root next to ../shared/datasets');
  }
  const order = new Random(seed).permutation(listing.files.length);
  const attacker = Math.min(ATTACKER_IMAGES, Math.floor(order.length / 2));
  const heldOut = Math.min(HELD_OUT_IMAGES, order.length - attacker);
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return { attacker: sorted(order.slice(0, attacker)), heldOut: sorted(order.slice(attacker, attacker + heldOut)), count: order.length };
}

async function* facesSmallModels(ctx: ZooBuildContext, data: ZooManifest['data']): AsyncGenerator<ZooModelPlan> {
  // Utility on the LFW pairs none of whose faces a student trained on (about 580 of the 1,800).
  const { attacker, count } = await lfwSplit(data.path, ctx.seed);
  const trainedOn = new Set(attacker);
  const meter = await verificationMeterIfPairs(data.path, { heldOut: Array.from({ length: count }, (_, i) => i).filter((i) => !trainedOn.has(i)) });
  yield* builtinFaceModels(ctx, data, meter);
  // Loaded on the first student built, kept until the last; teachers' answers are cached, so each
  // teacher is asked once however many students it trains.
  let shared: Promise<StudentInputs> | undefined;
  const teachers = new Map<string, Promise<Model>>();
  const teacher = (name: string): Promise<Model> => {
    let model = teachers.get(name);
    if (!model) teachers.set(name, (model = loadModel(`builtin:${name}`).then((m) => withOutputCache(m))));
    return model;
  };
  try {
    for (const [group, role, source] of [['distill', 'stolen', FACE_VICTIM], ['other-teacher', 'independent', OTHER_TEACHER]] as const) {
      for (let k = 1; k <= STUDENTS; k++) {
        const id = `${group}-${k}`;
        const seed = ctx.seed * 1000 + (role === 'stolen' ? 0 : 100) + k;
        yield {
          model: {
            id, path: id, role, group, architecture: STUDENT_ARCHITECTURE, seed,
            ...(role === 'stolen' ? { parent: FACE_VICTIM } : {}),
            attack: `embedding distillation from builtin:${source}`,
            params: { teacher: `builtin:${source}`, size: STUDENT_SIZE, attackerImages: ATTACKER_IMAGES, ...STUDENT_TRAINING },
          },
          build: async (target) => {
            const inputs = await (shared ??= studentInputs(ctx, data, await teacher(FACE_VICTIM)));
            const record = await distillEmbeddings(await teacher(source), inputs.attacker, {
              saveTo: target, seed, architecture: STUDENT_ARCHITECTURE, size: STUDENT_SIZE, training: STUDENT_TRAINING,
            });
            // A student of another teacher embeds in that teacher's space (faceres: 1,024-d): no agreement to measure.
            const student = await loadModel(target);
            try {
              const utility = meter ? await meter(student) : {};
              if (role === 'independent') return { ...utility, trainSeconds: record.seconds };
              return { fidelity: fidelity(inputs.victimOutputs, await predictAll(student, inputs.reference), 'embedding'), ...utility, trainSeconds: record.seconds };
            } finally {
              await student.dispose();
            }
          },
        };
      }
    }
  } finally {
    for (const model of teachers.values()) await (await model).dispose();
  }
}

interface StudentInputs {
  /** The attacker's faces, at the victim's input size (teachers and students resize from there). */
  readonly attacker: ImageBatch;
  /** Held-out faces and the victim's embeddings of them, for the students' agreement. */
  readonly reference: ImageBatch;
  readonly victimOutputs: Outputs;
}

async function studentInputs(ctx: ZooBuildContext, data: ZooManifest['data'], victim: Model): Promise<StudentInputs> {
  const { attacker, heldOut } = await lfwSplit(data.path, ctx.seed);
  const options = { size: { height: victim.spec.height, width: victim.spec.width }, channels: 3 as const, faceCrop: true };
  ctx.log(`faces-small: loading ${attacker.length} attacker faces`);
  const faces = await loadImages(data.path, { ...options, indices: attacker });
  const reference = await loadImages(data.path, { ...options, indices: heldOut.slice(0, FIDELITY_IMAGES) });
  return { attacker: faces, reference, victimOutputs: await predictAll(victim, reference) };
}
