/**
 * Export a trained TF.js layers model (a folder written by the training loop, or any layers model
 * built from the layers below) to ONNX, so a zoo model or a victim can be served by onnxruntime,
 * PyTorch tooling or any ONNX runtime. The graph is NCHW like a PyTorch export; the input spec
 * (size, channels, pixel scaling) goes into the model's metadata and a `<name>.lineage.json`
 * sidecar, so `loadModel(file.onnx)` queries it exactly as it queried the TF.js folder.
 */
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';
import { sidecarPath, specToOverrides } from '../models/spec.js';
import type { InputSpec } from '../models/types.js';
import { loadTrainableModel } from '../train/save.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { LINEAGE_VERSION } from '../version.js';
import { attr, encodeOnnxModel, floatTensor, node, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

type Shape = readonly (number | null)[];

/** What one layer adds to the graph. */
interface Emitted {
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxTensor[];
}

const SUPPORTED = 'InputLayer, Conv2D, DepthwiseConv2D, BatchNormalization, ReLU, Activation (relu, linear), Add, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Dense';

function unsupported(layer: tf.layers.Layer, what: string): LineageError {
  return new LineageError(
    `cannot export layer "${layer.name}" (${layer.getClassName()}) to ONNX: ${what}`,
    `the ONNX export handles ${SUPPORTED}; export other models from their own framework`,
  );
}

/** Weights of a layer as float arrays, in the layer's own order. */
function weightsOf(layer: tf.layers.Layer): Float32Array[] {
  return layer.getWeights().map((w) => w.dataSync() as Float32Array);
}

/** [kh, kw, cin, cout] (TF) → [cout, cin, kh, kw] (ONNX). */
function convKernel(w: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) out[((o * cin + c) * kh + i) * kw + j] = w[((i * kw + j) * cin + c) * cout + o]!;
      }
    }
  }
  return out;
}

/** TF 'same' / 'valid' padding as ONNX pads [top, left, bottom, right] (TF puts the odd pixel after). */
function pads(padding: string, input: Shape, kernel: readonly number[], strides: readonly number[]): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const totals = [input[1]!, input[2]!].map((size, axis) => {
    const out = Math.ceil(size / strides[axis]!);
    return Math.max(0, (out - 1) * strides[axis]! + kernel[axis]! - size);
  });
  const before = totals.map((t) => Math.floor(t / 2));
  return [...before, ...totals.map((t, axis) => t - before[axis]!)];
}

const pair = (v: number | number[]): number[] => (Array.isArray(v) ? v : [v, v]);

function checkDilation(layer: tf.layers.Layer, config: tf.serialization.ConfigDict): void {
  const d = config['dilationRate'] as number | number[] | undefined;
  if (d !== undefined && pair(d).some((v) => v !== 1)) throw unsupported(layer, 'dilated convolutions are not handled');
}

/** An activation that a layer applies to its own output (Conv2D, Dense …): none, or a ReLU node. */
function activationNodes(layer: tf.layers.Layer, activation: unknown, from: string, to: string): OnnxNode[] {
  if (activation === undefined || activation === 'linear') return [];
  if (activation === 'relu') return [node('Relu', `${layer.name}/relu`, [from], [to])];
  throw unsupported(layer, `activation "${String(activation)}"`);
}

