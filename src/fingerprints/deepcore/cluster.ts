import { LineageError } from '../../errors.js';
import type { Outputs } from '../../models/types.js';
import { softmaxRows } from '../peers/representation.js';

/** Most k-means iterations; two clusters of a few dozen models settle in a handful. */
const MAX_ITERATIONS = 100;

/**
 * DeepCore's clustering rule (ours, METHODS.md §3): each model is one point, its softmax vectors over
 * all core points concatenated; k-means with k = 2 over the victim and every suspect; a suspect is
 * called a piracy when it lands in the victim's cluster. Deterministic start: one centre on the
 * victim, the other on the suspect farthest from it (ties stay with the victim's cluster, so
 * suspects identical to the victim are always piracies). Returns one verdict per suspect.
 */
export function clusterSuspects(victim: Outputs, suspects: readonly Outputs[]): boolean[] {
  const width = victim.rows * victim.cols;
  const bad = suspects.findIndex((s) => s.rows * s.cols !== width);
  if (bad >= 0) {
    throw new LineageError(`DeepCore clustering: suspect #${bad + 1} gave ${suspects[bad]!.rows}×${suspects[bad]!.cols} outputs, the victim ${victim.rows}×${victim.cols}`,
      'query every suspect on exactly the core points');
  }
  const points = [victim, ...suspects].map(flatProbabilities);
  return kMeans2(points, 0).slice(1).map((cluster) => cluster === 0);
}

function flatProbabilities(outputs: Outputs): Float64Array {
  const out = new Float64Array(outputs.rows * outputs.cols);
  softmaxRows(outputs).forEach((row, i) => out.set(row, i * outputs.cols));
  return out;
}

const squaredDistance = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0);

/** k-means, k = 2, starting from `anchor` and the point farthest from it; returns each point's cluster (the anchor's is 0). */
export function kMeans2(points: readonly Float64Array[], anchor: number): number[] {
  const far = points.reduce((best, p, i) => (squaredDistance(p, points[anchor]!) > squaredDistance(points[best]!, points[anchor]!) ? i : best), anchor);
  let centres = [points[anchor]!, points[far]!];
  let assignment: number[] = [];
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const next = points.map((p) => (squaredDistance(p, centres[1]!) < squaredDistance(p, centres[0]!) ? 1 : 0));
    if (next.every((c, i) => c === assignment[i])) break;
    assignment = next;
    centres = centres.map((centre, c) => {
      const members = points.filter((_, i) => assignment[i] === c);
      if (members.length === 0) return centre;
      return members[0]!.map((_, k) => members.reduce((s, m) => s + m[k]!, 0) / members.length);
    });
  }
  // Label the anchor's cluster 0 whatever the iterations did.
  return assignment[anchor] === 0 ? assignment : assignment.map((c) => 1 - c);
}
