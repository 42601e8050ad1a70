/**
 * A trained graph model back on disk as a TF.js graph model folder: the original model.json with
 * its weights replaced by the trained values (one weights.bin in manifest order, float32 or float16
 * storage), a kept head appended as Reshape → MatMul → AddV2 nodes, and the `model.lineage.json`
 * sidecar naming the output to read. `loadModel(dir)` reads it like any graph model.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../models/types.js';
import type { GraphTrainable } from './graph.js';
import type { GraphNode } from './graph-topology.js';
import { MODEL_JSON, WEIGHTS, replaceFolder, writeSpecSidecar } from './save.js';

/** Output node of a kept head. */
export const HEAD_OUTPUT = 'lineage_head/add';

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * IEEE float16 bit pattern of `x` (round to nearest, ties to even). Finite values past the float16
 * range saturate at ±65504 rather than becoming infinities.
 */
export function float16Bits(x: number): number {
  F32[0] = x;
  const bits = U32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 0x1f) return sign | 0x7bff;
  const [kept, shift] = exponent <= 0 ? [mantissa | 0x800000, 14 - exponent] : [mantissa, 13];
  if (shift > 24) return sign;
  const dropped = kept & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  let value = (exponent <= 0 ? 0 : exponent << 10) | (kept >>> shift);
  if (dropped > half || (dropped === half && (value & 1) === 1)) value++;
  return sign | Math.min(value, 0x7bff);
}

function dim(shape: readonly number[]): { dim: { size: string }[] } {
  return { dim: shape.map((size) => ({ size: String(size) })) };
}

function constNode(name: string, shape: readonly number[], dtype: 'DT_FLOAT' | 'DT_INT32'): GraphNode {
  return { name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: dim(shape) } }, dtype: { type: dtype } } };
}

/** The nodes and weights of a kept linear head reading node `input` of width `inputs`. */
function headGraph(input: string, kernel: tf.Tensor, bias: tf.Tensor): { nodes: GraphNode[]; weights: { name: string; tensor: tf.Tensor }[] } {
  const [inputs] = kernel.shape;
  const float = { T: { type: 'DT_FLOAT' } };
  return {
    nodes: [
      constNode('lineage_head/shape', [2], 'DT_INT32'),
      { name: 'lineage_head/flatten', op: 'Reshape', input: [input, 'lineage_head/shape'], attr: { ...float, Tshape: { type: 'DT_INT32' } } },
      constNode('lineage_head/kernel', kernel.shape, 'DT_FLOAT'),
      { name: 'lineage_head/matmul', op: 'MatMul', input: ['lineage_head/flatten', 'lineage_head/kernel'], attr: { ...float, transpose_a: { b: false }, transpose_b: { b: false } } },
      constNode('lineage_head/bias', bias.shape, 'DT_FLOAT'),
      { name: HEAD_OUTPUT, op: 'AddV2', input: ['lineage_head/matmul', 'lineage_head/bias'], attr: float },
    ],
    weights: [
      { name: 'lineage_head/shape', tensor: tf.tensor1d([-1, inputs!], 'int32') },
      { name: 'lineage_head/kernel', tensor: kernel },
      { name: 'lineage_head/bias', tensor: bias },
    ],
  };
}

/** Bytes and manifest entry of one weight. */
async function encode(name: string, tensor: tf.Tensor, storage: 'float32' | 'float16'): Promise<{ bytes: Uint8Array; entry: tf.io.WeightsManifestEntry }> {
  if (tensor.dtype === 'float32' && storage === 'float16') {
    const bits = Uint16Array.from(await tensor.data() as Float32Array, float16Bits);
    return { bytes: new Uint8Array(bits.buffer), entry: { name, shape: tensor.shape, dtype: 'float32', quantization: { dtype: 'float16' } } };
  }
  const { data, specs } = await tf.io.encodeWeights([{ name, tensor }]);
  return { bytes: new Uint8Array(data), entry: specs[0]! };
}

/**
 * Write `model` to folder `dir` (replaced atomically) with input spec `spec`; the saved model's
 * output is the kept head's, else the trained node.
 */
export async function saveGraphModel(model: GraphTrainable, dir: string, spec: InputSpec, storage: 'float32' | 'float16'): Promise<void> {
  const keep = model.head?.options.keep === true ? headGraph(model.output, model.head.kernel, model.head.bias!) : undefined;
  const output = keep ? HEAD_OUTPUT : model.output;
  const names = model.json.weightsManifest.flatMap((group) => group.weights.map((w) => w.name));
  const weights = [...names.map((name) => ({ name, tensor: model.weight(name) })), ...(keep?.weights ?? [])];
  const encoded: { bytes: Uint8Array; entry: tf.io.WeightsManifestEntry }[] = [];
  for (const { name, tensor } of weights) encoded.push(await encode(name, tensor, storage));
  keep?.weights[0]!.tensor.dispose();
  const topology = model.json.modelTopology as { node: GraphNode[] };
  const signature = (model.json as { signature?: { outputs?: unknown } }).signature;
  const json = {
    ...model.json,
    format: 'graph-model',
    modelTopology: keep ? { ...topology, node: [...topology.node, ...keep.nodes] } : topology,
    ...(keep && signature ? { signature: { ...signature, outputs: { [output]: { name: output, dtype: 'DT_FLOAT' } } } } : {}),
    weightsManifest: [{ paths: [WEIGHTS], weights: encoded.map((e) => e.entry) }],
  };
  await replaceFolder(dir, `the trained graph model ${model.source}`, async (tmp) => {
    await writeFile(path.join(tmp, WEIGHTS), Buffer.concat(encoded.map((e) => e.bytes)));
    await writeFile(path.join(tmp, MODEL_JSON), JSON.stringify(json));
    await writeSpecSidecar(tmp, { ...spec, output });
  });
}
