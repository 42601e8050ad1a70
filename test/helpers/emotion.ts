import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveCopy } from '../../src/attacks/weights/derive.js';
import { loadImages } from '../../src/data/load.js';
import type { ImageSet } from '../../src/data/types.js';
import { resolveBuiltin } from '../../src/models/builtin.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/types.js';

/**
 * The real white-box setup the peer-method tests share: builtin:emotion (a TF.js graph model, 64×64
 * grey → 7 FER2013 logits), real FER2013 faces, and a copy of the victim with heavy weight noise.
 */
export const FER2013 = path.resolve(import.meta.dirname, '../../../shared/datasets/fer2013');

const EMOTION_PATH = (() => {
  try {
    return resolveBuiltin('emotion').path;
  } catch {
    return undefined;
  }
})();

/** Why the emotion tests cannot run here, or false. */
export const emotionSkip: string | false = !existsSync(path.join(FER2013, 'images.u8')) ? `FER2013 not found at ${FER2013}`
  : !EMOTION_PATH || !existsSync(EMOTION_PATH) ? 'builtin:emotion is not installed' : false;

/** builtin:emotion's preprocessing (src/models/builtin.ts), for copies of it. */
const EMOTION_SPEC = { size: 64, channels: 'gray', range: '-1-1', output: 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean', outputKind: 'logits' };

export const quiet = { onWarning: () => {} };

/** FER2013 faces (by row index) at the victim's input size. */
export const ferFaces = (indices: readonly number[]): Promise<ImageSet> =>
  loadImages(FER2013, { size: { height: 64, width: 64 }, channels: 1, indices: [...indices] });

/**
 * A copy of builtin:emotion with Gaussian weight noise (σ = 0.5, seed 7) in `dir`/noisy, with a
 * model.lineage.json sidecar holding the victim's preprocessing, so that it loads like any model.
 */
export async function writeNoisyEmotion(dir: string): Promise<string> {
  const out = path.join(dir, 'noisy');
  await deriveCopy(EMOTION_PATH!, out, { kind: 'noise', sigma: 0.5, seed: 7 });
  await writeFile(path.join(out, 'model.lineage.json'), JSON.stringify(EMOTION_SPEC));
  return out;
}

/**
 * A small FER2013 dataset in the images.u8 format (every `step`-th face, stored size), written to
 * `dir`/fer-subset: loading all 13,614 faces at 64×64 costs ~20 s, too much for each CLI call of a test.
 */
export async function writeFerSubset(dir: string, count: number, step: number): Promise<string> {
  const faces = await loadImages(FER2013, { indices: Array.from({ length: count }, (_, i) => i * step) });
  const out = path.join(dir, 'fer-subset');
  await mkdir(out);
  const classes = faces.classNames!;
  await writeFile(path.join(out, 'images.u8'), faces.data);
  await writeFile(path.join(out, 'meta.json'), JSON.stringify({
    shape: [faces.count, faces.height, faces.width, faces.channels],
    channel_order: 'grayscale',
    label_ids: Object.fromEntries(classes.map((name, id) => [String(id), name])),
  }));
  await writeFile(path.join(out, 'labels.csv'), ['file,label', ...faces.labels!.map((label, i) => `${faces.names[i]},${label}`)].join('\n') + '\n');
  return out;
}

export interface EmotionSetup {
  readonly victim: Model;
  readonly noisy: Model;
  readonly seeds: ImageSet;
  readonly dir: string;
  dispose(): Promise<void>;
}

/** The victim, its noisy copy and the given FER2013 faces as seeds; `dispose` frees the models and the temp folder. */
export async function emotionSetup(seedIndices: readonly number[]): Promise<EmotionSetup> {
  const seeds = await ferFaces(seedIndices);
  const dir = await mkdtemp(path.join(tmpdir(), 'lineage-emotion-'));
  const noisyPath = await writeNoisyEmotion(dir);
  const victim = await loadModel('builtin:emotion', quiet);
  const noisy = await loadModel(noisyPath, quiet);
  return {
    victim,
    noisy,
    seeds,
    dir,
    async dispose() {
      await Promise.all([victim.dispose(), noisy.dispose()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
