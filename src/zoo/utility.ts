import type { ZooManifest, ZooModel } from './manifest.js';

/**
 * "A theft must be worth stealing": the utility of a zoo model and the floor a stolen copy must
 * reach to count as a theft. Face models: verification AUC on held-out LFW pairs (same person or
 * not, by the cosine of the two embeddings); classifiers: accuracy on the held-out test split.
 * A stolen copy below the floor is a *broken copy*: kept in the zoo and shown, but left out of
 * the headline "all stolen" figures (nobody would steal a model to use a broken one).
 */
export const UTILITY_FLOOR: Readonly<Record<ZooManifest['task'], { readonly metric: string; readonly margin: number }>> = {
  'face-embedding': { metric: 'verification AUC', margin: 0.03 },
  classification: { metric: 'test accuracy', margin: 0.05 },
};

/** A zoo model's utility against the floor; `value` absent when the manifest does not hold it. */
export interface Utility {
  readonly metric: string;
  readonly value?: number;
  /** The victim's utility minus the task's margin; absent when the victim's utility is unmeasured. */
  readonly floor?: number;
  /** Stolen models with both values: below the floor. */
  readonly broken: boolean;
}

const utilityValue = (m: ZooModel, task: ZooManifest['task']) => (task === 'face-embedding' ? m.verificationAuc : m.testAccuracy);

/**
 * The utility of every model of a zoo, by id, from what its manifest holds (so older manifests are
 * judged too): a stolen model is broken when its utility is below the victim's minus the margin.
 * Unmeasured utility (an older face zoo, or a victim without it) judges nothing: not broken.
 */
export function zooUtility(manifest: ZooManifest): ReadonlyMap<string, Utility> {
  const { metric, margin } = UTILITY_FLOOR[manifest.task];
  const victim = manifest.models.find((m) => m.role === 'victim');
  const victimValue = victim && utilityValue(victim, manifest.task);
  const floor = victimValue === undefined ? undefined : victimValue - margin;
  return new Map(manifest.models.map((m) => {
    const value = utilityValue(m, manifest.task);
    const broken = m.role === 'stolen' && value !== undefined && floor !== undefined && value < floor;
    return [m.id, { metric, ...(value !== undefined ? { value } : {}), ...(floor !== undefined ? { floor } : {}), broken }];
  }));
}

/** The group a model is reported in: its own, or BROKEN_COPY for a stolen model below the floor. */
export const BROKEN_COPY = 'broken copy';
export const utilityGroup = (m: Pick<ZooModel, 'group'>, utility: Utility): string => (utility.broken ? BROKEN_COPY : m.group);

/** The floor as one line, e.g. "floor: verification AUC ≥ 0.951 (victim 0.981 − 0.03)", or why there is none. */
export function floorText(manifest: ZooManifest): string {
  const { metric, margin } = UTILITY_FLOOR[manifest.task];
  const victim = manifest.models.find((m) => m.role === 'victim');
  const value = victim && utilityValue(victim, manifest.task);
  if (value === undefined) return `utility floor: unmeasured (the manifest records no ${metric} of the victim; rebuild the zoo to record it)`;
  return `utility floor: ${metric} ≥ ${(value - margin).toFixed(3)} (victim ${value.toFixed(3)} − ${margin})`;
}
