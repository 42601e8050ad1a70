import { join, resolve } from 'node:path';
import { listImageFolder } from '../../data/folder.js';
import { loadLfwPairs } from '../../data/lfw.js';
import { loadImages } from '../../data/load.js';
import { extractFromPublicInit } from '../../attacks/extract-public.js';
import { finePruneGraph } from '../../attacks/fine-prune-graph.js';
import { fineTuneGraph } from '../../attacks/fine-tune-graph.js';
import type { AttackRecord, TrainSettings } from '../../attacks/types.js';
import { LineageError } from '../../errors.js';
import { predictAll } from '../../fingerprints/query.js';
import { loadModel } from '../../models/load.js';
import { classIndices, type TrainingData } from '../../train/data.js';
import { Random } from '../../util/random.js';
import { fidelity } from '../fidelity.js';
import { resolveZooPath, type ZooManifest, type ZooModel } from '../manifest.js';
import type { ZooBuildContext, ZooModelPlan, ZooPreset } from '../preset.js';
import { measuredBy, verificationMeter, type UtilityMeter } from '../verification.js';
import { architecture, builtinIndependents, DEFAULT_LFW, trainingFreeCopies, victimPlan, victimReference, type FaceVictim, type VictimReference } from './faces-builtin.js';
import { splitFaceIdentities, type FaceIdentitySplit } from './faces-real-split.js';

/**
 * The public face model both scenarios start from: the one real TF.js graph face model here that
 * separates LFW faces (pairs AUC 0.85) and trains at tens of images a second. faceres separates
 * better (0.997) but runs at ~5 img/s on this machine: fine-tuning it is out of a zoo's budget.
 */
const PUBLIC_MODEL = 'mobileface';
/** Real face models by other authors: independent of both victims. */
const IRRELEVANT = ['fr_feature', 'faceres', 'faceres-deep', 'mobilefacenet', 'faceapi_recognition'];
/** Share of the LFW images held out (fingerprints, fidelity, verification pairs). */
const HELD_OUT_SHARE = 0.4;
/** Models per trained group (stolen attacks, siblings). */
const PER_GROUP = 5;
/** Share of the sibling identities each sibling fine-tunes on (a seeded draw per sibling). */
const SIBLING_SHARE = 2 / 3;
/**
 * The fine-tunes that publish a model (the owner's, the siblings'): CosFace identity classification
 * (the attack's default objective), gently. A thief takes one epoch of the same (a copy must stay
 * useful, and 2 cores shared today allow ~10 img/s); fine-tune-last trains the last weights only.
 */
const FINE_TUNE: TrainSettings = { epochs: 2, batchSize: 16, optimizer: 'adam', lr: 1e-4, augment: { flip: true } };
const THIEF_FINE_TUNE: TrainSettings = { ...FINE_TUNE, epochs: 1 };
const LAST_WEIGHTS = 6;
/**
 * Fine-pruning: share of every convolution's channels removed, and faces their activity is probed on.
 * 10 %: at 20 % one thief epoch leaves the copy below the utility floor (LFW AUC 0.834 vs floor 0.838
 * for mobileface, 0.854 vs 0.886 for the owner's fine-tune); at 10 % it is 0.894 / 0.906.
 */
const FINE_PRUNE_RATIO = 0.1;
const PROBE_IMAGES = 64;
/**
 * Extraction from a public init: the thief starts from another public face model (the only other
 * trainable graph one: mobilefacenet, whose shipped embeddings are near-degenerate) and regresses
 * the victim's answers on its own faces. One epoch: mobilefacenet trains at ~1 image/s on today's
 * shared 2 cores, and on a few hundred queries more epochs barely move fidelity (data-limited).
 */
const EXTRACTION_START = 'mobilefacenet';
const EXTRACTION: TrainSettings = { epochs: 1, batchSize: 16, optimizer: 'adam', lr: 1e-3 };

/** LFW split by identity for the faces-real zoos (see splitFaceIdentities); the same for both scenarios at a seed. */
export async function facesRealSplit(lfw: string, seed: number): Promise<FaceIdentitySplit> {
  const listing = await listImageFolder(join(lfw, 'jpg')).catch(() => undefined);
  if (!listing?.labels || listing.files.length < 8) {
    throw new LineageError(`zoo faces-real needs LFW at ${lfw} (a jpg/<Name>/ folder of face photos)`, 'pass --data <LFW folder>, or run from the repository root next to ../shared/datasets');
  }
  const { pairs } = await loadLfwPairs(lfw, { names: listing.files });
  return splitFaceIdentities(listing.labels, pairs, seed, HELD_OUT_SHARE);
}

