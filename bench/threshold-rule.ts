/**
 * The default threshold rule, version 1 against version 2 (src/stats/threshold.ts), measured on the
 * stored per-model scores of every benchmarked zoo (results/bench/<zoo>.json, each method's decision
 * statistic), without rebuilding any zoo:
 *
 * * false positives, leave-one-out: each independent model judged at the threshold fitted on every
 *   other independent model of the zoo (the case the rule promises to keep rare);
 * * false positives, other groups (zoos with several independent groups): each independent model
 *   judged at the threshold fitted on the other groups only (a kind of model the owner did not
 *   calibrate with);
 * * stolen models caught: useful copies (above the utility floor) at or below the threshold fitted
 *   on all independent models.
 * Models sharing a public ancestor with the victim (SHARED_ANCESTRY_GROUPS) are never calibrated on,
 * as in the bench; their share called stolen at the full threshold is reported apart.
 *
 * Also: simulated log-normal panels of 3–10 models (seeded), where the false-positive rate can be read.
 *
 * Writes results/threshold-rule.{json,md}.
 *
 *   npx tsx bench/threshold-rule.ts
 */
import path from 'node:path';
import type { ModelScore } from '../src/bench/types.js';
import { quantile } from '../src/stats/describe.js';
import { fitThreshold, parseThresholdRule } from '../src/stats/threshold.js';
import { Random } from '../src/util/random.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { SHARED_ANCESTRY_GROUPS } from '../src/zoo/manifest.js';
import { RESULTS, storedBenchResults } from './stored-results.js';

/** A rule as a function of the independent distances; `fit` names the branch where the rule is Lineage's own. */
interface Rule {
  readonly name: string;
  readonly threshold: (independent: readonly number[]) => number;
  readonly branch?: (independent: readonly number[]) => string;
}

const lineageRule = (text: string): Rule => ({
  name: text,
  threshold: (d) => fitThreshold(d, parseThresholdRule(text)).threshold,
  branch: (d) => fitThreshold(d, parseThresholdRule(text)).rule,
});

/** exp(median − 3·1.4826·MAD) of ln d: a robust log-scale bound, measured here and not used (it ignores a real lower tail). */
function logMedianMad(d: readonly number[]): number {
  const logs = d.map(Math.log);
  const median = quantile(logs, 0.5);
  return Math.exp(median - 3 * 1.482602218505602 * quantile(logs.map((l) => Math.abs(l - median)), 0.5));
}

/** Both default versions, and the parts and alternatives version 2 was chosen over. */
const RULES: readonly Rule[] = [
  lineageRule('default-v1'),
  lineageRule('default-v2'),
  lineageRule('log-sigma:3'),
  { name: 'half the smallest alone', threshold: (d) => Math.min(...d) / 2 },
  { name: 'log-median − 3·MAD-sd', threshold: logMedianMad },
];

interface Count {
  readonly hits: number;
  readonly of: number;
}
interface Row {
  readonly zoo: string;
  readonly method: string;
  readonly statistic: string;
  readonly rule: string;
  /** Threshold fitted on all (non-shared-ancestry) independent models, and the branch it took (Lineage's rules). */
  readonly threshold: number;
  readonly fitted?: string;
  readonly leaveOneOut: Count;
  readonly otherGroups?: Count;
  readonly stolen: Count;
  readonly sharedAncestry?: Count;
}

/** How many of `judged` fall at or below the threshold fitted on `calibrationOf(each)` (skipped below 2 models). */
function falsePositives(judged: readonly number[], calibrationOf: (i: number) => number[], rule: Rule): Count {
  let hits = 0;
  let of = 0;
  judged.forEach((value, i) => {
    const calibration = calibrationOf(i);
    if (calibration.length < 2) return;
    of++;
    if (value <= rule.threshold(calibration)) hits++;
  });
  return { hits, of };
}

const SEED = 1;
const TRIALS = 20_000;

/**
 * Panels of n independent models with ln d ~ N(0, σ²) and one more such model: how often each rule,
 * fitted on the panel, calls that model stolen (the false-positive rate the zoos are too small to show).
 */
function simulate(): { sigma: number; n: number; rates: number[] }[] {
  const random = new Random(SEED);
  const draw = (sigma: number) => Math.exp(sigma * random.gaussian());
  return [0.1, 0.3, 0.5, 1].flatMap((sigma) => [3, 4, 5, 10].map((n) => {
    const hits = RULES.map(() => 0);
    for (let t = 0; t < TRIALS; t++) {
      const panel = Array.from({ length: n }, () => draw(sigma));
      const next = draw(sigma);
      RULES.forEach((rule, i) => {
        if (next <= rule.threshold(panel)) hits[i]!++;
      });
    }
    return { sigma, n, rates: hits.map((h) => h / TRIALS) };
  }));
}

