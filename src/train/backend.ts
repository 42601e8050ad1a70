/**
 * The tfjs backend Lineage trains on. Initialisation is shared with inference
 * (src/models/tfjs-backend.ts: tfjs-node when the user has installed it, else wasm); on top of it
 * this registers the gradient kernels without which wasm cannot train conv nets. Idempotent, and
 * the order of the two inits does not matter: both leave the same backend active.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { initTf } from '../models/tfjs-backend.js';
import { registerTrainingKernels } from './kernels/index.js';

export type TrainingBackend = 'tensorflow' | 'wasm';

/** tfjs-node when importable, else wasm with the training kernels; returns which one is active. */
export async function initTrainingBackend(): Promise<TrainingBackend> {
  await initTf();
  registerTrainingKernels();
  return tf.getBackend() === 'tensorflow' ? 'tensorflow' : 'wasm';
}

/**
 * Make wasm the active backend even where tfjs-node is installed (gradient tests, benchmarks and
 * worker processes that must give the same numbers everywhere).
 */
export async function useWasmBackend(): Promise<void> {
  await initTrainingBackend();
  if (tf.getBackend() === 'wasm') return;
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
}
