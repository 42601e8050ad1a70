import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ImageBatch, ImageSet } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import { checkShareCalibration, fitShare, judgeShare, plainScores, SHARE_RULE, shareCalibrationFrom, shareOf } from '../src/fingerprints/base.js';
import { sacMatrix } from '../src/fingerprints/representation.js';
import { readParts, writeParts } from '../src/fingerprints/bundle-file.js';
import { loadFingerprint, saveFingerprint } from '../src/fingerprints/bundle.js';
import { calibrate } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import type { Fingerprint, SuspectFailure, SuspectResult } from '../src/fingerprints/types.js';
import { verify } from '../src/fingerprints/verify.js';
import type { Model } from '../src/models/types.js';
import { share } from '../src/stats/share.js';
import { methodMetrics } from '../src/bench/metrics.js';
import { SHARE } from '../src/bench/types.js';
import type { CalledStolen } from '../src/bench/types.js';
import { Random } from '../src/util/random.js';
import { LINEAR_SIDE, linearModel as linear, linearSpec } from './helpers/linear-model.js';

const scores = (source: string, toVictim: number, toBase: number) => ({ source, distance: 1, pearsonDistance: toVictim, base: { distance: 1, pearsonDistance: toBase } });

test('share = d(S,V) / (d(S,V) + d(S,P)), 1/2 when both are 0', () => {
  assert.equal(share(0.03, 0.01), 0.75);
  assert.equal(share(0.01, 0.03), 0.25);
  assert.equal(share(0, 0.2), 0);
  assert.equal(share(0, 0), 0.5);
  assert.equal(shareOf(scores('a', 0.375, 0.125), 'pearson'), 0.75);
  assert.equal(shareOf(scores('a', 0.375, 0.125), 'distance'), 0.5);
  assert.equal(shareOf({ distance: 1, pearsonDistance: 1 }, 'pearson'), undefined);
});

test('the share threshold is half the smallest share of the independent models', () => {
  // shares 0.45, 0.55 → 0.225.
  const fair = shareCalibrationFrom([scores('a', 0.45, 0.55), scores('b', 0.55, 0.45)], 'pearson');
  assert.deepEqual(fair, { rule: SHARE_RULE, n: 2, min: 0.45, threshold: 0.225 });
  // Tightly packed near 1/2 (0.49, 0.5, 0.51) it does not collapse onto 1/2: 0.245.
  assert.equal(fitShare([0.5, 0.49, 0.51]).threshold, 0.245);
  // It never exceeds 1/2, even for models all closer to the base (0.6, 0.7 → 0.3).
  assert.equal(fitShare([0.6, 0.7]).threshold, 0.3);
  assert.throws(() => fitShare([0.5]), (e: unknown) => e instanceof LineageError && /at least 2 independent models/.test(e.message));
  assert.throws(() => shareCalibrationFrom([scores('a', 0.5, 0.5), { source: 'b', distance: 1, pearsonDistance: 1 }], 'pearson'),
    (e: unknown) => e instanceof LineageError && /b has no scores against the base/.test(e.message));
});

test('base-aware verdicts: stolen below the share threshold, inconclusive up to 1/2, independent from 1/2 with the reason', () => {
  const cal = { rule: SHARE_RULE, n: 2, min: 0.88, threshold: 0.44 };
  assert.deepEqual(judgeShare('stolen', 0.3, cal), { verdict: 'stolen' });
  assert.equal(judgeShare('stolen', 0.47, cal).verdict, 'inconclusive');
  const sibling = judgeShare('stolen', 0.6, cal);
  assert.equal(sibling.verdict, 'independent');
  assert.match(sibling.reason!, /consistent with an independent descendant of the public base/);
  // The plain rule comes first: far from the victim stays independent, whatever the share.
  assert.deepEqual(judgeShare('independent', 0.1, cal), { verdict: 'independent' });
});

// Tiny linear "models" in memory (test/helpers/linear-model.ts): the public model is [[1, 1]], a fine-tune of it adds a move.
const SIDE = LINEAR_SIDE;
const DIMS = SIDE * SIDE * 3;
const spec = linearSpec;
const linearModel = (source: string, parts: readonly (readonly [seed: number, scale: number])[]): Model => linear(source, parts, { outputs: 8, centre: 127.5 });

const PUBLIC = [1, 1] as const;
const victimParts = [PUBLIC, [2, 0.6]] as const;
const base = () => linearModel('public', [PUBLIC]);
const victim = () => linearModel('victim', victimParts);
const irrelevant = (seed: number) => linearModel(`irrelevant-${seed}`, [[seed, 1]]);

let dir: string;
let fp: Fingerprint;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-base-'));
  const rng = new Random(3);
  const count = 40;
  const images: ImageSet = { data: Uint8Array.from({ length: count * DIMS }, () => rng.int(256)), count, height: SIDE, width: SIDE, channels: 3, names: Array.from({ length: count }, (_, i) => `img${i}.png`) };
  const made = await fingerprint(victim(), { data: images, samples: 30, seed: 2, method: 'sac-m', base: base() });
  // sigma:3 for the plain threshold, so that the test does not move with the default rule.
  fp = await calibrate(made, [11, 12, 13, 14, 15].map(irrelevant), { rule: { kind: 'sigma', k: 3 } });
});
after(() => rm(dir, { recursive: true, force: true }));

