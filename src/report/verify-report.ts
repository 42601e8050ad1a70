import { scoreOf } from '../fingerprints/types.js';
import type { FingerprintQuality, PValues, Scores, Statistic, Verdict } from '../fingerprints/types.js';
import type { PeerScore } from '../fingerprints/peers/types.js';
import type { Interval } from '../stats/bootstrap.js';
import { share } from '../stats/share.js';
import { P_VALUE_NULLS } from '../stats/tests.js';
import { distanceStripChart, type DistanceGroup } from './distance-chart.js';
import { heatmapChart, downsampleMatrix, type SquareMatrix } from './heatmap-chart.js';
import { badge, escapeHtml, formatNumber, htmlPage, htmlTable } from './html.js';
import { shortLabels } from './labels.js';

interface SuspectCommon {
  readonly source: string;
  readonly verdict: Verdict;
  /** One-sided p-values against the calibration models. */
  readonly pValue?: PValues;
  /** SAC: bootstrap intervals of both statistics over the fingerprint samples. */
  readonly intervals?: { readonly distance: Interval; readonly pearsonDistance: Interval };
  readonly queries: number;
  readonly group?: string;
  /** Why the verdict is inconclusive (e.g. degenerate outputs). */
  readonly reason?: string;
  /** SAC with a base: d(S,V) / (d(S,V) + d(S,P)) and its threshold (fingerprints/base.ts). */
  readonly share?: number;
  readonly shareThreshold?: number;
}

/** A suspect that could not be judged (a fingerprints SuspectFailure fits as is): a row with its error, no scores. */
export interface ReportFailure {
  readonly source: string;
  readonly verdict: 'error';
  readonly error: string;
  readonly group?: string;
}

const isFailure = (s: { readonly verdict: string }): s is ReportFailure => s.verdict === 'error';

/** One suspect verified with a SAC fingerprint (a fingerprints SuspectResult fits as is). */
export interface ReportSuspect extends SuspectCommon, Scores {}

/** One suspect verified with a peer fingerprint (a fingerprints PeerSuspectResult fits as is). */
export interface PeerReportSuspect extends SuspectCommon {
  readonly scores: readonly PeerScore[];
  /** The value of the decision statistic. */
  readonly value: number;
}

export interface ReportMatrix extends SquareMatrix {
  readonly label: string;
}

interface ReportCommon {
  readonly title: string;
  readonly createdAt: string;
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly victim: { readonly source: string; readonly spec: object };
  readonly threshold?: number;
  /** Correlation matrices to show side by side (victim first, then e.g. one stolen, one independent); none for peer methods. */
  readonly matrices: readonly ReportMatrix[];
  readonly quality?: FingerprintQuality;
}

/** Everything a verification report with a SAC fingerprint shows. */
export interface SacVerifyReport extends ReportCommon {
  readonly kind?: 'sac';
  readonly suspects: readonly (ReportSuspect | ReportFailure)[];
  /** The statistic the threshold applies to and the verdicts were decided on. */
  readonly statistic: Statistic;
  /** Independent models the threshold was fitted on, with their scores. */
  readonly calibration?: readonly (Scores & { readonly source: string })[];
}

/** Everything a verification report with a peer fingerprint shows: scores, no correlation matrices. */
export interface PeerVerifyReport extends ReportCommon {
  readonly kind: 'peer';
  readonly suspects: readonly (PeerReportSuspect | ReportFailure)[];
  /** The method's decision statistic (lower = stolen). */
  readonly statistic: string;
  readonly calibration?: readonly { readonly source: string; readonly scores: readonly PeerScore[]; readonly value: number }[];
}

export type VerifyReport = SacVerifyReport | PeerVerifyReport;

const STATISTIC_NAME: Record<Statistic, string> = { distance: 'Distance', pearson: 'Pearson distance' };

