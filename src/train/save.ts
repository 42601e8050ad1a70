/**
 * Trained models on disk: a folder in the TF.js layers format (model.json + weights.bin) with the
 * `model.lineage.json` sidecar that `loadModel(dir)` (src/models/load.ts) reads beside model.json,
 * so the model is later queried with exactly the preprocessing it was trained with. Graph models
 * are saved by src/train/graph-save.ts through the same atomic folder swap.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LineageError, errorMessage } from '../errors.js';
import { readSpecFile, resolveSpec, sidecarPath, specToOverrides } from '../models/spec.js';
import type { InputSpec } from '../models/types.js';
import { makeFolders, removeStaleTemps, tempSiblings } from '../util/atomic-write.js';
import { initTrainingBackend } from './backend.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS = 'weights.bin';

/**
 * Fill a fresh folder through `write(tmp)`, then swap it in for `dir`: readers see the old model or
 * the new one, never half of one. `what` names the model in the error.
 */
export async function replaceFolder(dir: string, what: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const target = path.resolve(dir);
  const { tmp, old } = tempSiblings(target);
  try {
    await makeFolders(path.dirname(target));
    await removeStaleTemps(target);
    await mkdir(tmp);
    await write(tmp);
    // Swap folders: move an old model aside, move the new one in, then drop the old one.
    const hadOld = await rename(target, old).then(() => true, (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    });
    await rename(tmp, target);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new LineageError(`cannot save ${what} to ${dir}: ${errorMessage(e)}`, 'check that the folder is writable and the disk is not full');
  }
}

/** The `model.lineage.json` sidecar for folder `dir`'s model.json. */
export async function writeSpecSidecar(dir: string, spec: InputSpec): Promise<void> {
  await writeFile(sidecarPath(path.join(dir, MODEL_JSON)), JSON.stringify(specToOverrides(spec), null, 2) + '\n');
}

/** Write `model` and its input spec to folder `dir`, replacing the folder only once all is written. */
export async function saveTrainedModel(model: tf.LayersModel, dir: string, spec: InputSpec): Promise<void> {
  await replaceFolder(dir, 'the trained model', async (tmp) => {
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0));
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(path.join(tmp, WEIGHTS), new Uint8Array(weights));
      await writeFile(path.join(tmp, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }));
    await writeSpecSidecar(tmp, spec);
  });
}

/** A model saved by saveTrainedModel, ready to train further (fine-tuning), with its input spec. */
export async function loadTrainableModel(dir: string): Promise<{ model: tf.LayersModel; spec: InputSpec }> {
  // The backend the model will train (or be read) on; without it tfjs falls back to its slow cpu backend.
  await initTrainingBackend();
  const file = path.join(dir, MODEL_JSON);
  let json: tf.io.ModelJSON;
  let weights: Buffer;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as tf.io.ModelJSON;
    weights = await readFile(path.join(dir, WEIGHTS));
  } catch (e) {
    throw new LineageError(`cannot read trained model ${dir}: ${errorMessage(e)}`, `give a folder written by the training loop (${MODEL_JSON}, ${WEIGHTS}, model.lineage.json)`);
  }
  if (json.format === 'graph-model') {
    // Graph models keep the converted graph's ops (fused convs, clipping, PReLU as Maximum/Minimum), which
    // neither tf.layers nor the ONNX exporter (src/export) can rebuild.
    throw new LineageError(`${dir} is a TF.js graph model, not a layers model: it cannot be loaded as one (layers attacks, ONNX export)`,
      'query it with loadModel, and train it with loadGraphTrainable (src/train/graph.ts) or the graph attacks; ONNX export is for layers models only');
  }
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: data }));
  return { model, spec: await readTrainedSpec(dir) };
}

/** The input spec of a model folder saved by saveTrainedModel (its `model.lineage.json`), without loading the model. */
export async function readTrainedSpec(dir: string): Promise<InputSpec> {
  const sidecar = await readSpecFile(sidecarPath(path.join(dir, MODEL_JSON)));
  return resolveSpec({ source: dir, sidecar }).spec;
}