test('fingerprint --base keeps the base, calibrate fits the share, verify tells copies from siblings and the parent', async () => {
  assert.equal(fp.manifest.base?.source, 'public');
  assert.ok(fp.manifest.base.victimScores.pearsonDistance > 0);
  assert.match(fp.manifest.base.outputsSha256, /^[0-9a-f]{64}$/);
  const cal = fp.calibration!;
  assert.ok(cal.share && cal.share.threshold === cal.share.min / 2 && cal.share.min > 0.45, JSON.stringify(cal.share));
  const suspects = [
    linearModel('copy', [...victimParts, [21, 0.1]]),
    linearModel('sibling', [PUBLIC, [31, 0.6]]),
    base(),
    irrelevant(41),
  ];
  const results = (await verify(fp, suspects)) as SuspectResult[];
  const [copy, sibling, parent, stranger] = results;
  // Without the base the plain rule alone calls the sibling and the parent stolen too.
  for (const r of [copy, sibling, parent]) assert.ok(r!.pearsonDistance <= r!.threshold!, `${r!.source} plain ${r!.pearsonDistance} vs ${r!.threshold}`);
  assert.equal(copy!.verdict, 'stolen');
  assert.ok(copy!.share! < 0.3 && copy!.intervals!.share!.upper < 0.5);
  assert.equal(sibling!.verdict, 'independent');
  assert.ok(sibling!.share! > 0.5);
  assert.match(sibling!.reason!, /independent descendant of the public base/);
  assert.equal(parent!.verdict, 'independent');
  assert.equal(parent!.share, 1);
  assert.equal(stranger!.verdict, 'independent');
  assert.equal(copy!.shareThreshold, cal.share.threshold);
});

test('a bundle with a base round-trips (format version 2) and re-derives its share threshold', async () => {
  const path = join(dir, 'with-base.lineage');
  await saveFingerprint(path, fp);
  const header = JSON.parse((await readFile(path)).subarray(19, 19 + (await readFile(path)).readUInt32LE(15)).toString('utf8')) as { version: number };
  assert.equal(header.version, 2);
  const back = (await loadFingerprint(path)) as Fingerprint;
  assert.deepEqual(back.base!.matrix, fp.base!.matrix);
  assert.deepEqual(back.base!.outputs, fp.base!.outputs);
  assert.deepEqual(back.manifest.base, fp.manifest.base);
  assert.deepEqual(back.calibration, fp.calibration);
  checkShareCalibration(back, back.calibration!);
  // A bundle without a base is still written as version 1.
  const { base: _b, manifest: { base: _i, ...manifest }, calibration: _c, ...plain } = fp;
  const old = join(dir, 'plain.lineage');
  await saveFingerprint(old, { ...plain, manifest });
  assert.equal((await readFile(old)).readUInt32LE(15) > 0 && JSON.parse((await readFile(old)).subarray(19, 19 + (await readFile(old)).readUInt32LE(15)).toString('utf8')).version, 1);
});

test('a tampered base matrix is refused: by its hash, and with a re-computed hash by the victim–base scores', async () => {
  const path = join(dir, 'tamper.lineage');
  await saveFingerprint(path, fp);
  const bytes = await readFile(path);
  const parts = await readParts(path);
  const matrix = new Float64Array(new Uint8Array(parts.get('base-matrix.f64')!).buffer);
  matrix[1] = matrix[1]! + 0.25;
  matrix[30] = matrix[1]!;
  // Damage in place: the part's SHA-256 no longer matches.
  const offset = bytes.indexOf(Buffer.from(parts.get('base-matrix.f64')!));
  const damaged = Buffer.from(bytes);
  Buffer.from(matrix.buffer).copy(damaged, offset);
  await writeFile(path, damaged);
  await assert.rejects(loadFingerprint(path), (e: unknown) => e instanceof LineageError && /part 'base-matrix.f64' does not match its SHA-256/.test(e.message));
  // Rewritten with fresh hashes: the manifest's victim–base scores no longer follow.
  await writeParts(path, new Map([...parts, ['base-matrix.f64', new Uint8Array(matrix.buffer)]]), 2);
  await assert.rejects(loadFingerprint(path), (e: unknown) => e instanceof LineageError && /base matrix gives victim–base scores/.test(e.message));
});

test('an edited share threshold, or a base calibration stripped of its share, is refused before any query', async () => {
  const cal = fp.calibration!;
  await assert.rejects(verify({ ...fp, calibration: { ...cal, share: { ...cal.share!, threshold: 0.49 } } }, [base()]),
    (e: unknown) => e instanceof LineageError && /share threshold 0.49 .* does not follow from its calibration scores, which give .*threshold differ/.test(e.message));
  await assert.rejects(verify({ ...fp, calibration: { ...cal, share: { ...cal.share!, min: 0.3, threshold: 0.15 } } }, [base()]),
    (e: unknown) => e instanceof LineageError && /min, threshold differ/.test(e.message));
  const { share: _s, ...plain } = cal;
  await assert.rejects(verify({ ...fp, calibration: plain }, [base()]), (e: unknown) => e instanceof LineageError && /has a base but its calibration no share threshold/.test(e.message));
});

