/**
 * The onnx.proto (github.com/onnx/onnx, IR version 8) messages a model needs, and typed builders
 * for them; protobufjs encodes. Field numbers are the official ones.
 */
import protobuf from 'protobufjs';

const ONNX_WRITE_SUBSET = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  repeated int64 ints = 8;
  optional int32 type = 20;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  optional Tensor tensor_type = 1;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

const ModelProto = protobuf.parse(ONNX_WRITE_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');

const FLOAT = 1;
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly ints?: readonly number[];
}

export interface OnnxNode {
  readonly name: string;
  readonly op_type: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute: readonly OnnxAttribute[];
}

export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data_type: number;
  readonly raw_data: Uint8Array;
}

export const attr = {
  float: (name: string, f: number): OnnxAttribute => ({ name, type: ATTRIBUTE_FLOAT, f }),
  int: (name: string, i: number): OnnxAttribute => ({ name, type: ATTRIBUTE_INT, i }),
  ints: (name: string, ints: readonly number[]): OnnxAttribute => ({ name, type: ATTRIBUTE_INTS, ints }),
};

export function node(op_type: string, name: string, input: readonly string[], output: readonly string[], attribute: readonly OnnxAttribute[] = []): OnnxNode {
  return { name, op_type, input, output, attribute };
}

/** A float32 initializer (little-endian raw bytes, as ONNX stores them). */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): OnnxTensor {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, k) => view.setFloat32(k * 4, v, true));
  return { name, dims, data_type: FLOAT, raw_data: bytes };
}

/** A float32 graph input or output; null dims are symbolic ('batch'). */
function valueInfo(name: string, dims: readonly (number | null)[]): object {
  return {
    name,
    type: { tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => (d === null ? { dim_param: 'batch' } : { dim_value: d })) } } },
  };
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly input: { readonly name: string; readonly dims: readonly (number | null)[] };
  readonly output: { readonly name: string; readonly dims: readonly (number | null)[] };
  /** Free-form key/value metadata (e.g. the input spec). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The serialised ModelProto (IR version 8, default-domain opset 13). */
export function encodeOnnxModel(graph: OnnxGraph, producerVersion: string): Uint8Array {
  const message = ModelProto.fromObject({
    ir_version: 8,
    producer_name: 'lineage',
    producer_version: producerVersion,
    opset_import: [{ domain: '', version: 13 }],
    metadata_props: Object.entries(graph.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(graph.input.name, graph.input.dims)],
      output: [valueInfo(graph.output.name, graph.output.dims)],
    },
  });
  return ModelProto.encode(message).finish();
}
