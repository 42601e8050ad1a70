import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LineageError } from '../errors.js';
import { BUILTIN_MODELS, resolveBuiltin } from './builtin.js';
import { loadFaceApiModel } from './face-api.js';
import { connectHttpModel, type HttpOptions } from './http.js';
import { loadOnnxModel } from './onnx.js';
import { parseSpecOverrides, readSidecar, readSpecFile, type SpecOverrides, type UserSpecLayers } from './spec.js';
import { loadTfjsModel } from './tfjs.js';
import type { Model } from './types.js';

/** How to load a model: spec overrides (CLI flags), an explicit spec file, HTTP client settings. */
export interface ModelOptions extends SpecOverrides {
  /** JSON spec file; replaces the `<model>.lineage.json` sidecar that is otherwise read when present. */
  readonly specFile?: string;
  readonly http?: HttpOptions;
  /** Where spec warnings go (e.g. an undeclared input range); default: stderr. */
  readonly onWarning?: (message: string) => void;
}

const SOURCES_HINT = 'give an .onnx file, a TF.js model.json or its folder, an http(s):// URL, ' +
  `or builtin:<name> (${BUILTIN_MODELS.map((m) => m.name).join(', ')})`;

/**
 * Load a model from `source`: `http(s)://…` (a Lineage HTTP server), `builtin:<name>` (a pretrained
 * model from an installed npm package), an `.onnx` file, or a TF.js model.json / folder holding one.
 * Spec precedence: options > spec file (or sidecar) > built-in table > what the model declares > defaults.
 */
export async function loadModel(source: string, options: ModelOptions = {}): Promise<Model> {
  const onWarning = options.onWarning ?? ((message: string) => console.error(`warning: ${message}`));
  const overrides = parseSpecOverrides(options as Readonly<Record<string, unknown>>);
  const specFile = options.specFile !== undefined ? await readSpecFile(options.specFile) : undefined;

  if (/^https?:\/\//i.test(source)) {
    return connectHttpModel(source, { ...options.http, layers: { overrides, sidecar: specFile } });
  }
  if (source.startsWith('builtin:')) {
    const entry = resolveBuiltin(source.slice('builtin:'.length));
    if (entry.caveat) onWarning(entry.caveat);
    if (entry.faceApi) return loadFaceApiModel(entry.path, entry.faceApi, { overrides, sidecar: specFile, builtin: entry.spec }, onWarning, source);
    return loadFile(entry.path, { overrides, sidecar: specFile, builtin: entry.spec }, onWarning, source);
  }
  const file = await modelFile(path.resolve(source), source);
  const sidecar = specFile ?? (await readSidecar(file));
  return loadFile(file, { overrides, sidecar }, onWarning, source);
}

/** The model file a path stands for (a folder stands for its model.json). */
async function modelFile(resolved: string, source: string): Promise<string> {
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw new LineageError(`model not found: ${source}`, SOURCES_HINT);
  if (info.isFile()) return resolved;
  // A FIFO or device named x.onnx would block or stream forever inside onnxruntime.
  if (!info.isDirectory()) throw new LineageError(`model ${source} is not a regular file or folder (a FIFO, device or socket)`, SOURCES_HINT);
  const json = path.join(resolved, 'model.json');
  if (await stat(json).catch(() => undefined)) return json;
  throw new LineageError(`no model.json in folder ${source}`, SOURCES_HINT);
}

function loadFile(file: string, layers: UserSpecLayers, onWarning: (m: string) => void, source: string): Promise<Model> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.onnx') return loadOnnxModel(file, layers, onWarning, source);
  if (ext === '.json') return loadTfjsModel(file, layers, onWarning, source);
  throw new LineageError(`unsupported model file ${source} (${ext || 'no extension'})`, SOURCES_HINT);
}