test('--base is refused for peer methods, naming the option', async () => {
  await assert.rejects(fingerprint(victim(), { data: 'unused', method: 'akh', base: 'builtin:mobileface' }),
    (e: unknown) => e instanceof LineageError && /base applies to the SAC methods only, not to akh/.test(e.message) && /--base/.test(e.hint ?? ''));
});

test('bench: sibling FPR and stolen TPR without and with the base-aware rule, on one calibration half of irrelevant models', () => {
  const model = (id: string, role: 'stolen' | 'independent', group: string, pearson: number, share: number) =>
    ({ id, role, group, values: { pearson, distance: pearson, [SHARE]: share }, queries: 10, seconds: 0 });
  const models = [
    model('copy-1', 'stolen', 'noise', 0.01, 0.05),
    model('copy-2', 'stolen', 'noise', 0.02, 0.2),
    model('copy-3', 'stolen', 'noise', 0.03, 0.495), // plain-close, but barely closer to the victim than to the base
    model('irr-1', 'independent', 'irrelevant', 0.8, 0.49),
    model('irr-2', 'independent', 'irrelevant', 0.85, 0.5),
    model('irr-3', 'independent', 'irrelevant', 0.9, 0.51),
    model('irr-4', 'independent', 'irrelevant', 0.82, 0.5),
    model('sib-1', 'independent', 'sibling', 0.04, 0.6),
    model('sib-2', 'independent', 'sibling', 0.05, 0.62),
    model('parent', 'independent', 'sibling', 0.03, 1),
  ];
  const metrics = methodMetrics(models, ['pearson', 'distance', SHARE], 'pearson', new Set(['irr-1', 'irr-2', 'irr-3']));
  const base = metrics.baseAware!;
  // The calibration half's shares 0.49, 0.5, 0.51 → 0.245.
  assert.deepEqual(base.share, { rule: SHARE_RULE, n: 3, min: 0.49, threshold: 0.245 });
  const rate = (rows: readonly CalledStolen[], group: string) => rows.find((r) => r.group === group);
  assert.deepEqual(rate(base.falsePositives, 'sibling'), { group: 'sibling', judged: 3, plain: 1, baseAware: 0, inconclusive: 0 });
  assert.deepEqual(rate(base.falsePositives, 'irrelevant'), { group: 'irrelevant', judged: 1, plain: 0, baseAware: 0, inconclusive: 0 });
  assert.deepEqual(rate(base.truePositives, 'noise'), { group: 'noise', judged: 3, plain: 1, baseAware: 2 / 3, inconclusive: 1 / 3 });
  assert.equal(metrics.models.find((m) => m.id === 'copy-3')!.baseAwareVerdict, 'inconclusive');
  assert.equal(metrics.models.find((m) => m.id === 'sib-1')!.baseAwareVerdict, 'independent');
  assert.equal(metrics.models.find((m) => m.id === 'irr-1')!.baseAwareVerdict, undefined, 'the calibration half is not judged');
  // AUC vs siblings on the share: every copy below every sibling.
  assert.equal(metrics.groups.find((g) => g.group === 'noise')!.against.find((a) => a.group === 'sibling')!.auc[SHARE], 1);
});

test('a label-only suspect is compared in label mode against the base too; sequential verification refuses a bundle with a base', async () => {
  const copy = linearModel('copy', [...victimParts, [21, 0.1]]);
  const labels: Model = {
    ...copy,
    source: 'copy-labels',
    spec: { ...spec, outputKind: 'label' },
    async predict(batch: ImageBatch) {
      const out = await copy.predict(batch);
      const data = new Float32Array(out.data.length);
      for (let i = 0; i < out.rows; i++) {
        const row = Array.from(out.data.subarray(i * out.cols, (i + 1) * out.cols));
        data[i * out.cols + row.indexOf(Math.max(...row))] = 1;
      }
      return { ...out, data };
    },
  };
  const [judged] = (await verify(fp, [labels])) as SuspectResult[];
  // Label mode on every side: the base's matrix is rebuilt from its stored outputs' labels.
  const labelBase = sacMatrix(fp.base!.outputs, fp.manifest.params.kernel, 'label');
  assert.deepEqual(judged!.base, plainScores(labelBase, judged!.matrix, fp.samples.count));
  assert.ok(judged!.share! < 0.5, `share ${judged!.share}`);
  const [refused] = await verify(fp, [victim()], { sequential: { maxQueries: 30, alpha: 0.01 } });
  assert.equal(refused!.verdict, 'error');
  assert.match((refused as SuspectFailure).error, /does not support bundles with a base/);
});
