/**
 * Kernels that make the tfjs wasm backend train conv nets. tfjs-backend-wasm 4.22 lacks
 * Conv2DBackpropFilter and both depthwise backprop kernels; its Conv2DBackpropInput is a naive loop
 * (replaced by an XNNPACK one); the stock FusedBatchNorm gradient uses the slow wasm Tile.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormGrad } from './batch-norm-grad.js';
import { conv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2DBackpropInput } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilter } from './depthwise-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInput } from './depthwise-backprop-input.js';
import { maximumGrad, minimumGrad } from './min-max-grad.js';
import type { WasmKernel } from './wasm-heap.js';

/** Kernel name → our wasm implementation. */
export const trainingKernels: Readonly<Record<string, WasmKernel>> = {
  [tf.Conv2DBackpropFilter]: conv2DBackpropFilter,
  [tf.Conv2DBackpropInput]: conv2DBackpropInput,
  [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseConv2dNativeBackpropFilter,
  [tf.DepthwiseConv2dNativeBackpropInput]: depthwiseConv2dNativeBackpropInput,
};

let registered = false;

/**
 * Register every training kernel for wasm (replacing the stock Conv2DBackpropInput), the FusedBatchNorm
 * gradient and broadcasting Maximum / Minimum gradients (graph models clip with scalar constants); once per process.
 */
export function registerTrainingKernels(): void {
  if (registered) return;
  for (const [kernelName, kernelFunc] of Object.entries(trainingKernels)) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  for (const grad of [fusedBatchNormGrad, maximumGrad, minimumGrad]) tf.registerGradient(grad);
  registered = true;
}
