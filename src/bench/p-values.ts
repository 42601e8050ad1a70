import { rankPValue, singleVsGroupTTest } from '../stats/tests.js';
import type { ModelScore, PValueCheck, RealisedRates } from './types.js';

/** The nominal levels a p-value's realised false-positive rate is measured at. */
export const NOMINAL_LEVELS = [0.05, 0.01] as const;

/**
 * How often independent models get a small p-value (the realised false-positive rate beside the
 * nominal one). Each independent model is judged against a calibration without it:
 * * `leave-one-out`: every other independent model of the zoo (the null the p-values assume: the
 *   suspect is one more model like the calibration ones);
 * * `other groups` (zoos with several independent groups, e.g. irrelevant and homologous): only the
 *   models of the other groups — an owner who calibrates on unrelated models and then meets a
 *   related-but-independent one (a sibling, the public base).
 * One row per held-out group and calibration. A t-test that cannot be computed (no spread) is not counted.
 */
export function pValueChecks(models: readonly ModelScore[], decisionStatistic: string): PValueCheck[] {
  const independent = models.filter((m) => m.role === 'independent');
  const score = (m: ModelScore) => m.values[decisionStatistic]!;
  const groups = [...new Set(independent.map((m) => m.group))];
  const plans = [
    { calibration: 'leave-one-out' as const, others: (m: ModelScore) => independent.filter((o) => o !== m) },
    ...(groups.length > 1 ? [{ calibration: 'other groups' as const, others: (m: ModelScore) => independent.filter((o) => o.group !== m.group) }] : []),
  ];
  return plans.flatMap(({ calibration, others }) => groups.flatMap((group) => {
    const judged = independent.filter((m) => m.group === group).map((m) => ({ m, cal: others(m).map(score) })).filter((x) => x.cal.length >= 2);
    if (judged.length === 0) return [];
    const rank = judged.map(({ m, cal }) => rankPValue(score(m), cal));
    const t = judged.flatMap(({ m, cal }) => (cal.some((v) => v !== cal[0]) ? [singleVsGroupTTest(score(m), cal).p] : []));
    const sizes = judged.map((x) => x.cal.length);
    return [{
      group,
      calibration,
      judged: judged.length,
      calibrationModels: { min: Math.min(...sizes), max: Math.max(...sizes) },
      rank: realised(rank),
      ...(t.length > 0 ? { t: realised(t) } : {}),
    }];
  }));
}

/** Share of p-values below each nominal level, and the smallest. */
function realised(p: readonly number[]): PValueCheck['rank'] {
  return { below: NOMINAL_LEVELS.map((level) => ({ level, rate: p.filter((v) => v < level).length / p.length })), min: Math.min(...p) };
}

/** Header and rows of the realised-vs-nominal table, for the CLI and the HTML report alike. */
export function pValueCheckTable(methods: readonly { readonly method: string; readonly pValueChecks?: readonly PValueCheck[] }[]): { header: string[]; rows: string[][] } {
  const rate = (r: RealisedRates | undefined, level: number) => (r ? `${(100 * r.below.find((b) => b.level === level)!.rate).toFixed(0)} %` : '—');
  const header = ['method', 'independent group', 'calibrated on', 'judged', 'K',
    ...NOMINAL_LEVELS.map((l) => `p (t) < ${l}`), ...NOMINAL_LEVELS.map((l) => `p (rank) < ${l}`)];
  const rows = methods.flatMap((m) => (m.pValueChecks ?? []).map((c) => [
    m.method, c.group, c.calibration, String(c.judged),
    c.calibrationModels.min === c.calibrationModels.max ? String(c.calibrationModels.min) : `${c.calibrationModels.min}–${c.calibrationModels.max}`,
    ...NOMINAL_LEVELS.map((l) => rate(c.t, l)), ...NOMINAL_LEVELS.map((l) => rate(c.rank, l)),
  ]));
  return { header, rows };
}

/** What the table shows, in one sentence. */
export const P_VALUE_CHECK_NOTE = 'Realised false-positive rate of each p-value beside its nominal level: each independent model judged against a calibration without it '
  + '(leave-one-out: every other independent model; other groups: only the other groups\' models, as when a related-but-independent model meets a calibration of unrelated ones).';
