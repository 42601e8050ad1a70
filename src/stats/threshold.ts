/**
 * The decision threshold (METHODS.md §6), calibrated on independent models only, never on the
 * stolen models being evaluated. A suspect is called stolen when its distance ≤ threshold.
 */
import { LineageError } from '../errors.js';
import { mean, quantile, requireSample, sd } from './describe.js';

/**
 * Versions of the default rule. A fit records which version it took (ThresholdFit.rule), so a
 * bundle calibrated under an older default is re-derived and verified by that version forever.
 */
export const DEFAULT_RULE_VERSIONS = [1, 2] as const;
export type DefaultRuleVersion = (typeof DEFAULT_RULE_VERSIONS)[number];
/** The version `--rule default` and every new calibration use. */
export const CURRENT_DEFAULT_VERSION: DefaultRuleVersion = 2;

export type ThresholdRule =
  /**
   * Version 1: min(1 % quantile, mean − 3·sd), or half the smallest distance when that is ≤ 0.
   * Version 2: min(log-sigma:3, half the smallest distance). See fitThreshold for both.
   */
  | { readonly kind: 'default'; readonly version: DefaultRuleVersion }
  /** The q-quantile of the independent distances (linear interpolation); q ≈ the accepted false-positive rate. */
  | { readonly kind: 'quantile'; readonly q: number }
  /** mean − k·sd of the independent distances. */
  | { readonly kind: 'sigma'; readonly k: number }
  /** exp(mean − k·sd) of the log-distances: mean − k·sd on the log scale, a factor below the typical model. */
  | { readonly kind: 'log-sigma'; readonly k: number };

export interface ThresholdFit {
  readonly threshold: number;
  /**
   * The rule as text, e.g. 'sigma:3', or the default's version and the branch it took:
   * 'default-v2: log-sigma:3', 'default: quantile:0.01' (version 1, whose text predates versions).
   */
  readonly rule: string;
  /** Number of independent models. */
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
}

const DEFAULT_Q = 0.01;
const DEFAULT_K = 3;
const HALF_MIN = 'half the smallest distance';

/** Every form --rule accepts, for the CLI's help and error hints. */
export const THRESHOLD_RULE_CHOICES = "'default' (= default-v2), 'default-v2', 'default-v1' (the rule before v2), "
  + "'quantile:<q>' with 0 ≤ q ≤ 1 (e.g. quantile:0.01), 'sigma:<k>' or 'log-sigma:<k>' with k ≥ 0 (e.g. sigma:3, log-sigma:3)";
const RULE_HELP = `use ${THRESHOLD_RULE_CHOICES}`;

function ruleName(rule: ThresholdRule): string {
  switch (rule.kind) {
    case 'default': return `default-v${rule.version}`;
    case 'quantile': return `quantile:${rule.q}`;
    default: return `${rule.kind}:${rule.k}`;
  }
}

/** Parses 'default', 'default-v1', 'default-v2', 'quantile:0.01', 'sigma:3' or 'log-sigma:3' (the CLI's --rule). */
export function parseThresholdRule(text: string): ThresholdRule {
  const [kind, value, extra] = text.trim().split(':');
  const x = value === undefined || value.trim() === '' ? NaN : Number(value);
  const version = DEFAULT_RULE_VERSIONS.find((v) => kind === `default-v${v}`);
  let rule: ThresholdRule | undefined;
  if (value === undefined && kind === 'default') rule = { kind: 'default', version: CURRENT_DEFAULT_VERSION };
  else if (value === undefined && version !== undefined) rule = { kind: 'default', version };
  else if (kind === 'quantile' && extra === undefined) rule = { kind: 'quantile', q: x };
  else if ((kind === 'sigma' || kind === 'log-sigma') && extra === undefined) rule = { kind, k: x };
  if (!rule) throw new LineageError(`threshold rule '${text}' is not recognised`, RULE_HELP);
  checkRule(rule);
  return rule;
}

/**
 * The rule a fit's text names, to re-fit with (ThresholdFit.rule: 'default: sigma:3' is version 1,
 * 'default-v2: log-sigma:3' version 2, 'quantile:0.05' itself). The branch after ': ' is not read:
 * re-fitting must arrive at it, which is what checkCalibration compares.
 */
export function ruleOfFit(text: string): ThresholdRule {
  const name = text.split(': ')[0]!;
  return name === 'default' ? { kind: 'default', version: 1 } : parseThresholdRule(name);
}

function checkRule(rule: ThresholdRule): void {
  const ok = rule.kind === 'default' ? DEFAULT_RULE_VERSIONS.includes(rule.version)
    : rule.kind === 'quantile' ? rule.q >= 0 && rule.q <= 1 : Number.isFinite(rule.k) && rule.k >= 0;
  if (!ok) throw new LineageError(`threshold rule '${ruleName(rule)}' has an invalid parameter`, RULE_HELP);
}