async function facesRealData(ctx: ZooBuildContext): Promise<ZooManifest['data']> {
  const lfw = ctx.data ?? resolve(DEFAULT_LFW);
  const split = await facesRealSplit(lfw, ctx.seed);
  ctx.log(`data: ${lfw} (LFW, centre face crop), by identity: ${split.heldOut.length} held-out faces, ` +
    `${split.owner.length} owner's, ${split.thief.length} thieves', ${split.sibling.length} siblings'`);
  return { path: lfw, faceCrop: true, indices: split.heldOut };
}

/**
 * Scenario (a) of issue 11: the victim is a real face model its owner made without a public parent
 * (builtin:mobileface stands in for it); its training-free and trained stolen copies, and real face
 * models by other authors.
 */
export const facesRealPreset: ZooPreset = {
  name: 'faces-real',
  description: `victim builtin:${PUBLIC_MODEL} (the owner's own), its training-free copies, ${PER_GROUP} fine-tuned copies per group, ${IRRELEVANT.length} independent real face models; LFW split by identity`,
  task: 'face-embedding',
  data: facesRealData,
  models: (ctx, data) => facesRealModels(ctx, data, 'own'),
};

/**
 * Scenario (b): the victim is the owner's fine-tune of public builtin:mobileface on the owner's
 * identities; its stolen copies as in (a); the 'sibling' negatives are the same public model
 * fine-tuned by others (other identities, other seeds) and the public model itself.
 */
export const facesRealFtPreset: ZooPreset = {
  name: 'faces-real-ft',
  description: `victim = the owner's fine-tune of builtin:${PUBLIC_MODEL}, its copies as in faces-real, ${PER_GROUP} sibling fine-tunes + the public parent, ${IRRELEVANT.length} independent real face models; LFW split by identity`,
  task: 'face-embedding',
  base: { id: 'public-parent', path: `builtin:${PUBLIC_MODEL}` },
  data: facesRealData,
  models: (ctx, data) => facesRealModels(ctx, data, 'fine-tuned'),
};

/** Labelled faces of some LFW rows at the public model's input size, loaded once per zoo build. */
type FacesOf = (rows: readonly number[]) => Promise<TrainingData>;

async function* facesRealModels(ctx: ZooBuildContext, data: ZooManifest['data'], scenario: 'own' | 'fine-tuned'): AsyncGenerator<ZooModelPlan> {
  const split = await facesRealSplit(data.path, ctx.seed);
  const meter = verificationMeter(data.path, { heldOut: split.heldOut });
  const loaded = new Map<string, Promise<TrainingData>>();
  const facesOf: FacesOf = (rows) => {
    const key = rows.join(',');
    let faces = loaded.get(key);
    if (!faces) loaded.set(key, (faces = labelledFaces(data.path, rows)));
    return faces;
  };
  const publicModel: FaceVictim = { id: PUBLIC_MODEL, path: `builtin:${PUBLIC_MODEL}`, architecture: architecture(PUBLIC_MODEL) };
  const victim: FaceVictim = scenario === 'own' ? publicModel : { id: 'owner', path: 'owner', architecture: `${publicModel.architecture}, fine-tuned` };
  if (scenario === 'own') {
    yield victimPlan(victim, meter);
  } else {
    yield trainedPlan({ id: victim.id, path: victim.path, role: 'victim', group: 'victim', architecture: victim.architecture, seed: ctx.seed, ...fineTuneRecord(publicModel, 'the owner\'s identities', FINE_TUNE) },
      (target) => fineTune(publicModel.path, facesOf(split.owner), target, ctx.seed, FINE_TUNE, 'all'), meter);
  }
  yield* trainingFreeCopies(ctx, data, victim, meter);
  // Not measured for utility: no floor applies to them, and faceres-class models embed ~5 faces a second here.
  yield* builtinIndependents(IRRELEVANT);
  if (scenario === 'fine-tuned') {
    yield { model: { id: 'public-parent', path: publicModel.path, role: 'independent', group: 'sibling', architecture: publicModel.architecture, attack: 'the public model the victim was fine-tuned from' }, ...measuredBy(meter, publicModel.path) };
  }
  // Loaded on the first trained copy built, kept until the last.
  let reference: Promise<VictimReference> | undefined;
  const victimOutputs = () => (reference ??= victimReference(ctx, data, victim));
  try {
    const seedOf = (k: number) => ctx.seed * 1000 + k;
    const victimDir = resolveZooPath(ctx.dir, victim.path);
    const stolen = (group: string, k: number, architecture: string, record: Pick<ZooModel, 'attack' | 'params'>, train: (target: string) => Promise<AttackRecord>): ZooModelPlan =>
      trainedPlan({ id: `${group}-${k}`, path: `${group}-${k}`, role: 'stolen', group, parent: victim.id, architecture, seed: seedOf(k), ...record }, train, meter, victimOutputs);
    // The fine-tuned groups round by round (the first model of every group before the second of any),
    // then the extractions, each as costly as a whole round of the others: a partial build covers every group.
    for (let k = 1; k <= PER_GROUP; k++) {
      const seed = seedOf(k);
      if (scenario === 'fine-tuned') {
        const id = `sibling-${k}`;
        const rows = siblingRows(split.sibling, seed);
        yield trainedPlan({ id, path: id, role: 'independent', group: 'sibling', architecture: victim.architecture, seed, ...fineTuneRecord(publicModel, `${rows.length} faces of others' identities`, FINE_TUNE) },
          (target) => fineTune(publicModel.path, facesOf(rows), target, seed, FINE_TUNE, 'all'), meter);
      }
      for (const layers of ['all', 'last'] as const) {
        yield stolen(`fine-tune-${layers}`, k, victim.architecture, fineTuneRecord(victim, 'the thief\'s identities', THIEF_FINE_TUNE, layers),
          (target) => fineTune(victimDir, facesOf(split.thief), target, seed, THIEF_FINE_TUNE, layers));
      }
      yield stolen('fine-prune', k, victim.architecture,
        { attack: `prune ${FINE_PRUNE_RATIO * 100} % of every convolution's channels (least active on the thief's faces), then fine-tune on the thief's identities`, params: { ratio: FINE_PRUNE_RATIO, probeImages: PROBE_IMAGES, ...THIEF_FINE_TUNE } },
        async (target) => finePruneGraph(victimDir, await facesOf(split.thief), { ratio: FINE_PRUNE_RATIO, probeImages: PROBE_IMAGES, saveTo: target, seed, training: THIEF_FINE_TUNE }));
    }
    for (let k = 1; k <= PER_GROUP; k++) {
      yield stolen('extract-public-init', k, `${architecture(EXTRACTION_START)}, + linear projection`,
        { attack: `builtin:${EXTRACTION_START} trained to answer like the victim on the thief's faces (1 − cosine, victim queried once)`, params: { start: `builtin:${EXTRACTION_START}`, ...EXTRACTION } },
        async (target) => extractFromPublicInit((await victimOutputs()).model, (await facesOf(split.thief)).images, { start: `builtin:${EXTRACTION_START}`, saveTo: target, seed: seedOf(k), training: EXTRACTION }));
    }
  } finally {
    if (reference) await (await reference).model.dispose();
  }
}

