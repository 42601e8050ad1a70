import { stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { LineageError } from '../../errors.js';
import { fp16Edit } from './fp16.js';
import { int8Edit } from './int8.js';
import { noiseEdit } from './noise.js';
import { deriveOnnxCopy } from './onnx-copy.js';
import { pruneEdit } from './prune.js';
import { WeightWalker, type TensorEdit } from './tensor-edit.js';
import { deriveTfjsCopy } from './tfjs-copy.js';
import type { DeriveRecord, WeightOp } from './types.js';

/**
 * Write a training-free derived copy of a model: `source` is a TF.js model.json (or its directory)
 * or an .onnx file; `output` is a new model directory (TF.js) or .onnx file.
 */
export async function deriveCopy(source: string, output: string, op: WeightOp): Promise<DeriveRecord> {
  const edit = tensorEditFor(op);
  const model = await locateModel(source);
  const modelDir = model.format === 'tfjs' ? resolve(model.path, '..') : resolve(model.path);
  if (resolve(output) === modelDir || resolve(output) === resolve(model.path)) {
    throw new LineageError(`output ${output} would overwrite the source model`, 'write the copy to a new path');
  }
  const walker = new WeightWalker(edit);
  if (model.format === 'tfjs') await deriveTfjsCopy(model.path, output, walker);
  else await deriveOnnxCopy(model.path, output, walker);
  const s = walker.summary();
  if (s.tensorsEdited === 0) {
    throw new LineageError(`${source} has no weight tensors that ${op.kind} applies to`, 'give a model whose weights are stored as tensors (initializers / weightsManifest)');
  }
  return {
    source,
    output,
    format: model.format,
    op: op.kind,
    params: edit.params,
    tensorsEdited: s.tensorsEdited,
    tensors: s.tensors,
    weights: s.weights,
    changedFraction: s.changed / s.weights,
    maxAbsDelta: s.maxAbsDelta,
  };
}

function tensorEditFor(op: WeightOp): TensorEdit {
  switch (op.kind) {
    case 'prune': return pruneEdit(op.ratio);
    case 'fp16': return fp16Edit();
    case 'int8': return int8Edit();
    case 'noise': return noiseEdit(op.seed, op.sigma);
    default: {
      const kind = (op as { kind?: unknown }).kind;
      throw new LineageError(`unknown weight operation ${String(kind)}`, 'use one of: prune, fp16, int8, noise');
    }
  }
}

async function locateModel(source: string): Promise<{ format: 'tfjs' | 'onnx'; path: string }> {
  const info = await stat(source).catch(() => {
    throw new LineageError(`model ${source} not found`, 'check the path');
  });
  if (info.isDirectory()) {
    const modelJson = join(source, 'model.json');
    if (!(await stat(modelJson).then((s) => s.isFile(), () => false))) {
      throw new LineageError(`${source} holds no model.json`, 'give a TF.js model directory (model.json + .bin shards) or an .onnx file');
    }
    return { format: 'tfjs', path: modelJson };
  }
  const ext = extname(source).toLowerCase();
  if (ext === '.json') return { format: 'tfjs', path: source };
  if (ext === '.onnx') return { format: 'onnx', path: source };
  throw new LineageError(`unknown model format: ${source}`, 'give a TF.js model.json (or its directory) or an .onnx file');
}
