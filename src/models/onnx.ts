import ort from 'onnxruntime-node';
import { LineageError, errorMessage } from '../errors.js';
import { LocalModel, inputShape, type Runner } from './local.js';
import { pickOutput } from './outputs.js';
import { declaredFromShape, requestedInputName, resolveSpec, type UserSpecLayers } from './spec.js';
import type { InputSpec, Model } from './types.js';

/** Images per ONNX run for models with a dynamic batch dimension. */
const CHUNK = 32;

/**
 * Load an ONNX model for CPU inference. The input is the one named in the spec or the model's only
 * input; its declared shape gives size, layout and grey/colour. Models exported with a fixed batch
 * size are run in chunks of exactly that size (the last chunk zero-padded).
 */
export async function loadOnnxModel(
  file: string,
  layers: UserSpecLayers,
  onWarning: (message: string) => void,
  source = file,
): Promise<Model> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new LineageError(
      `cannot load ONNX model ${file}: ${errorMessage(e)}`,
      'the file is damaged, truncated or not an ONNX model: download or export it again',
    );
  }
  const inputName = pickInput(session, requestedInputName(layers), file);
  const meta = session.inputMetadata.find((m) => m.name === inputName);
  const shape = meta?.isTensor ? meta.shape : [];
  if (meta?.isTensor && meta.type !== 'float32') {
    throw new LineageError(`ONNX model ${file} takes a ${meta.type} input (${inputName}); Lineage feeds float32`,
      're-export the model with a float32 image input');
  }
  const { spec, warnings } = resolveSpec({ source, ...layers, declared: { ...declaredFromShape(shape, 'nchw'), inputName } });
  warnings.forEach(onWarning);
  const fixedBatch = typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : undefined;
  checkShape(shape, spec, file);
  const outputName = pickOutput(session.outputNames, spec.output, file);
  return new LocalModel(source, spec, onnxRunner(session, inputName, outputName, fixedBatch, spec, file));
}

function onnxRunner(
  session: ort.InferenceSession,
  inputName: string,
  outputName: string,
  fixedBatch: number | undefined,
  spec: InputSpec,
  file: string,
): Runner {
  return {
    maxBatch: fixedBatch ?? CHUNK,
    async run(input, shape, count) {
      let data = input;
      let dims = [...shape];
      if (fixedBatch !== undefined && count < fixedBatch) {
        data = new Float32Array((input.length / count) * fixedBatch);
        data.set(input);
        dims = inputShape(spec, fixedBatch);
      }
      let result: ort.InferenceSession.OnnxValueMapType;
      try {
        result = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) }, [outputName]);
      } catch (e) {
        throw new LineageError(
          `ONNX model ${file} failed on an input of shape [${dims.join(', ')}]: ${errorMessage(e)}`,
          'check that --size, --channels and --layout match the model input',
        );
      }
      const out = result[outputName] as ort.Tensor;
      const rows = out.dims[0] ?? 0;
      if (rows !== dims[0]) {
        throw new LineageError(`ONNX model ${file}: output ${outputName} has ${rows} rows for ${dims[0]} images`,
          'select a per-image output with --output');
      }
      const cols = rows > 0 ? out.size / rows : 0;
      const values = out.data instanceof Float32Array ? out.data : Float32Array.from(out.data as ArrayLike<number>);
      return { data: values.slice(0, count * cols), rows: count, cols };
    },
    async dispose() {
      await session.release();
    },
  };
}

function pickInput(session: ort.InferenceSession, requested: string | undefined, file: string): string {
  const names = session.inputNames;
  if (requested !== undefined) {
    if (names.includes(requested)) return requested;
    throw new LineageError(`ONNX model ${file} has no input named "${requested}"`, `its inputs are: ${names.join(', ')}`);
  }
  if (names.length === 1) return names[0]!;
  throw new LineageError(`ONNX model ${file} has ${names.length} inputs; which one takes the image?`,
    `name it with --input-name (one of: ${names.join(', ')})`);
}

/** The declared input shape (fixed dims only) must agree with the spec, batch aside. */
function checkShape(declared: ReadonlyArray<number | string>, spec: InputSpec, file: string): void {
  if (declared.length === 0) return;
  const wanted = inputShape(spec, 1);
  const clash = declared.length !== wanted.length ||
    declared.some((d, i) => i > 0 && typeof d === 'number' && d > 0 && d !== wanted[i]);
  if (clash) {
    throw new LineageError(
      `ONNX model ${file} takes input [${declared.join(', ')}] but the spec gives [${wanted.join(', ')}] ` +
        `(${spec.height}x${spec.width}, ${spec.channels}, ${spec.layout})`,
      'drop or fix the --size/--channels/--layout overrides so they match the model',
    );
  }
}
