/**
 * Students that start from a public model, judged: in the fer-real bench, the Extract-L / Extract-P
 * students that start from builtin:faceapi_expression (groups public-init-l / public-init-p, stolen)
 * against their siblings (public-sibling: the same public model, faces and recipe, trained on the
 * thief's true labels instead of the victim's answers) and the public model itself. Per method, on
 * its decision statistic (lower = "stolen"): each group's values, how many the bench called stolen
 * at its calibrated threshold, and the AUC of students against siblings — does the method see the
 * victim's answers in a student, beyond the ancestor they share?
 *
 * Reads the bench's results.json (default results/bench/fer-real.json); writes results/fer-real-public.md.
 *
 *   npx tsx bench/fer-real-public.ts [results.json ...]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelScore } from '../src/bench/types.js';
import { markdownTable, num } from '../src/cli/format.js';
import { auc } from '../src/stats/auc.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { spreadOf } from '../src/zoo/summary.js';
import { RESULTS } from './stored-results.js';

const STUDENTS = ['public-init-l', 'public-init-p'];
const SIBLINGS = 'public-sibling';
const PARENT = 'faceapi_expression';

interface MethodResult {
  readonly method: string;
  readonly decisionStatistic: string;
  readonly threshold: { readonly threshold: number };
  readonly models: readonly (ModelScore & { readonly verdict?: string })[];
}

const files = process.argv.length > 2 ? process.argv.slice(2) : [path.join(RESULTS, 'bench', 'fer-real.json')];
const methods = (await Promise.all(files.map(async (f) => (JSON.parse(await readFile(f, 'utf8')) as { methods: MethodResult[] }).methods))).flat();

const range = (values: readonly number[]): string => {
  const s = spreadOf(values);
  return s ? `${num(s.mean)} (${num(s.min)}–${num(s.max)})` : '—';
};

const rows = methods.map((m) => {
  const value = (s: ModelScore) => s.values[m.decisionStatistic]!;
  const of = (groups: readonly string[]) => m.models.filter((s) => groups.includes(s.group));
  const students = of(STUDENTS);
  const siblings = of([SIBLINGS]);
  const parent = m.models.find((s) => s.id === PARENT);
  const stolen = (scores: readonly ModelScore[]) => `${scores.filter((s) => value(s) <= m.threshold.threshold).length}/${scores.length}`;
  const separation = students.length > 0 && siblings.length > 0 ? num(auc(students.map(value), siblings.map(value))) : '—';
  return [
    m.method, m.decisionStatistic, num(m.threshold.threshold),
    ...STUDENTS.map((g) => range(of([g]).map(value))), range(siblings.map(value)), parent ? num(value(parent)) : '—',
    ...STUDENTS.map((g) => stolen(of([g]))), stolen(siblings), separation,
  ];
});

const table = markdownTable(
  ['method', 'statistic', 'threshold', ...STUDENTS.map((g) => `${g} mean (min–max)`), `${SIBLINGS} mean (min–max)`, `${PARENT} (parent)`,
    ...STUDENTS.map((g) => `${g} called stolen`), `${SIBLINGS} called stolen`, 'AUC students vs siblings'],
  rows,
);
const out = path.join(RESULTS, 'fer-real-public.md');
await writeFileAtomic(out, `# fer-real: students that start from a public model, against their siblings\n\nFrom ${files.map((f) => path.relative(process.cwd(), f)).join(', ')} (npx tsx bench/fer-real-public.ts).\n\n${table}\n`);
console.log(table);
console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
