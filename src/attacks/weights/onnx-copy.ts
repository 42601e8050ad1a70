import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import { errorMessage, LineageError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { encodeBytesField, spliceMessage } from './protobuf-splice.js';
import type { WeightWalker } from './tensor-edit.js';

/** The few onnx.proto (github.com/onnx/onnx) messages and fields a weight edit needs. */
const ONNX_SUBSET = `
syntax = "proto2";
package onnx;
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  optional int32 data_location = 14;
}
message GraphProto { repeated TensorProto initializer = 5; }
message ModelProto { optional GraphProto graph = 7; }
`;

const schema = protobuf.parse(ONNX_SUBSET, { keepCase: true }).root;
const TensorProto = schema.lookupType('onnx.TensorProto');
const fieldId = (message: string, field: string) => schema.lookupType(message).fields[field]!.id;
const MODEL_GRAPH = fieldId('onnx.ModelProto', 'graph');
const GRAPH_INITIALIZER = fieldId('onnx.GraphProto', 'initializer');
const TENSOR_FLOAT_DATA = fieldId('onnx.TensorProto', 'float_data');
const TENSOR_RAW_DATA = fieldId('onnx.TensorProto', 'raw_data');
const DATA_TYPE_FLOAT = 1;
const DATA_LOCATION_EXTERNAL = 1;

interface DecodedTensor {
  dims: number[];
  data_type?: number;
  float_data: number[];
  name?: string;
  raw_data?: Uint8Array;
  data_location?: number;
}

/**
 * Write a copy of the ONNX model at `source` with every FLOAT initializer of the main graph passed
 * through `walker` (other dtypes, nodes, metadata and opsets are copied byte for byte).
 */
export async function deriveOnnxCopy(source: string, output: string, walker: WeightWalker): Promise<void> {
  const bytes = await readFile(source).catch((e: unknown) => {
    throw new LineageError(`cannot read ONNX model ${source}: ${errorMessage(e)}`, 'check the path');
  });
  let sawGraph = false;
  let copy: Uint8Array;
  try {
    copy = spliceMessage(bytes, new Map([[MODEL_GRAPH, (graph: Uint8Array) => {
      sawGraph = true;
      return spliceMessage(graph, new Map([[GRAPH_INITIALIZER, (t: Uint8Array) => editInitializer(source, t, walker)]]));
    }]]));
  } catch (e) {
    if (e instanceof LineageError) throw e;
    throw new LineageError(`${source} is not a readable ONNX model (${errorMessage(e)})`, 'check that the file is a complete .onnx model; re-export or re-download it');
  }
  if (!sawGraph) throw new LineageError(`${source} has no ONNX graph`, 'give an .onnx model file exported by a framework (ModelProto with a graph)');
  await writeFileAtomic(output, copy);
}

function editInitializer(source: string, payload: Uint8Array, walker: WeightWalker): Uint8Array {
  const tensor = TensorProto.toObject(TensorProto.decode(payload), { longs: Number, arrays: true }) as DecodedTensor;
  if (tensor.data_type !== DATA_TYPE_FLOAT) return payload;
  if (tensor.data_location === DATA_LOCATION_EXTERNAL) {
    throw new LineageError(`${source}: initializer ${tensor.name ?? '?'} keeps its data in an external file`, 'save the model with its weights inline (onnx.save_model(..., save_as_external_data=False))');
  }
  const values = tensor.raw_data?.length ? readFloat32LE(tensor.raw_data) : Float32Array.from(tensor.float_data);
  const size = tensor.dims.reduce((a, b) => a * b, 1);
  if (values.length !== size || (tensor.raw_data?.length ?? 0) % 4 !== 0) {
    throw new LineageError(`${source}: initializer ${tensor.name ?? '?'} holds ${values.length} floats for shape [${tensor.dims.join(', ')}]`, 'the file is corrupt; re-export or re-download it');
  }
  // Conv weights are [out, in, kh, kw]; a rank-2 weight may be Gemm's [out, in] or MatMul's [in, out].
  const channelAxis = tensor.dims.length >= 3 ? 0 : undefined;
  const edited = walker.visit({ name: tensor.name ?? '', shape: tensor.dims, values, channelAxis });
  if (edited === values) return payload;
  return spliceMessage(payload, new Map([[TENSOR_FLOAT_DATA, 'drop'], [TENSOR_RAW_DATA, 'drop']]), encodeBytesField(TENSOR_RAW_DATA, writeFloat32LE(edited)));
}

/** ONNX raw_data is little-endian whatever the machine. */
function readFloat32LE(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function writeFloat32LE(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}
