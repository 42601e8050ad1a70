/** Fixed colours for the categories every report shows, so a verdict looks the same everywhere. */
export const CATEGORY_COLOURS: Readonly<Record<string, string>> = {
  stolen: '#c62828',
  independent: '#2e7d32',
  inconclusive: '#ef8f00',
  error: '#6a1b9a',
  calibration: '#8c959f',
};

/**
 * Colours for other categories (attack families, model groups), in order of first appearance: 16,
 * so that a zoo with every attack group (11 in cifar10-small) draws no two groups alike.
 */
const PALETTE = ['#1f77b4', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#ff7f0e', '#7f7f7f',
  '#393b79', '#637939', '#8c6d31', '#7b4173', '#6b6ecf', '#e7ba52', '#a55194', '#9edae5'];

/** A Vega-Lite colour scale for `categories`: known ones get their fixed colour, others the palette. */
export function categoryScale(categories: readonly string[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(categories)];
  let next = 0;
  const range = domain.map((c) => CATEGORY_COLOURS[c] ?? PALETTE[next++ % PALETTE.length]!);
  return { domain, range };
}
