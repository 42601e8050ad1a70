/**
 * Are verify's p-values calibrated? Measured on the stored per-model scores of every benchmarked
 * zoo (results/bench/<zoo>.json, the bench's own decision statistic of each method), without
 * rebuilding any zoo: each independent model is judged against a calibration without it
 * (src/bench/p-values.ts pValueChecks: leave-one-out, and the other independent groups only), and
 * the share with p < 0.05 and p < 0.01 is its realised false-positive rate.
 * "Before" is the t-test, the p-value verify printed first until now; "after" is the conformal rank
 * p-value, now the headline one. Also: the share of stolen models whose rank p-value reaches the
 * floor 1/(K + 1) against all independent models (what the rank p-value costs in power).
 *
 * Writes results/p-values.{json,md}.
 *
 *   npx tsx bench/p-values.ts [results/bench/extra.json ...]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pValueCheckTable, pValueChecks } from '../src/bench/p-values.js';
import type { ModelScore, PValueCheck } from '../src/bench/types.js';
import { rankPValue } from '../src/stats/tests.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';

interface BenchFile {
  readonly zoo: { readonly name: string };
  readonly methods: readonly { readonly method: string; readonly decisionStatistic: string; readonly models: readonly ModelScore[] }[];
}

interface Row extends PValueCheck {
  readonly zoo: string;
  readonly method: string;
  readonly statistic: string;
}

const dir = 'results/bench';
const extra = process.argv.slice(2);
const files = [...(await readdir(dir)).filter((f) => f.endsWith('.json') && !f.includes('-sweep-') && !f.includes('manifest')).map((f) => path.join(dir, f)), ...extra];
const rows: Row[] = [];
const power: { zoo: string; method: string; stolen: number; atFloor: number; floor: number }[] = [];
for (const file of files) {
  const bench = JSON.parse(await readFile(file, 'utf8')) as BenchFile;
  for (const m of bench.methods) {
    rows.push(...pValueChecks(m.models, m.decisionStatistic).map((c) => ({ zoo: bench.zoo.name, method: m.method, statistic: m.decisionStatistic, ...c })));
    const negatives = m.models.filter((x) => x.role === 'independent').map((x) => x.values[m.decisionStatistic]!);
    const stolen = m.models.filter((x) => x.role === 'stolen').map((x) => rankPValue(x.values[m.decisionStatistic]!, negatives));
    const floor = 1 / (negatives.length + 1);
    power.push({ zoo: bench.zoo.name, method: m.method, stolen: stolen.length, atFloor: stolen.filter((p) => p <= floor).length, floor });
  }
}

const { header } = pValueCheckTable([]);
const lines = [
  `| zoo | ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|---|`,
  ...rows.map((r) => `| ${r.zoo} | ${pValueCheckTable([{ method: r.method, pValueChecks: [r] }]).rows[0]!.join(' | ')} |`),
  '',
  '| zoo | method | stolen models | rank p at the floor 1/(K+1) | floor |',
  '|---|---|---|---|---|',
  ...power.map((p) => `| ${p.zoo} | ${p.method} | ${p.stolen} | ${p.atFloor} | ${p.floor.toFixed(3)} |`),
];
await writeFileAtomic('results/p-values.json', JSON.stringify({ createdAt: new Date().toISOString(), files, rows, power }, null, 2));
await writeFileAtomic('results/p-values.md', `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
