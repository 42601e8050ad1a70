/** One unit of work of a trained zoo, as plain data so that it can run in a worker process. */
import type { PgdSettings } from '../../attacks/adversarial.js';
import type { VictimQueries } from '../../attacks/extract.js';
import type { TrainSettings } from '../../attacks/types.js';
import type { WeightOp } from '../../attacks/weights/types.js';
import type { ArchitectureName } from '../../train/architectures.js';
import type { ZooModel } from '../manifest.js';
import type { ZooMeasurements } from '../preset.js';
import type { DataSplit } from '../split.js';

export type ZooStep =
  /** Victim and homologous models train on the defender split, irrelevant ones on the attacker split. */
  | { readonly kind: 'scratch'; readonly group: 'victim' | 'homologous' | 'irrelevant'; readonly architecture: ArchitectureName; readonly training: TrainSettings }
  | { readonly kind: 'fine-tune'; readonly layers: 'all' | 'last'; readonly training: TrainSettings }
  | { readonly kind: 'fine-prune'; readonly ratios: readonly number[]; readonly prunesPerRound: number; readonly fineTuneImages: number; readonly probeImages: number; readonly training: TrainSettings }
  | { readonly kind: 'extract-l'; readonly architecture: ArchitectureName; readonly queries: VictimQueries; readonly training: TrainSettings }
  | { readonly kind: 'extract-p'; readonly architecture: ArchitectureName; readonly queries: VictimQueries; readonly alpha: number; readonly temperature: number; readonly training: TrainSettings }
  | { readonly kind: 'adversarial'; readonly labels: 'true' | 'victim'; readonly pgd: PgdSettings; readonly rounds: number; readonly imagesPerRound: number; readonly training: TrainSettings }
  | { readonly kind: 'transfer'; readonly classes: readonly (readonly string[])[]; readonly training: TrainSettings }
  | { readonly kind: 'weights'; readonly op: WeightOp };

export interface ZooData {
  /** Dataset folder (absolute). */
  readonly path: string;
  readonly split: DataSplit;
}

export interface ZooJob {
  readonly id: string;
  readonly step: ZooStep;
  readonly seed: number;
  /** Model folder the step starts from (absolute), when it does not start from scratch. */
  readonly source?: string;
  /** The victim's folder (absolute): queried by extraction. */
  readonly victim: string;
  readonly data: ZooData;
  /** Model ids this job writes, with their final folders (absolute); several for fine-pruning snapshots. */
  readonly outputs: readonly { readonly id: string; readonly dir: string }[];
  /** Scratch folder inside the zoo; emptied when a build starts. */
  readonly scratch: string;
  /** Ids of jobs that must finish first. */
  readonly after: readonly string[];
}

/** A zoo model and the job that makes it. */
export interface PlannedModel {
  readonly model: ZooModel;
  readonly job: string;
}

/** Kept inside every model folder a trained zoo writes: a folder holding it is complete. */
export const MODEL_RECORD = 'zoo-record.json';

export interface ModelRecord {
  readonly measurements: ZooMeasurements;
  /** Top-1 class per held-out image: fidelity is agreement of these with the victim's. */
  readonly predictions: readonly number[];
}
