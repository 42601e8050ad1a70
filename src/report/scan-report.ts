/** What `lineage scan` writes: the full results as CSV, and an HTML summary of the hits. */
import type { ScanRow, SuspectScan } from '../fingerprints/scan.js';
import { badge, escapeHtml, formatNumber, htmlPage, htmlTable } from './html.js';

const COLUMNS = ['suspect', 'bundle', 'victim', 'method', 'verdict', 'statistic', 'value', 'threshold', 'pRank', 'error'] as const;

const csvCell = (v: unknown): string => {
  const text = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** One line per suspect × bundle, RFC 4180 quoting. */
export function scanCsv(rows: readonly ScanRow[]): string {
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export interface ScanSummary {
  readonly bundles: number;
  /** Distinct sample sets among the bundles: queries per suspect = their images. */
  readonly sampleSets: number;
  readonly scans: readonly SuspectScan[];
  readonly seconds: number;
}

/** The hits (stolen verdicts) first, then the suspects that could not be judged; counts on top. */
export function renderScanReport(s: ScanSummary): string {
  const rows = s.scans.flatMap((x) => x.rows);
  const hits = rows.filter((r) => r.verdict === 'stolen');
  const errors = rows.filter((r) => r.verdict === 'error');
  const suspects = s.scans.length;
  const images = s.scans.reduce((n, x) => n + x.imagesSent, 0);
  const facts = htmlTable(['', ''], [
    ['suspects', String(suspects)],
    ['bundles', `${s.bundles} (${s.sampleSets} distinct sample sets)`],
    ['hits (stolen verdicts)', String(hits.length)],
    ['could not be judged', String(errors.length)],
    ['images sent to suspects', String(images)],
    ['time', `${formatNumber(s.seconds)} s (${formatNumber(suspects / Math.max(s.seconds, 1e-9))} suspects/s)`],
  ], { className: 'kv' });
  const hitTable = hits.length === 0
    ? '<p class="ok">No suspect was judged stolen by any bundle.</p>'
    : htmlTable(['suspect', 'bundle (victim)', 'method', 'statistic', 'value', 'threshold', 'p (rank)', 'verdict'], hits.map((r) => [
      `<code>${escapeHtml(r.suspect)}</code>`, `${escapeHtml(r.bundle)}<br><span class="meta">${escapeHtml(r.victim)}</span>`, escapeHtml(r.method),
      escapeHtml(r.statistic ?? '—'), formatNumber(r.value), formatNumber(r.threshold), formatNumber(r.pRank), badge(r.verdict),
    ]), { numeric: [4, 5, 6] });
  const errorTable = errors.length === 0 ? '' : `<h2>Not judged</h2><div class="card">${htmlTable(['suspect', 'bundle', 'error'],
    errors.map((r) => [`<code>${escapeHtml(r.suspect)}</code>`, escapeHtml(r.bundle), escapeHtml(r.error ?? '')]))}</div>`;
  return htmlPage('Lineage scan', `<header><h1>Lineage scan</h1><div class="meta">${suspects} suspects × ${s.bundles} bundles; every row is in results.csv / results.json</div></header>
<div class="card">${facts}</div>
<h2>Hits</h2><div class="card">${hitTable}</div>
${errorTable}`);
}