function emit(layer: tf.layers.Layer, inputs: string[], input: Shape): Emitted {
  const name = layer.name;
  const config = layer.getConfig();
  const className = layer.getClassName();
  const weights = weightsOf(layer);
  const single = (op: string, attributes = [] as ReturnType<typeof attr.int>[], extra: string[] = []): Emitted => ({
    nodes: [node(op, name, [...inputs, ...extra], [name], attributes)], initializers: [],
  });
  switch (className) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      checkDilation(layer, config);
      if (config['dataFormat'] === 'channelsFirst') throw unsupported(layer, 'channels-first layers are not handled');
      const kernel = pair(config['kernelSize'] as number | number[]);
      const strides = pair(config['strides'] as number | number[]);
      const depthwise = className === 'DepthwiseConv2D';
      const kernelShape = layer.getWeights()[0]!.shape;
      const cin = input[3]!;
      const w = depthwise
        // [kh, kw, cin, multiplier] → [cin·multiplier, 1, kh, kw], one group per input channel.
        ? convKernel(weights[0]!, [kernel[0]!, kernel[1]!, 1, cin * kernelShape[3]!])
        : convKernel(weights[0]!, kernelShape);
      const cout = depthwise ? cin * kernelShape[3]! : kernelShape[3]!;
      const initializers = [floatTensor(`${name}/kernel`, depthwise ? [cout, 1, kernel[0]!, kernel[1]!] : [cout, cin, kernel[0]!, kernel[1]!], w)];
      if (weights[1]) initializers.push(floatTensor(`${name}/bias`, [cout], weights[1]));
      const activation = config['activation'];
      const convOut = activation === undefined || activation === 'linear' ? name : `${name}/conv`;
      const conv = node('Conv', `${name}/conv`, [inputs[0]!, ...initializers.map((t) => t.name)], [convOut], [
        attr.ints('kernel_shape', kernel), attr.ints('strides', strides), attr.ints('pads', pads(config['padding'] as string, input, kernel, strides)),
        attr.ints('dilations', [1, 1]), attr.int('group', depthwise ? cin : 1),
      ]);
      return { nodes: [conv, ...activationNodes(layer, activation, convOut, name)], initializers };
    }
    case 'BatchNormalization': {
      const axis = config['axis'] as number;
      if (axis !== -1 && axis !== 3) throw unsupported(layer, `normalisation over axis ${axis}`);
      const channels = input[3]!;
      // Keras omits gamma / beta when scale / center are off.
      const take = (flag: unknown, fill: number): Float32Array => (flag === false ? new Float32Array(channels).fill(fill) : weights.shift()!);
      const gamma = take(config['scale'], 1);
      const beta = take(config['center'], 0);
      const [mean, variance] = weights;
      const initializers = [['scale', gamma], ['bias', beta], ['mean', mean!], ['variance', variance!]]
        .map(([part, values]) => floatTensor(`${name}/${part as string}`, [channels], values as Float32Array));
      return {
        nodes: [node('BatchNormalization', name, [inputs[0]!, ...initializers.map((t) => t.name)], [name], [attr.float('epsilon', config['epsilon'] as number)])],
        initializers,
      };
    }
    case 'ReLU': {
      const max = config['maxValue'] as number | null | undefined;
      if (max === undefined || max === null) return single('Relu');
      const bounds = [floatTensor(`${name}/min`, [], Float32Array.of(0)), floatTensor(`${name}/max`, [], Float32Array.of(max))];
      return { nodes: [node('Clip', name, [inputs[0]!, ...bounds.map((t) => t.name)], [name])], initializers: bounds };
    }
    case 'Activation': {
      const activation = config['activation'];
      if (activation === 'linear') return single('Identity');
      if (activation === 'relu') return single('Relu');
      throw unsupported(layer, `activation "${String(activation)}"`);
    }
    case 'Add':
      return single('Sum');
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const kernel = pair(config['poolSize'] as number | number[]);
      const strides = pair((config['strides'] as number | number[] | null) ?? kernel);
      const padding = pads(config['padding'] as string, input, kernel, strides);
      if (className === 'AveragePooling2D' && padding.some((p) => p > 0)) throw unsupported(layer, "'same' average pooling (TF and ONNX count the padding differently)");
      return single(className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [attr.ints('kernel_shape', kernel), attr.ints('strides', strides), attr.ints('pads', padding)]);
    }
    case 'GlobalAveragePooling2D':
      return {
        nodes: [node('GlobalAveragePool', `${name}/pool`, inputs, [`${name}/pooled`]), node('Flatten', name, [`${name}/pooled`], [name], [attr.int('axis', 1)])],
        initializers: [],
      };
    case 'Dense': {
      if (input.length !== 2) throw unsupported(layer, `a ${input.length}-D input (only [batch, features] is handled)`);
      const units = config['units'] as number;
      const initializers = [floatTensor(`${name}/kernel`, [input[1]!, units], weights[0]!)];
      initializers.push(floatTensor(`${name}/bias`, [units], weights[1] ?? new Float32Array(units)));
      const activation = config['activation'];
      const gemmOut = activation === undefined || activation === 'linear' ? name : `${name}/gemm`;
      return {
        nodes: [node('Gemm', `${name}/gemm`, [inputs[0]!, ...initializers.map((t) => t.name)], [gemmOut]), ...activationNodes(layer, activation, gemmOut, name)],
        initializers,
      };
    }
    default:
      throw unsupported(layer, 'no ONNX equivalent is implemented');
  }
}

