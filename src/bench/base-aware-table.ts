import { SHARED_ANCESTRY_GROUPS } from '../zoo/manifest.js';
import { SHARE } from './types.js';
import type { MethodResult } from './types.js';

/**
 * With a public base (zoo manifest `base`): per SAC method, the share of each held-out independent
 * group (FPR) and of each stolen row (TPR) called stolen without and with the base-aware rule, and
 * each stolen row's AUC against the shared-ancestry groups on the decision statistic and on the share.
 * For the CLI and the HTML report alike; `num` formats the numbers.
 */
export function baseAwareTable(methods: readonly MethodResult[], num: (x: number | undefined) => string): { header: string[]; rows: string[][]; note: string } | undefined {
  const withBase = methods.filter((m) => m.baseAware);
  if (withBase.length === 0) return undefined;
  const shared = SHARED_ANCESTRY_GROUPS.filter((g) => withBase.some((m) => m.groups.some((x) => x.against.some((a) => a.group === g))));
  const header = ['method', 'models', 'rate', 'n', 'called stolen: plain', 'base-aware', 'inconclusive', ...shared.flatMap((g) => [`AUC vs ${g}: plain`, 'share'])];
  const rows = withBase.flatMap((m) => [
    ...m.baseAware!.falsePositives.map((f) => [m.method, f.group, 'FPR', String(f.judged), num(f.plain), num(f.baseAware), num(f.inconclusive), ...shared.flatMap(() => ['', ''])]),
    ...m.baseAware!.truePositives.map((t) => {
      const against = m.groups.find((g) => g.group === t.group)?.against ?? [];
      return [m.method, t.group, 'TPR', String(t.judged), num(t.plain), num(t.baseAware), num(t.inconclusive),
        ...shared.flatMap((g) => [m.decisionStatistic, SHARE].map((st) => num(against.find((a) => a.group === g)?.auc[st])))];
    }),
  ]);
  const note = withBase.map(({ method, baseAware, decisionStatistic }) => `${method}: share threshold ${num(baseAware!.share.threshold)} = ${baseAware!.share.rule} `
    + `(n = ${baseAware!.share.n}, smallest ${num(baseAware!.share.min)}); base-aware = ${decisionStatistic} at or below its threshold AND share at or below the share threshold; inconclusive = plain-close with a share between the share threshold and 0.5 (verify's verdict)`).join('\n');
  return { header, rows, note };
}
