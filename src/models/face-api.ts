import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { LineageError, errorMessage } from '../errors.js';
import { resolveSpec, type UserSpecLayers } from './spec.js';
import { initTf } from './tfjs-backend.js';
import { TfjsModel, tensorRunner } from './tfjs.js';

type Tensor = tfTypes.Tensor;

/** The face-api networks Lineage loads (their weights ship as a weights manifest, not a model.json). */
export type FaceApiNetName = 'FaceRecognitionNet' | 'FaceExpressionNet';

/** How a built-in face-api model is run: which network, and the order its output columns are read in. */
export interface FaceApiRuntime {
  readonly net: FaceApiNetName;
  /** Output column i is the network's column classOrder[i] (e.g. face-api's expressions in FER2013 order). */
  readonly classOrder?: readonly number[];
}

/** The part of a face-api network we use: the raw output before any softmax (`runNet`; the recogniser has only `forwardInput`). */
interface FaceApiNet {
  loadFromDisk(dir: string): Promise<void>;
  runNet?(input: unknown): Tensor;
  forwardInput(input: unknown): Tensor;
  /** Every weight with face-api's parameter path; a face processor (the expression net) lists only its head, its trunk is `faceFeatureExtractor`. */
  getParamList(): { path: string; tensor: Tensor }[];
  readonly faceFeatureExtractor?: FaceApiNet;
  dispose(): void;
}

interface FaceApiModule {
  readonly NetInput: new (inputs: Tensor[]) => unknown;
  readonly FaceRecognitionNet: new () => FaceApiNet;
  readonly FaceExpressionNet: new () => FaceApiNet;
}

/** face-api's WebAssembly build: it requires the same @tensorflow/tfjs as Lineage, so both share one engine. */
function faceApi(): FaceApiModule {
  return createRequire(import.meta.url)('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
}

/** A face-api network loaded from its weights manifest `file` (the weight shards beside it); the caller disposes it. */
async function loadNet(file: string, runtime: FaceApiRuntime): Promise<FaceApiNet> {
  await initTf();
  const net = new (faceApi()[runtime.net])();
  try {
    await net.loadFromDisk(path.dirname(file));
  } catch (e) {
    net.dispose();
    throw new LineageError(`cannot load face-api ${runtime.net} from ${file}: ${errorMessage(e)}`,
      'the weights manifest or its shard is missing or damaged: reinstall @vladmandic/face-api');
  }
  return net;
}

/**
 * The weights of a face-api network by face-api's parameter path (e.g. `dense0/conv1/bias`, `fc/weights`),
 * copied out of the network, which is disposed: the caller owns the tensors.
 */
export async function faceApiWeights(file: string, runtime: FaceApiRuntime): Promise<Map<string, Tensor>> {
  const net = await loadNet(file, runtime);
  try {
    const lists = [net, ...(net.faceFeatureExtractor ? [net.faceFeatureExtractor] : [])].map((n) => n.getParamList());
    return new Map(lists.flat().map(({ path: name, tensor }) => [name, tensor.clone()]));
  } finally {
    net.dispose();
  }
}

/**
 * Load a network of @vladmandic/face-api from its weights manifest `file` (the weight shards beside
 * it). The network normalises its input itself (minus face-api's mean RGB, ÷ 255), so it is fed raw
 * 0–255 RGB at its own size; the output is the network's last layer before any softmax.
 */
export async function loadFaceApiModel(
  file: string,
  runtime: FaceApiRuntime,
  layers: UserSpecLayers,
  onWarning: (message: string) => void,
  source = file,
): Promise<TfjsModel> {
  const tf = await initTf();
  const api = faceApi();
  const net = await loadNet(file, runtime);
  const { spec, warnings } = resolveSpec({ source, ...layers });
  warnings.forEach(onWarning);
  if (spec.layout !== 'nhwc' || spec.channels !== 'rgb') {
    net.dispose();
    throw new LineageError(`face-api ${runtime.net} (${source}) takes NHWC RGB images, not ${spec.layout} ${spec.channels}`,
      'drop the --layout / --channels overrides for this model');
  }
  const order = runtime.classOrder;
  // NetInput takes one 3-D tensor per image; at the spec's (square) size it neither pads nor resizes.
  const forward = (x: Tensor): Tensor => {
    const input = new api.NetInput(tf.unstack(x));
    const out = net.runNet ? net.runNet(input) : net.forwardInput(input);
    return order ? tf.gather(out, [...order], 1) : out;
  };
  const execute = async (x: Tensor): Promise<Tensor> => tf.tidy(() => forward(x));
  return new TfjsModel(source, spec, tensorRunner(tf, spec, source, execute, () => net.dispose()), forward);
}
