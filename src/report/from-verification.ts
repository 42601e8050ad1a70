import { DEFAULT_STATISTIC } from '../fingerprints/calibrate.js';
import type { Fingerprint, SuspectResult } from '../fingerprints/types.js';
import { renderVerifyReport } from './verify-report.js';
import type { ReportMatrix, VerifyReport } from './verify-report.js';
import { writeReport } from './write-report.js';

type ReportedSuspect = SuspectResult & { readonly group?: string };

/**
 * The report of one verification: the victim's matrix beside the first suspect of each verdict
 * (e.g. one stolen, one independent), so a reader sees what "keeps the pattern" means.
 */
export function verifyReportFrom(fp: Fingerprint, results: readonly ReportedSuspect[], title = 'Lineage verification report'): VerifyReport {
  const { manifest: m, calibration } = fp;
  const n = fp.samples.count;
  const firstOfVerdict = new Map<string, ReportedSuspect>();
  for (const r of results) if (!firstOfVerdict.has(r.verdict)) firstOfVerdict.set(r.verdict, r);
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
    suspects: results.map(({ matrix: _matrix, ...r }) => r),
    statistic: calibration?.statistic ?? DEFAULT_STATISTIC,
    ...(calibration ? { threshold: calibration.fit.threshold, calibration: calibration.models } : {}),
    matrices,
    quality: m.quality,
  };
}

export async function writeVerifyReport(path: string, fp: Fingerprint, results: readonly ReportedSuspect[], title?: string): Promise<void> {
  await writeReport(path, await renderVerifyReport(verifyReportFrom(fp, results, title)));
}
