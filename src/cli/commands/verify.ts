import { Command } from 'commander';
import { LineageError } from '../../errors.js';
import type { AnyFingerprint, AnySuspectResult, PeerSuspectResult, SuspectFailure, SuspectResult } from '../../fingerprints/types.js';
import type { Interval } from '../../stats/bootstrap.js';
import { P_VALUE_NULLS } from '../../stats/tests.js';
import { num, table } from '../format.js';
import { intOption } from '../parse.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';

export function verifyCommand(): Command {
  return addModelOptions(
    new Command('verify')
      .description('query suspects on the fingerprint inputs and decide: stolen, independent or inconclusive (degenerate outputs; no calibration); '
        + 'a suspect that cannot be judged gets the row error, the others are still judged, and the exit code is 2')
      .argument('<bundle>', 'fingerprint bundle (calibrated for verdicts)')
      .argument('<suspects...>', 'suspect models: files, directories, builtin:<name> or http(s) URLs')
      .option('--report <file.html>', 'also write an HTML report (peer bundles: the scores, without correlation heatmaps)')
      .option('--evidence <log>', 'write a tamper-evident evidence log (hash-chained JSON lines: commitments, every query and response, results); check it with `lineage audit` (SAC bundles)')
      .option('--sign-key <key.pem>', "with --evidence: sign the log's head with the owner's private key (PEM, Ed25519 or RSA)")
      .option('--max-queries <Q>', 'sequential verification (SAC, calibrated): query in rounds, stop as soon as the verdict is settled at error rate --alpha; at most Q queries per suspect', (v) => intOption(v, '--max-queries'))
      .option('--alpha <a>', 'with --max-queries: the error rate of a settled verdict (default 0.01)', (v) => fractionOption(v, '--alpha'), 0.01)
      .option('--round <R>', 'with --max-queries: queries per round (default 10; the first look is at 20 samples)', (v) => intOption(v, '--round'), 10)
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
    const options = {
      model: modelOptionsFrom(flags),
      onProgress: bars.report,
      ...(flags.maxQueries !== undefined ? { sequential: { maxQueries: flags.maxQueries, alpha: flags.alpha, round: flags.round } } : {}),
    };
    if (flags.signKey && !flags.evidence) throw new LineageError('--sign-key signs an evidence log', 'add --evidence <log>');
    if (flags.evidence && fp.kind !== 'sac') throw new LineageError(`--evidence: ${fp.method} bundles are not supported yet`, 'write evidence logs with a SAC bundle (sac-jc, sac-w, sac-m)');
    if (flags.evidence && fp.kind === 'sac' && fp.base) throw new LineageError('--evidence: bundles with a base (--base) are not supported yet: the audit would re-derive the plain verdict only', 'verify this bundle without --evidence');
    const evidence = flags.evidence && fp.kind === 'sac'
      ? await (await import('../../evidence/verify-evidence.js')).verifyWithEvidence(bundle, fp, suspects, options, { log: flags.evidence, signKey: flags.signKey, settings: { bundle, suspects, ...flags } })
      : undefined;
    const results = evidence?.results ?? await verify(fp, suspects, options);
    bars.stop();
    if (evidence) console.error(`evidence log written to ${flags.evidence} (head ${evidence.head})`);
    const failed = results.filter((r): r is SuspectFailure => r.verdict === 'error');
    // Every suspect has its row; with none judged there is nothing to report but the errors.
    const judged = failed.length < results.length;
    if (flags.report && judged) await writeVerifyReport(flags.report, fp, results);
    if (flags.json) console.log(JSON.stringify(results.map(withoutMatrix), null, 2));
    else if (judged) {
      console.log(resultTable(fp, results));
      console.log(pValueFootnote(fp));
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
  const withBase = fp.kind === 'sac' && fp.base !== undefined;
  const scoreColumns = peerNames ? [...peerNames, ...(decisionColumn ? [decisionColumn] : [])]
    : ['distance', 'pearson', '95 % CI (pearson)', ...(withBase ? ['share', '95 % CI (share)', 'share threshold'] : [])];
  const interval = (i: Interval | undefined) => (i ? `${num(i.lower)}–${num(i.upper)}` : num(undefined));
  const scoreCells = (r: AnySuspectResult) => ('scores' in r
    ? [...r.scores.map((s) => num(s.value)), ...(decisionColumn ? [num(r.value)] : [])]
    : [num(r.distance), num(r.pearsonDistance), interval(r.intervals?.pearsonDistance),
      ...(withBase ? [num(r.share), interval(r.intervals?.share), num(r.shareThreshold)] : [])]);
  return table(
    ['suspect', ...scoreColumns, `threshold (${fp.calibration?.statistic ?? 'none'})`, 'p (t-test)', 'p (rank)', 'verdict', 'queries'],
    results.map((r) => (r.verdict === 'error'
      ? [r.source, ...scoreColumns.map(() => num(undefined)), num(undefined), num(undefined), num(undefined), 'error', '—']
      : [r.source, ...scoreCells(r), num(r.threshold), num(r.pValue?.t), num(r.pValue?.rank), r.verdict, queriesCell(r)])),
  );
}

/** What each p-value assumes, and what K calibration models allow (the rank p-value is the headline one). */
function pValueFootnote(fp: AnyFingerprint): string {
  const k = fp.calibration?.models.length;
  return [
    '',
    `p (rank), the headline: conformal; null: ${P_VALUE_NULLS.rank}.`,
    `p (t-test): null: ${P_VALUE_NULLS.t}; measured to fall below 0.05 for related-but-independent models (README "How strong is a verdict").`,
    '95 % CI: bootstrap over the fingerprint samples (1000 resamples, seed 1): how far the statistic moves with other samples, not how likely the verdict is right.',
    ...(fp.kind === 'sac' && fp.base ? [`share = d(S,V) / (d(S,V) + d(S,P)) with P the public base ${fp.base && fp.manifest.base?.source}: below 0.5 the suspect is closer to the victim than to the base; `
      + 'stolen needs both the statistic and the share at or below their thresholds (the share threshold: half the smallest share of the independent models).'] : []),
    ...(k !== undefined && k < 19 ? [`warning: K = ${k} calibration models: p (rank) cannot go below 1/(K+1) = ${num(1 / (k + 1))}; p < 0.05 needs 19 or more independent models`] : []),
  ].join('\n');
}

/** A number strictly between 0 and 1, for error rates. */
function fractionOption(value: string, flag: string): number {
  const x = Number(value);
  if (!(x > 0 && x < 1)) throw new LineageError(`${flag} must be a number between 0 and 1, got '${value}'`, `e.g. ${flag} 0.01`);
  return x;
}

/** Queries used; sequentially, with whether the verdict was settled at α or the budget ran out. */
function queriesCell(r: AnySuspectResult): string {
  const s = 'sequential' in r ? r.sequential : undefined;
  return s ? `${r.queries} of ≤ ${s.maxQueries} (${s.settled ? `settled at α = ${s.alpha}` : 'unsettled: fixed-budget verdict'})` : String(r.queries);
}
