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
import { attr, encodeOnnxModel, floatTensor, node, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

type Shape = readonly (number | null)[];

/** What one layer adds to the graph. */
interface Emitted {
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxTensor[];
}

function unsupported(layer: tf.layers.Layer, what: string): LineageError {
  return new LineageError(
    `cannot export layer "${layer.name}" (${layer.getClassName()}) to ONNX: ${what}`,
    `the ONNX export handles ${Object.keys(EMITTERS).join(', ')} layers (relu or linear activations); export other models from their own framework`,
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

/** What an emitter sees of one layer. */
interface LayerContext {
  readonly layer: tf.layers.Layer;
  readonly name: string;
  readonly config: tf.serialization.ConfigDict;
  /** Names of the tensors the layer reads (its inbound layers' outputs). */
  readonly inputs: readonly string[];
  /** Shape of its first input, NHWC with a null batch. */
  readonly input: Shape;
  readonly weights: Float32Array[];
}

/** One node reading the layer's inputs (then `initializers`) and writing the layer's name. */
function single(c: LayerContext, op: string, attributes: OnnxAttribute[] = [], initializers: OnnxTensor[] = []): Emitted {
  return { nodes: [node(op, c.name, [...c.inputs, ...initializers.map((t) => t.name)], [c.name], attributes)], initializers };
}

/**
 * An op followed by the activation the layer applies to its own output (Conv2D, Dense …): the op
 * writes the layer's name directly when the activation is linear, else a ReLU node does.
 */
function withActivation(c: LayerContext, op: string, attributes: OnnxAttribute[], initializers: OnnxTensor[]): Emitted {
  const activation = c.config['activation'];
  if (activation !== undefined && activation !== 'linear' && activation !== 'relu') throw unsupported(c.layer, `activation "${String(activation)}"`);
  const linear = activation === undefined || activation === 'linear';
  const out = linear ? c.name : `${c.name}/${op.toLowerCase()}`;
  const first = node(op, `${c.name}/${op.toLowerCase()}`, [c.inputs[0]!, ...initializers.map((t) => t.name)], [out], attributes);
  return { nodes: linear ? [first] : [first, node('Relu', `${c.name}/relu`, [out], [c.name])], initializers };
}

/** A convolution layer's window as ONNX Conv attributes (group set by the caller); dilated and channels-first ones are refused. */
function convWindow(c: LayerContext): { kernel: number[]; attributes: (group: number) => OnnxAttribute[] } {
  const d = c.config['dilationRate'] as number | number[] | undefined;
  if (d !== undefined && pair(d).some((v) => v !== 1)) throw unsupported(c.layer, 'dilated convolutions are not handled');
  if (c.config['dataFormat'] === 'channelsFirst') throw unsupported(c.layer, 'channels-first layers are not handled');
  const kernel = pair(c.config['kernelSize'] as number | number[]);
  const strides = pair(c.config['strides'] as number | number[]);
  const padding = pads(c.config['padding'] as string, c.input, kernel, strides);
  return {
    kernel,
    attributes: (group) => [attr.ints('kernel_shape', kernel), attr.ints('strides', strides), attr.ints('pads', padding), attr.ints('dilations', [1, 1]), attr.int('group', group)],
  };
}

/** Depthwise [kh, kw, cin, multiplier] as a grouped ONNX kernel [cin·multiplier, 1, kh, kw], one group per input channel. */
function depthwiseKernel(name: string, w: Float32Array, [kh, kw, cin, multiplier]: number[]): OnnxTensor {
  const cout = cin! * multiplier!;
  return floatTensor(name, [cout, 1, kh!, kw!], convKernel(w, [kh!, kw!, 1, cout]));
}

function conv(c: LayerContext): Emitted {
  const { kernel, attributes } = convWindow(c);
  const kernelShape = c.layer.getWeights()[0]!.shape;
  const cin = c.input[3]!;
  const depthwise = c.layer.getClassName() === 'DepthwiseConv2D';
  const cout = depthwise ? cin * kernelShape[3]! : kernelShape[3]!;
  const initializers = [depthwise
    ? depthwiseKernel(`${c.name}/kernel`, c.weights[0]!, kernelShape)
    : floatTensor(`${c.name}/kernel`, [cout, cin, kernel[0]!, kernel[1]!], convKernel(c.weights[0]!, kernelShape))];
  if (c.weights[1]) initializers.push(floatTensor(`${c.name}/bias`, [cout], c.weights[1]));
  return withActivation(c, 'Conv', attributes(depthwise ? cin : 1), initializers);
}

/** Separable convolution: the depthwise step (with the layer's window) as a grouped Conv, then a 1×1 Conv with the bias. */
function separableConv(c: LayerContext): Emitted {
  const { attributes } = convWindow(c);
  const [depthwiseShape, pointwiseShape] = c.layer.getWeights().map((w) => w.shape);
  const cin = c.input[3]!;
  const middle = cin * depthwiseShape![3]!;
  const cout = pointwiseShape![3]!;
  const depthwiseOut = `${c.name}/depthwise`;
  const dw = depthwiseKernel(`${c.name}/depthwise_kernel`, c.weights[0]!, depthwiseShape!);
  const pw = [floatTensor(`${c.name}/pointwise_kernel`, [cout, middle, 1, 1], convKernel(c.weights[1]!, pointwiseShape!))];
  if (c.weights[2]) pw.push(floatTensor(`${c.name}/bias`, [cout], c.weights[2]));
  const pointwise = withActivation({ ...c, inputs: [depthwiseOut] }, 'Conv', [
    attr.ints('kernel_shape', [1, 1]), attr.ints('strides', [1, 1]), attr.ints('pads', [0, 0, 0, 0]), attr.ints('dilations', [1, 1]), attr.int('group', 1),
  ], pw);
  return { nodes: [node('Conv', depthwiseOut, [c.inputs[0]!, dw.name], [depthwiseOut], attributes(cin)), ...pointwise.nodes], initializers: [dw, ...pointwise.initializers] };
}

/** TF flattens [batch, h, w, c] in h, w, c order, the ONNX graph holds NCHW: back to NHWC first, unless h = w = 1. */
function flatten(c: LayerContext): Emitted {
  if (c.input.length !== 4) throw unsupported(c.layer, `a ${c.input.length}-D input (only images [batch, h, w, c] are handled)`);
  if (c.input[1] === 1 && c.input[2] === 1) return single(c, 'Flatten', [attr.int('axis', 1)]);
  const nhwc = `${c.name}/nhwc`;
  return {
    nodes: [node('Transpose', nhwc, c.inputs, [nhwc], [attr.ints('perm', [0, 2, 3, 1])]), node('Flatten', c.name, [nhwc], [c.name], [attr.int('axis', 1)])],
    initializers: [],
  };
}

function batchNorm(c: LayerContext): Emitted {
  const axis = c.config['axis'] as number;
  if (axis !== -1 && axis !== 3) throw unsupported(c.layer, `normalisation over axis ${axis}`);
  const channels = c.input[3]!;
  const weights = [...c.weights];
  // Keras leaves gamma / beta out when scale / center are off.
  const take = (flag: unknown, fill: number): Float32Array => (flag === false ? new Float32Array(channels).fill(fill) : weights.shift()!);
  const parts: [string, Float32Array][] = [['scale', take(c.config['scale'], 1)], ['bias', take(c.config['center'], 0)], ['mean', weights[0]!], ['variance', weights[1]!]];
  return single(c, 'BatchNormalization', [attr.float('epsilon', c.config['epsilon'] as number)],
    parts.map(([part, values]) => floatTensor(`${c.name}/${part}`, [channels], values)));
}

function relu(c: LayerContext): Emitted {
  const max = c.config['maxValue'] as number | null | undefined;
  if (max === undefined || max === null) return single(c, 'Relu');
  return single(c, 'Clip', [], [floatTensor(`${c.name}/min`, [], Float32Array.of(0)), floatTensor(`${c.name}/max`, [], Float32Array.of(max))]);
}

function activation(c: LayerContext): Emitted {
  const fn = c.config['activation'];
  if (fn === 'linear') return single(c, 'Identity');
  if (fn === 'relu') return single(c, 'Relu');
  throw unsupported(c.layer, `activation "${String(fn)}"`);
}

function pooling(c: LayerContext): Emitted {
  const kernel = pair(c.config['poolSize'] as number | number[]);
  const strides = pair((c.config['strides'] as number | number[] | null) ?? kernel);
  const padding = pads(c.config['padding'] as string, c.input, kernel, strides);
  const max = c.layer.getClassName() === 'MaxPooling2D';
  if (!max && padding.some((p) => p > 0)) throw unsupported(c.layer, "'same' average pooling (TF and ONNX count the padding differently)");
  return single(c, max ? 'MaxPool' : 'AveragePool', [attr.ints('kernel_shape', kernel), attr.ints('strides', strides), attr.ints('pads', padding)]);
}

/** TF's global pooling gives [batch, channels]: GlobalAveragePool ([batch, channels, 1, 1]) then Flatten. */
function globalPool(c: LayerContext): Emitted {
  const pooled = `${c.name}/pooled`;
  return { nodes: [node('GlobalAveragePool', `${c.name}/pool`, c.inputs, [pooled]), node('Flatten', c.name, [pooled], [c.name], [attr.int('axis', 1)])], initializers: [] };
}

function dense(c: LayerContext): Emitted {
  if (c.input.length !== 2) throw unsupported(c.layer, `a ${c.input.length}-D input (only [batch, features] is handled)`);
  const units = c.config['units'] as number;
  return withActivation(c, 'Gemm', [], [
    floatTensor(`${c.name}/kernel`, [c.input[1]!, units], c.weights[0]!),
    floatTensor(`${c.name}/bias`, [units], c.weights[1] ?? new Float32Array(units)),
  ]);
}

const EMITTERS: Readonly<Record<string, (c: LayerContext) => Emitted>> = {
  Conv2D: conv,
  DepthwiseConv2D: conv,
  SeparableConv2D: separableConv,
  BatchNormalization: batchNorm,
  ReLU: relu,
  Activation: activation,
  Add: (c) => single(c, 'Sum'),
  MaxPooling2D: pooling,
  AveragePooling2D: pooling,
  GlobalAveragePooling2D: globalPool,
  Flatten: flatten,
  Dense: dense,
};

function emit(layer: tf.layers.Layer, inputs: string[], input: Shape): Emitted {
  const emitter = EMITTERS[layer.getClassName()];
  if (!emitter) throw unsupported(layer, 'no ONNX equivalent is implemented');
  return emitter({ layer, name: layer.name, config: layer.getConfig(), inputs, input, weights: weightsOf(layer) });
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

/**
 * The ONNX bytes of a layers model with one image input and one output, and the input spec the
 * ONNX file is read with (`spec`'s preprocessing, NCHW, the graph's input name).
 */
export function onnxFromLayersModel(model: tf.LayersModel, spec: InputSpec): { bytes: Uint8Array; spec: InputSpec } {
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
  const onnxSpec: InputSpec = { ...spec, layout: 'nchw', inputName: inputLayer.name, output: 0 };
  const bytes = encodeOnnxModel({
    name: model.name,
    nodes,
    initializers,
    // NHWC in TF.js; the ONNX graph is NCHW, so its input is [batch, c, h, w]. Conv, pooling and
    // batch norm read channels on axis 1 throughout, and GlobalAveragePool + Flatten lead into the
    // dense head in the same channel order as TF's global pooling.
    input: { name: inputLayer.name, dims: [null, c!, h!, w!] },
    output: { name: last.name, dims: last.outputShape as Shape },
    metadata: { 'lineage.spec': JSON.stringify(specToOverrides(onnxSpec)) },
  }, LINEAGE_VERSION);
  return { bytes, spec: onnxSpec };
}

/**
 * Export the model folder `dir` (written by the training loop or a zoo) to `file` (.onnx) plus its
 * `.lineage.json` sidecar; both are written whole or not at all.
 */
export async function exportOnnx(dir: string, file: string): Promise<{ file: string; sidecar: string; layers: number }> {
  const { model, spec } = await loadTrainableModel(dir);
  try {
    const exported = onnxFromLayersModel(model, spec);
    const sidecar = sidecarPath(file);
    await writeFileAtomic(sidecar, JSON.stringify(specToOverrides(exported.spec), null, 2) + '\n');
    await writeFileAtomic(file, exported.bytes);
    return { file, sidecar, layers: model.layers.length };
  } finally {
    model.dispose();
  }
}
