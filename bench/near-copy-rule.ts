/**
 * The near-copy rule of `calibrate` (src/fingerprints/decision.ts nearCopies) measured on the stored
 * per-model scores of every benchmarked zoo (results/bench/<zoo>.json), without rebuilding any zoo:
 *
 * * independent models: does the rule flag any of them, in the whole set or in the worst subset?
 *   (the smallest ratio of one independent model's value to the largest other's: any set of
 *   calibration models drawn from the zoo has its median of the others at most that largest value,
 *   so a ratio ≥ NEAR_COPY_FRACTION means no subset can trip the rule);
 * * derived models: how many the rule would refuse if one were passed off as independent beside
 *   the zoo's independent models.
 *
 * Writes results/near-copy-rule.{json,md}.
 *
 *   npx tsx bench/near-copy-rule.ts
 */
import path from 'node:path';
import type { ModelScore } from '../src/bench/types.js';
import { NEAR_COPY_FRACTION, nearCopies } from '../src/fingerprints/decision.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { RESULTS, storedBenchResults } from './stored-results.js';


interface Row {
  readonly zoo: string;
  readonly method: string;
  readonly statistic: string;
  readonly independent: number;
  /** Independent models the rule flags in the zoo's whole independent set. */
  readonly independentFlagged: number;
  /** min over independent models of value / largest other independent value (≥ NEAR_COPY_FRACTION ⇒ no subset trips the rule). */
  readonly worstRatio: number;
  readonly derived: number;
  /** Derived models the rule refuses when one is added to the independent set. */
  readonly derivedFlagged: number;
  readonly flaggedGroups: Readonly<Record<string, number>>;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const { bench } of await storedBenchResults()) {
    for (const m of bench.methods) {
      const value = (x: ModelScore) => x.values[m.decisionStatistic]!;
      const independent = m.models.filter((x) => x.role === 'independent').map(value);
      const derived = m.models.filter((x) => x.role === 'stolen');
      const flagged = derived.filter((d) => nearCopies([...independent, value(d)]).includes(independent.length));
      const flaggedGroups: Record<string, number> = {};
      for (const d of flagged) flaggedGroups[d.group] = (flaggedGroups[d.group] ?? 0) + 1;
      rows.push({
        zoo: bench.zoo.name,
        method: m.method,
        statistic: m.decisionStatistic,
        independent: independent.length,
        independentFlagged: nearCopies(independent).length,
        worstRatio: Math.min(...independent.map((v, i) => v / Math.max(...independent.filter((_, j) => j !== i)))),
        derived: derived.length,
        derivedFlagged: flagged.length,
        flaggedGroups,
      });
    }
  }
  const md = [
    `# Near-copy rule (calibration model < ${NEAR_COPY_FRACTION} × median of the others) on the stored zoo scores`,
    '',
    '| zoo | method | statistic | independent | flagged | worst ratio | derived | derived flagged | flagged by group |',
    '|---|---|---|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.zoo} | ${r.method} | ${r.statistic} | ${r.independent} | ${r.independentFlagged} | ${r.worstRatio.toFixed(3)} | ${r.derived} | ${r.derivedFlagged} | `
      + `${Object.entries(r.flaggedGroups).map(([g, n]) => `${g} ${n}`).join(', ')} |`),
    '',
  ].join('\n');
  await writeFileAtomic(path.join(RESULTS, 'near-copy-rule.json'), JSON.stringify({ fraction: NEAR_COPY_FRACTION, rows }, null, 1));
  await writeFileAtomic(path.join(RESULTS, 'near-copy-rule.md'), md);
  console.log(md);
}

await main();
