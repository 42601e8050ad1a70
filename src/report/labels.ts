/**
 * Short, still unique display names for model sources: the fewest trailing path components that
 * tell them apart ('/zoo/a/model.json', '/zoo/b/model.json' → 'a/model.json', 'b/model.json').
 */
export function shortLabels(sources: readonly string[]): string[] {
  const parts = sources.map((s) => s.split(/[\\/]+/).filter(Boolean));
  const longest = Math.max(1, ...parts.map((p) => p.length));
  for (let k = 1; k < longest; k++) {
    const labels = parts.map((p) => p.slice(-k).join('/'));
    if (new Set(labels).size === new Set(sources).size) return labels;
  }
  return [...sources];
}
