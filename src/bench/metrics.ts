import { isLineageError, LineageError } from '../errors.js';
import { auc, tprAtFpr } from '../stats/auc.js';
import { aucBootstrap } from '../stats/bootstrap.js';
import { mannWhitneyU, rankPValue, singleVsGroupTTest, welchTTest } from '../stats/tests.js';
import { f1Score, fitThreshold } from '../stats/threshold.js';
import { Random } from '../util/random.js';
import { spreadOf } from '../zoo/summary.js';
import { BROKEN_COPY } from '../zoo/utility.js';
import { pValueChecks } from './p-values.js';
import { fitShare, judgeShare } from '../fingerprints/base.js';
import type { Verdict } from '../fingerprints/types.js';
import { SHARE } from './types.js';
import type { BaseAwareMetrics, CalledStolen, FalsePositives, GroupMetrics, JudgedModel, MethodMetrics, ModelScore, NegativeComparison } from './types.js';

/** The group name of the row that pools every stolen model worth stealing (broken copies are left out of it). */
export const ALL_GROUPS = 'all';

/** The row a stolen model is reported in: its attack group, or BROKEN_COPY below the utility floor. */
export const rowOf = (m: ModelScore) => (m.broken ? BROKEN_COPY : m.group);

/**
 * Seeded split of the independent models: the calibration half (the threshold is fitted on it and
 * nothing else) and the held-out half (judged at that threshold, with the stolen models). The
 * calibration half gets ⌊n/2⌋ models but at least 2, the fewest a threshold can be fitted on.
 */
export function splitIndependent(ids: readonly string[], seed: number): { calibration: string[]; test: string[] } {
  if (ids.length < 2) return { calibration: [], test: [...ids] };
  const shuffled = new Random(seed).shuffle(ids);
  const size = Math.max(2, Math.floor(ids.length / 2));
  return { calibration: shuffled.slice(0, size), test: shuffled.slice(size) };
}

/**
 * Every metric of one method on one zoo (METHODS.md §6), from the models' scores alone. Positives
 * are stolen models, negatives independent ones; small values mean "stolen". AUC and TPR at 1 % FPR
 * are given for every statistic, per attack group against each group of independent models; the
 * threshold, verdicts, F1 and p-values use `decisionStatistic`. Stolen models below the utility
 * floor are one row of their own (BROKEN_COPY), outside the 'all' row.
 */
export function methodMetrics(models: readonly ModelScore[], statistics: readonly string[], decisionStatistic: string, calibrationIds: ReadonlySet<string>): MethodMetrics {
  if (!statistics.includes(decisionStatistic)) {
    throw new LineageError(`decision statistic '${decisionStatistic}' is not one of ${statistics.join(', ')}`, 'decide on one of the method\'s statistics');
  }
  const score = (m: ModelScore) => m.values[decisionStatistic]!;
  const independent = models.filter((m) => m.role === 'independent');
  const calibration = independent.filter((m) => calibrationIds.has(m.id));
  const threshold = calibration.length >= 2 ? fitThreshold(calibration.map(score)) : undefined;
  const negatives = independent.map(score);
  const judged: JudgedModel[] = models.map((m) => {
    const inCalibration = calibrationIds.has(m.id);
    return {
      ...m,
      ...(m.role === 'independent' ? { split: inCalibration ? 'calibration' : 'test' } : {}),
      ...(threshold && !inCalibration ? { verdict: score(m) <= threshold.threshold ? 'stolen' : 'independent' } : {}),
      ...(m.role === 'stolen' ? { pValue: { ...optional('t', () => singleVsGroupTTest(score(m), negatives).p), rank: rankPValue(score(m), negatives) } } : {}),
    };
  });
  const stolenRows = distinct(models.filter((m) => m.role === 'stolen').map(rowOf));
  const useful = stolenRows.filter((g) => g !== BROKEN_COPY);
  const rows = [...useful, ...(useful.length > 1 ? [ALL_GROUPS] : []), ...(useful.length < stolenRows.length ? [BROKEN_COPY] : [])];
  const groups = rows.map((group) => groupMetrics(group, judged, statistics, decisionStatistic, threshold !== undefined));
  const withBase = threshold && statistics.includes(SHARE) ? baseAware(judged, calibration) : undefined;
  return {
    statistics,
    decisionStatistic,
    ...(threshold ? { threshold, falsePositives: falsePositives(judged) } : {}),
    ...(withBase ? { baseAware: withBase.metrics } : {}),
    pValueChecks: pValueChecks(models, decisionStatistic),
    models: withBase?.models ?? judged,
    groups,
  };
}

