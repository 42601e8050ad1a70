import { DEFAULT_STATISTIC } from '../fingerprints/calibrate.js';
import { peerStatistic } from '../fingerprints/peer-fingerprint.js';
import type { AnyFingerprint, AnySuspectResult, Fingerprint, PeerFingerprintBundle, PeerSuspectResult, SuspectFailure, SuspectResult } from '../fingerprints/types.js';
import { renderVerifyReport } from './verify-report.js';
import type { PeerVerifyReport, ReportMatrix, SacVerifyReport, VerifyReport } from './verify-report.js';
import { writeReport } from './write-report.js';

type Grouped<T> = T & { readonly group?: string };
type ReportedSuspect = Grouped<SuspectResult | SuspectFailure>;
type ReportedPeerSuspect = Grouped<PeerSuspectResult | SuspectFailure>;

/**
 * The report of one verification. SAC: the victim's matrix beside the first suspect of each verdict
 * (e.g. one stolen, one independent), so a reader sees what "keeps the pattern" means. Peer methods
 * have no matrices: their report shows the scores table and the decision statistic only.
 */
export function verifyReportFrom(fp: Fingerprint, results: readonly ReportedSuspect[], title?: string): VerifyReport;
export function verifyReportFrom(fp: PeerFingerprintBundle, results: readonly ReportedPeerSuspect[], title?: string): VerifyReport;
export function verifyReportFrom(fp: AnyFingerprint, results: readonly Grouped<AnySuspectResult | SuspectFailure>[], title?: string): VerifyReport;
export function verifyReportFrom(fp: AnyFingerprint, results: readonly Grouped<AnySuspectResult | SuspectFailure>[], title = 'Lineage verification report'): VerifyReport {
  // The overloads pair a fingerprint with the results `verify` gave for it.
  return fp.kind === 'peer' ? peerReport(fp, results as readonly ReportedPeerSuspect[], title) : sacReport(fp, results as readonly ReportedSuspect[], title);
}

function sacReport(fp: Fingerprint, results: readonly ReportedSuspect[], title: string): SacVerifyReport {
  const { manifest: m, calibration } = fp;
  const n = fp.samples.count;
  const firstOfVerdict = new Map<string, Grouped<SuspectResult>>();
  // A sequential verification that stopped early has a smaller matrix: it is not drawn beside the victim's.
  for (const r of results) if (r.verdict !== 'error' && r.matrix.length === n * n && !firstOfVerdict.has(r.verdict)) firstOfVerdict.set(r.verdict, r);
  const shown = [...firstOfVerdict.values()];
  const matrices: ReportMatrix[] = [
    { label: `victim: ${m.victim.source}`, n, data: fp.victimMatrix },
    ...shown.map((r) => ({ label: `${r.verdict}: ${r.source}`, n, data: r.matrix })),
  ];
  return {
    title,
    createdAt: new Date().toISOString(),
    method: m.params.method,
    params: { ...m.params, samplesFrom: m.samples.origin, sampleSize: `${m.samples.width}×${m.samples.height}` },
    victim: { source: m.victim.source, spec: m.victim.spec },
    suspects: results.map((r) => {
      if (r.verdict === 'error') return r;
      const { matrix: _matrix, ...rest } = r;
      return rest;
    }),
    statistic: calibration?.statistic ?? DEFAULT_STATISTIC,
    ...(calibration ? { threshold: calibration.fit.threshold, calibration: calibration.models } : {}),
    matrices,
    quality: m.quality,
  };
}

function peerReport(fp: PeerFingerprintBundle, results: readonly ReportedPeerSuspect[], title: string): PeerVerifyReport {
  const { manifest: m, calibration } = fp;
  const statistic = calibration?.statistic ?? results.find((r): r is Grouped<PeerSuspectResult> => r.verdict !== 'error')?.statistic ?? '';
  return {
    kind: 'peer',
    title,
    createdAt: new Date().toISOString(),
    method: fp.method,
    params: {
      ...fp.meta.params,
      inputs: fp.inputs.count,
      inputSize: `${fp.inputs.width}×${fp.inputs.height}`,
      seedsFrom: m.pool.origin,
      seeds: m.pool.samples,
      seed: m.pool.seed,
      victimQueriesToBuild: fp.meta.queriesToBuild,
      secondsToBuild: fp.meta.seconds,
    },
    victim: { source: m.victim.source, spec: m.victim.spec },
    suspects: results,
    statistic,
    ...(calibration ? {
      threshold: calibration.fit.threshold,
      calibration: calibration.models.map((c) => ({ ...c, value: peerStatistic(c.scores, statistic).value })),
    } : {}),
    matrices: [],
  };
}

export function writeVerifyReport(path: string, fp: Fingerprint, results: readonly ReportedSuspect[], title?: string): Promise<void>;
export function writeVerifyReport(path: string, fp: PeerFingerprintBundle, results: readonly ReportedPeerSuspect[], title?: string): Promise<void>;
export function writeVerifyReport(path: string, fp: AnyFingerprint, results: readonly Grouped<AnySuspectResult | SuspectFailure>[], title?: string): Promise<void>;
export async function writeVerifyReport(path: string, fp: AnyFingerprint, results: readonly Grouped<AnySuspectResult | SuspectFailure>[], title?: string): Promise<void> {
  await writeReport(path, await renderVerifyReport(verifyReportFrom(fp, results, title)));
}
