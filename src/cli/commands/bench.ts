import { join } from 'node:path';
import { Command, Option } from 'commander';
import { LineageError } from '../../errors.js';
import { DEFAULT_BENCH_SETTINGS, parseMethods } from '../../bench/settings.js';
import { DEFENCES } from '../../models/defences/parse.js';
import { P_VALUE_CHECK_NOTE, pValueCheckTable } from '../../bench/p-values.js';
import { baseAwareTable } from '../../bench/base-aware-table.js';
import type { MethodResult, NegativeComparison, RuleRates } from '../../bench/types.js';
import { FINGERPRINT_METHODS, STATISTICS } from '../../fingerprints/types.js';
import type { Statistic } from '../../fingerprints/types.js';
import { markdownTable, num, table } from '../format.js';
import { intOption, seedOption } from '../parse.js';
import { ProgressBars } from '../progress.js';

export function benchCommand(): Command {
  return new Command('bench')
    .description('benchmark fingerprinting methods on a model zoo: AUC, TPR at 1 % FPR, F1, p-values and cost per method and attack group')
    .argument('<zoo>', 'zoo folder (made by `lineage zoo`)')
    .option('--methods <list>', `comma-separated methods (${FINGERPRINT_METHODS.join(', ')}), or all; a white-box peer method is skipped, with a warning, unless the victim is a TF.js model`, DEFAULT_BENCH_SETTINGS.methods.join(','))
    .option('--samples <n>', 'fingerprint size N: SAC samples, peer seeds (DeepCore: ⌈N / classes⌉ seeds, about N core points)', String(DEFAULT_BENCH_SETTINGS.samples))
    .option('--seed <n>', 'seed of the samples and of the calibration/test split', String(DEFAULT_BENCH_SETTINGS.seed))
    .addOption(new Option('--statistic <name>', 'SAC statistic of the threshold, F1 and p-values (AUCs are given for both; peer methods decide on their first statistic)').choices(STATISTICS).default(DEFAULT_BENCH_SETTINGS.statistic))
    .option('--sweep <param=values>', `vary one parameter: samples=25,50,100 | severity=1,2,3,4,5 | kernel=cosine,half-cosine,rbf | output=raw,label (all but samples are SAC parameters: peer methods keep one fingerprint across such a sweep) | defence=none,topk=1,round=2,jpeg=75+round=2 (every zoo model answers through each suspect-side defence, steps of one value joined by +; keys: ${Object.keys(DEFENCES).join(', ')}, see lineage serve --help)`)
    .option('--out <dir>', 'where results.json and report.html (or sweep.json) go', 'lineage-bench')
    .option('--queue <redis-url>', 'make the fingerprints and check the zoo models as jobs on `lineage worker` processes through Redis, e.g. redis://127.0.0.1:6379 (the zoo folder must be readable by the workers at the same path); same results as a local run')
    .option('--store <url>', 'with --queue: artefact store the fingerprints go through (a folder the workers share, or s3://bucket/prefix?endpoint=…); default <out>/store')
    .option('--json', 'print the summary as JSON')
    .option('--markdown', 'print the tables as Markdown')
    .action(async (zoo: string, flags) => {
      const tabulate = flags.markdown ? markdownTable : table;
      const settings = {
        methods: parseMethods(flags.methods),
        samples: intOption(flags.samples, '--samples'),
        seed: seedOption(flags.seed),
        statistic: flags.statistic as Statistic,
      };
      const bars = new ProgressBars();
      if (flags.store && !flags.queue) throw new LineageError('--store needs --queue', 'add --queue redis://host:port, or drop --store');
      // Loaded here, not at the top: they pull in TF.js and ONNX Runtime, which `lineage --help` does not need.
      const scorer = flags.queue
        ? await (await import('../../queue/bench-jobs.js')).queueScorer({ queue: flags.queue, store: flags.store ?? join(flags.out, 'store') })
        : undefined;
      if (flags.sweep) {
        const { parseSweep, runSweep, writeSweep } = await import('../../bench/sweep.js');
        const sweep = parseSweep(flags.sweep);
        const result = await runSweep(zoo, sweep, { ...settings, onProgress: bars.report, ...(scorer ? { scorer } : {}) });
        bars.stop();
        const path = await writeSweep(flags.out, result);
        result.warnings.forEach((w) => console.error(`warning: ${w}`));
        if (flags.json) return console.log(JSON.stringify({ ...result, points: result.points.map((p) => ({ ...p, methods: p.methods.map(summaryOf) })), file: path }, null, 2));
        const methods = result.points.flatMap((p) => p.methods);
        const negatives = negativeGroups(methods);
        const rows = result.points.flatMap((p) => [
          ...aucRows(p.methods, negatives).map((row) => [`${result.key}=${p.value}`, ...row]),
          ...p.notApplicable.map((n) => [`${result.key}=${p.value}`, n.method, 'not applicable', '', '', ...negatives.map(() => 'n/a')]),
        ]);
        console.log(tabulate(['setting', ...aucHeader(negatives)], rows));
        for (const p of result.points) for (const n of p.notApplicable) console.log(`${result.key}=${p.value}, ${n.method}: ${n.reason}`);
        console.log(`\n${num(result.wallSeconds)} s; written to ${path}`);
        return;
      }
      const { runBench, writeBench } = await import('../../bench/bench.js');
      const run = await runBench(zoo, { ...settings, onProgress: bars.report, ...(scorer ? { scorer } : {}) });
      bars.stop();
      const paths = await writeBench(flags.out, run);
      const r = run.result;
      r.warnings.forEach((w) => console.error(`warning: ${w}`));
      // As `scan`: the results are written, but the bench is not whole.
      if (r.failed) process.exitCode = 1;
      if (flags.json) return console.log(JSON.stringify({ ...r, methods: r.methods.map(summaryOf), files: paths }, null, 2));
      const negatives = negativeGroups(r.methods);
      console.log(tabulate([...aucHeader(negatives), ...negatives.map((g) => `TPR@1% ${g}`), 'F1', 'p (Welch)', 'p (M-W)', 'utility mean (min–max)'], metricsRows(r.methods, negatives)));
      const checks = pValueCheckTable(r.methods);
      console.log(`\n${tabulate(checks.header, checks.rows)}\n${P_VALUE_CHECK_NOTE}`);
      console.log('');
      for (const m of r.methods) console.log(costLine(m));
      const base = baseAwareTable(r.methods, num);
      if (base) console.log(`\n${tabulate(base.header, base.rows)}\n${base.note}`);
      console.log(`\nN = ${r.settings.samples}, seed ${r.settings.seed}, SAC decisions on ${r.settings.statistic}; ${num(r.wallSeconds)} s. Written: ${paths.results}, ${paths.report}`);
      if (r.failed) console.log(`Not checked (left out of every method): ${r.failed.map((f) => `${f.id} (${f.error})`).join('; ')}`);
    });
}

