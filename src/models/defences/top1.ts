import { argmaxRows } from '../../stats/correlation.js';
import type { Model } from '../types.js';
import { outputDefence, requireOutputKind } from './defended.js';

/**
 * A label-only API: only the top-1 class comes back, as a one-hot row (what HTTP suspects build from
 * a label reply). The spec says `label`, so SAC switches to label mode, as for `serve --labels-only`.
 */
export function top1(inner: Model): Model {
  requireOutputKind(inner, 'top1');
  return outputDefence(inner, 'top1', (out) => {
    const data = new Float32Array(out.rows * out.cols);
    argmaxRows(out).forEach((k, r) => { data[r * out.cols + k] = 1; });
    return { data, rows: out.rows, cols: out.cols };
  }, { ...inner.spec, outputKind: 'label' });
}
