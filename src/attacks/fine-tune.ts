import type { TrainingData } from '../train/data.js';
import { freezeAllButLast } from './freeze.js';
import { trainableCopy } from './model-source.js';
import { saveAttackResult, trainWith } from './run.js';
import type { AttackOptions, AttackRecord, ModelSource } from './types.js';

export interface FineTuneOptions extends AttackOptions {
  /** 'all': every layer learns; 'last': only the classifier head does (the rest stays bit-identical). */
  readonly layers: 'all' | 'last';
}

/** Fine-tuning (METHODS.md §5): the victim trained further on the attacker's labelled data. */
export async function fineTune(victim: ModelSource, data: TrainingData, options: FineTuneOptions): Promise<AttackRecord> {
  const started = performance.now();
  const { model, spec } = await trainableCopy(victim);
  try {
    const unfreeze = options.layers === 'last' ? freezeAllButLast(model) : undefined;
    try {
      await trainWith(model, spec, data, options);
    } finally {
      unfreeze?.();
    }
    return await saveAttackResult(model, spec, options.saveTo, {
      attack: `fine-tune-${options.layers}`, params: { ...options.training }, seed: options.seed, started,
    });
  } finally {
    model.dispose();
  }
}
