/**
 * The adaptive thief (issue 13 items 3–4): how well a query detector run by the thief spots each
 * method's fingerprint queries among ordinary images, what each method's AUC becomes when the
 * stolen models answer flagged queries from an independent decoy model, and the same for SAC-JC
 * variants meant not to stand out. Writes results/detector-<zoo name>.json.
 *
 *   tsx bench/detector.ts <zoo-dir> --decoy <independent model id> [--methods sac-jc,sac-w,…] [--samples 100] [--detection-only]
 *
 * --detection-only: the detection rates alone (no zoo model is queried; cheap on big face models).
 *
 * Ordinary images: the zoo's own image pool (held-out data), shuffled with seed 1 and split in two:
 * the thresholds are fitted on the first half only (each detector at a third of 1 % false alarms,
 * so that "any detector" stays within 1 %), the false-alarm rate is reported on the second half.
 * The decoy is left out of the independent models the AUCs are computed against.
 */
import { evasiveSuspect } from '../src/attacks/evasive-suspect.js';
import { fitThreshold, flaggedRate, QUERY_DETECTORS, scoreAll } from '../src/attacks/query-detector.js';
import { parseMethods } from '../src/bench/settings.js';
import { jpegCompress } from '../src/data/jpeg.js';
import { loadImages, sampleIndices } from '../src/data/load.js';
import { selectImages, type ImageBatch } from '../src/data/types.js';
import { compareWithFingerprint } from '../src/fingerprints/compare.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { jpegSamples } from '../src/fingerprints/samples/sac-jc.js';
import { PEER_METHODS, peerStatistics, querySuspect, scorePeer } from '../src/fingerprints/peers/methods.js';
import type { PeerFingerprint } from '../src/fingerprints/peers/types.js';
import { predictAll } from '../src/fingerprints/query.js';
import { sacMatrix } from '../src/fingerprints/representation.js';
import { isPeerMethod, type Fingerprint } from '../src/fingerprints/types.js';
import { loadModel } from '../src/models/load.js';
import type { Model } from '../src/models/types.js';
import { auc } from '../src/stats/auc.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { Random } from '../src/util/random.js';
import { readZooManifest, resolveZooPath, zooVictim } from '../src/zoo/manifest.js';

const flag = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const zoo = process.argv[2]!;
const decoyId = flag('--decoy')!;
const samples = Number(flag('--samples') ?? 100);
const FALSE_ALARM = 0.01;
const quiet = { onWarning: () => {} };
const started = Date.now();

const manifest = await readZooManifest(zoo);
const methods = parseMethods(flag('--methods') ?? (manifest.task === 'face-embedding' ? 'sac-jc,sac-w,sac-m' : 'sac-jc,sac-w,sac-m,akh,modeldiff,deepjudge,deepcore'));
const victim = await loadModel(resolveZooPath(zoo, zooVictim(manifest).path), quiet);
const pool = await loadImages(resolveZooPath(zoo, manifest.data.path), {
  size: { height: victim.spec.height, width: victim.spec.width },
  channels: victim.spec.channels === 'gray' ? 1 : 3,
  ...(manifest.data.faceCrop ? { faceCrop: true } : {}),
  ...(manifest.data.indices ? { indices: manifest.data.indices } : {}),
});

// Ordinary traffic: the pool in a seeded order, at most 500 images to fit on and 500 to test on.
const order = new Random(1).permutation(pool.count);
const half = Math.min(500, Math.floor(pool.count / 2));
const fitSet = selectImages(pool, order.slice(0, half));
const testSet = selectImages(pool, order.slice(half, 2 * half));
const detectors = Object.entries(QUERY_DETECTORS);
const thresholds = Object.fromEntries(detectors.map(([name, score]) => [name, fitThreshold(scoreAll(score, fitSet), FALSE_ALARM / detectors.length)]));
const flagged = (batch: ImageBatch, i: number) => detectors.some(([name, score]) => score(batch, i) > thresholds[name]!);
const rates = (batch: ImageBatch) => ({
  ...Object.fromEntries(detectors.map(([name, score]) => [name, flaggedRate(scoreAll(score, batch), thresholds[name]!)])),
  any: Array.from({ length: batch.count }, (_, i) => flagged(batch, i)).filter(Boolean).length / batch.count,
});
const ordinary = { fitted: fitSet.count, tested: testSet.count, falseAlarms: rates(testSet) };
console.log('thresholds', thresholds, 'false alarms on held-out ordinary images', ordinary.falseAlarms);

