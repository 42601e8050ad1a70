/**
 * The decision threshold (METHODS.md §6), calibrated on independent models only, never on the
 * stolen models being evaluated. A suspect is called stolen when its distance ≤ threshold.
 */
import { LineageError } from '../errors.js';
import { mean, quantile, requireSample, sd } from './describe.js';

export type ThresholdRule =
  /** min(1 % quantile, mean − 3·sd), or half the smallest distance when that is ≤ 0 (see fitThreshold). */
  | { readonly kind: 'default' }
  /** The q-quantile of the independent distances (linear interpolation); q ≈ the accepted false-positive rate. */
  | { readonly kind: 'quantile'; readonly q: number }
  /** mean − k·sd of the independent distances. */
  | { readonly kind: 'sigma'; readonly k: number };

export interface ThresholdFit {
  readonly threshold: number;
  /** The rule as text, e.g. 'sigma:3' or 'default: quantile:0.01' (which branch the default took). */
  readonly rule: string;
  /** Number of independent models. */
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
}

const DEFAULT_Q = 0.01;
const DEFAULT_K = 3;
const RULE_HELP = "use 'default', 'quantile:<q>' with 0 ≤ q ≤ 1 (e.g. quantile:0.01) or 'sigma:<k>' with k ≥ 0 (e.g. sigma:3)";

function ruleName(rule: ThresholdRule): string {
  return rule.kind === 'default' ? 'default' : rule.kind === 'quantile' ? `quantile:${rule.q}` : `sigma:${rule.k}`;
}

/** Parses 'default', 'quantile:0.01' or 'sigma:3' (the CLI's --rule). */
export function parseThresholdRule(text: string): ThresholdRule {
  const [kind, value, extra] = text.trim().split(':');
  const x = value === undefined || value.trim() === '' ? NaN : Number(value);
  let rule: ThresholdRule | undefined;
  if (kind === 'default' && value === undefined) rule = { kind: 'default' };
  else if (kind === 'quantile' && extra === undefined) rule = { kind: 'quantile', q: x };
  else if (kind === 'sigma' && extra === undefined) rule = { kind: 'sigma', k: x };
  if (!rule) throw new LineageError(`threshold rule '${text}' is not recognised`, RULE_HELP);
  checkRule(rule);
  return rule;
}

function checkRule(rule: ThresholdRule): void {
  const ok = rule.kind === 'default' || (rule.kind === 'quantile' ? rule.q >= 0 && rule.q <= 1 : Number.isFinite(rule.k) && rule.k >= 0);
  if (!ok) throw new LineageError(`threshold rule '${ruleName(rule)}' has an invalid parameter`, RULE_HELP);
}

/**
 * Fits the threshold on the distances of models known to be independent (n ≥ 2).
 *
 * Why the default is what it is: owners usually have 3–10 independent models. With so few, the
 * 1 % quantile is just the smallest of them (nudged up by 1 % of the gap to the next one), so on
 * its own it would call "stolen" anything as close as the nearest known independent model — a
 * false-accusation rate near 1/n for the next independent model. mean − 3·sd uses the spread
 * instead (under normality ~0.1 % of independent models fall below it). Taking the smaller of
 * the two keeps whichever is further from the independents: a false accusation is the costlier
 * error. (For n ≤ 10 that is always mean − 3·sd: no value can lie more than sd·(n − 1)/√n < 3·sd
 * below the mean (Samuelson's inequality); the quantile takes over only with more models and a
 * heavy lower tail.) When the independent distances are so spread out that this is ≤ 0 (it would call
 * nothing stolen), or not spread at all, the fallback is half the smallest independent distance: derived copies
 * typically sit one to two orders of magnitude closer to the victim than any independent model
 * (METHODS.md §2: 0.003–0.01 against 0.59–0.72), so halfway to zero still catches them while
 * staying clear of every independent model seen.
 */
export function fitThreshold(independentDistances: ArrayLike<number>, rule: ThresholdRule = { kind: 'default' }): ThresholdFit {
  checkRule(rule);
  requireSample(independentDistances, 'independent-model distances', 2);
  const stats = {
    n: independentDistances.length,
    mean: mean(independentDistances),
    sd: sd(independentDistances),
    min: Math.min(...Array.from(independentDistances)),
  };
  const sigmaRule = (k: number) => stats.mean - k * stats.sd;
  if (rule.kind === 'quantile') return { threshold: quantile(independentDistances, rule.q), rule: ruleName(rule), ...stats };
  if (rule.kind === 'sigma') return { threshold: sigmaRule(rule.k), rule: ruleName(rule), ...stats };
  const q = quantile(independentDistances, DEFAULT_Q);
  const s = sigmaRule(DEFAULT_K);
  // With no spread (every independent model scored the same, as discrete peer statistics often do)
  // both rules land on that value, which would call the independent models themselves stolen.
  if (Math.min(q, s) > 0 && stats.sd > 0) {
    const chosen: ThresholdRule = q <= s ? { kind: 'quantile', q: DEFAULT_Q } : { kind: 'sigma', k: DEFAULT_K };
    return { threshold: Math.min(q, s), rule: `default: ${ruleName(chosen)}`, ...stats };
  }
  return { threshold: stats.min / 2, rule: 'default: half the smallest distance', ...stats };
}

export interface F1 {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  /** tp/(tp + fp): share of "stolen" verdicts that are right (0 when nothing was called stolen). */
  readonly precision: number;
  /** tp/(tp + fn): share of stolen models caught (0 when there are none). */
  readonly recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  readonly f1: number;
}

/** F1 of stolen/independent verdicts against the truth, index by index. */
export function f1Score(predictedStolen: readonly boolean[], actuallyStolen: readonly boolean[]): F1 {
  if (predictedStolen.length !== actuallyStolen.length) {
    throw new LineageError(`F1: ${predictedStolen.length} verdicts but ${actuallyStolen.length} true labels`, 'give one verdict per model with a known label');
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  predictedStolen.forEach((predicted, i) => {
    const actual = actuallyStolen[i]!;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
    else tn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, tn, precision, recall, f1 };
}
