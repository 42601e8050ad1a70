/**
 * Training through a pretrained TF.js graph model (a `builtin:` model or a user's model.json): every
 * float weight of the graph executor's weight map becomes a tf.variable, and the forward pass is
 * `model.execute(x, output)`, so tf.variableGrads reaches the weights. Batch norms folded into
 * constants stay in inference mode. Optionally only the last weights learn, and a head of plain
 * variables (a linear projection, or cosine class weights for margin losses) sits on top; it is
 * dropped, or kept as MatMul + BiasAdd nodes, when the model is saved (src/train/graph-save.ts).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LineageError, errorMessage } from '../errors.js';
import { selectImages } from '../data/types.js';
import { resolveBuiltin } from '../models/builtin.js';
import { loadModel } from '../models/load.js';
import { pickOutput } from '../models/outputs.js';
import { fileHandler, readModelJson } from '../models/tfjs.js';
import { initTrainingBackend } from './backend.js';
import { fitToSpec, supervision, type TrainingData } from './data.js';
import { inputTensor } from './evaluate.js';
import type { Loss } from './losses.js';
import { convolutions, weightsInOrder, type GraphConv, type GraphNode } from './graph-topology.js';
import { saveGraphModel } from './graph-save.js';
import type { Trainable } from './trainable.js';

/** Extra layer on top of the graph's output, made of plain variables. */
export interface HeadOptions {
  /**
   * 'linear': y = xW + b (a projection, e.g. onto another model's embedding size).
   * 'cosine': y = cos(x, W_j) per class j, for margin losses (cosFace in src/train/losses.ts).
   */
  readonly kind: 'linear' | 'cosine';
  readonly units: number;
  /** Save it as part of the model (linear heads only); default false: the saved model ends at `output`. */
  readonly keep?: boolean;
  /** Seeds the initial weights. */
  readonly seed: number;
}

export interface GraphTrainOptions {
  /** Node whose output is trained (and read once saved); default: the output the model's spec reads. */
  readonly output?: string;
  /**
   * Which graph weights learn (default: every float weight the output depends on, except scalars,
   * which are clipping and scaling constants): the last `last` weight tensors before the output
   * (graph order, see trainableWeightNames), or those whose names start with one of `prefixes`.
   */
  readonly trainOnly?: { readonly last: number } | { readonly prefixes: readonly string[] };
  readonly head?: HeadOptions;
  /** Weight storage of the saved model; default float32. */
  readonly storage?: 'float32' | 'float16';
  /** Spec warnings while loading; default: stderr. */
  readonly onWarning?: (message: string) => void;
}

/** A trainable graph model, with what pruning and saving need to see. */
export interface GraphTrainable extends Trainable {
  readonly source: string;
  /** The model.json it was loaded from (topology, signature, manifest order). */
  readonly json: tf.io.ModelJSON;
  readonly nodes: readonly GraphNode[];
  /** The node trained and read. */
  readonly output: string;
  /** Every float weight the output depends on (non-scalar), in graph order; the trainable ones are a suffix or a prefix match. */
  readonly weightNames: readonly string[];
  /** Convolutions whose filters are trainable. */
  readonly convs: readonly GraphConv[];
  /** The trainable variable of a graph weight. */
  variable(name: string): tf.Variable | undefined;
  /** The current value of graph weight `name` (variable or constant). */
  weight(name: string): tf.Tensor;
  /** The head's variables, when there is one. */
  readonly head?: { readonly options: HeadOptions; readonly kernel: tf.Variable; readonly bias?: tf.Variable };
  /** Outputs of graph nodes `names` for an input batch (inference mode). */
  run(x: tf.Tensor4D, names: readonly string[]): tf.Tensor[];
  dispose(): void;
}

const HINT_SOURCES = 'give builtin:<name> of a TF.js graph model (mobileface, mobilefacenet, faceres, emotion, …), a graph model.json, or its folder';

/** The model.json a source stands for. */
async function graphFile(source: string): Promise<string> {
  if (source.startsWith('builtin:')) {
    const entry = resolveBuiltin(source.slice('builtin:'.length));
    if (entry.faceApi || !entry.file.endsWith('.json')) {
      throw new LineageError(`${source} is not a TF.js graph model (it runs on ${entry.faceApi ? 'face-api\'s own code' : 'ONNX'}), so it cannot be trained here`, HINT_SOURCES);
    }
    return entry.path;
  }
  const resolved = path.resolve(source);
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw new LineageError(`model not found: ${source}`, HINT_SOURCES);
  return info.isDirectory() ? path.join(resolved, 'model.json') : resolved;
}

/** Which trainable weights `trainOnly` keeps, from all of them in graph order. */
function selectTrainable(all: readonly string[], trainOnly: GraphTrainOptions['trainOnly'], source: string): string[] {
  if (!trainOnly) return [...all];
  if ('last' in trainOnly) {
    if (!Number.isInteger(trainOnly.last) || trainOnly.last < 1 || trainOnly.last > all.length) {
      throw new LineageError(`cannot train the last ${trainOnly.last} weights of ${source}: it has ${all.length} trainable weights`, `use a whole number 1..${all.length}`);
    }
    return all.slice(all.length - trainOnly.last);
  }
  const chosen = all.filter((name) => trainOnly.prefixes.some((p) => name.startsWith(p)));
  if (chosen.length === 0) {
    throw new LineageError(`no weight of ${source} starts with ${trainOnly.prefixes.join(' or ')}`, `weights in graph order: ${all.slice(-8).join(', ')}, …`);
  }
  return chosen;
}

