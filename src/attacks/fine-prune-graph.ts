import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';
import { selectImages, type ImageBatch } from '../data/types.js';
import type { InputSpec } from '../models/types.js';
import { fitToSpec, type TrainingData } from '../train/data.js';
import { inputTensor } from '../train/evaluate.js';
import { imprintHead, loadGraphTrainable, type GraphTrainable } from '../train/graph.js';
import { Random } from '../util/random.js';
import { defaultObjective, objectiveSetup, trainGraphCopy, type GraphFineTuneOptions } from './fine-tune-graph.js';
import type { AttackRecord } from './types.js';

export interface GraphFinePruneOptions extends Omit<GraphFineTuneOptions, 'layers'> {
  /** Share of each convolution's output channels to prune, in (0, 1). */
  readonly ratio: number;
  /** Attacker images the mean activations are measured on (a seeded sample). */
  readonly probeImages: number;
}

/** Images per forward pass while measuring activations. */
const PROBE_BATCH = 16;

/** Output channels of a conv filter and the channel of each flat filter index (index mod channels). */
function outputChannels(filter: tf.Tensor, depthwise: boolean): number {
  const [, , inputs, last] = filter.shape;
  return depthwise ? inputs! * last! : last!;
}

/** Mean |activation| per output channel of every trainable conv of `model` over `images`. */
function meanActivations(model: GraphTrainable, images: ImageBatch, spec: InputSpec): Float64Array[] {
  const sums = model.convs.map((c) => new Float64Array(outputChannels(model.weight(c.filter), c.depthwise)));
  for (let start = 0; start < images.count; start += PROBE_BATCH) {
    const rows = Array.from({ length: Math.min(PROBE_BATCH, images.count - start) }, (_, i) => start + i);
    const means = tf.tidy(() => {
      const outs = model.run(inputTensor(selectImages(images, rows), spec), model.convs.map((c) => c.node));
      return outs.map((o) => tf.mean(tf.abs(o), [0, 1, 2]).mul(rows.length).dataSync());
    });
    means.forEach((m, k) => m.forEach((v, c) => (sums[k]![c]! += v)));
  }
  return sums;
}

/** The `count` channels with the smallest values (ties by index). */
function smallest(values: Float64Array, count: number): number[] {
  return Array.from(values.keys()).sort((a, b) => values[a]! - values[b]! || a - b).slice(0, count);
}

/** 1/0 masks of a conv's filter (and bias) that zero `channels`. */
function masks(filter: tf.Tensor, bias: tf.Tensor | undefined, channels: readonly number[], count: number): tf.Tensor[] {
  const dead = new Set(channels);
  const make = (t: tf.Tensor): tf.Tensor => tf.tensor(Float32Array.from({ length: t.size }, (_, i) => (dead.has(i % count) ? 0 : 1)), t.shape);
  return bias ? [make(filter), make(bias)] : [make(filter)];
}

/**
 * Fine-pruning of a pretrained TF.js graph model (Liu et al. 2018; METHODS.md §5): measure every
 * convolution's mean absolute activation per output channel on attacker images, zero the `ratio`
 * share of each convolution's channels with the smallest (filter slice and fused bias), then
 * fine-tune every weight with the fine-tune objective while the pruned channels are held at zero.
 */
export async function finePruneGraph(victim: string, data: TrainingData, options: GraphFinePruneOptions): Promise<AttackRecord> {
  if (!(options.ratio > 0 && options.ratio < 1)) throw new LineageError(`invalid pruning ratio ${options.ratio}`, 'give a share between 0 and 1, e.g. 0.2');
  if (!Number.isInteger(options.probeImages) || options.probeImages < 1) throw new LineageError(`invalid probe image count ${options.probeImages}`, 'give a whole number ≥ 1');
  const started = performance.now();
  const objective = options.objective ?? (await defaultObjective(victim));
  const { loss, graph } = objectiveSetup(objective, data, options.seed);
  const model = await loadGraphTrainable(victim, { ...graph, ...(options.storage ? { storage: options.storage } : {}) });
  const held: { variable: tf.Variable; mask: tf.Tensor }[] = [];
  try {
    if (model.convs.length === 0) throw new LineageError(`${victim} has no trainable convolutions to prune`, 'fine-prune a CNN');
    const spec = model.defaultSpec();
    const fitted = (await fitToSpec(data, spec)).images;
    const random = new Random(options.seed);
    const probe = selectImages(fitted, random.permutation(fitted.count).slice(0, options.probeImages));
    const activations = meanActivations(model, probe, spec);
    let pruned = 0;
    let total = 0;
    model.convs.forEach((conv, k) => {
      const filter = model.variable(conv.filter)!;
      const bias = conv.bias === undefined ? undefined : model.variable(conv.bias);
      const count = outputChannels(filter, conv.depthwise);
      const dead = smallest(activations[k]!, Math.floor(options.ratio * count));
      const [filterMask, biasMask] = masks(filter, bias, dead, count);
      held.push({ variable: filter, mask: filterMask! }, ...(bias ? [{ variable: bias, mask: biasMask! }] : []));
      pruned += dead.length;
      total += count;
    });
    const applyMasks = (): void => held.forEach(({ variable, mask }) => tf.tidy(() => variable.assign(tf.mul(variable, mask))));
    applyMasks();
    if (model.head) await imprintHead(model, data);
    await trainGraphCopy(model, data, loss, options, { afterStep: applyMasks });
    return {
      attack: 'fine-prune',
      output: options.saveTo,
      params: { victim, ratio: options.ratio, prunedChannels: pruned, prunableChannels: total, probeImages: options.probeImages, objective, ...options.training, ...(options.storage ? { storage: options.storage } : {}) },
      seed: options.seed,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    tf.dispose(held.map((h) => h.mask));
    model.dispose();
  }
}
