import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { LineageError, errorMessage } from '../errors.js';
import { MAX_JSON_BYTES, confinedPath, openRegularFile, readRegularFile } from '../util/confined-read.js';
import { LocalModel, inputShape, type Runner } from './local.js';
import { pickOutput } from './outputs.js';
import { declaredFromShape, requestedInputName, resolveSpec, type UserSpecLayers } from './spec.js';
import { initTf } from './tfjs-backend.js';
import type { InputSpec } from './types.js';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;

/** Images per TF.js run. */
const CHUNK = 32;

/**
 * A loaded TF.js model that also exposes its forward pass as tensor ops, so that gradients can flow
 * back to the input (white-box fingerprints: src/fingerprints/peers/whitebox.ts). `forward` takes the
 * model's own input tensor (after preprocessing) and returns the selected output; it is synchronous,
 * and undefined for graph models that only run through executeAsync (those cannot be differentiated).
 */
export class TfjsModel extends LocalModel {
  constructor(source: string, spec: InputSpec, runner: Runner, readonly forward: ((x: Tensor) => Tensor) | undefined) {
    super(source, spec, runner);
  }
}

/** The two TF.js model formats. */
export type TfjsFormat = 'graph' | 'layers';

/** Read a model.json and tell graph from layers models (by `format`, else by the topology's shape). */
export async function readModelJson(file: string): Promise<{ json: tfTypes.io.ModelJSON; format: TfjsFormat }> {
  const text = (await readRegularFile(file, 'TF.js model', { atMost: MAX_JSON_BYTES })).toString('utf8');
  let json: tfTypes.io.ModelJSON;
  try {
    json = JSON.parse(text) as tfTypes.io.ModelJSON;
  } catch (e) {
    throw new LineageError(`cannot read TF.js model ${file}: ${errorMessage(e)}`,
      'the file is damaged or not a TF.js model.json: download or convert the model again');
  }
  const topology = (json?.modelTopology ?? {}) as Record<string, unknown>;
  if (json?.format === 'graph-model' || 'node' in topology) return { json, format: 'graph' };
  if (json?.format === 'layers-model' || 'model_config' in topology || 'class_name' in topology) return { json, format: 'layers' };
  throw new LineageError(`${file} is not a TF.js graph or layers model (no modelTopology)`,
    'pass the model.json written by tensorflowjs_converter or model.save()');
}

/**
 * Load a TF.js graph or layers model from disk (model.json + weight shards next to it; float16 and
 * uint8-quantised weights are decoded by TF.js from the manifest).
 */
export async function loadTfjsModel(
  file: string,
  layers: UserSpecLayers,
  onWarning: (message: string) => void,
  source = file,
): Promise<TfjsModel> {
  const tf = await initTf();
  const { json, format } = await readModelJson(file);
  const handler = fileHandler(tf, file, json);
  let loaded: Loaded;
  try {
    if (format === 'graph') {
      const model = await tf.loadGraphModel(handler);
      loaded = graphRunner(tf, model, layers, onWarning, source);
    } else {
      const model = await tf.loadLayersModel(handler);
      loaded = layersRunner(tf, model, layers, onWarning, source);
    }
  } catch (e) {
    if (e instanceof LineageError) throw e;
    throw new LineageError(`cannot load TF.js ${format} model ${file}: ${errorMessage(e)}`,
      'the model.json or its weight files are damaged: download or convert the model again');
  }
  await warmUp(loaded.runner, loaded.spec);
  return new TfjsModel(source, loaded.spec, loaded.runner, loaded.forward());
}

/** A model's spec, its Runner, and its forward pass as tensor ops (see TfjsModel). */
interface Loaded {
  readonly spec: InputSpec;
  readonly runner: Runner;
  /** Read after the warm-up run, which tells whether a graph model needs executeAsync. */
  readonly forward: () => ((x: Tensor) => Tensor) | undefined;
}

/**
 * An IOHandler reading model.json's weight shards from the same folder. Every shard must be a
 * regular file inside that folder (after symlinks), and their sizes must add up to what the
 * manifest declares before any byte is read.
 */
export function fileHandler(tf: Tf, file: string, json: tfTypes.io.ModelJSON): tfTypes.io.IOHandler {
  return {
    load: () => tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const dir = path.dirname(file);
      const what = `weight file of TF.js model ${file}`;
      const weightSpecs = tf.io.getWeightSpecs(manifest);
      const expected = expectedWeightBytes(weightSpecs);
      const opened: { handle: FileHandle; bytes: number }[] = [];
      try {
        for (const shard of manifest.flatMap((group) => group.paths)) {
          opened.push(await openRegularFile(await confinedPath(dir, shard, what), what, { atMost: MAX_WEIGHT_BYTES }));
        }
        const total = opened.reduce((sum, o) => sum + o.bytes, 0);
        if (expected !== undefined && total !== expected) {
          throw new LineageError(
            `weights of TF.js model ${file} are ${total < expected ? 'truncated' : 'larger than declared'}: ${total} bytes, the manifest needs ${expected}`,
            'download or convert the model again',
          );
        }
        if (total > MAX_WEIGHT_BYTES) {
          throw new LineageError(`weights of TF.js model ${file} take ${total} bytes, more than the ${MAX_WEIGHT_BYTES} Lineage loads`, 'use a smaller model');
        }
        const data = new Uint8Array(total);
        let at = 0;
        for (const { handle, bytes } of opened) {
          const { bytesRead } = await handle.read(data, at, bytes, 0);
          if (bytesRead !== bytes) throw new LineageError(`a ${what} shrank while it was read`, 'read it again when nothing writes to it');
          at += bytes;
        }
        return [weightSpecs, data.buffer];
      } finally {
        await Promise.all(opened.map((o) => o.handle.close()));
      }
    }),
  };
}

