/**
 * SAC-JC on LFW with real victims: derived copies of each victim (training-free: pruning,
 * quantisation, weight noise) against independent real face models by other authors, for
 * N = 25, 50, 100, 200. Prints a table and writes results/lfw-sac-jc.{json,md}.
 *
 *   npm run bench:lfw [-- --data ../shared/datasets/lfw]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImages } from '../src/data/load.js';
import { makeDerivedCopies } from '../src/demo/suspects.js';
import { compareWithFingerprint } from '../src/fingerprints/compare.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { loadModel } from '../src/models/load.js';
import type { Model } from '../src/models/types.js';
import { auc } from '../src/stats/auc.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';

const VICTIMS: Record<string, readonly string[]> = {
  // faceres-deep comes from the same authors as faceres (possibly the same data): left out as an
  // "independent" model for faceres, kept for fr_feature.
  fr_feature: ['mobileface', 'faceres', 'faceres-deep', 'mobilefacenet'],
  faceres: ['fr_feature', 'mobileface', 'mobilefacenet'],
};
const SIZES = [25, 50, 100, 200];
const SEED = 1;

const dataFlag = process.argv.indexOf('--data');
const data = dataFlag > 0 ? process.argv[dataFlag + 1]! : '../shared/datasets/lfw';

interface Row { victim: string; n: number; suspect: string; derived: boolean; distance: number; pearsonDistance: number }
const rows: Row[] = [];
const summary: { victim: string; n: number; derived: number; independent: number; aucDistance: number; aucPearson: number; maxDerived: { distance: number; pearson: number }; minIndependent: { distance: number; pearson: number } }[] = [];
const started = Date.now();

for (const [victimName, independentNames] of Object.entries(VICTIMS)) {
  const quiet = { onWarning: () => {} };
  const victim = await loadModel(`builtin:${victimName}`, quiet);
  const faces = await loadImages(data, { size: { height: victim.spec.height, width: victim.spec.width }, faceCrop: true });
  const dir = await mkdtemp(join(tmpdir(), `lineage-lfw-${victimName}-`));
  const copies = await makeDerivedCopies(victimName, victim.spec, dir);
  const suspects: { name: string; derived: boolean; model: Model }[] = [
    ...(await Promise.all(copies.map(async (c) => ({ name: c.source.split('/').pop()!, derived: true, model: await loadModel(c.source, quiet) })))),
    ...(await Promise.all(independentNames.map(async (name) => ({ name, derived: false, model: await loadModel(`builtin:${name}`, quiet) })))),
  ];
  for (const n of SIZES) {
    const fp = await fingerprint(victim, { data: faces, samples: n, seed: SEED });
    for (const s of suspects) {
      const c = await compareWithFingerprint(fp, s.model);
      rows.push({ victim: victimName, n, suspect: s.name, derived: s.derived, distance: c.distance, pearsonDistance: c.pearsonDistance });
    }
    const mine = rows.filter((r) => r.victim === victimName && r.n === n);
    const pick = (derived: boolean, key: 'distance' | 'pearsonDistance') => mine.filter((r) => r.derived === derived).map((r) => r[key]);
    const s = {
      victim: victimName, n,
      derived: pick(true, 'distance').length, independent: pick(false, 'distance').length,
      aucDistance: auc(pick(true, 'distance'), pick(false, 'distance')),
      aucPearson: auc(pick(true, 'pearsonDistance'), pick(false, 'pearsonDistance')),
      maxDerived: { distance: Math.max(...pick(true, 'distance')), pearson: Math.max(...pick(true, 'pearsonDistance')) },
      minIndependent: { distance: Math.min(...pick(false, 'distance')), pearson: Math.min(...pick(false, 'pearsonDistance')) },
    };
    summary.push(s);
    console.log(`${victimName} N=${n}: AUC distance ${s.aucDistance.toFixed(3)}, pearson ${s.aucPearson.toFixed(3)} ` +
      `(max derived ${s.maxDerived.distance.toFixed(4)} / ${s.maxDerived.pearson.toFixed(4)}, min independent ${s.minIndependent.distance.toFixed(4)} / ${s.minIndependent.pearson.toFixed(4)})`);
  }
  for (const s of suspects) await s.model.dispose();
  await victim.dispose();
  await rm(dir, { recursive: true, force: true });
}

const seconds = Math.round((Date.now() - started) / 1000);
const f = (x: number) => (x < 1e-3 ? x.toExponential(2) : x.toFixed(4));
const md = [
  `# SAC-JC on LFW (${data}), seed ${SEED}, JPEG severity 1, kernel 1−cos — ${seconds} s on this machine`,
  '',
  '| victim | N | derived | independent | AUC (distance) | AUC (pearson) | max derived distance / pearson | min independent distance / pearson |',
  '|---|---|---|---|---|---|---|---|',
  ...summary.map((s) => `| ${s.victim} | ${s.n} | ${s.derived} | ${s.independent} | ${s.aucDistance.toFixed(3)} | ${s.aucPearson.toFixed(3)} | ${f(s.maxDerived.distance)} / ${f(s.maxDerived.pearson)} | ${f(s.minIndependent.distance)} / ${f(s.minIndependent.pearson)} |`),
  '',
  '## Distances at N = 100',
  '',
  '| victim | suspect | truth | distance | pearson |',
  '|---|---|---|---|---|',
  ...rows.filter((r) => r.n === 100).map((r) => `| ${r.victim} | ${r.suspect} | ${r.derived ? 'derived' : 'independent'} | ${f(r.distance)} | ${f(r.pearsonDistance)} |`),
  '',
].join('\n');
await writeFileAtomic('results/lfw-sac-jc.json', JSON.stringify({ data, seed: SEED, seconds, summary, rows }, null, 2));
await writeFileAtomic('results/lfw-sac-jc.md', md);
console.log(`\n${md}`);
