import { LineageError } from '../errors.js';
import { selectImages } from '../data/types.js';
import type { TrainingData } from '../train/data.js';
import { fitToSpec } from '../train/data.js';
import { Random } from '../util/random.js';
import { applyChannelMasks, meanActivations, prunableUnits, pruneSmallest } from './channel-pruning.js';
import { trainableCopy } from './model-source.js';
import { saveAttackResult, trainWith } from './run.js';
import type { AttackOptions, AttackRecord, ModelSource } from './types.js';

export interface FinePruneOptions extends Omit<AttackOptions, 'saveTo'> {
  /** Share of prunable channels to prune (ascending, each in (0, 1)) → the folder that snapshot is saved to. */
  readonly snapshots: readonly { readonly ratio: number; readonly saveTo: string }[];
  /** Channels pruned between two short fine-tunes (the recipe: 20–50). */
  readonly prunesPerRound: number;
  /** Attacker images each short fine-tune trains on (one epoch of the loop over a seeded sample). */
  readonly fineTuneImages: number;
  /** Attacker images the mean activations are measured on (a seeded sample). */
  readonly probeImages: number;
}

/**
 * Fine-pruning (Liu et al. 2018; METHODS.md §5): repeatedly zero the conv channels with the smallest
 * mean activation on attacker data — `prunesPerRound` at a time, activations re-measured each
 * round — with a short fine-tune (pruned channels held at zero) after every round, saving a
 * snapshot when the pruned share reaches each ratio. Returns one record per snapshot.
 */
export async function finePrune(victim: ModelSource, data: TrainingData, options: FinePruneOptions): Promise<AttackRecord[]> {
  const ratios = options.snapshots.map((s) => s.ratio);
  if (ratios.length === 0 || ratios.some((r, i) => !(r > 0 && r < 1) || (i > 0 && r <= ratios[i - 1]!))) {
    throw new LineageError(`invalid fine-pruning ratios ${ratios.join(', ')}`, 'give ascending ratios between 0 and 1');
  }
  const started = performance.now();
  const { model, spec } = await trainableCopy(victim);
  try {
    const units = prunableUnits(model);
    if (units.length === 0) throw new LineageError(`${typeof victim === 'string' ? victim : model.name} has no conv → batch norm → ReLU units to prune`, 'fine-prune a CNN built from conv-BN-ReLU blocks');
    const total = units.reduce((n, u) => n + u.channels, 0);
    const random = new Random(options.seed);
    const fitted = await fitToSpec(data, spec);
    const probe = selectImages(fitted.images, random.permutation(fitted.images.count).slice(0, options.probeImages));
    const records: AttackRecord[] = [];
    let pruned = 0;
    let round = 0;
    for (const { ratio, saveTo } of options.snapshots) {
      const goal = Math.round(ratio * total);
      while (pruned < goal) {
        const done = pruneSmallest(units, meanActivations(model, units, probe, spec), Math.min(options.prunesPerRound, goal - pruned));
        if (done === 0) break;
        pruned += done;
        const sample = random.permutation(fitted.images.count).slice(0, options.fineTuneImages);
        await trainWith(model, spec, subset(fitted, sample), { ...options, training: { ...options.training, epochs: 1 }, seed: options.seed + ++round }, {
          afterStep: () => applyChannelMasks(units),
        });
      }
      records.push(await saveAttackResult(model, spec, saveTo, {
        attack: 'fine-prune',
        params: { ratio, prunedChannels: pruned, prunableChannels: total, prunesPerRound: options.prunesPerRound, fineTuneImages: options.fineTuneImages, ...options.training, epochs: 1 },
        seed: options.seed, started,
      }));
    }
    return records;
  } finally {
    model.dispose();
  }
}

function subset(data: TrainingData, indices: readonly number[]): TrainingData {
  const labels = data.labels;
  return { images: selectImages(data.images, indices), ...(labels ? { labels: indices.map((i) => labels[i]!) } : {}) };
}