/** Largest weight data loaded (the sum of all shards): 2 GiB, past any model Lineage fingerprints. */
const MAX_WEIGHT_BYTES = 2 ** 31;

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

function expectedWeightBytes(specs: readonly tfTypes.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const w of specs) {
    const bytes = DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
    if (bytes === undefined) return undefined; // string weights: size not knowable from the manifest
    total += w.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

function graphRunner(
  tf: Tf,
  model: tfTypes.GraphModel,
  layers: UserSpecLayers,
  onWarning: (message: string) => void,
  source: string,
): Loaded {
  const inputs = model.inputs;
  const requested = requestedInputName(layers);
  const input = requested === undefined ? inputs[0] : inputs.find((i) => i.name === requested || i.name === `${requested}:0`);
  if (!input || (requested === undefined && inputs.length !== 1)) {
    throw new LineageError(
      requested === undefined ? `TF.js model ${source} has ${inputs.length} inputs; which one takes the image?`
        : `TF.js model ${source} has no input named "${requested}"`,
      `name it with --input-name (one of: ${inputs.map((i) => i.name).join(', ')})`,
    );
  }
  const { spec, warnings } = resolveSpec({ source, ...layers, declared: declaredFromShape(input.shape ?? [], 'nhwc') });
  warnings.forEach(onWarning);
  // Graph models can return any node by name (e.g. a pre-softmax layer); an index picks a declared output.
  const output = typeof spec.output === 'number' ? pickOutput(model.outputNodes, spec.output, source) : spec.output;
  const feed = (x: Tensor): Tensor | Record<string, Tensor> => (requested === undefined ? x : { [input.name]: x });
  let needsAsync = false;
  const execute = async (x: Tensor): Promise<Tensor> => {
    if (!needsAsync) {
      try {
        return tf.tidy(() => model.execute(feed(x), output) as Tensor);
      } catch (e) {
        // Models with control flow (loops, dynamic shapes) only run through executeAsync.
        if (!/executeAsync/.test(errorMessage(e))) throw e;
        needsAsync = true;
      }
    }
    return (await model.executeAsync(feed(x), output)) as Tensor;
  };
  const forward = (x: Tensor): Tensor => model.execute(feed(x), output) as Tensor;
  return { spec, runner: tensorRunner(tf, spec, source, execute, () => model.dispose()), forward: () => (needsAsync ? undefined : forward) };
}

function layersRunner(
  tf: Tf,
  model: tfTypes.LayersModel,
  layers: UserSpecLayers,
  onWarning: (message: string) => void,
  source: string,
): Loaded {
  if (model.inputs.length !== 1) {
    throw new LineageError(`TF.js layers model ${source} has ${model.inputs.length} inputs; Lineage feeds one image input`,
      'export a single-input model');
  }
  // A Sequential model (what tf.sequential().save() writes) fills in its outputNames only when built.
  if (model instanceof tf.Sequential && !model.built) model.build();
  const { spec, warnings } = resolveSpec({ source, ...layers, declared: declaredFromShape(model.inputs[0]!.shape, 'nhwc') });
  warnings.forEach(onWarning);
  // An output is chosen among the model's outputs, or by layer name (which builds a sub-model).
  let target = model;
  if (typeof spec.output === 'number' || model.outputNames.includes(spec.output)) {
    const index = model.outputNames.indexOf(pickOutput(model.outputNames, spec.output, source));
    if (model.outputs.length > 1) target = tf.model({ inputs: model.inputs, outputs: model.outputs[index]! });
  } else {
    const name = spec.output;
    const layer = model.layers.find((l) => l.name === name);
    if (!layer) {
      throw new LineageError(`TF.js layers model ${source} has no output or layer "${name}"`,
        `choose --output among: ${model.outputNames.join(', ')} (or a layer name)`);
    }
    target = tf.model({ inputs: model.inputs, outputs: layer.output as tfTypes.SymbolicTensor });
  }
  const execute = async (x: Tensor): Promise<Tensor> => tf.tidy(() => target.predict(x) as Tensor);
  const forward = (x: Tensor): Tensor => target.apply(x) as Tensor;
  return { spec, runner: tensorRunner(tf, spec, source, execute, () => model.dispose()), forward: () => forward };
}

/** A Runner around "input tensor → output tensor", flattening each image's output to one row (also used by face-api.ts). */
export function tensorRunner(
  tf: Tf,
  spec: InputSpec,
  source: string,
  execute: (x: Tensor) => Promise<Tensor>,
  release: () => void,
): Runner {
  return {
    maxBatch: CHUNK,
    async run(input, shape, count) {
      const x = tf.tensor(input, [...shape], 'float32');
      let out: Tensor;
      try {
        out = await execute(x);
      } catch (e) {
        throw new LineageError(
          `TF.js model ${source} failed on an input of shape [${shape.join(', ')}] reading output "${spec.output}": ${errorMessage(e)}`,
          'check --size, --channels, --layout and --output against the model',
        );
      } finally {
        x.dispose();
      }
      try {
        if (out.shape[0] !== count) {
          throw new LineageError(`TF.js model ${source}: output "${spec.output}" has shape [${out.shape.join(', ')}] for ${count} images`,
            'select a per-image output with --output');
        }
        const data = (await out.data()) as Float32Array;
        return { data: Float32Array.from(data), rows: count, cols: count > 0 ? out.size / count : 0 };
      } finally {
        out.dispose();
      }
    },
    async dispose() {
      release();
    },
  };
}

/** Run one blank image so that a wrong size, input or output name fails at load time, clearly. */
async function warmUp(runner: Runner, spec: InputSpec): Promise<void> {
  const shape = inputShape(spec, 1);
  await runner.run(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 1);
}
