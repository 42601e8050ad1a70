import type { TrainSettings } from '../../attacks/types.js';
import type { TrainedZooRecipe } from './recipe.js';

const FEW_BATCHES: TrainSettings = { epochs: 1, batchSize: 32, optimizer: 'adam', lr: 1e-3 };

/**
 * The miniature of a trained zoo, for tests and CI: the same groups, data and code paths, but
 * ~0.5 % of each class per split, ResNet-8s trained for one epoch of a few batches, one model per
 * group.
 */
export function miniature(recipe: TrainedZooRecipe, name: string): TrainedZooRecipe {
  return {
    ...recipe,
    name,
    description: `miniature of ${recipe.name} for tests: 1 model per group, a few batches each`,
    shares: { defender: 0.005, attacker: 0.005, heldOut: 0.005 },
    victim: { architecture: 'resnet8', training: FEW_BATCHES },
    perGroup: 1,
    fineTuneAll: FEW_BATCHES,
    fineTuneLast: FEW_BATCHES,
    finePrune: { ratios: [0.3], prunesPerRound: 20, fineTuneImages: 32, probeImages: 32, training: FEW_BATCHES },
    extract: { ...recipe.extract, architectures: ['resnet8'], training: FEW_BATCHES },
    adversarial: { pgd: { ...recipe.adversarial.pgd, steps: 2 }, rounds: 1, imagesPerRound: 16, training: FEW_BATCHES },
    transfer: { ...recipe.transfer, training: FEW_BATCHES },
    weightCopies: [...new Map(recipe.weightCopies.map((c) => [c.group, c])).values()],
    irrelevant: { count: 1, architectures: ['resnet8'], training: FEW_BATCHES },
    homologous: 1,
  };
}
