import { LineageError } from '../errors.js';
import { loadModel } from '../models/load.js';
import type { TrainingData } from '../train/data.js';
import { imprintHead, loadGraphTrainable, type GraphTrainable, type GraphTrainOptions } from '../train/graph.js';
import { cosFace, crossEntropy, type CosFaceOptions, type Loss } from '../train/losses.js';
import { trainModel, type TrainOptions, type TrainResult } from '../train/loop.js';
import type { AttackOptions, AttackRecord } from './types.js';

/**
 * How a fine-tune learns from the attacker's labels: 'cosface' — identity classification with a
 * CosFace margin softmax on a cosine head (embedding models; the head is dropped afterwards, so the
 * copy is an embedding model like the victim); 'cross-entropy' — the model's own logits (classifiers,
 * e.g. builtin:emotion). The cosine head starts from each identity's mean embedding (imprinting).
 */
export type GraphObjective = ({ readonly kind: 'cosface' } & CosFaceOptions) | { readonly kind: 'cross-entropy' };

/** The face-recognition default: CosFace with s = 30, m = 0.35 (Wang et al. 2018). */
export const COSFACE: GraphObjective = { kind: 'cosface', scale: 30, margin: 0.35 };

export interface GraphFineTuneOptions extends AttackOptions {
  /** 'all': every weight learns; { last: n }: only the last n weight tensors before the output (the last block(s)). */
  readonly layers: 'all' | { readonly last: number };
  /** Default: COSFACE for embedding models, cross-entropy for classifiers (by the victim's outputKind). */
  readonly objective?: GraphObjective;
  /** Weight storage of the saved copy; default float32. */
  readonly storage?: GraphTrainOptions['storage'];
}

/** Number of classes in the attacker's labels. */
function classCount(data: TrainingData): number {
  if (!data.labels || data.labels.length === 0) throw new LineageError('fine-tuning needs labelled attacker data', 'give the attacker images their identity or class labels');
  let max = 0;
  for (let i = 0; i < data.labels.length; i++) max = Math.max(max, data.labels[i]!);
  return max + 1;
}

/** The loss of an objective on `data`, and the graph options it needs (a head with a unit per class for CosFace). */
export function objectiveSetup(objective: GraphObjective, data: TrainingData, seed: number): { loss: Loss; graph: Pick<GraphTrainOptions, 'head'>; classes: number } {
  const classes = classCount(data);
  if (objective.kind === 'cross-entropy') return { loss: crossEntropy(), graph: {}, classes };
  return { loss: cosFace(objective), graph: { head: { kind: 'cosine', units: classes, seed } }, classes };
}

/** The default objective for `victim`: CosFace for embedding models, cross-entropy for classifiers. */
export async function defaultObjective(victim: string): Promise<GraphObjective> {
  const model = await loadModel(victim, { onWarning: () => {} });
  const kind = model.spec.outputKind;
  await model.dispose();
  return kind === 'embedding' ? COSFACE : { kind: 'cross-entropy' };
}

/** Train an already loaded graph copy with the attack's loop settings (plus `extra` loop options), saving it to `saveTo`. */
export async function trainGraphCopy(
  model: GraphTrainable, data: TrainingData, loss: Loss, options: AttackOptions,
  extra: { readonly afterStep?: () => void; readonly validation?: TrainingData; readonly adversary?: TrainOptions['adversary'] } = {},
): Promise<TrainResult> {
  return trainModel(model, data, {
    ...options.training, seed: options.seed, loss, saveTo: options.saveTo,
    ...(extra.validation ? { validation: extra.validation } : {}),
    ...(extra.adversary ? { adversary: extra.adversary } : {}),
    onProgress: (progress) => {
      if (progress.phase === 'batch') extra.afterStep?.();
      options.onProgress?.(progress);
    },
  });
}

/**
 * Fine-tuning a pretrained TF.js graph model (METHODS.md §5) — `victim` is `builtin:<name>` or a
 * graph model.json / folder — on the attacker's own labelled images (identities for face models,
 * classes for classifiers), every weight or only the last block(s). The copy is saved as a graph
 * model folder that reads the victim's output node with the victim's preprocessing.
 */
export async function fineTuneGraph(victim: string, data: TrainingData, options: GraphFineTuneOptions): Promise<AttackRecord> {
  const started = performance.now();
  const objective = options.objective ?? (await defaultObjective(victim));
  const { loss, graph, classes } = objectiveSetup(objective, data, options.seed);
  const model = await loadGraphTrainable(victim, {
    ...graph, ...(options.layers === 'all' ? {} : { trainOnly: options.layers }), ...(options.storage ? { storage: options.storage } : {}),
  });
  try {
    if (model.head) await imprintHead(model, data);
    await trainGraphCopy(model, data, loss, options);
  } finally {
    model.dispose();
  }
  return {
    attack: options.layers === 'all' ? 'fine-tune-all' : 'fine-tune-last',
    output: options.saveTo,
    params: { victim, layers: options.layers, objective, classes, ...options.training, ...(options.storage ? { storage: options.storage } : {}) },
    seed: options.seed,
    seconds: (performance.now() - started) / 1000,
  };
}
