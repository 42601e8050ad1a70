import { categoryScale } from './colours.js';
import { renderVegaLite } from './vega-svg.js';

/** Distances of one group of models (one suspect, an attack family, the calibration models…). */
export interface DistanceGroup {
  readonly name: string;
  readonly distances: readonly number[];
  /** Colour key: a verdict, 'calibration', a ground-truth label… (default: the group name). */
  readonly category?: string;
}

/** Groups with at least this many distances also get a box (min–max whiskers). */
const MIN_BOX = 5;

/**
 * One row per group: a point per distance on a log x axis, coloured by category, a box where the
 * group is big enough, and the decision threshold as a dashed rule. Distances ≤ 0 (an exact copy)
 * are drawn at half the smallest positive distance or threshold (so they stay left of the
 * threshold), since a log axis has no 0. SVG string.
 */
export async function distanceStripChart(groups: readonly DistanceGroup[], threshold?: number, title = 'Distance to the victim'): Promise<string> {
  const positive = [...groups.flatMap((g) => g.distances), threshold ?? 0].filter((d) => d > 0);
  const floor = positive.length > 0 ? Math.min(...positive) / 2 : 1e-6;
  const values = groups.flatMap((g) => g.distances.map((d) => ({ group: g.name, category: g.category ?? g.name, distance: Math.max(d, floor) })));
  const boxed = new Set(groups.filter((g) => g.distances.length >= MIN_BOX).map((g) => g.name));
  const x = { field: 'distance', type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'distance (log scale; small ⇒ derived)' };
  const y = { field: 'group', type: 'nominal' as const, sort: groups.map((g) => g.name), title: null, axis: { labelLimit: 300 } };
  const rule = threshold === undefined ? [] : [
    { data: { values: [{ threshold }] }, mark: { type: 'rule' as const, color: '#1f2328', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { x: { field: 'threshold', type: 'quantitative' as const } } },
    {
      data: { values: [{ threshold, text: `threshold ${threshold.toPrecision(3)}` }] },
      mark: { type: 'text' as const, align: 'left' as const, baseline: 'top' as const, dx: 4, y: 2, fontSize: 11, color: '#1f2328' },
      encoding: { x: { field: 'threshold', type: 'quantitative' as const }, text: { field: 'text', type: 'nominal' as const } },
    },
  ];
  return renderVegaLite({
    title,
    width: 520,
    height: { step: 28 },
    data: { values },
    layer: [
      {
        transform: [{ filter: { field: 'group', oneOf: [...boxed] } }],
        mark: { type: 'boxplot', extent: 'min-max', size: 16, color: '#d0d7de', median: { color: '#57606a' } },
        encoding: { x, y },
      },
      {
        mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
        encoding: { x, y, color: { field: 'category', type: 'nominal', title: null, scale: categoryScale(values.map((v) => v.category)), legend: { orient: 'bottom' } } },
      },
      ...rule,
    ],
  });
}
