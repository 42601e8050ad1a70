import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import type { WeightOp } from '../../attacks/weights/types.js';
import { detectSource, loadImages } from '../../data/load.js';
import { encodePng } from '../../data/decode.js';
import { demoFacePhotos, detectFaceCrops } from '../../data/faces.js';
import { imageAt } from '../../data/types.js';
import type { ImageBatch } from '../../data/types.js';
import { weightCopy } from '../../attacks/weight-copy.js';
import { derivedCopyPath, writeDerivedCopy } from '../../demo/suspects.js';
import { LineageError } from '../../errors.js';
import { predictAll } from '../../fingerprints/query.js';
import { BUILTIN_MODELS } from '../../models/builtin.js';
import { loadModel } from '../../models/load.js';
import type { Model, Outputs } from '../../models/types.js';
import { removeStaleTemps, tempSiblings } from '../../util/atomic-write.js';
import { fidelity } from '../fidelity.js';
import { resolveZooPath } from '../manifest.js';
import { measuredBy, verificationMeterIfPairs } from '../verification.js';
import type { UtilityMeter } from '../verification.js';
import type { ZooManifest } from '../manifest.js';
import type { ZooBuildContext, ZooModelPlan, ZooPreset } from '../preset.js';

/** The victim: the best-separating face model shipped in npm (see src/models/builtin.ts). */
export const FACE_VICTIM = 'fr_feature';
/** Independent face-embedding models by other authors. */
const IRRELEVANT = ['mobileface', 'faceres', 'faceres-deep', 'mobilefacenet'];
/** LFW in the shared datasets, relative to the working directory (the repository root). */
export const DEFAULT_LFW = '../shared/datasets/lfw';
/** Folder inside the zoo for the demo face crops when LFW is absent. */
const DATA_DIR = 'data';
/** Images the fidelity of a derived copy is measured on. */
const FIDELITY_IMAGES = 64;

interface Attack {
  readonly group: string;
  readonly name: string;
  readonly attack: string;
  readonly op: WeightOp;
}

/** Training-free stealing, three families of growing strength; noise seeds follow the zoo's seed. */
function attacks(seed: number): Attack[] {
  const prune = (name: string, ratio: number): Attack => ({ group: 'prune', name, attack: 'magnitude pruning of every kernel', op: { kind: 'prune', ratio } });
  const noise = (name: string, sigma: number, k: number): Attack => ({ group: 'noise', name, attack: "Gaussian weight noise, σ relative to each tensor's sd", op: { kind: 'noise', sigma, seed: seed + k } });
  return [
    prune('prune-10pct', 0.1),
    prune('prune-20pct', 0.2),
    prune('prune-30pct', 0.3),
    { group: 'quantise', name: 'fp16', attack: 'float16 weight round-trip', op: { kind: 'fp16' } },
    { group: 'quantise', name: 'int8', attack: 'int8 weight round-trip, per output channel', op: { kind: 'int8' } },
    noise('noise-0.5pct', 0.005, 0),
    noise('noise-1pct', 0.01, 1),
    noise('noise-2pct', 0.02, 2),
    noise('noise-5pct', 0.05, 3),
  ];
}

/**
 * A zoo that needs no training: victim builtin:fr_feature, its training-free derived copies
 * (prune / quantise / noise groups, each with a spec sidecar) and four independent face models by
 * other authors (group 'irrelevant'). Data: LFW when present, else the face photos shipped in npm
 * packages, cropped and saved as PNGs inside the zoo.
 */
export const facesBuiltinPreset: ZooPreset = {
  name: 'faces-builtin',
  description: `victim builtin:${FACE_VICTIM}, 9 pruned/quantised/noisy copies of it, ${IRRELEVANT.length} independent face models; LFW or the demo photos`,
  task: 'face-embedding',
  data: faceData,
  models: builtinFaceModels,
};

async function faceData(ctx: ZooBuildContext, previous?: ZooManifest['data']): Promise<ZooManifest['data']> {
  const lfw = resolve(DEFAULT_LFW);
  const given = ctx.data ?? ((await exists(lfw)) ? lfw : undefined);
  if (given) {
    const isLfw = (await detectSource(given)) === 'lfw';
    ctx.log(`data: ${given}${isLfw ? ' (LFW, centre face crop)' : ''}`);
    return { path: given, ...(isLfw ? { faceCrop: true } : {}) };
  }
  const dir = join(ctx.dir, DATA_DIR);
  if (previous?.path === DATA_DIR && (await exists(dir))) return previous;
  const faces = await detectFaceCrops(demoFacePhotos(), { size: 112 });
  if (faces.count === 0) {
    throw new LineageError(`no LFW at ${lfw} and no face photos found in the installed npm packages`, 'pass --data <folder of face images>, or run npm install');
  }
  // One folder per identity (labels for the fingerprint's quality check), filled beside the zoo's data folder, then renamed.
  await removeStaleTemps(dir);
  const { tmp } = tempSiblings(dir);
  try {
    for (let i = 0; i < faces.count; i++) {
      const folder = join(tmp, safeName(faces.labels![i]!));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, `${safeName(faces.names[i]!)}.png`), await encodePng(imageAt(faces, i), faces.height, faces.width, faces.channels));
    }
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  ctx.log(`data: ${faces.count} face crops from the photos shipped in npm packages, saved in ${dir}`);
  return { path: DATA_DIR };
}

