import * as tf from '@tensorflow/tfjs';
import { concatImages, selectImages, type ImageBatch } from '../data/types.js';
import { LineageError } from '../errors.js';
import { pgd } from '../fingerprints/peers/optimise.js';
import { pixelTensor, toImageBatch } from '../fingerprints/peers/whitebox.js';
import type { InputSpec } from '../models/types.js';
import { fitToSpec, type TrainingData } from '../train/data.js';
import type { Trainable } from '../train/trainable.js';
import { Random } from '../util/random.js';
import { labelWithVictim } from './extract.js';
import { trainableCopy } from './model-source.js';
import { saveAttackResult, trainWith } from './run.js';
import type { AttackOptions, AttackRecord, ModelSource } from './types.js';
import { trainingWhiteBox } from './white-box.js';

export interface PgdSettings {
  /** L∞ radius in pixel levels (4 = the recipe's 4/255). */
  readonly epsilon: number;
  /** Step in pixel levels (1 = 1/255). */
  readonly step: number;
  readonly steps: number;
}

export const PGD_RECIPE: PgdSettings = { epsilon: 4, step: 1, steps: 10 };

export interface AdversarialOptions extends AttackOptions {
  readonly pgd: PgdSettings;
  /** Rounds of (craft adversarial examples against the current model, train one epoch). */
  readonly rounds: number;
  /** Labelled images per round (a seeded sample), each trained on clean and adversarial. */
  readonly imagesPerRound: number;
}

/** PGD examples (untargeted, away from `labels`) against the current model (a layers model or a graph Trainable), in chunks. */
export function adversarialImages(model: tf.LayersModel | Trainable, spec: InputSpec, images: ImageBatch, labels: readonly number[], settings: PgdSettings, seed: number): ImageBatch {
  const box = trainingWhiteBox(model, spec);
  const chunk = 64;
  const parts: Uint8Array[] = [];
  for (let start = 0; start < images.count; start += chunk) {
    const indices = Array.from({ length: Math.min(chunk, images.count - start) }, (_, i) => start + i);
    const seeds = pixelTensor(box, selectImages(images, indices));
    const adv = pgd(box, seeds, { ...settings, labels: indices.map((i) => labels[i]!), targeted: false, seed: seed + start });
    parts.push(toImageBatch(adv).data);
    tf.dispose([seeds, adv]);
  }
  return { ...images, data: Uint8Array.from(Buffer.concat(parts)) };
}

/**
 * Adversarial fine-tuning with the PGD recipe (ε 4/255, step 1/255, 10 steps; METHODS.md §5).
 * Each round crafts PGD examples for a seeded sample of the labelled images against the model as it
 * is, then trains one epoch on the clean images and their adversarial twins together — the mean of
 * CE(x) and CE(x_adv), with the examples refreshed per round rather than per batch (the one loop
 * sees logits, not inputs).
 */
export async function adversarialTraining(source: ModelSource, data: TrainingData, options: AdversarialOptions, attack = 'adv-train'): Promise<AttackRecord> {
  if (!data.labels) throw new LineageError('adversarial training needs labelled images', 'give the images with their labels (true labels, or the victim\'s for Extract-Adv)');
  if (!(Number.isInteger(options.rounds) && options.rounds >= 1 && options.imagesPerRound >= 1)) {
    throw new LineageError(`invalid adversarial training settings: ${options.rounds} rounds of ${options.imagesPerRound} images`, 'use at least 1 round of at least 1 image');
  }
  const started = performance.now();
  const { model, spec } = await trainableCopy(source);
  try {
    const fitted = await fitToSpec(data, spec);
    const labels = fitted.labels!;
    const random = new Random(options.seed);
    for (let round = 1; round <= options.rounds; round++) {
      const sample = random.permutation(fitted.images.count).slice(0, options.imagesPerRound);
      const clean = selectImages(fitted.images, sample);
      const sampleLabels = sample.map((i) => labels[i]!);
      const adv = adversarialImages(model, spec, clean, sampleLabels, options.pgd, options.seed * 1000 + round);
      await trainWith(model, spec, { images: concatImages(clean, adv), labels: [...sampleLabels, ...sampleLabels] }, { ...options, training: { ...options.training, epochs: 1 }, seed: options.seed + round });
    }
    return await saveAttackResult(model, spec, options.saveTo, {
      attack, params: { ...options.pgd, rounds: options.rounds, imagesPerRound: options.imagesPerRound, ...options.training, epochs: 1 }, seed: options.seed, started,
    });
  } finally {
    model.dispose();
  }
}

/** Extract-Adv (METHODS.md §5): an extracted student adversarially fine-tuned on the victim's labels. */
export async function extractAdversarial(student: ModelSource, victim: ModelSource, images: ImageBatch, options: AdversarialOptions): Promise<AttackRecord> {
  const started = performance.now();
  const record = await adversarialTraining(student, (await labelWithVictim(victim, images)).data, options, 'extract-adv');
  return { ...record, seconds: (performance.now() - started) / 1000 };
}
