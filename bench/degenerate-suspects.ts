/**
 * Which models of a built zoo would `verify` call `inconclusive` for degenerate outputs
 * (src/fingerprints/quality.ts degenerateOutputs)? Makes a SAC-JC fingerprint of the zoo's victim
 * on its held-out data and prints, per model, the off-diagonal sd of its matrix on those samples.
 *
 *   npx tsx bench/degenerate-suspects.ts <zoo-dir> [samples]
 */
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { compareWithFingerprint } from '../src/fingerprints/compare.js';
import { degenerateOutputs } from '../src/fingerprints/quality.js';
import { withModel } from '../src/fingerprints/calibrate.js';
import { loadImages } from '../src/data/load.js';
import { matrixSpread } from '../src/stats/correlation.js';
import { readZooManifest, resolveZooPath, zooVictim } from '../src/zoo/manifest.js';

const [zoo, samplesArg] = process.argv.slice(2);
if (!zoo) throw new Error('usage: npx tsx bench/degenerate-suspects.ts <zoo-dir> [samples]');
const samples = Number(samplesArg ?? 100);
const quiet = { onWarning: () => {} };
const manifest = await readZooManifest(zoo);
const victim = resolveZooPath(zoo, zooVictim(manifest).path);
const fp = await withModel(victim, quiet, async (model) => {
  const { data } = manifest;
  const pool = await loadImages(resolveZooPath(zoo, data.path), {
    size: { height: model.spec.height, width: model.spec.width },
    channels: model.spec.channels === 'gray' ? 1 : 3,
    ...(data.faceCrop ? { faceCrop: true } : {}),
    ...(data.indices ? { indices: [...data.indices] } : {}),
  });
  return fingerprint(model, { data: pool, samples, seed: 1 });
});
console.log(`${manifest.name}: victim ${victim}, N = ${samples}`);
for (const m of manifest.models) {
  await withModel(resolveZooPath(zoo, m.path), quiet, async (model) => {
    const c = await compareWithFingerprint(fp, model);
    const { sd } = matrixSpread(c.matrix, samples);
    console.log(`${m.id}\t${m.role}\tsd ${sd.toExponential(2)}\t${degenerateOutputs(c.matrix, samples, 'its') ? 'DEGENERATE' : 'ok'}`);
  });
}
