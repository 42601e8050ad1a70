import { LineageError } from '../errors.js';
import { renderVegaLite } from './vega-svg.js';

/** A row-major n×n matrix (a SAC correlation matrix). */
export interface SquareMatrix {
  readonly n: number;
  readonly data: ArrayLike<number>;
}

export interface HeatmapOptions {
  readonly title?: string;
  /** Colour domain; give the same one to heatmaps that are compared side by side. */
  readonly domain?: readonly [number, number];
  /** At most this many cells per side; larger matrices are block-averaged (default 100). */
  readonly maxCells?: number;
  /** Side of the plot in px, at most (default 240); rounded down to whole pixels per cell. */
  readonly size?: number;
}

/**
 * Block-average `m` down to at most `maxCells` per side. Every cell is one SVG path, so a heatmap
 * with more cells than pixels only adds bytes: 100×100 cells is ~0.5 MB of SVG.
 */
export function downsampleMatrix(m: SquareMatrix, maxCells: number): SquareMatrix {
  if (m.data.length !== m.n * m.n) {
    throw new LineageError(`matrix has ${m.data.length} entries, expected ${m.n}² = ${m.n * m.n}`, 'pass the full row-major N×N matrix');
  }
  const factor = Math.ceil(m.n / maxCells);
  if (factor <= 1) return m;
  const size = Math.ceil(m.n / factor);
  const data = new Float64Array(size * size);
  for (let a = 0; a < size; a++) {
    for (let b = 0; b < size; b++) {
      let sum = 0;
      let count = 0;
      for (let i = a * factor; i < Math.min((a + 1) * factor, m.n); i++) {
        for (let j = b * factor; j < Math.min((b + 1) * factor, m.n); j++, count++) sum += m.data[i * m.n + j]!;
      }
      data[a * size + b] = sum / count;
    }
  }
  return { n: size, data };
}

/** Heatmap of a square matrix (sample order on both axes), viridis colours. SVG string. */
export async function heatmapChart(matrix: SquareMatrix, options: HeatmapOptions = {}): Promise<string> {
  const { maxCells = 100, size = 240 } = options;
  const shown = downsampleMatrix(matrix, maxCells);
  const values: { i: number; j: number; v: number }[] = [];
  for (let i = 0; i < shown.n; i++) for (let j = 0; j < shown.n; j++) values.push({ i, j, v: shown.data[i * shown.n + j]! });
  const note = shown.n < matrix.n ? `N = ${matrix.n}, shown as ${shown.n}×${shown.n} block means` : `N = ${matrix.n}`;
  const cell = { type: 'ordinal' as const, axis: null };
  // Whole-pixel cells keep every path's coordinates short integers (~20% fewer bytes).
  const side = Math.max(1, Math.floor(size / shown.n)) * shown.n;
  return renderVegaLite({
    title: { text: options.title ?? 'Correlation matrix', subtitle: note },
    width: side,
    height: side,
    // Vega measures text without a canvas, so the legend's end labels would be clipped at the edges.
    padding: { left: 12, right: 12, top: 5, bottom: 5 },
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'j', ...cell },
      y: { field: 'i', ...cell },
      color: {
        field: 'v',
        type: 'quantitative',
        title: null,
        scale: { scheme: 'viridis', ...(options.domain ? { domain: [...options.domain] } : {}) },
        legend: { orient: 'bottom', gradientLength: side, direction: 'horizontal' },
      },
    },
  });
}