/** Glorot-uniform head weights from `seed`, zero bias. */
function makeHead(head: HeadOptions, inputs: number, source: string): NonNullable<GraphTrainable['head']> {
  if (!Number.isInteger(head.units) || head.units < 1) throw new LineageError(`invalid head size ${head.units}`, 'give the head a whole number of units ≥ 1');
  if (head.keep && head.kind !== 'linear') {
    throw new LineageError(`a ${head.kind} head cannot be kept in the saved model of ${source}`, 'keep only linear heads; a cosine head is for training losses and is dropped');
  }
  const limit = Math.sqrt(6 / (inputs + head.units));
  const kernel = tf.variable(tf.randomUniform([inputs, head.units], -limit, limit, 'float32', head.seed), true);
  return { options: head, kernel, ...(head.kind === 'linear' ? { bias: tf.variable(tf.zeros([head.units]), true) } : {}) };
}

function applyHead(head: NonNullable<GraphTrainable['head']>, x: tf.Tensor2D): tf.Tensor2D {
  if (head.options.kind === 'linear') return tf.add(tf.matMul(x, head.kernel), head.bias!);
  const rows = tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));
  const cols = tf.div(head.kernel, tf.maximum(tf.norm(head.kernel, 2, 0, true), 1e-12));
  return tf.matMul(rows, cols);
}

/** The op named in a tfjs "no gradient" / "no kernel" error, if that is what `e` is. */
function missingGradientOp(e: unknown): string | undefined {
  const message = errorMessage(e);
  return /gradient function not found for (\w+)/i.exec(message)?.[1] ?? /Kernel '(\w+)' not registered/.exec(message)?.[1];
}

/**
 * Load graph model `source` for training: its spec is what `loadModel(source)` resolves (built-in
 * table, sidecar), so the trained model is fed exactly like the original.
 */
export async function loadGraphTrainable(source: string, options: GraphTrainOptions = {}): Promise<GraphTrainable> {
  await initTrainingBackend();
  const file = await graphFile(source);
  const { json, format } = await readModelJson(file);
  if (format !== 'graph') {
    throw new LineageError(`${source} is a TF.js layers model, not a graph model`, 'train it with loadTrainableModel (src/train/save.ts) and trainModel');
  }
  const probe = await loadModel(source, options.onWarning ? { onWarning: options.onWarning } : {});
  const spec = probe.spec;
  await probe.dispose();
  if (spec.layout !== 'nhwc') throw new LineageError(`${source} takes ${spec.layout} input; the training loop feeds NHWC`, HINT_SOURCES);
  const graph = await tf.loadGraphModel(fileHandler(tf, file, json));
  const nodes = ((json.modelTopology as { node?: GraphNode[] }).node ?? []);
  const output = options.output ?? (typeof spec.output === 'number' ? pickOutput(graph.outputNodes, spec.output, source) : spec.output);
  const executor = (graph as unknown as { executor: { weightMap: Record<string, tf.Tensor[]> } }).executor;
  const weightMap = executor.weightMap;
  const weightNames = weightsInOrder(nodes, output, source).filter((name) => {
    const t = weightMap[name]?.[0];
    return t !== undefined && t.dtype === 'float32' && t.size > 1;
  });
  const trainable = new Set(selectTrainable(weightNames, options.trainOnly, source));
  const variables = new Map<string, tf.Variable>();
  const replaced: Record<string, tf.Tensor[]> = {};
  for (const [name, tensors] of Object.entries(weightMap)) {
    replaced[name] = tensors.map((t, i) => {
      if (i !== 0 || !trainable.has(name)) return t;
      const v = tf.variable(t, true);
      variables.set(name, v);
      return v;
    });
  }
  // The setter also records the new tensors as weights, which the executor never disposes.
  executor.weightMap = replaced;
  for (const name of variables.keys()) weightMap[name]![0]!.dispose(); // the variable holds the values now
  const input = graph.inputs.length === 1 ? undefined : (spec.inputName ?? graph.inputs[0]!.name);
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    const out = graph.execute(input === undefined ? x : { [input]: x }, output) as tf.Tensor;
    return tf.reshape(out, [out.shape[0]!, -1]);
  };
  const embeddingSize = tf.tidy(() => forward(tf.zeros([1, spec.height, spec.width, spec.channels === 'gray' ? 1 : 3])).shape[1]);
  const head = options.head && makeHead(options.head, embeddingSize, source);
  const all = [...variables.values(), ...(head ? [head.kernel, ...(head.bias ? [head.bias] : [])] : [])];
  const convs = convolutions(nodes, trainable);
  const self: GraphTrainable = {
    name: source, source, json, nodes, output, weightNames, convs,
    ...(head ? { head } : {}),
    apply: (x) => (head ? applyHead(head, forward(x)) : forward(x)),
    variables: all,
    // Kernels (conv filters, MatMul weights) have rank ≥ 2; biases, scales and PReLU slopes do not.
    decayed: all.filter((v) => v.rank >= 2),
    outputSize: head ? head.options.units : embeddingSize,
    defaultSpec: () => spec,
    snapshot: () => all.map((v) => tf.keep(v.clone())),
    restore: (weights) => all.forEach((v, i) => v.assign(weights[i]!)),
    save: (dir, trainedSpec) => saveGraphModel(self, dir, trainedSpec, options.storage ?? 'float32'),
    explain(e) {
      const op = missingGradientOp(e);
      if (op === undefined) return undefined;
      const users = nodes.filter((n) => n.op === op || n.op.replace(/^_?Fused/, '').replace(/V\d+$/, '') === op).map((n) => n.name);
      return new LineageError(
        `cannot train ${source}: TensorFlow.js has no gradient for its op ${op}${users.length > 0 ? ` (node ${users.slice(0, 3).join(', ')})` : ''}`,
        'train only weights after that op (trainOnly: { last: n }), choose an output before it, or pick another model',
      );
    },
    variable: (name) => variables.get(name),
    weight: (name) => {
      const t = replaced[name]?.[0];
      if (!t) throw new LineageError(`graph model ${source} has no weight "${name}"`, 'name a Const node of the graph');
      return t;
    },
    run: (x, names) => {
      const out = graph.execute(input === undefined ? x : { [input]: x }, [...names]);
      return Array.isArray(out) ? out : [out]; // execute unwraps a single output
    },
    dispose: () => {
      tf.dispose(all);
      graph.dispose();
    },
  };
  return self;
}

