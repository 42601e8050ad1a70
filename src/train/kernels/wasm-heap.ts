/**
 * Direct access to the tfjs wasm backend's heap for the training kernels: allocate float tensors,
 * view them as Float32Array, and call kernels already registered for wasm (BatchMatMul, Conv2D, …)
 * without going through the engine (no tape, no tensor bookkeeping).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };
export type Info = tf.TensorInfo;

/** The kernel function signature tf.registerKernel expects, with the wasm backend typed. */
export type WasmKernel = (args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}) => Info | Info[];

/** A new float32 tensor on the wasm heap; contents are uninitialised. */
export function allocate(backend: BackendWasm, shape: number[]): Info {
  return backend.makeOutput(shape, 'float32');
}

export function zeros(backend: BackendWasm, shape: number[]): Info {
  const info = allocate(backend, shape);
  view(backend, info).fill(0);
  return info;
}

/**
 * Float32 view of a tensor in the heap. Any allocation (ours or a wasm kernel's) may grow the heap
 * and detach earlier views, so take views after the last allocation and never keep them.
 */
export function view(backend: BackendWasm, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Float index of a tensor's data in HEAPF32 (for memcpy-style copyWithin on the heap). */
export function offsetOf(backend: BackendWasm, info: Info): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset / 4;
}

/** The whole heap as floats; same caveat as `view`. */
export function heapF32(backend: BackendWasm): Float32Array {
  return backend.wasm.HEAPF32 as Float32Array;
}

/** The same data under another shape, for passing to a kernel (no copy, no new reference). */
export function reshaped(info: Info, shape: number[]): Info {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * A tensor that aliases `shape` floats of `info` starting `start` floats in (no copy). Release it
 * with `releaseWindow`, never `free`: the memory belongs to `info`.
 */
export function windowOf(backend: BackendWasm, info: Info, start: number, shape: number[]): Info {
  return backend.makeOutput(shape, 'float32', (offsetOf(backend, info) + start) * 4);
}

export function releaseWindow(backend: BackendWasm, window: Info): void {
  const { id } = backend.dataIdMap.get(window.dataId)!;
  backend.wasm.tfjs.disposeData(id);
  backend.dataIdMap.delete(window.dataId);
}

export function free(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Run a wasm kernel on tensor infos; the caller owns (frees or returns) the result. */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): Info {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`tfjs wasm kernel ${kernelName} is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as Info;
}

/**
 * a·b for 2-D a [m×k] and b [k×n] through XNNPACK. XNNPACK packs b (the "weights") on every new b,
 * so callers put the big matrix on the left and the small one on the right.
 */
export function matMul(backend: BackendWasm, a: Info, b: Info): Info {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out = runWasmKernel(
    backend,
    'BatchMatMul',
    { a: reshaped(a, [1, m, k]), b: reshaped(b, [1, k, n]) },
    { transposeA: false, transposeB: false },
  );
  return reshaped(out, [m, n]);
}
