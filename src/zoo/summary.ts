import type { ZooManifest, ZooModel } from './manifest.js';
import { BROKEN_COPY, utilityGroup, zooUtility } from './utility.js';

/** Mean, smallest and largest of a set of values. */
export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** One row of a zoo's summary: a group of models (an attack, irrelevant, homologous, the victim, broken copies). */
export interface ZooGroupSummary {
  readonly group: string;
  readonly models: number;
  readonly architectures: readonly string[];
  /** The broken-copy row: the attack groups its models come from. */
  readonly attacks?: readonly string[];
  /** The zoo's utility measure (face models: verification AUC; classifiers: test accuracy), when recorded. */
  readonly utility?: Spread;
  readonly testAccuracy?: Spread;
  readonly fidelity?: Spread;
  /** Mean training time per model, in seconds (0 for training-free copies). */
  readonly trainSeconds: number;
}

/**
 * Per group, in manifest order: how many models, their utility, accuracy and agreement with the
 * victim, training time. Stolen models below the utility floor (zoo/utility.ts) are one group of
 * their own, BROKEN_COPY, last.
 */
export function summariseZoo(manifest: ZooManifest): ZooGroupSummary[] {
  const utility = zooUtility(manifest);
  const groupOf = (m: ZooModel) => utilityGroup(m, utility.get(m.id)!);
  const groups = [...new Set(manifest.models.map(groupOf))].sort((a, b) => Number(a === BROKEN_COPY) - Number(b === BROKEN_COPY));
  return groups.map((group) => {
    const models = manifest.models.filter((m) => groupOf(m) === group);
    const utilitySpread = spread(models, (m) => utility.get(m.id)!.value);
    const testAccuracy = spread(models, (m) => m.testAccuracy);
    const fidelity = spread(models, (m) => m.fidelity);
    return {
      group,
      models: models.length,
      architectures: [...new Set(models.flatMap((m) => (m.architecture ? [m.architecture] : [])))].sort(),
      ...(group === BROKEN_COPY ? { attacks: [...new Set(models.map((m) => m.group))] } : {}),
      ...(utilitySpread ? { utility: utilitySpread } : {}),
      ...(testAccuracy ? { testAccuracy } : {}),
      ...(fidelity ? { fidelity } : {}),
      trainSeconds: models.reduce((sum, m) => sum + (m.trainSeconds ?? 0), 0) / models.length,
    };
  });
}

function spread(models: readonly ZooModel[], value: (m: ZooModel) => number | undefined): Spread | undefined {
  return spreadOf(models.map(value).filter((v): v is number => v !== undefined));
}

/** Mean, smallest and largest of `values`; undefined when there are none. */
export function spreadOf(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}
