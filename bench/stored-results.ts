/**
 * The stored per-model scores of every benchmarked zoo (results/bench/<zoo>.json as `lineage bench`
 * wrote them; sweeps and zoo manifests left out), for scripts that re-judge them without rebuilding
 * any zoo (near-copy-rule.ts, threshold-rule.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelScore } from '../src/bench/types.js';

export interface StoredBench {
  readonly zoo: { readonly name: string };
  readonly methods: readonly { readonly method: string; readonly decisionStatistic: string; readonly models: readonly ModelScore[] }[];
}

export const RESULTS = path.resolve(import.meta.dirname, '../results');

/** Each stored bench result with its file name, sorted by name. */
export async function storedBenchResults(): Promise<{ readonly file: string; readonly bench: StoredBench }[]> {
  const dir = path.join(RESULTS, 'bench');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && !f.includes('-sweep-') && !f.endsWith('-zoo-manifest.json')).sort();
  return Promise.all(files.map(async (file) => ({ file, bench: JSON.parse(await readFile(path.join(dir, file), 'utf8')) as StoredBench })));
}