const STATISTIC_NOTE: Record<Statistic, string> = {
  distance: 'Distance = mean |C<sub>victim</sub> − C<sub>suspect</sub>| over the N×N sample-correlation matrices (the SAC papers\' statistic).',
  pearson: 'Pearson distance = 1 − Pearson correlation of the off-diagonal entries of C<sub>victim</sub> and C<sub>suspect</sub> (scale-free).',
};

/**
 * What the page shows per model, whatever the method: named score columns (headers are plain
 * text) and the value of the decision statistic.
 */
interface ScoreView {
  readonly columns: readonly string[];
  readonly statisticName: string;
  /** HTML. */
  readonly note: string;
  /** Failures have no values (NaN) and no decision. */
  readonly suspects: readonly { readonly suspect: SuspectCommon | ReportFailure; readonly values: readonly number[]; readonly decision: number }[];
  readonly calibration: readonly { readonly source: string; readonly values: readonly number[]; readonly decision: number }[];
}

function scoreView(r: VerifyReport): ScoreView {
  if (r.kind === 'peer') {
    const named = r.suspects.find((s): s is PeerReportSuspect => !isFailure(s))?.scores ?? r.calibration?.[0]?.scores ?? [];
    const values = (scores: readonly PeerScore[]) => scores.map((s) => s.value);
    const none = named.map(() => NaN);
    return {
      columns: named.map((s) => `${s.name} (${s.stolenWhen} ⇒ stolen)`),
      statisticName: r.statistic,
      note: `${escapeHtml(r.method)} scores the suspect's outputs on the fingerprint's query inputs; the decision statistic is `
        + `${escapeHtml(r.statistic)} (lower ⇒ stolen). A peer fingerprint has no correlation matrices, so none are shown.`,
      suspects: r.suspects.map((s) => (isFailure(s) ? { suspect: s, values: none, decision: NaN } : { suspect: s, values: values(s.scores), decision: s.value })),
      calibration: (r.calibration ?? []).map((c) => ({ source: c.source, values: values(c.scores), decision: c.value })),
    };
  }
  const both = (s: Scores) => [s.distance, s.pearsonDistance];
  const shareThreshold = r.suspects.find((s): s is ReportSuspect => !isFailure(s) && s.shareThreshold !== undefined)?.shareThreshold;
  const withBase = r.suspects.some((s) => !isFailure(s) && s.share !== undefined);
  const shareNote = withBase ? ` Share = d(S,V) / (d(S,V) + d(S,P)) with P the public base the victim was fine-tuned from: below 0.5 the suspect is closer to the victim than to the base; `
    + `stolen needs the ${STATISTIC_NAME[r.statistic]} at or below its threshold and the share at or below ${shareThreshold === undefined ? 'its threshold' : formatNumber(shareThreshold)}.` : '';
  return {
    columns: [STATISTIC_NAME.distance, STATISTIC_NAME.pearson, ...(withBase ? ['Share (victim vs base)'] : [])],
    statisticName: STATISTIC_NAME[r.statistic],
    note: STATISTIC_NOTE[r.statistic] + shareNote,
    suspects: r.suspects.map((s) => (isFailure(s) ? { suspect: s, values: [NaN, NaN, ...(withBase ? [NaN] : [])], decision: NaN }
      : { suspect: s, values: [...both(s), ...(withBase ? [s.share ?? NaN] : [])], decision: scoreOf(s, r.statistic) })),
    calibration: (r.calibration ?? []).map((c) => ({
      source: c.source,
      values: [...both(c), ...(withBase ? [c.base ? share(scoreOf(c, r.statistic), scoreOf(c.base, r.statistic)) : NaN] : [])],
      decision: scoreOf(c, r.statistic),
    })),
  };
}

const VERDICTS: readonly (Verdict | 'error')[] = ['stolen', 'inconclusive', 'independent', 'error'];