/** The victim, its training-free copies and the independent real face models (the faces-builtin zoo; faces-small adds students). */
export async function* builtinFaceModels(ctx: ZooBuildContext, data: ZooManifest['data'], meterFor?: UtilityMeter): AsyncGenerator<ZooModelPlan> {
  const victim: FaceVictim = { id: FACE_VICTIM, path: `builtin:${FACE_VICTIM}`, architecture: architecture(FACE_VICTIM) };
  // No model here trains on LFW: the first View-2 fold (600 pairs) measures every model's utility.
  const meter = meterFor ?? (data.faceCrop ? await verificationMeterIfPairs(resolveZooPath(ctx.dir, data.path), { folds: [1] }) : undefined);
  yield victimPlan(victim, meter);
  yield* trainingFreeCopies(ctx, data, victim, meter);
  yield* builtinIndependents(IRRELEVANT, meter);
}

/** The victim's manifest entry (nothing to build: it exists), with its utility when a meter is given. */
export function victimPlan(victim: FaceVictim, meter?: UtilityMeter): ZooModelPlan {
  return { model: { id: victim.id, path: victim.path, role: 'victim', group: 'victim', architecture: victim.architecture }, ...measuredBy(meter, victim.path) };
}

/** A face victim as its zoo lists it: `builtin:<name>`, or a TF.js model folder inside the zoo written by the training loop. */
export interface FaceVictim {
  readonly id: string;
  readonly path: string;
  readonly architecture: string;
}

/** The prune / quantise / noise copies of `victim` (stolen), each with its agreement with the victim on held-out faces (and its utility, given a meter). */
export async function* trainingFreeCopies(ctx: ZooBuildContext, data: ZooManifest['data'], victim: FaceVictim, meter?: UtilityMeter): AsyncGenerator<ZooModelPlan> {
  const builtin = victim.path.startsWith('builtin:') ? victim.path.slice('builtin:'.length) : undefined;
  // Loaded on the first copy built, kept until the last (an already-built zoo never loads it).
  let reference: Promise<VictimReference> | undefined;
  try {
    for (const { group, name, attack, op } of attacks(ctx.seed)) {
      const file = builtin ? derivedCopyPath(builtin, name, ctx.dir) : join(ctx.dir, `${victim.id}-${name}`);
      const { kind, ...params } = op;
      yield {
        model: { id: basename(file).replace(/\.onnx$/, ''), path: relative(ctx.dir, file), role: 'stolen', group, parent: victim.id, attack: `${kind}: ${attack}`, architecture: victim.architecture, params },
        build: async (target) => {
          const { model, images, outputs } = await (reference ??= victimReference(ctx, data, victim));
          if (builtin) await writeDerivedCopy(builtin, model.spec, target, op);
          else await weightCopy(resolveZooPath(ctx.dir, victim.path), op, target);
          const copy = await loadModel(target);
          try {
            return { fidelity: fidelity(outputs, await predictAll(copy, images), 'embedding'), ...(meter ? await meter(copy) : {}) };
          } finally {
            await copy.dispose();
          }
        },
      };
    }
  } finally {
    if (reference) await (await reference).model.dispose();
  }
}

/** Built-in face models by other authors, independent of the victim (group 'irrelevant'), with their utility when a meter is given. */
export function* builtinIndependents(names: readonly string[], meter?: UtilityMeter): Generator<ZooModelPlan> {
  for (const name of names) {
    yield { model: { id: name, path: `builtin:${name}`, role: 'independent', group: 'irrelevant', architecture: architecture(name) }, ...measuredBy(meter, `builtin:${name}`) };
  }
}

export interface VictimReference {
  readonly model: Model;
  readonly images: ImageBatch;
  readonly outputs: Outputs;
}

/** The victim, a few held-out images and its outputs on them: what a copy's fidelity is measured against. */
export async function victimReference(ctx: ZooBuildContext, data: ZooManifest['data'], victim: FaceVictim): Promise<VictimReference> {
  const model = await loadModel(resolveZooPath(ctx.dir, victim.path));
  const { height, width } = model.spec;
  const rows = data.indices ? { indices: data.indices.slice(0, FIDELITY_IMAGES) } : { limit: FIDELITY_IMAGES };
  const images = await loadImages(resolveZooPath(ctx.dir, data.path), { size: { height, width }, channels: 3, ...rows, ...(data.faceCrop ? { faceCrop: true } : {}) });
  return { model, images, outputs: await predictAll(model, images) };
}

export function architecture(name: string): string {
  const entry = BUILTIN_MODELS.find((m) => m.name === name)!;
  return `${entry.task} (${entry.author})`;
}

const safeName = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');
const exists = (path: string) => access(path).then(() => true, () => false);