/** Inbound layer names of a layer's first call (the graph edges). */
function inboundNames(layer: tf.layers.Layer): string[] {
  const inbound = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes[0];
  return inbound ? inbound.inboundLayers.map((l) => l.name) : [];
}

/** Shape of a layer's (first) input, NHWC with a null batch. */
function inputShapeOf(layer: tf.layers.Layer): Shape {
  const input = layer.input;
  return (Array.isArray(input) ? input[0]! : input).shape;
}

/** The ONNX bytes of a layers model with one image input and one output, given its input spec. */
export function onnxFromLayersModel(model: tf.LayersModel, spec: InputSpec): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new LineageError(`cannot export ${model.name} to ONNX: it has ${model.inputs.length} inputs and ${model.outputs.length} outputs`, 'export a model with one image input and one output');
  }
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const [, h, w, c] = model.inputs[0]!.shape;
  const inputLayer = model.layers.find((l) => l.getClassName() === 'InputLayer')!;
  for (const layer of model.layers) {
    if (layer === inputLayer) continue;
    const emitted = emit(layer, inboundNames(layer), inputShapeOf(layer));
    nodes.push(...emitted.nodes);
    initializers.push(...emitted.initializers);
  }
  const last = model.layers[model.layers.length - 1]!;
  return encodeOnnxModel({
    name: model.name,
    nodes,
    initializers,
    // NHWC in TF.js; the ONNX graph is NCHW, so its input is [batch, c, h, w]. Conv, pooling and
    // batch norm read channels on axis 1 throughout, and GlobalAveragePool + Flatten lead into the
    // dense head in the same channel order as TF's global pooling.
    input: { name: inputLayer.name, dims: [null, c!, h!, w!] },
    output: { name: last.name, dims: last.outputShape as Shape },
    metadata: { 'lineage.spec': JSON.stringify(specToOverrides(onnxSpec(spec, inputLayer.name))) },
  }, LINEAGE_VERSION);
}

/** The input spec of the exported file: the same preprocessing, NCHW, the graph's input name. */
function onnxSpec(spec: InputSpec, inputName: string): InputSpec {
  return { ...spec, layout: 'nchw', inputName, output: 0 };
}

/**
 * Export the model folder `dir` (written by the training loop or a zoo) to `file` (.onnx) plus its
 * `.lineage.json` sidecar; both are written whole or not at all.
 */
export async function exportOnnx(dir: string, file: string): Promise<{ file: string; sidecar: string; layers: number }> {
  const { model, spec } = await loadTrainableModel(dir);
  try {
    const bytes = onnxFromLayersModel(model, spec);
    const sidecar = sidecarPath(file);
    const inputName = model.layers.find((l) => l.getClassName() === 'InputLayer')!.name;
    await writeFileAtomic(sidecar, JSON.stringify(specToOverrides(onnxSpec(spec, inputName)), null, 2) + '\n');
    await writeFileAtomic(file, bytes);
    return { file, sidecar, layers: model.layers.length };
  } finally {
    model.dispose();
  }
}