/** The report as one self-contained HTML page: inline CSS and SVG charts, no scripts, no network. */
export async function renderVerifyReport(r: VerifyReport): Promise<string> {
  const view = scoreView(r);
  const [distanceSvg, ...heatmapSvgs] = await Promise.all([distanceChart(view, r.threshold), ...heatmaps(r.matrices)]);
  const body = [
    `<header><h1>${escapeHtml(r.title)}</h1><div class="meta">${escapeHtml(r.createdAt)} · method ${escapeHtml(r.method)} · victim <code>${escapeHtml(r.victim.source)}</code></div></header>`,
    `<section class="card summary">${summary(r, view)}</section>`,
    `<h2>Suspects</h2>${suspectTable(view, r.statistic)}`
      + `<p class="note">p (rank), the headline: conformal; null: ${escapeHtml(P_VALUE_NULLS.rank)}. p (t-test): null: ${escapeHtml(P_VALUE_NULLS.t)}. `
      + '95 % CI: bootstrap over the fingerprint samples (1000 resamples, seed 1) — how far the statistic moves with other samples, not how likely the verdict is right.</p>',
    `<h2>${escapeHtml(view.statisticName)} to the victim (the decision statistic)</h2><div class="charts"><figure>${distanceSvg}</figure></div>`
      + `<p class="note">${view.note} Derived models sit left of the threshold; independent ones (grey: the calibration models) to the right.</p>`,
    heatmapSvgs.length === 0 ? '' : `<h2>Correlation matrices</h2><div class="charts">${heatmapSvgs.map((svg) => `<figure>${svg}</figure>`).join('')}</div>`
      + '<p class="note">C[i][j] for every pair of fingerprint samples, on one colour scale. A derived model keeps the victim\'s pattern.</p>',
    r.quality ? `<h2>Fingerprint quality</h2>${qualitySection(r.quality)}` : '',
    `<h2>Parameters</h2>${parameterSection(r, view)}`,
    `<footer>Generated by Lineage on ${escapeHtml(r.createdAt)}. This file is self-contained: it loads nothing from the network.</footer>`,
  ];
  return htmlPage(r.title, body.join('\n'));
}

function summary(r: VerifyReport, view: ScoreView): string {
  const counts = VERDICTS.map((v) => [v, r.suspects.filter((s) => s.verdict === v).length] as const).filter(([, n]) => n > 0);
  const rule = r.threshold === undefined ? '' : ` Threshold: ${escapeHtml(view.statisticName)} ≤ ${escapeHtml(formatNumber(r.threshold))} ⇒ stolen.`;
  const parts = counts.map(([v, n]) => `${n} ${badge(v)}`).join(' · ');
  return `<strong>${r.suspects.length} suspect${r.suspects.length === 1 ? '' : 's'} checked:</strong> ${parts || 'none'}.${rule}`;
}

function suspectTable(view: ScoreView, statistic: string): string {
  const hasGroups = view.suspects.some(({ suspect }) => suspect.group !== undefined);
  const intervalOf = (s: SuspectCommon | ReportFailure) => (isFailure(s) ? undefined : s.intervals?.[statistic === 'distance' ? 'distance' : 'pearsonDistance']);
  const hasIntervals = view.suspects.some(({ suspect }) => intervalOf(suspect) !== undefined);
  const noteOf = (s: SuspectCommon | ReportFailure) => (isFailure(s) ? s.error : s.reason);
  const hasNotes = view.suspects.some(({ suspect }) => noteOf(suspect) !== undefined);
  const header = ['Suspect', ...(hasGroups ? ['Group'] : []), ...view.columns, ...(hasIntervals ? ['95 % CI'] : []), 'p (t-test)', 'p (rank)', 'Queries', 'Verdict', ...(hasNotes ? ['Why'] : [])];
  const rows = view.suspects.map(({ suspect: s, values }) => [
    `<code>${escapeHtml(s.source)}</code>`,
    ...(hasGroups ? [escapeHtml(s.group ?? '')] : []),
    ...values.map(formatNumber),
    ...(hasIntervals ? [formatInterval(intervalOf(s))] : []),
    formatNumber(isFailure(s) ? undefined : s.pValue?.t),
    formatNumber(isFailure(s) ? undefined : s.pValue?.rank),
    isFailure(s) ? '—' : String(s.queries),
    badge(s.verdict),
    ...(hasNotes ? [escapeHtml(noteOf(s) ?? '')] : []),
  ]);
  const first = hasGroups ? 2 : 1;
  return htmlTable(header, rows, { numeric: Array.from({ length: view.columns.length + (hasIntervals ? 4 : 3) }, (_, k) => first + k) });
}