/** A method's result without the per-model rows. */
function summaryOf({ models: _models, ...rest }: MethodResult) {
  return rest;
}

const negativeGroups = (methods: readonly MethodResult[]) => [...new Set(methods.flatMap((m) => m.groups.flatMap((g) => g.against.map((a) => a.group))))];

function aucHeader(negatives: readonly string[]): string[] {
  return ['method', 'statistic', 'group', 'n', ...negatives.map((g) => `AUC ${g} [95 % CI]`)];
}

/** One row per method × attack group, on the method's decision statistic. */
function aucRows(methods: readonly MethodResult[], negatives: readonly string[]): string[][] {
  return methods.flatMap((m) => m.groups.map((g) => [
    m.method, m.decisionStatistic, g.group, String(g.count),
    ...negatives.map((neg) => aucCell(g.against.find((x) => x.group === neg), m.decisionStatistic)),
  ]));
}

/** AUC with its bootstrap interval over models, e.g. `0.94 [0.8–1]`. */
function aucCell(a: NegativeComparison | undefined, statistic: string): string {
  const i = a?.aucInterval?.[statistic];
  return `${num(a?.auc[statistic])}${i ? ` [${num(i.lower)}–${num(i.upper)}]` : ''}`;
}

function metricsRows(methods: readonly MethodResult[], negatives: readonly string[]): string[][] {
  const auc = aucRows(methods, negatives);
  return methods.flatMap((m) => m.groups.map((g) => [g, m] as const)).map(([g, m], k) => [
    ...auc[k]!,
    ...negatives.map((neg) => num(g.against.find((x) => x.group === neg)?.tprAt1pct[m.decisionStatistic])),
    num(g.f1?.f1), num(g.welch?.p), num(g.mannWhitney.p),
    g.utility ? `${num(g.utility.mean)} (${num(g.utility.min)}–${num(g.utility.max)})` : 'unmeasured',
  ]);
}

function costLine(m: MethodResult): string {
  const threshold = m.threshold ? `threshold ${num(m.threshold.threshold)} (${m.threshold.rule}, n = ${m.threshold.n})` : 'no threshold (fewer than 2 independent models)';
  const fpr = m.falsePositives?.map((f) => `${f.group} ${num(f.fpr)} (${f.judged} judged)`).join(', ');
  const cost = `${m.method}: fingerprint ${num(m.fingerprint.seconds)} s, ${m.fingerprint.victimQueries} victim queries to build; ${m.queriesPerVerification} queries per verification; ${threshold}${fpr ? `; FPR at it: ${fpr}` : ''}`;
  if (!m.identification) return cost;
  const { clustering, similarity } = m.identification;
  return `${cost}\n  MIR / FIR: clustering ${rates(clustering)}${similarity ? `; similarity at the threshold ${rates(similarity)}` : ''}`;
}

const rates = (r: RuleRates) => `${num(r.overall.missed)} / ${num(r.overall.falseIdentification)}${r.homologous ? ` (homologous FIR ${num(r.homologous.falseIdentification)})` : ''}`;
