/**
 * Sequential verification on a zoo (src/stats/sequential.ts): for every model, the full-budget
 * verdict (all N samples) and the sequential one (`--max-queries N --alpha A`), the queries it used,
 * and per attack group the median queries and the error rates of both. Stolen models are judged
 * against a calibration on all independent models; each independent model against the others
 * (leave-one-out), so none is judged by a threshold fitted on itself.
 *
 *   npx tsx bench/sequential.ts <zoo-dir> [N=100] [alpha=0.01]   → results/sequential-<zoo>.json
 */
import { resolve } from 'node:path';
import { calibrationFrom } from '../src/fingerprints/calibrate.js';
import { compareWithFingerprint } from '../src/fingerprints/compare.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { decideSacWith } from '../src/fingerprints/verify.js';
import { loadModel } from '../src/models/load.js';
import { quantile } from '../src/stats/describe.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { readZooManifest, resolveZooPath, zooVictim } from '../src/zoo/manifest.js';

const [zoo = 'out/faces-builtin', nText = '100', alphaText = '0.01'] = process.argv.slice(2);
const n = Number(nText);
const alpha = Number(alphaText);
const quiet = { onWarning: () => {} };
const manifest = await readZooManifest(zoo);
const victim = zooVictim(manifest);
const fp = await fingerprint(resolveZooPath(zoo, victim.path), { data: resolveZooPath(zoo, manifest.data.path), ...(manifest.data.faceCrop ? { faceCrop: true } : {}), samples: n, seed: 1, model: quiet });
const suspects = manifest.models.filter((m) => m.role !== 'victim');
const scores = new Map<string, { source: string; distance: number; pearsonDistance: number }>();
for (const m of suspects.filter((x) => x.role === 'independent')) {
  const model = await loadModel(resolveZooPath(zoo, m.path), quiet);
  const c = await compareWithFingerprint(fp, model);
  scores.set(m.id, { source: m.id, distance: c.distance, pearsonDistance: c.pearsonDistance });
  await model.dispose();
}
const rows: { id: string; role: string; group: string; full: string; fullQueries: number; sequential: string; settled: string | null; queries: number }[] = [];
for (const m of suspects) {
  const cal = calibrationFrom([...scores.values()].filter((s) => s.source !== m.id));
  const calibrated = { ...fp, calibration: cal };
  const model = await loadModel(resolveZooPath(zoo, m.path), quiet);
  const full = await decideSacWith(calibrated, model, {});
  const seq = await decideSacWith(calibrated, model, { sequential: { maxQueries: n, alpha } });
  await model.dispose();
  const row = { id: m.id, role: m.role, group: m.group, full: full.verdict, fullQueries: full.queries, sequential: seq.verdict, settled: seq.sequential?.settled ?? null, queries: seq.queries };
  console.log(JSON.stringify(row));
  rows.push(row);
}
const groups = [...new Set(rows.map((r) => r.group))].map((group) => {
  const of = rows.filter((r) => r.group === group);
  const truth = of[0]!.role === 'stolen' ? 'stolen' : 'independent';
  return { group, models: of.length, truth, medianQueries: quantile(of.map((r) => r.queries), 0.5), fullQueries: n, settled: of.filter((r) => r.settled).length,
    errorFull: of.filter((r) => (truth === 'stolen') !== (r.full === 'stolen')).length / of.length, errorSequential: of.filter((r) => (truth === 'stolen') !== (r.sequential === 'stolen')).length / of.length };
});
console.table(groups);
await writeFileAtomic(`results/sequential-${manifest.name}.json`, JSON.stringify({ zoo: resolve(zoo), samples: n, alpha, createdAt: new Date().toISOString(), groups, models: rows }, null, 2));