/** exp(mean(ln d) − k·sd(ln d)); the distances must be positive. */
function logSigmaBound(distances: ArrayLike<number>, k: number): number {
  const logs = Array.from(distances, (d) => {
    if (d <= 0) throw new LineageError(`the log-sigma rule needs positive distances, got ${d}`, "use 'default' (it handles distances ≤ 0) or 'quantile:<q>'");
    return Math.log(d);
  });
  return Math.exp(mean(logs) - k * sd(logs));
}

/**
 * Fits the threshold on the distances of models known to be independent (n ≥ 2).
 *
 * **Version 2, the default** (issue 12): the smaller of
 * * `log-sigma:3` — exp(mean − 3·sd) of ln d. Distances are positive and skewed, and a copy differs
 *   from an independent model by a *factor* (METHODS.md §2: 0.003–0.01 against 0.59–0.72), so the
 *   spread is measured on the log scale, where 3 sd below is a factor, never ≤ 0, and one far model
 *   weighs little (the demo's faceapi_recognition at 0.65 beside 0.31–0.43 drags version 1 from 0.20
 *   to 0.0026, letting two copies pass; log-sigma:3 gives 0.167). Mean and sd, not median and MAD:
 *   a lower tail of independent models is real (cifar10-small's homologous models sit at a third of
 *   the irrelevant ones) and a robust scale that ignores it called 24 % of them stolen, leave-one-out;
 * * half the smallest distance — the guard: a suspect must be at least twice as close as every
 *   independent model seen. For one more model exchangeable with them, P(it falls below) ≤
 *   P(it is the closest) = 1/(n + 1) whatever the distribution, and one close independent model can
 *   lower the threshold to half of itself, further only as far as the log-scale spread it adds.
 *   (The 1 % quantile, version 1's other guard, is never below the smallest value.)
 * With 3–5 models the sd itself is uncertain, so no 3-sd rule keeps the normal-theory 0.13 %; measured
 * (bench/threshold-rule.ts): leave-one-out on the stored scores of every zoo, version 2 called 0 of
 * 244 independent models stolen (version 1: 4) and caught 378 of 593 useful copies (version 1: 379);
 * on simulated log-normal panels its false-positive rate is at or below version 1's in every case.
 *
 * **Version 1** (bundles calibrated before version 2 keep it): owners usually have 3–10
 * independent models. With so few, the 1 % quantile is just the smallest of them (nudged up by 1 %
 * of the gap to the next one), so on its own it would call "stolen" anything as close as the
 * nearest known independent model — a false-accusation rate near 1/n for the next independent
 * model. mean − 3·sd uses the spread instead (under normality ~0.1 % of independent models fall
 * below it). Taking the smaller of the two keeps whichever is further from the independents: a
 * false accusation is the costlier error. (For n ≤ 10 that is always mean − 3·sd: no value can lie
 * more than sd·(n − 1)/√n < 3·sd below the mean (Samuelson's inequality); the quantile takes over
 * only with more models and a heavy lower tail.) When the independent distances are so spread out
 * that this is ≤ 0, or not spread at all, the fallback is half the smallest independent distance.
 * Its flaw: one far-away model inflates the sd and drags the threshold towards 0.
 */
export function fitThreshold(independentDistances: ArrayLike<number>, rule: ThresholdRule = { kind: 'default', version: CURRENT_DEFAULT_VERSION }): ThresholdFit {
  checkRule(rule);
  requireSample(independentDistances, 'independent-model distances', 2);
  const stats = {
    n: independentDistances.length,
    mean: mean(independentDistances),
    sd: sd(independentDistances),
    min: Math.min(...Array.from(independentDistances)),
  };
  const fit = (threshold: number, text: string): ThresholdFit => ({ threshold, rule: text, ...stats });
  const sigmaRule = (k: number) => stats.mean - k * stats.sd;
  if (rule.kind === 'quantile') return fit(quantile(independentDistances, rule.q), ruleName(rule));
  if (rule.kind === 'sigma') return fit(sigmaRule(rule.k), ruleName(rule));
  if (rule.kind === 'log-sigma') return fit(logSigmaBound(independentDistances, rule.k), ruleName(rule));
  const halfMin = (prefix: string) => fit(stats.min / 2, `${prefix}: ${HALF_MIN}`);
  if (rule.version === 2) {
    if (stats.min <= 0) return halfMin('default-v2');
    const logSigma: ThresholdRule = { kind: 'log-sigma', k: DEFAULT_K };
    const bound = logSigmaBound(independentDistances, DEFAULT_K);
    return bound < stats.min / 2 ? fit(bound, `default-v2: ${ruleName(logSigma)}`) : halfMin('default-v2');
  }
  const q = quantile(independentDistances, DEFAULT_Q);
  const s = sigmaRule(DEFAULT_K);
  // With no spread (every independent model scored the same, as discrete peer statistics often do)
  // both rules land on that value, which would call the independent models themselves stolen.
  if (Math.min(q, s) > 0 && stats.sd > 0) {
    const chosen: ThresholdRule = q <= s ? { kind: 'quantile', q: DEFAULT_Q } : { kind: 'sigma', k: DEFAULT_K };
    return fit(Math.min(q, s), `default: ${ruleName(chosen)}`);
  }
  return halfMin('default');
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