/** A seeded share of the sibling identities' faces (whole identities). */
function siblingRows(rows: readonly number[], seed: number): number[] {
  return new Random(seed).shuffle(rows).slice(0, Math.ceil(rows.length * SIBLING_SHARE)).sort((a, b) => a - b);
}

function fineTuneRecord(from: FaceVictim, on: string, training: TrainSettings, layers: 'all' | 'last' = 'all'): Pick<ZooModel, 'attack' | 'params'> {
  return { attack: `fine-tune ${layers === 'all' ? 'all layers' : 'the last layers'} of ${from.id} on ${on} (CosFace on a cosine head, dropped)`, params: { layers: layers === 'all' ? 'all' : LAST_WEIGHTS, ...training } };
}

async function fineTune(source: string, faces: Promise<TrainingData>, saveTo: string, seed: number, training: TrainSettings, layers: 'all' | 'last'): Promise<AttackRecord> {
  return fineTuneGraph(source, await faces, { layers: layers === 'all' ? 'all' : { last: LAST_WEIGHTS }, saveTo, seed, training });
}

/**
 * A model a training step writes at its target: measured for its utility, and, for a stolen copy,
 * for its agreement with the victim on held-out faces.
 */
function trainedPlan(model: ZooModel, train: (target: string) => Promise<{ seconds: number }>, meter: UtilityMeter, reference?: () => Promise<VictimReference>): ZooModelPlan {
  return {
    model,
    build: async (target) => {
      const { seconds } = await train(target);
      const trained = await loadModel(target);
      try {
        const ref = reference && (await reference());
        return { trainSeconds: seconds, ...(ref ? { fidelity: fidelity(ref.outputs, await predictAll(trained, ref.images), 'embedding') } : {}), ...(await meter(trained)) };
      } finally {
        await trained.dispose();
      }
    },
  };
}

async function labelledFaces(lfw: string, rows: readonly number[]): Promise<TrainingData> {
  const faces = await loadImages(lfw, { faceCrop: true, size: { height: 112, width: 112 }, channels: 3, indices: rows });
  if (!faces.labels) throw new LineageError(`${lfw} has no identity labels`, 'give an LFW folder (jpg/<Name>/<Name>_NNNN.jpg)');
  return { images: faces, labels: classIndices(faces.labels).indices };
}
