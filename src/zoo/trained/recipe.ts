/**
 * A trained zoo described as data: the dataset and its split, the victim, how many models each
 * attack group gets and the loop settings of each attack. The presets cifar10-small and
 * fer2013-small (and their -tiny miniatures) are recipes; src/zoo/trained/plan.ts turns one into jobs.
 */
import type { PgdSettings } from '../../attacks/adversarial.js';
import type { VictimQueries } from '../../attacks/extract.js';
import type { TrainSettings } from '../../attacks/types.js';
import type { WeightOp } from '../../attacks/weights/types.js';
import type { ArchitectureName } from '../../train/architectures.js';
import type { DistillationOptions } from '../../train/losses.js';
import type { SplitShares } from '../split.js';

export interface TrainedZooRecipe {
  readonly name: string;
  readonly description: string;
  /** Default dataset folder (images.u8 + labels.csv), relative to the working directory. */
  readonly dataset: string;
  readonly shares: SplitShares;
  readonly victim: { readonly architecture: ArchitectureName; readonly training: TrainSettings };
  /** Models per attack group (fine-tune, extraction, adversarial, transfer). */
  readonly perGroup: number;
  readonly fineTuneAll: TrainSettings;
  readonly fineTuneLast: TrainSettings;
  /** One run; one model per ratio. */
  readonly finePrune: {
    readonly ratios: readonly number[];
    readonly prunesPerRound: number;
    readonly fineTuneImages: number;
    readonly probeImages: number;
    readonly training: TrainSettings;
  };
  /** Student architectures, used in turn. */
  readonly extract: {
    readonly architectures: readonly ArchitectureName[];
    readonly training: TrainSettings;
    readonly distillation: DistillationOptions;
    /** Default 'once'. */
    readonly queries?: VictimQueries;
  };
  /** Extract-Adv (on the Extract-L students) and adversarial training (of the victim). */
  readonly adversarial: { readonly pgd: PgdSettings; readonly rounds: number; readonly imagesPerRound: number; readonly training: TrainSettings };
  /** New classes, each a list of the dataset's class names. */
  readonly transfer: { readonly classes: readonly (readonly string[])[]; readonly training: TrainSettings };
  /** Training-free copies of the victim (src/attacks/weights). */
  readonly weightCopies: readonly { readonly name: string; readonly group: 'prune' | 'quantise' | 'noise'; readonly op: WeightOp }[];
  /** Independent models on the attacker split, architectures used in turn. */
  readonly irrelevant: { readonly count: number; readonly architectures: readonly ArchitectureName[]; readonly training: TrainSettings };
  /** The victim's architecture, recipe and data, other seeds. */
  readonly homologous: number;
  /** Worker processes training at once. */
  readonly processes: number;
}