/** The graph's output (before any head) for every image of `data`, one row each, as a kept tensor. */
async function graphOutputs(model: GraphTrainable, data: TrainingData): Promise<tf.Tensor2D> {
  const spec = model.defaultSpec();
  const images = (await fitToSpec(data, spec)).images;
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < images.count; start += 32) {
    const rows = Array.from({ length: Math.min(32, images.count - start) }, (_, i) => start + i);
    parts.push(tf.tidy(() => {
      const out = model.run(inputTensor(selectImages(images, rows), spec), [model.output])[0]!;
      return tf.reshape(out, [rows.length, -1]) as tf.Tensor2D;
    }));
  }
  const all = tf.concat(parts);
  tf.dispose(parts);
  return all;
}

/**
 * Set a cosine head's class weights to each class's mean normalised output on `data` (weight
 * imprinting, Qi et al. 2018), so that a margin loss starts from sensible cosines instead of
 * pulling the pretrained embedding towards random class directions. Classes without images keep
 * their random weights.
 */
export async function imprintHead(model: GraphTrainable, data: TrainingData): Promise<void> {
  const head = model.head;
  if (!head || head.options.kind !== 'cosine' || !data.labels) {
    throw new LineageError(`cannot imprint the head of ${model.source}`, 'imprint a cosine head from labelled data');
  }
  const outputs = await graphOutputs(model, data);
  const classes = head.options.units;
  tf.tidy(() => {
    const unit = tf.div(outputs, tf.maximum(tf.norm(outputs, 2, 1, true), 1e-12));
    const oneHot = tf.oneHot(tf.tensor1d(Array.from(data.labels!), 'int32'), classes);
    const imprinted = tf.matMul(unit, oneHot, true, false); // [size, classes]: sum of each class's unit rows
    const seen = tf.greater(tf.sum(oneHot, 0, true), 0);
    head.kernel.assign(tf.where(tf.broadcastTo(seen, imprinted.shape), imprinted, head.kernel as tf.Tensor2D));
  });
  outputs.dispose();
}

/**
 * Train the head alone on the graph's fixed outputs for `data` (a linear probe: full-batch Adam,
 * `steps` steps), so that training the whole model starts from a head that already fits. Returns
 * the final loss.
 */
export async function fitHead(model: GraphTrainable, data: TrainingData, loss: Loss, settings: { readonly steps: number; readonly lr: number }): Promise<number> {
  const head = model.head;
  if (!head) throw new LineageError(`${model.source} has no head to fit`, 'load it with a head');
  const outputs = await graphOutputs(model, data);
  const indices = Array.from({ length: data.images.count }, (_, i) => i);
  const { labels, targets } = supervision(data, indices);
  const optimizer = tf.train.adam(settings.lr);
  const variables = head.bias ? [head.kernel, head.bias] : [head.kernel];
  let last = NaN;
  try {
    for (let step = 0; step < settings.steps; step++) {
      const value = optimizer.minimize(() => loss({ logits: applyHead(head, outputs), ...(labels ? { labels } : {}), ...(targets ? { targets } : {}) }), true, variables)!;
      if (step === settings.steps - 1) last = (await value.data())[0]!;
      value.dispose();
    }
  } finally {
    optimizer.dispose();
    tf.dispose([outputs, ...(labels ? [labels] : []), ...(targets ? [targets] : [])]);
  }
  return last;
}