/** One way of checking a suspect: its decision statistic (lower = stolen) and the images it sends. */
interface Check { readonly queries: ImageBatch; score(model: Model): Promise<number> }

function sacCheck(fp: Fingerprint): Check {
  return { queries: fp.samples, score: async (m) => (await compareWithFingerprint(fp, m)).pearsonDistance };
}

function peerCheck(fp: PeerFingerprint): Check {
  return { queries: fp.inputs, score: async (m) => peerStatistics(scorePeer(fp, await querySuspect(fp, m)))[0]!.value };
}

/** A SAC-JC fingerprint whose samples are `images` (the victim re-queried on them). */
async function withSamples(fp: Fingerprint, images: ImageBatch): Promise<Fingerprint> {
  const victimOutputs = await predictAll(victim, images);
  return { ...fp, samples: images, victimOutputs, victimMatrix: sacMatrix(victimOutputs, fp.manifest.params.kernel, fp.manifest.params.outputMode) };
}

const checks = new Map<string, Check>();
for (const method of methods) {
  if (isPeerMethod(method)) {
    checks.set(method, peerCheck(await PEER_METHODS[method].build(victim, pool, { samples, seed: 1 })));
    continue;
  }
  const fp = await fingerprint(victim, { data: pool, method, samples, seed: 1 });
  checks.set(method, sacCheck(fp));
  if (method !== 'sac-jc') continue;
  // Item 4: SAC-JC's own clean images, corrupted in ways meant not to look like a JPEG at quality 25.
  const clean = selectImages(pool, sampleIndices(pool, samples, 1, { balanced: true }));
  const scaled = async (severity: number) => (await jpegSamples(pool, samples, 1, severity, 2)).images;
  checks.set('sac-jc q50', sacCheck(await withSamples(fp, (await jpegCompress(clean, 50)).decoded)));
  checks.set('sac-jc q75', sacCheck(await withSamples(fp, (await jpegCompress(clean, 75)).decoded)));
  checks.set('sac-jc jpeg-scale 2', sacCheck(await withSamples(fp, await scaled(1))));
  checks.set('sac-jc jpeg-scale 2, severity 4', sacCheck(await withSamples(fp, await scaled(4))));
}
victim.dispose();

const detectionOnly = process.argv.includes('--detection-only');
const decoy = await loadModel(resolveZooPath(zoo, manifest.models.find((m) => m.id === decoyId)!.path), quiet);
const suspects = detectionOnly ? [] : manifest.models.filter((m) => m.role !== 'victim' && m.id !== decoyId);
const scores = new Map<string, { id: string; role: string; group: string; plain: number; thief: number }[]>([...checks.keys()].map((k) => [k, []]));
for (const m of suspects) {
  const model = await loadModel(resolveZooPath(zoo, m.path), quiet);
  const thief = evasiveSuspect(model, decoy, flagged);
  for (const [name, check] of checks) {
    const plain = await check.score(model);
    // Only a stolen model has a reason to evade; an independent one answers as it is.
    const evading = m.role === 'stolen' ? await check.score(thief) : plain;
    scores.get(name)!.push({ id: m.id, role: m.role, group: m.group, plain, thief: evading });
  }
  await model.dispose();
  console.log(`${m.id} scored (${Math.round((Date.now() - started) / 1000)} s)`);
}
await decoy.dispose();

const negatives = [...new Set(suspects.filter((m) => m.role === 'independent').map((m) => m.group))];
const results = [...checks].map(([name, check]) => {
  const rows = scores.get(name)!;
  const stolen = rows.filter((r) => r.role === 'stolen');
  const aucs = (key: 'plain' | 'thief') => detectionOnly ? {} : Object.fromEntries(negatives.map((g) => [g, auc(stolen.map((r) => r[key]), rows.filter((r) => r.group === g).map((r) => r[key]))]));
  return { method: name, queries: check.queries.count, detected: rates(check.queries), auc: aucs('plain'), aucAgainstThief: aucs('thief'), scores: rows };
});
for (const r of results) console.log(r.method, JSON.stringify(r.detected), 'AUC', JSON.stringify(r.auc), 'vs thief', JSON.stringify(r.aucAgainstThief));

const out = `results/detector-${manifest.name}${detectionOnly ? '-detection' : ''}.json`;
await writeFileAtomic(out, JSON.stringify({
  zoo: { path: zoo, name: manifest.name, models: manifest.models.map((m) => m.id) }, decoy: decoyId, samples, falseAlarm: FALSE_ALARM,
  thresholds, ordinary, results, seconds: (Date.now() - started) / 1000,
}, null, 2));
console.log(`written ${out}`);
