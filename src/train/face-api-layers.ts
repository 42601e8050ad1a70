/**
 * face-api's FaceExpressionNet rebuilt as a tf.layers model holding its published weights, so a
 * thief can start from it: fine-tune it, or distil another model into it, with the one training
 * loop (face-api runs the network with its own code, which cannot be trained or saved).
 * The architecture is face-api's (src/faceFeatureExtractor/denseBlock.ts, FaceFeatureExtractor.ts):
 * four dense blocks of four 3×3 convolutions each (the first a plain convolution, the rest
 * depthwise-separable, each block halving the size), a 7×7 average pool and one dense layer.
 */
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';
import { resolveBuiltin } from '../models/builtin.js';
import { faceApiWeights } from '../models/face-api.js';
import type { InputSpec } from '../models/types.js';
import { initTrainingBackend } from './backend.js';

type Sym = tf.SymbolicTensor;

/** face-api's input normalisation, done inside its network: (RGB − its mean RGB) / 255. */
const MEAN_RGB = [122.782, 117.001, 104.298];
const SIZE = 112;
const BLOCKS = ['dense0', 'dense1', 'dense2', 'dense3'] as const;

/** One dense block: out1 = relu(conv0(x)), then each further convolution reads the relu of the sum of all earlier outputs. */
function denseBlock(x: Sym, block: string, filters: number, first: boolean, weights: Map<string, tf.Tensor>, layerWeights: Map<string, tf.Tensor[]>): Sym {
  const take = (name: string): tf.Tensor => {
    const w = weights.get(`${block}/${name}`);
    if (!w) throw new LineageError(`face-api weight ${block}/${name} is missing`, 'reinstall @vladmandic/face-api');
    return w;
  };
  const conv = (input: Sym, index: number, strides: number): Sym => {
    const name = `${block}_conv${index}`;
    if (first && index === 0) {
      layerWeights.set(name, [take('conv0/filters'), take('conv0/bias')]);
      return tf.layers.conv2d({ name, filters, kernelSize: 3, strides, padding: 'same' }).apply(input) as Sym;
    }
    layerWeights.set(name, [take(`conv${index}/depthwise_filter`), take(`conv${index}/pointwise_filter`), take(`conv${index}/bias`)]);
    return tf.layers.separableConv2d({ name, filters, kernelSize: 3, strides, padding: 'same', depthMultiplier: 1 }).apply(input) as Sym;
  };
  const relu = (input: Sym, name: string): Sym => tf.layers.reLU({ name: `${block}_${name}` }).apply(input) as Sym;
  const sum = (inputs: Sym[], name: string): Sym => tf.layers.add({ name: `${block}_${name}` }).apply(inputs) as Sym;
  const out1 = relu(conv(x, 0, 2), 'relu1');
  const out2 = conv(out1, 1, 1);
  const out3 = conv(relu(sum([out1, out2], 'sum2'), 'relu2'), 2, 1);
  const out4 = conv(relu(sum([out1, out2, out3], 'sum3'), 'relu3'), 3, 1);
  return relu(sum([out1, out2, out3, out4], 'sum4'), 'relu4');
}

/**
 * `builtin:faceapi_expression` as a trainable tf.layers model with face-api's weights, and the input
 * spec that feeds it exactly like the built-in (112×112 RGB, face-api's normalisation moved into
 * the spec); its logits are in the built-in's column order (FER2013's), so its outputs equal the
 * built-in's up to float rounding (test/face-api-layers.test.ts).
 */
export async function faceApiExpressionLayers(source = 'builtin:faceapi_expression'): Promise<{ model: tf.LayersModel; spec: InputSpec }> {
  const entry = resolveBuiltin(source.replace(/^builtin:/, ''));
  if (entry.faceApi?.net !== 'FaceExpressionNet') {
    throw new LineageError(`${source} is not face-api's expression network`, 'give builtin:faceapi_expression');
  }
  await initTrainingBackend();
  const weights = await faceApiWeights(entry.path, entry.faceApi);
  const layerWeights = new Map<string, tf.Tensor[]>();
  try {
    const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'faceapi_expression_input' });
    let x: Sym = input;
    BLOCKS.forEach((block, i) => { x = denseBlock(x, block, 32 << i, i === 0, weights, layerWeights); });
    x = tf.layers.averagePooling2d({ name: 'pool', poolSize: 7, strides: 2, padding: 'valid' }).apply(x) as Sym;
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
    const classes = weights.get('fc/bias')!.shape[0]!;
    const logits = tf.layers.dense({ name: 'fc', units: classes }).apply(x) as Sym;
    const model = tf.model({ name: 'faceapi_expression', inputs: input, outputs: logits });
    // The built-in reads face-api's columns in FER2013's order: the same permutation of the dense layer's columns.
    // (Permuted on the host: wasm's Gather output breaks the fused dense kernel.)
    const order = entry.faceApi.classOrder ?? Array.from({ length: classes }, (_, i) => i);
    const kernel = weights.get('fc/weights')!.arraySync() as number[][];
    const bias = weights.get('fc/bias')!.arraySync() as number[];
    const fc = [tf.tensor2d(kernel.map((row) => order.map((j) => row[j]!))), tf.tensor1d(order.map((j) => bias[j]!))];
    layerWeights.set('fc', fc);
    for (const [name, values] of layerWeights) model.getLayer(name).setWeights(values);
    tf.dispose(fc);
    const spec: InputSpec = {
      height: SIZE, width: SIZE, channels: 'rgb', layout: 'nhwc', scale: 1, mean: MEAN_RGB, std: [255, 255, 255], output: 0, outputKind: 'logits',
    };
    return { model, spec };
  } finally {
    tf.dispose([...weights.values()]);
  }
}