/**
 * The base-aware decision (fingerprints/base.ts) beside the plain one: the share threshold fitted on
 * the same calibration half (its own rule, fitShare); a model the plain rule calls stolen stays
 * stolen only with its share at or below it, as in verify (judgeShare: between the threshold and 1/2
 * it is inconclusive). Rates per independent group and per stolen row.
 */
function baseAware(models: readonly JudgedModel[], calibration: readonly ModelScore[]): { metrics: BaseAwareMetrics; models: JudgedModel[] } {
  const share = fitShare(calibration.map((m) => m.values[SHARE]!));
  const judged = models.map((m) => (m.verdict === undefined ? m : { ...m, baseAwareVerdict: judgeShare(m.verdict, m.values[SHARE]!, share).verdict }));
  const rates = (of: readonly JudgedModel[], groupOf: (m: JudgedModel) => string): CalledStolen[] => distinct(of.map(groupOf)).map((group) => {
    const members = of.filter((m) => groupOf(m) === group);
    const rate = (verdict: (m: JudgedModel) => Verdict | undefined, is: Verdict) => members.filter((m) => verdict(m) === is).length / members.length;
    return { group, judged: members.length, plain: rate((m) => m.verdict, 'stolen'), baseAware: rate((m) => m.baseAwareVerdict, 'stolen'), inconclusive: rate((m) => m.baseAwareVerdict, 'inconclusive') };
  });
  const held = judged.filter((m) => m.verdict !== undefined);
  return {
    metrics: {
      share,
      falsePositives: rates(held.filter((m) => m.role === 'independent'), (m) => m.group),
      truePositives: rates(held.filter((m) => m.role === 'stolen'), rowOf),
    },
    models: judged,
  };
}

/** Per group of independent models, the share of its held-out models called stolen. */
function falsePositives(models: readonly JudgedModel[]): FalsePositives[] {
  const independent = models.filter((m) => m.role === 'independent' && m.verdict !== undefined);
  return distinct(independent.map((m) => m.group)).map((group) => {
    const judged = independent.filter((m) => m.group === group);
    return { group, judged: judged.length, fpr: judged.filter((m) => m.verdict === 'stolen').length / judged.length };
  });
}

function groupMetrics(group: string, models: readonly JudgedModel[], statistics: readonly string[], decision: string, judged: boolean): GroupMetrics {
  const positives = models.filter((m) => m.role === 'stolen' && (group === ALL_GROUPS ? !m.broken : rowOf(m) === group));
  const utility = spreadOf(positives.flatMap((m) => (m.utility === undefined ? [] : [m.utility])));
  const independent = models.filter((m) => m.role === 'independent');
  const values = (of: readonly JudgedModel[], statistic: string) => of.map((m) => m.values[statistic]!);
  const against = distinct(independent.map((m) => m.group)).map((negative): NegativeComparison => {
    const negatives = independent.filter((m) => m.group === negative);
    const per = <T>(f: (p: number[], n: number[]) => T): Record<string, T> => Object.fromEntries(statistics.map((s) => [s, f(values(positives, s), values(negatives, s))]));
    return { group: negative, count: negatives.length, auc: per(auc), aucInterval: per((p, n) => aucBootstrap(p, n)), tprAt1pct: per((p, n) => tprAtFpr(p, n, 0.01)) };
  });
  const judgedModels = [...positives, ...independent].filter((m) => m.verdict !== undefined);
  const p = values(positives, decision);
  const n = values(independent, decision);
  return {
    group,
    count: positives.length,
    ...(utility ? { utility } : {}),
    against,
    ...(judged ? { f1: f1Score(judgedModels.map((m) => m.verdict === 'stolen'), judgedModels.map((m) => m.role === 'stolen')) } : {}),
    ...optional('welch', () => welchTTest(p, n, 'less')),
    mannWhitney: mannWhitneyU(p, n, 'less'),
  };
}

/** `{ [key]: value }`, or `{}` when the test cannot be computed here (too few values, no spread). */
function optional<K extends string, T>(key: K, compute: () => T): Partial<Record<K, T>> {
  try {
    return { [key]: compute() } as Record<K, T>;
  } catch (e) {
    if (isLineageError(e)) return {};
    throw e;
  }
}

const distinct = (values: readonly string[]) => [...new Set(values)];
