import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { errorMessage, LineageError } from '../../errors.js';
import { num, table } from '../format.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';

export function scanCommand(): Command {
  return addModelOptions(
    new Command('scan')
      .description('check many suspects against many fingerprint bundles; writes results.csv, results.json and report.html (the hits)')
      .requiredOption('--bundles <dir>', 'folder of .lineage bundles (calibrated for verdicts)')
      .requiredOption('--suspects <file|dir>', 'text file with one model per line (path, builtin:<name> or http(s) URL), or a folder of models')
      .requiredOption('--out <dir>', 'folder for results.csv, results.json and report.html')
      .option('--queue <redis-url>', 'run one job per suspect on `lineage worker` processes through Redis, e.g. redis://127.0.0.1:6379')
      .option('--store <url>', 'with --queue: artefact store the workers fetch the bundles from (a shared folder, or s3://bucket/prefix?endpoint=…); default <out>/store'),
  ).action(async (flags) => {
    const [{ distinctSampleSets, listSuspects, loadScanBundles, scanSuspect }, { renderScanReport, scanCsv }, { writeFileAtomic }] = await Promise.all([
      import('../../fingerprints/scan.js'),
      import('../../report/scan-report.js'),
      import('../../util/atomic-write.js'),
    ]);
    const bundles = await loadScanBundles(flags.bundles);
    const suspects = await listSuspects(flags.suspects);
    const model = modelOptionsFrom(flags);
    await mkdir(flags.out, { recursive: true }).catch((e: unknown) => {
      throw new LineageError(`cannot create the output folder ${flags.out}: ${errorMessage(e)}`, 'choose a writable --out folder');
    });
    const began = performance.now();
    const progress = (done: number) => console.error(`scanned ${done}/${suspects.length} suspects`);
    let scans;
    if (flags.queue) {
      const { queueScan } = await import('../../queue/scan-jobs.js');
      let done = 0;
      scans = await queueScan({ queue: flags.queue, store: flags.store ?? path.join(flags.out, 'store'), bundlesDir: flags.bundles, bundles, suspects, model, onSuspect: () => progress(++done) });
    } else {
      scans = [];
      for (const suspect of suspects) {
        scans.push(await scanSuspect(suspect, bundles, model));
        progress(scans.length);
      }
    }
    const seconds = (performance.now() - began) / 1000;
    const rows = scans.flatMap((s) => s.rows);
    const summary = { bundles: bundles.length, sampleSets: distinctSampleSets(bundles), scans, seconds };
    await writeFileAtomic(path.join(flags.out, 'results.csv'), scanCsv(rows));
    await writeFileAtomic(path.join(flags.out, 'results.json'), JSON.stringify({ ...summary, rows, scans: scans.map(({ rows: _rows, ...s }) => s) }, null, 2));
    await writeFileAtomic(path.join(flags.out, 'report.html'), renderScanReport(summary));
    const hits = rows.filter((r) => r.verdict === 'stolen');
    if (hits.length > 0) console.log(table(['suspect', 'bundle', 'method', 'statistic', 'value', 'threshold', 'verdict'], hits.map((r) => [r.suspect, r.bundle, r.method, r.statistic ?? '—', num(r.value), num(r.threshold), r.verdict])));
    const errors = rows.filter((r) => r.verdict === 'error').length;
    console.log(`${suspects.length} suspects × ${bundles.length} bundles in ${seconds.toFixed(1)} s: ${hits.length} hits, ${errors} not judged; results in ${flags.out}`);
    if (errors > 0) process.exitCode = 1;
  });
}
