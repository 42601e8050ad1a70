import { Command } from 'commander';
import type { AnyFingerprint, AnySuspectResult, PeerSuspectResult, SuspectFailure, SuspectResult } from '../../fingerprints/types.js';
import { num, table } from '../format.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';

export function verifyCommand(): Command {
  return addModelOptions(
    new Command('verify')
      .description('query suspects on the fingerprint inputs and decide: stolen, independent or inconclusive (degenerate outputs; no calibration); '
        + 'a suspect that cannot be judged gets the row error, the others are still judged, and the exit code is 2')
      .argument('<bundle>', 'fingerprint bundle (calibrated for verdicts)')
      .argument('<suspects...>', 'suspect models: files, directories, builtin:<name> or http(s) URLs')
      .option('--report <file.html>', 'also write an HTML report (peer bundles: the scores, without correlation heatmaps)')
      .option('--json', 'print JSON'),
  ).action(async (bundle: string, suspects: string[], flags) => {
    const [{ loadFingerprint }, { verify }, { writeVerifyReport }, { ProgressBars }] = await Promise.all([
      import('../../fingerprints/bundle.js'),
      import('../../fingerprints/verify.js'),
      import('../../report/from-verification.js'),
      import('../progress.js'),
    ]);
    const fp = await loadFingerprint(bundle);
    const near = fp.calibration?.nearCopies ?? [];
    if (near.length > 0) console.error(`warning: this bundle was calibrated with near-copies of the victim kept on purpose (${near.join(', ')}): its threshold is lower than independent models justify, so copies may pass as independent`);
    const bars = new ProgressBars();
    const results = await verify(fp, suspects, { model: modelOptionsFrom(flags), onProgress: bars.report });
    bars.stop();
    const failed = results.filter((r): r is SuspectFailure => r.verdict === 'error');
    // Every suspect has its row; with none judged there is nothing to report but the errors.
    const judged = failed.length < results.length;
    if (flags.report && judged) await writeVerifyReport(flags.report, fp, results);
    if (flags.json) console.log(JSON.stringify(results.map(withoutMatrix), null, 2));
    else if (judged) {
      console.log(resultTable(fp, results));
      for (const r of results) if (r.verdict === 'inconclusive' && r.reason) console.log(`inconclusive: ${r.source}: ${r.reason}`);
      if (!fp.calibration) console.error('\nnote: the bundle is not calibrated, so no verdict can be given; run `lineage calibrate` with independent models first');
      if (flags.report) console.log(`\nreport written to ${flags.report}`);
    }
    for (const f of failed) {
      console.error(`error: ${f.error}`);
      if (f.hint) console.error(`fix: ${f.hint}`);
    }
    if (failed.length > 0) process.exitCode = 2;
  });
}

/** A result as JSON shows it: the SAC suspect matrix (N×N numbers, for reports) left out. */
function withoutMatrix(r: AnySuspectResult | SuspectFailure): Omit<SuspectResult, 'matrix'> | PeerSuspectResult | SuspectFailure {
  if (!('matrix' in r)) return r;
  const { matrix: _matrix, ...rest } = r;
  return rest;
}

/**
 * One row per suspect: its scores (SAC: both statistics; peers: every score of the method, then the
 * decision statistic when it is not one of them, e.g. 1 − matching rate), threshold, p-values, verdict.
 */
function resultTable(fp: AnyFingerprint, results: readonly (AnySuspectResult | SuspectFailure)[]): string {
  const peer = results.find((r): r is PeerSuspectResult => 'scores' in r);
  const peerNames = peer?.scores.map((s) => s.name);
  const decisionColumn = peer && !peer.scores.some((s) => s.name === peer.statistic) ? peer.statistic : undefined;
  const scoreColumns = peerNames ? [...peerNames, ...(decisionColumn ? [decisionColumn] : [])] : ['distance', 'pearson'];
  const scoreCells = (r: AnySuspectResult) => ('scores' in r
    ? [...r.scores.map((s) => num(s.value)), ...(decisionColumn ? [num(r.value)] : [])]
    : [num(r.distance), num(r.pearsonDistance)]);
  return table(
    ['suspect', ...scoreColumns, `threshold (${fp.calibration?.statistic ?? 'none'})`, 'p (t-test)', 'p (rank)', 'verdict', 'queries'],
    results.map((r) => (r.verdict === 'error'
      ? [r.source, ...scoreColumns.map(() => num(undefined)), num(undefined), num(undefined), num(undefined), 'error', '—']
      : [r.source, ...scoreCells(r), num(r.threshold), num(r.pValue?.t), num(r.pValue?.rank), r.verdict, String(r.queries)])),
  );
}
