import { Command, Option } from 'commander';
import { runBench, writeBench } from '../../bench/bench.js';
import { DEFAULT_BENCH_SETTINGS } from '../../bench/evaluate.js';
import { parseSweep, runSweep, writeSweep } from '../../bench/sweep.js';
import type { MethodResult } from '../../bench/types.js';
import { LineageError } from '../../errors.js';
import { SAC_METHODS, STATISTICS } from '../../fingerprints/types.js';
import type { SacMethodName, Statistic } from '../../fingerprints/types.js';
import { num, table } from '../format.js';
import { intOption } from '../parse.js';
import { ProgressBars } from '../progress.js';

export function benchCommand(): Command {
  return new Command('bench')
    .description('benchmark fingerprinting methods on a model zoo: AUC, TPR at 1 % FPR, F1 and p-values per attack group')
    .argument('<zoo>', 'zoo folder (made by `lineage zoo`)')
    .option('--methods <list>', `comma-separated methods (${SAC_METHODS.join(', ')})`, DEFAULT_BENCH_SETTINGS.methods.join(','))
    .option('--samples <n>', 'fingerprint samples N', String(DEFAULT_BENCH_SETTINGS.samples))
    .option('--seed <n>', 'seed of the samples and of the calibration/test split', String(DEFAULT_BENCH_SETTINGS.seed))
    .addOption(new Option('--statistic <name>', 'statistic of the threshold, F1 and p-values (AUCs are given for both)').choices(STATISTICS).default(DEFAULT_BENCH_SETTINGS.statistic))
    .option('--sweep <param=values>', 'vary one parameter: samples=25,50,100 | severity=1,2,3,4,5 | kernel=cosine,half-cosine,rbf | output=raw,label')
    .option('--out <dir>', 'where results.json and report.html (or sweep.json) go', 'lineage-bench')
    .option('--json', 'print the summary as JSON')
    .action(async (zoo: string, flags) => {
      const settings = {
        methods: parseMethods(flags.methods),
        samples: intOption(flags.samples, '--samples'),
        seed: intOption(flags.seed, '--seed'),
        statistic: flags.statistic as Statistic,
      };
      const bars = new ProgressBars();
      if (flags.sweep) {
        const sweep = parseSweep(flags.sweep);
        const result = await runSweep(zoo, sweep, { ...settings, onProgress: bars.report });
        bars.stop();
        const path = await writeSweep(flags.out, result);
        result.warnings.forEach((w) => console.error(`warning: ${w}`));
        if (flags.json) return console.log(JSON.stringify({ ...result, points: result.points.map((p) => ({ ...p, methods: p.methods.map(summaryOf) })), file: path }, null, 2));
        const rows = result.points.flatMap((p) => aucRows(p.methods).map((row) => [`${result.key}=${p.value}`, ...row]));
        console.log(table(['setting', ...aucHeader(result.points[0]!.methods)], rows));
        console.log(`\n${num(result.wallSeconds)} s; written to ${path}`);
        return;
      }
      const run = await runBench(zoo, { ...settings, onProgress: bars.report });
      bars.stop();
      const paths = await writeBench(flags.out, run);
      const r = run.result;
      r.warnings.forEach((w) => console.error(`warning: ${w}`));
      if (flags.json) return console.log(JSON.stringify({ ...r, methods: r.methods.map(summaryOf), files: paths }, null, 2));
      console.log(table(metricsHeader(r.methods), metricsRows(r.methods)));
      console.log('');
      for (const m of r.methods) {
        const threshold = m.threshold ? `threshold ${num(m.threshold.threshold)} (${m.threshold.rule}, n = ${m.threshold.n})` : 'no threshold (fewer than 2 independent models)';
        console.log(`${m.method}: fingerprint ${num(m.fingerprint.seconds)} s, ${m.fingerprint.victimQueries} victim queries; ${m.queriesPerVerification} queries per verification; ${threshold}`);
      }
      console.log(`\nN = ${r.settings.samples}, seed ${r.settings.seed}, decisions on ${r.settings.statistic}; ${num(r.wallSeconds)} s. Written: ${paths.results}, ${paths.report}`);
    });
}

function parseMethods(text: string): SacMethodName[] {
  const methods = text.split(',').map((m) => m.trim());
  const unknown = methods.filter((m) => !(SAC_METHODS as readonly string[]).includes(m));
  if (methods.length === 0 || unknown.length > 0) {
    throw new LineageError(`unknown method${unknown.length === 1 ? '' : 's'} in --methods: ${unknown.join(', ') || '(none given)'}`, `use a comma-separated list of ${SAC_METHODS.join(', ')}`);
  }
  return [...new Set(methods)] as SacMethodName[];
}

/** A method's result without the per-model rows. */
function summaryOf({ models: _models, ...rest }: MethodResult) {
  return rest;
}

const negativeGroups = (methods: readonly MethodResult[]) => methods[0]?.groups[0]?.against.map((a) => a.group) ?? [];

function aucHeader(methods: readonly MethodResult[]): string[] {
  return ['method', 'group', 'n', ...negativeGroups(methods).flatMap((g) => [`AUC ${g} (pearson)`, `AUC ${g} (distance)`])];
}

function aucRows(methods: readonly MethodResult[]): string[][] {
  const negatives = negativeGroups(methods);
  return methods.flatMap((m) => m.groups.map((g) => [
    m.method, g.group, String(g.count),
    ...negatives.flatMap((neg) => {
      const a = g.against.find((x) => x.group === neg);
      return [num(a?.auc.pearson), num(a?.auc.distance)];
    }),
  ]));
}

function metricsHeader(methods: readonly MethodResult[]): string[] {
  return [...aucHeader(methods), ...negativeGroups(methods).map((g) => `TPR@1% ${g}`), 'F1', 'p (Welch)', 'p (M-W)'];
}

function metricsRows(methods: readonly MethodResult[]): string[][] {
  const negatives = negativeGroups(methods);
  const auc = aucRows(methods);
  return methods.flatMap((m) => m.groups).map((g, k) => {
    const statistic = methods.find((m) => m.groups.includes(g))!.statistic;
    return [
      ...auc[k]!,
      ...negatives.map((neg) => num(g.against.find((x) => x.group === neg)?.tprAt1pct[statistic])),
      num(g.f1?.f1), num(g.welch?.p), num(g.mannWhitney.p),
    ];
  });
}
