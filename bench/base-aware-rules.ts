/**
 * Which share threshold? The base-aware decision (src/fingerprints/base.ts) measured on a zoo whose
 * manifest names a public base (faces-real-ft): the victim is fingerprinted with its base (SAC-JC,
 * N = 100, seed 1), every other model compared, and each group's share of models called stolen under
 * several rules, all calibrated on the zoo's irrelevant models only (never siblings or the parent):
 *
 *   plain          pearson ≤ the default threshold of the irrelevant models (no base)
 *   half-min       plain AND share ≤ half the smallest irrelevant share (what `calibrate` stores)
 *   below 1/2      plain AND share < 1/2 (closer to the victim than to the base; no calibration)
 *   CI below 1/2   plain AND the upper end of the share's 95 % bootstrap CI over the samples < 1/2
 *   mean − 3·sd    plain AND share ≤ mean − 3·sd of the irrelevant shares (a spread rule)
 *
 * Writes results/base-aware-rules.{json,md}.
 *
 *   npx tsx bench/base-aware-rules.ts out/faces-real-ft
 */
import path from 'node:path';
import { loadImages } from '../src/data/load.js';
import { LineageError } from '../src/errors.js';
import { fitShare, shareOf } from '../src/fingerprints/base.js';
import { compareWithFingerprint } from '../src/fingerprints/compare.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { degenerateOutputs } from '../src/fingerprints/quality.js';
import { loadModel } from '../src/models/load.js';
import { shareBootstrap } from '../src/stats/bootstrap.js';
import { fitThreshold } from '../src/stats/threshold.js';
import { markdownTable, num } from '../src/cli/format.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { readZooManifest, resolveZooPath, SHARED_ANCESTRY_GROUPS, zooVictim } from '../src/zoo/manifest.js';
import { BROKEN_COPY, zooUtility } from '../src/zoo/utility.js';

interface Measured {
  readonly id: string;
  readonly group: string;
  readonly role: string;
  readonly pearson: number;
  readonly share: number;
  readonly shareUpper: number;
  readonly degenerate: boolean;
}

const RULES = ['plain', 'half-min', 'below 1/2', 'CI below 1/2', 'mean − 3·sd'] as const;

async function main(zoo: string): Promise<void> {
  const manifest = await readZooManifest(zoo);
  if (!manifest.base) throw new LineageError(`zoo ${zoo} names no public base`, 'use a zoo whose manifest has `base` (faces-real-ft)');
  const quiet = { onWarning: () => {} };
  const victim = await loadModel(resolveZooPath(zoo, zooVictim(manifest).path), quiet);
  const pool = await loadImages(resolveZooPath(zoo, manifest.data.path), {
    size: { height: victim.spec.height, width: victim.spec.width },
    ...(manifest.data.faceCrop ? { faceCrop: true } : {}),
    ...(manifest.data.indices ? { indices: manifest.data.indices } : {}),
  });
  const base = await loadModel(resolveZooPath(zoo, manifest.base.path), quiet);
  const fp = await fingerprint(victim, { data: pool, samples: 100, seed: 1, base });
  await Promise.all([victim.dispose(), base.dispose()]);
  const utility = zooUtility(manifest);
  const measured: Measured[] = [];
  for (const m of manifest.models.filter((x) => x.role !== 'victim')) {
    const model = await loadModel(resolveZooPath(zoo, m.path), quiet);
    const c = await compareWithFingerprint(fp, model);
    await model.dispose();
    const n = fp.samples.count;
    const group = m.role === 'stolen' && utility.get(m.id)?.broken ? BROKEN_COPY : m.group;
    measured.push({
      id: m.id, group, role: m.role, pearson: c.pearsonDistance, share: shareOf(c, 'pearson')!,
      shareUpper: shareBootstrap(c.victimMatrix, c.baseMatrix!, c.matrix, n, 'pearsonDistance').upper,
      degenerate: degenerateOutputs(c.matrix, n, 'its') !== undefined,
    });
    console.error(`${m.id}: pearson ${num(c.pearsonDistance)}, share ${num(measured.at(-1)!.share)}`);
  }
  // Calibration: the irrelevant models (not siblings, not the parent), degenerate ones left out as calibrate does.
  const calibration = measured.filter((m) => m.role === 'independent' && !SHARED_ANCESTRY_GROUPS.includes(m.group) && !m.degenerate);
  const plain = fitThreshold(calibration.map((m) => m.pearson));
  const shares = calibration.map((m) => m.share);
  const spread = fitThreshold(shares, { kind: 'sigma', k: 3 });
  const stolenBy: Record<(typeof RULES)[number], (m: Measured) => boolean> = {
    plain: () => true,
    'half-min': (m) => m.share <= fitShare(shares).threshold,
    'below 1/2': (m) => m.share < 0.5,
    'CI below 1/2': (m) => m.shareUpper < 0.5,
    'mean − 3·sd': (m) => m.share <= spread.threshold,
  };
  // Irrelevant models are judged leave-one-out by the plain rule only (they sit far above it).
  const judged = measured.filter((m) => !calibration.includes(m));
  const groups = [...new Set(judged.map((m) => m.group))];
  const rows = groups.map((group) => {
    const members = judged.filter((m) => m.group === group);
    return { group, role: members[0]!.role, n: members.length, rates: Object.fromEntries(RULES.map((r) => [r, members.filter((m) => m.pearson <= plain.threshold && stolenBy[r](m)).length / members.length])) };
  });
  const table = markdownTable(['group', 'role', 'n', ...RULES.map((r) => `called stolen: ${r}`)],
    rows.map((r) => [r.group, r.role, String(r.n), ...RULES.map((rule) => num(r.rates[rule]))]));
  const models = markdownTable(['model', 'group', 'pearson', 'share', 'share CI upper'],
    measured.map((m) => [m.id, m.group, num(m.pearson), num(m.share), num(m.shareUpper)]));
  const thresholds = `plain threshold ${num(plain.threshold)} (${plain.rule}, ${calibration.length} irrelevant models); share thresholds: half-min ${num(fitShare(shares).threshold)}, `
    + `mean − 3·sd ${num(spread.threshold)} (shares ${shares.map(num).join(', ')}); victim–base pearson ${num(fp.manifest.base!.victimScores.pearsonDistance)}`;
  const out = path.join('results', 'base-aware-rules');
  await writeFileAtomic(`${out}.json`, JSON.stringify({ zoo: path.resolve(zoo), createdAt: new Date().toISOString(), samples: 100, seed: 1, plain, spread, halfMin: fitShare(shares), rows, models: measured }, null, 2));
  await writeFileAtomic(`${out}.md`, `# Base-aware share thresholds on ${manifest.name}\n\n${thresholds}\n\n${table}\n\n${models}\n`);
  console.log(`${thresholds}\n\n${table}\n\n${models}`);
}

await main(process.argv[2] ?? 'out/faces-real-ft');