async function main(): Promise<void> {
  const stored = await storedBenchResults();
  const rows: Row[] = [];
  for (const { bench } of stored) {
    for (const m of bench.methods) {
      const value = (x: ModelScore) => x.values[m.decisionStatistic]!;
      const shared = (x: ModelScore) => SHARED_ANCESTRY_GROUPS.includes(x.group);
      const independent = m.models.filter((x) => x.role === 'independent' && !shared(x));
      const values = independent.map(value);
      const stolen = m.models.filter((x) => x.role === 'stolen' && !x.broken).map(value);
      const siblings = m.models.filter((x) => x.role === 'independent' && shared(x)).map(value);
      const groups = new Set(independent.map((x) => x.group));
      for (const rule of RULES) {
        const threshold = rule.threshold(values);
        const caught = (of: number[]) => ({ hits: of.filter((v) => v <= threshold).length, of: of.length });
        rows.push({
          zoo: bench.zoo.name,
          method: m.method,
          statistic: m.decisionStatistic,
          rule: rule.name,
          threshold,
          ...(rule.branch ? { fitted: rule.branch(values) } : {}),
          leaveOneOut: falsePositives(values, (i) => values.filter((_, j) => j !== i), rule),
          ...(groups.size > 1 ? { otherGroups: falsePositives(values, (i) => values.filter((_, j) => independent[j]!.group !== independent[i]!.group), rule) } : {}),
          stolen: caught(stolen),
          ...(siblings.length > 0 ? { sharedAncestry: caught(siblings) } : {}),
        });
      }
    }
  }
  const simulated = simulate();
  const count = (c: Count | undefined) => (c ? `${c.hits}/${c.of}` : '—');
  const total = (rule: Rule, of: (r: Row) => Count | undefined): Count => rows.filter((r) => r.rule === rule.name).map(of)
    .reduce<Count>((a, c) => ({ hits: a.hits + (c?.hits ?? 0), of: a.of + (c?.of ?? 0) }), { hits: 0, of: 0 });
  const pct = (c: Count) => `${c.hits}/${c.of} (${(100 * c.hits / c.of).toFixed(1)} %)`;
  const md = [
    '# Default threshold rule: version 1 vs version 2 on the stored zoo scores',
    '',
    'Independent models called stolen (false positives) leave-one-out and calibrated on the other independent groups only; '
      + 'useful stolen copies caught at the threshold fitted on all independent models; shared-ancestry models (siblings, public parent) called stolen.',
    '',
    '| rule | FP leave-one-out | FP other groups | stolen caught | shared ancestry called stolen |',
    '|---|---:|---:|---:|---:|',
    ...RULES.map((rule) => `| ${rule.name} | ${pct(total(rule, (r) => r.leaveOneOut))} | ${pct(total(rule, (r) => r.otherGroups))} | `
      + `${pct(total(rule, (r) => r.stolen))} | ${pct(total(rule, (r) => r.sharedAncestry))} |`),
    '',
    `Simulated log-normal panels (seed ${SEED}, ${TRIALS} panels per cell): share of one more independent model called stolen.`,
    '',
    `| σ of ln d | n | ${RULES.map((r) => r.name).join(' | ')} |`,
    `|---:|---:|${RULES.map(() => '---:').join('|')}|`,
    ...simulated.map((c) => `| ${c.sigma} | ${c.n} | ${c.rates.map((r) => `${(100 * r).toFixed(2)} %`).join(' | ')} |`),
    '',
    '| zoo | method | statistic | rule | threshold (branch) | FP leave-one-out | FP other groups | stolen caught | shared ancestry |',
    '|---|---|---|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.zoo} | ${r.method} | ${r.statistic} | ${r.rule} | ${r.threshold.toPrecision(4)}${r.fitted ? ` (${r.fitted})` : ''} | ${count(r.leaveOneOut)} | `
      + `${count(r.otherGroups)} | ${count(r.stolen)} | ${count(r.sharedAncestry)} |`),
    '',
  ].join('\n');
  await writeFileAtomic(path.join(RESULTS, 'threshold-rule.json'), JSON.stringify({ createdAt: new Date().toISOString(), files: stored.map((s) => s.file), rows, simulated }, null, 1));
  await writeFileAtomic(path.join(RESULTS, 'threshold-rule.md'), md);
  console.log(md);
}

await main();
