import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Look shared by every Lineage chart (matches the report's CSS). */
export const CHART_CONFIG = {
  // ARIA labels on every mark would triple the size of heatmaps; the report's tables carry the numbers.
  aria: false,
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: '#d0d7de' },
  axis: { labelColor: '#333', titleColor: '#333', titleFontWeight: 600, gridColor: '#eaeef2', labelFontSize: 11, titleFontSize: 12 },
  // Without a canvas Vega over-estimates text width (0.8 em per character), so allow long labels.
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelLimit: 400 },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start', color: '#1f2328' },
} as const;

/** Render a Vega-Lite spec to a static SVG string in Node (no DOM, no canvas, no network). */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile({ ...spec, config: { ...CHART_CONFIG, ...spec.config } } as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
