import type { ImageBatch } from '../data/types.js';
import { LineageError } from '../errors.js';
import type { TrainingData } from '../train/data.js';
import { loadGraphTrainable } from '../train/graph.js';
import { adversarialImages, type PgdSettings } from './adversarial.js';
import { defaultObjective, objectiveSetup, trainGraphCopy, type GraphFineTuneOptions } from './fine-tune-graph.js';
import type { AttackRecord } from './types.js';

export interface GraphAdversarialOptions extends Omit<GraphFineTuneOptions, 'objective'> {
  /** The examples: PGD (steps: 1 with step = epsilon is FGSM), in pixel levels. */
  readonly pgd: PgdSettings;
}

function checkPgd({ epsilon, step, steps }: PgdSettings): void {
  if (!(epsilon > 0 && step > 0 && Number.isInteger(steps) && steps >= 1)) {
    throw new LineageError(`invalid PGD settings: ε ${epsilon}, step ${step}, ${steps} steps`, 'use ε > 0 and step > 0 pixel levels and a whole number of steps ≥ 1 (e.g. ε 4, step 1, 10 steps)');
  }
}

/**
 * Adversarial training of a pretrained TF.js graph classifier (METHODS.md §5) — `victim` is
 * `builtin:<name>` or a graph model.json / folder — on the attacker's labelled images, in the one
 * training loop: every (augmented) batch gets PGD twins crafted through the input gradient of the
 * model as it is at that step, and the weights learn from the mean cross-entropy of the clean
 * images and their twins (Madry et al. 2018, with the clean half kept so the copy stays useful),
 * every weight or only the last ones (`layers`, as in fineTuneGraph).
 * Embedding models are refused: their training loss needs a head this attack does not build.
 */
export async function adversarialTrainingGraph(victim: string, data: TrainingData, options: GraphAdversarialOptions): Promise<AttackRecord> {
  if (!data.labels) throw new LineageError('adversarial training needs labelled images', "give the attacker's images with their class labels");
  checkPgd(options.pgd);
  const started = performance.now();
  const objective = await defaultObjective(victim);
  if (objective.kind !== 'cross-entropy') {
    throw new LineageError(`cannot adversarially train ${victim}: it outputs embeddings, not class logits`, 'adversarially train a classifier (e.g. builtin:emotion); fine-tune embedding models with fineTuneGraph');
  }
  const { loss, classes } = objectiveSetup(objective, data, options.seed);
  const model = await loadGraphTrainable(victim, {
    ...(options.layers === 'all' ? {} : { trainOnly: options.layers }), ...(options.storage ? { storage: options.storage } : {}),
  });
  try {
    const spec = model.defaultSpec();
    let batches = 0;
    const adversary = (batch: ImageBatch, labels: readonly number[]): ImageBatch =>
      adversarialImages(model, spec, batch, labels, options.pgd, options.seed * 1000 + ++batches);
    await trainGraphCopy(model, data, loss, options, { adversary });
  } finally {
    model.dispose();
  }
  return {
    attack: 'adv-train',
    output: options.saveTo,
    params: { victim, layers: options.layers, ...options.pgd, classes, ...options.training, ...(options.storage ? { storage: options.storage } : {}) },
    seed: options.seed,
    seconds: (performance.now() - started) / 1000,
  };
}
