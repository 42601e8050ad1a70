/**
 * Channel pruning of conv → batch norm → ReLU units, the building block of every architecture in
 * src/train/architectures.ts. Zeroing a channel's conv kernel slice and its batch-norm γ and β makes
 * the unit output exactly 0 for that channel in training and inference mode alike.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../data/types.js';
import type { InputSpec } from '../models/types.js';
import { inputTensor } from '../train/evaluate.js';

interface Variable {
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/** One prunable unit and the channels pruned in it so far. */
export interface PrunableUnit {
  readonly conv: tf.layers.Layer;
  readonly bn: tf.layers.Layer;
  readonly relu: tf.layers.Layer;
  readonly channels: number;
  readonly pruned: Set<number>;
}

/** The layer feeding `layer` when it has exactly one input, else undefined. */
function soleInput(layer: tf.layers.Layer): tf.layers.Layer | undefined {
  const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
  return inbound.length === 1 ? inbound[0] : undefined;
}

/** Every Conv2D → BatchNormalization → ReLU chain of `model`, in layer order. */
export function prunableUnits(model: tf.LayersModel): PrunableUnit[] {
  const units: PrunableUnit[] = [];
  for (const relu of model.layers) {
    if (relu.getClassName() !== 'ReLU') continue;
    const bn = soleInput(relu);
    const conv = bn && soleInput(bn);
    if (bn?.getClassName() !== 'BatchNormalization' || conv?.getClassName() !== 'Conv2D') continue;
    units.push({ conv, bn, relu, channels: (conv.getConfig()['filters'] as number), pruned: new Set() });
  }
  return units;
}

/** Mean post-ReLU activation of every channel of every unit over `images` (inference mode). */
export function meanActivations(model: tf.LayersModel, units: readonly PrunableUnit[], images: ImageBatch, spec: InputSpec, batchSize = 64): Float64Array[] {
  const probe = tf.model({ inputs: model.inputs, outputs: units.map((u) => u.relu.output as tf.SymbolicTensor) });
  const sums = units.map((u) => new Float64Array(u.channels));
  for (let start = 0; start < images.count; start += batchSize) {
    const count = Math.min(batchSize, images.count - start);
    const batch: ImageBatch = { ...images, data: images.data.subarray(start * size(images), (start + count) * size(images)), count };
    const means = tf.tidy(() => {
      const outputs = probe.predict(inputTensor(batch, spec)) as tf.Tensor4D | tf.Tensor4D[];
      return (Array.isArray(outputs) ? outputs : [outputs]).map((o) => tf.sum(o, [0, 1, 2]).dataSync() as Float32Array);
    });
    means.forEach((channelSums, u) => {
      const [, h, w] = units[u]!.relu.outputShape as number[];
      channelSums.forEach((v, c) => { sums[u]![c]! += v / (h! * w!); });
    });
  }
  return sums.map((s) => s.map((v) => v / images.count));
}

const size = (b: ImageBatch): number => b.height * b.width * b.channels;

/** Re-zero the pruned channels of every unit (after each optimisation step, which may regrow them). */
export function applyChannelMasks(units: readonly PrunableUnit[]): void {
  tf.tidy(() => {
    for (const unit of units) {
      if (unit.pruned.size === 0) continue;
      const keep = tf.tensor1d(Array.from({ length: unit.channels }, (_, c) => (unit.pruned.has(c) ? 0 : 1)));
      const kernel = unit.conv.weights[0]! as unknown as Variable;
      kernel.write(tf.mul(kernel.read(), keep));
      const bn = unit.bn as unknown as { gamma: Variable; beta: Variable };
      bn.gamma.write(tf.mul(bn.gamma.read(), keep));
      bn.beta.write(tf.mul(bn.beta.read(), keep));
    }
  });
}

/**
 * Prune the `count` unpruned channels with the smallest mean activation over all units, never a
 * unit's last channel; returns how many were pruned.
 */
export function pruneSmallest(units: readonly PrunableUnit[], activations: readonly Float64Array[], count: number): number {
  const candidates: { unit: number; channel: number; value: number }[] = [];
  units.forEach((unit, u) => activations[u]!.forEach((value, channel) => {
    if (!unit.pruned.has(channel)) candidates.push({ unit: u, channel, value });
  }));
  candidates.sort((a, b) => a.value - b.value || a.unit - b.unit || a.channel - b.channel);
  let done = 0;
  for (const { unit, channel } of candidates) {
    if (done === count) break;
    const target = units[unit]!;
    if (target.pruned.size + 1 >= target.channels) continue;
    target.pruned.add(channel);
    done++;
  }
  applyChannelMasks(units);
  return done;
}
