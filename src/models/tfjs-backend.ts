import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<typeof tf> | undefined;

/**
 * Initialise TF.js once per process and return it. Uses `@tensorflow/tfjs-node` when the user has
 * installed it (much faster, but it cannot be installed offline, so it is never a dependency);
 * otherwise the WebAssembly backend, whose .wasm files are loaded from the installed package.
 */
export function initTf(): Promise<typeof tf> {
  ready ??= (async () => {
    if (await tryNodeBackend()) return tf;
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
    setWasmPaths(wasmDir);
    if (!(await tf.setBackend('wasm'))) throw new Error(`TF.js wasm backend failed to start (wasm files in ${wasmDir})`);
    return tf;
  })();
  return ready;
}

async function tryNodeBackend(): Promise<boolean> {
  // A variable specifier keeps TypeScript (and bundlers) from requiring the optional package.
  const optional = '@tensorflow/tfjs-node';
  try {
    await import(optional);
  } catch {
    return false;
  }
  return tf.setBackend('tensorflow');
}
