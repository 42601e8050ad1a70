import { renderVegaLite } from './vega-svg.js';
import { categoryScale } from './colours.js';

/** One ROC curve: its (false-positive rate, true-positive rate) vertices in drawing order, joined by straight lines. */
export interface RocCurve {
  readonly name: string;
  readonly points: readonly { readonly fpr: number; readonly tpr: number }[];
  readonly auc?: number;
}

/** ROC curves, one line per group, with the chance diagonal; the legend shows each AUC. SVG string. */
export async function rocChart(curves: readonly RocCurve[], title = 'ROC'): Promise<string> {
  const label = (c: RocCurve) => (c.auc === undefined ? c.name : `${c.name} (AUC ${c.auc.toFixed(3)})`);
  const values = curves.flatMap((c) => c.points.map((p, order) => ({ curve: label(c), order, fpr: p.fpr, tpr: p.tpr })));
  const unit = { type: 'quantitative' as const, scale: { domain: [0, 1] } };
  return renderVegaLite({
    title,
    width: 280,
    height: 280,
    layer: [
      {
        data: { values: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] },
        mark: { type: 'line', strokeDash: [4, 4], color: '#8c959f', strokeWidth: 1 },
        encoding: { x: { field: 'fpr', ...unit }, y: { field: 'tpr', ...unit } },
      },
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'fpr', title: 'false-positive rate', ...unit },
          y: { field: 'tpr', title: 'true-positive rate', ...unit },
          color: { field: 'curve', type: 'nominal', title: null, scale: categoryScale(curves.map(label)), legend: { orient: 'bottom', direction: 'vertical' } },
          order: { field: 'order', type: 'quantitative' },
        },
      },
    ],
  });
}