const formatInterval = (i: Interval | undefined) => (i ? `${formatNumber(i.lower)}–${formatNumber(i.upper)}` : '—');

function distanceChart(view: ScoreView, threshold: number | undefined): Promise<string> {
  const judged = view.suspects.filter(({ suspect }) => !isFailure(suspect));
  const labels = shortLabels(judged.map(({ suspect }) => suspect.source));
  const groups: DistanceGroup[] = judged.map(({ suspect, decision }, k) => ({ name: labels[k]!, distances: [decision], category: suspect.verdict }));
  if (view.calibration.length > 0) {
    groups.push({ name: 'calibration models', distances: view.calibration.map((c) => c.decision), category: 'calibration' });
  }
  return distanceStripChart(groups, threshold, `${view.statisticName} to the victim`);
}

const HEATMAP_CELLS = 100;

/** Heatmaps on one shared colour domain, so that equal colours mean equal values. */
export function heatmaps(matrices: readonly ReportMatrix[]): Promise<string>[] {
  const shown = matrices.map((m) => downsampleMatrix(m, HEATMAP_CELLS));
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of shown) for (let i = 0; i < m.data.length; i++) [lo, hi] = [Math.min(lo, m.data[i]!), Math.max(hi, m.data[i]!)];
  const domain = [lo, hi] as const;
  return matrices.map((m) => heatmapChart(m, { title: m.label, domain, maxCells: HEATMAP_CELLS }));
}

function qualitySection(q: FingerprintQuality): string {
  const rows = [
    ['Off-diagonal C: mean', formatNumber(q.spread.mean)],
    ['Off-diagonal C: standard deviation', formatNumber(q.spread.sd)],
    ['Off-diagonal C: min – max', `${formatNumber(q.spread.min)} – ${formatNumber(q.spread.max)}`],
    ['Same- vs different-label separation (AUC)', formatNumber(q.sameDifferentAuc)],
  ];
  const warnings = q.warnings.length === 0
    ? '<p class="ok">No warnings: the victim\'s matrix has a usable spread.</p>'
    : q.warnings.map((w) => `<div class="warning">⚠ ${escapeHtml(w)}</div>`).join('');
  return htmlTable(['Measure', 'Value'], rows, { className: 'kv', numeric: [1] }) + warnings;
}

function parameterSection(r: VerifyReport, view: ScoreView): string {
  const show = (v: unknown) => escapeHtml(typeof v === 'string' ? v : JSON.stringify(v));
  const rows: string[][] = [
    ['method', escapeHtml(r.method)],
    ['victim', `<code>${escapeHtml(r.victim.source)}</code>`],
    ...Object.entries(r.victim.spec).map(([k, v]) => [`victim input: ${escapeHtml(k)}`, show(v)]),
    ...Object.entries(r.params).map(([k, v]) => [escapeHtml(k), show(v)]),
    ...(r.threshold === undefined ? [] : [['threshold', formatNumber(r.threshold)]]),
  ];
  const calibration = view.calibration.length > 0
    ? `<h2>Calibration models</h2>${htmlTable(['Independent model', ...view.columns],
      view.calibration.map((c) => [`<code>${escapeHtml(c.source)}</code>`, ...c.values.map(formatNumber)]),
      { numeric: view.columns.map((_, k) => k + 1) })}`
    : '';
  return htmlTable(['Parameter', 'Value'], rows, { className: 'kv' }) + calibration;
}
