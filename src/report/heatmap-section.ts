import { chartRow } from './html.js';
import { heatmaps, type ReportMatrix } from './verify-report.js';

/** The correlation matrices as heatmaps on one colour scale, with how to read them ('' when there are none). */
export async function heatmapSection(matrices: readonly ReportMatrix[], heading = 'h2'): Promise<string> {
  if (matrices.length === 0) return '';
  return `<${heading}>Correlation matrices</${heading}>${chartRow(await Promise.all(heatmaps(matrices)))}`
    + '<p class="note">C[i][j] for every pair of fingerprint samples, on one colour scale. A derived model keeps the victim\'s pattern.</p>';
}
