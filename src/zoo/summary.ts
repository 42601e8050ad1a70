import type { ZooManifest, ZooModel } from './manifest.js';

/** Mean, smallest and largest of a set of values. */
export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** One row of a zoo's summary: a group of models (an attack, irrelevant, homologous, the victim). */
export interface ZooGroupSummary {
  readonly group: string;
  readonly models: number;
  readonly architectures: readonly string[];
  readonly testAccuracy?: Spread;
  readonly fidelity?: Spread;
  /** Mean training time per model, in seconds (0 for training-free copies). */
  readonly trainSeconds: number;
}

/** Per group, in manifest order: how many models, their accuracy and agreement with the victim, training time. */
export function summariseZoo(manifest: ZooManifest): ZooGroupSummary[] {
  const groups = [...new Set(manifest.models.map((m) => m.group))];
  return groups.map((group) => {
    const models = manifest.models.filter((m) => m.group === group);
    const testAccuracy = spread(models, (m) => m.testAccuracy);
    const fidelity = spread(models, (m) => m.fidelity);
    return {
      group,
      models: models.length,
      architectures: [...new Set(models.flatMap((m) => (m.architecture ? [m.architecture] : [])))].sort(),
      ...(testAccuracy ? { testAccuracy } : {}),
      ...(fidelity ? { fidelity } : {}),
      trainSeconds: models.reduce((sum, m) => sum + (m.trainSeconds ?? 0), 0) / models.length,
    };
  });
}

function spread(models: readonly ZooModel[], value: (m: ZooModel) => number | undefined): Spread | undefined {
  const values = models.map(value).filter((v): v is number => v !== undefined);
  if (values.length === 0) return undefined;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}
