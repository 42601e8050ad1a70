/**
 * Hostile inputs that used to give plausible wrong verdicts (issue 16): degenerate suspects and
 * calibration models, content-free samples, edited calibrations, near-copies passed off as
 * independent, and batches where one broken suspect threw the others' results away.
 *
 * The models are small in-memory stand-ins (a fixed random linear map of the pixels) so that every
 * case runs in milliseconds; the CLI cases serve them over HTTP to the real CLI.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageSet } from '../src/data/types.js';
import { loadFingerprint, saveFingerprint } from '../src/fingerprints/bundle.js';
import { calibrate } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import type { AnySuspectResult, Fingerprint, SuspectFailure, SuspectResult } from '../src/fingerprints/types.js';
import { verify } from '../src/fingerprints/verify.js';
import { serveModel } from '../src/models/serve.js';
import type { Model, OutputKind, Outputs } from '../src/models/types.js';
import type { ImageBatch } from '../src/data/types.js';
import { Random } from '../src/util/random.js';
import { assertCleanError, runCli } from './helpers/cli.js';

const SIZE = 16;
const PIXELS = SIZE * SIZE * 3;
const DIM = 8;
const N = 30;

/** A fixed random linear map pixels → DIM outputs (seeded), standing in for a trained model. */
function weights(seed: number): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: DIM * PIXELS }, () => rng.gaussian());
}

/** `w` with Gaussian noise of `sigma` (relative to the weights' unit sd): a derived copy. */
function noisy(w: Float64Array, sigma: number, seed: number): Float64Array {
  const rng = new Random(seed);
  return w.map((v) => v + sigma * rng.gaussian());
}

/** A Model whose output row is `post(W·x)` for x the centred pixels of each image. */
function linearModel(source: string, w: Float64Array, post: (row: number[]) => number[] = (r) => r, outputKind: OutputKind = 'logits'): Model {
  let queries = 0;
  return {
    source,
    spec: { height: SIZE, width: SIZE, channels: 'rgb', layout: 'nhwc', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], output: 0, outputKind, normalisationSource: 'override' },
    get queries() {
      return queries;
    },
    async predict(batch: ImageBatch): Promise<Outputs> {
      queries += batch.count;
      const rows: number[] = [];
      for (let i = 0; i < batch.count; i++) {
        const x = batch.data.subarray(i * PIXELS, (i + 1) * PIXELS);
        const row = Array.from({ length: DIM }, (_, k) => {
          let s = 0;
          for (let p = 0; p < PIXELS; p++) s += w[k * PIXELS + p]! * (x[p]! / 255 - 0.5);
          return s / Math.sqrt(PIXELS);
        });
        rows.push(...post(row));
      }
      return { data: Float32Array.from(rows), rows: batch.count, cols: rows.length / batch.count };
    },
    async dispose() {},
  };
}

/** `count` images; `fill(i, rng)` gives image i's pixels (default: uniform noise, i.e. full of content). */
function imageSet(count: number, fill: (i: number, rng: Random) => Uint8Array = (_, rng) => Uint8Array.from({ length: PIXELS }, () => rng.int(256))): ImageSet {
  const rng = new Random(11);
  const data = new Uint8Array(count * PIXELS);
  for (let i = 0; i < count; i++) data.set(fill(i, rng), i * PIXELS);
  return { data, count, height: SIZE, width: SIZE, channels: 3, names: Array.from({ length: count }, (_, i) => `img-${i}`) };
}

const VICTIM = weights(1);
const victim = linearModel('victim', VICTIM);
const copy = () => linearModel('copy (1 % weight noise)', noisy(VICTIM, 0.01, 9));
const independent = (seed: number) => linearModel(`independent-${seed}`, weights(seed));

/** The ways a suspect's outputs can carry no information (issue 16 item 2). */
const DEGENERATE: readonly { readonly name: string; readonly model: () => Model }[] = [
  { name: 'all-zero outputs', model: () => linearModel('zeros', VICTIM, (r) => r.map(() => 0)) },
  { name: 'one vector for every image', model: () => linearModel('constant', VICTIM, (r) => r.map((_, k) => k + 1)) },
  // A wrong --std: the signal is scaled down to nothing beside the output bias.
  { name: 'outputs flattened by a wrong --std', model: () => linearModel('flattened', VICTIM, (r) => r.map((v, k) => 1e-4 * v + k + 1)) },
  { name: 'a label-only suspect that answers one class', model: () => linearModel('one-label', VICTIM, (r) => r.map((_, k) => (k === 0 ? 1 : 0)), 'label') },
];

const judged = (r: AnySuspectResult | SuspectFailure | undefined): SuspectResult => {
  assert.ok(r && r.verdict !== 'error' && 'matrix' in r, `expected a judged SAC result, got ${r?.verdict}`);
  return r;
};

let fp: Fingerprint;
let calibrated: Fingerprint;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-hostile-verdict-'));
  fp = await fingerprint(victim, { data: imageSet(N), samples: N });
  calibrated = await calibrate(fp, [independent(2), independent(3), independent(4), independent(5)]);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('degenerate suspects and calibration models', () => {
  test('controls: the copy is stolen, a fresh independent model independent', async () => {
    const [c, i] = await verify(calibrated, [copy(), independent(6)]);
    assert.equal(judged(c).verdict, 'stolen');
    assert.equal(judged(i).verdict, 'independent');
  });

  for (const { name, model } of DEGENERATE) {
    test(`${name}: inconclusive with the reason, never independent`, async () => {
      const [r] = await verify(calibrated, [model()]);
      assert.equal(r!.verdict, 'inconclusive', `${r!.source}: ${r!.verdict}`);
      assert.match((r as SuspectResult).reason ?? '', /degenerate.*nearly the same for every sample/);
      assert.equal((r as SuspectResult).pValue, undefined, 'no p-value for a suspect that carries no evidence');
    });
  }

  test('a peer fingerprint (AKH) too: a constant suspect is inconclusive, not independent', async () => {
    const labelled: ImageSet = { ...imageSet(80), labels: Array.from({ length: 80 }, (_, i) => String(i % DIM)) };
    const akh = await calibrate(await fingerprint(victim, { data: labelled, method: 'akh', samples: 30 }), [independent(2), independent(3), independent(4)]);
    const [c, constant] = await verify(akh, [copy(), DEGENERATE[1]!.model()]);
    assert.equal(c!.verdict, 'stolen');
    assert.equal(constant!.verdict, 'inconclusive');
    assert.match('reason' in constant! ? constant.reason ?? '' : '', /degenerate outputs/);
  });

  test('calibrate refuses a degenerate calibration model, naming it', async () => {
    await assert.rejects(calibrate(fp, [independent(2), DEGENERATE[1]!.model(), independent(3)]),
      /calibration model constant.*degenerate/);
  });
});

describe('content-free fingerprint samples', () => {
  test('near-constant samples (1×1 images stretched) are refused with their count', async () => {
    const flat = imageSet(N, (i) => new Uint8Array(PIXELS).fill(8 * i));
    await assert.rejects(fingerprint(victim, { data: flat, samples: N }), /30 of 30 samples are near-constant/);
  });

  test('a few duplicated samples are kept with a warning that counts them', async () => {
    const base = imageSet(N);
    const size = PIXELS;
    const data = base.data.slice();
    data.copyWithin(1 * size, 0, size); // image 1 = image 0
    data.copyWithin(3 * size, 2 * size, 3 * size); // image 3 = image 2
    const withDuplicates = await fingerprint(victim, { data: { ...base, data }, samples: N });
    assert.ok(withDuplicates.manifest.quality.warnings.some((w) => /2 of 30 samples duplicate another sample/.test(w)),
      withDuplicates.manifest.quality.warnings.join('\n'));
  });
});

describe('consistent calibration', () => {
  test('verify refuses a bundle whose threshold was edited and re-hashed', async () => {
    const cal = calibrated.calibration!;
    const path = join(dir, 'edited.lineage');
    await saveFingerprint(path, { ...calibrated, calibration: { ...cal, fit: { ...cal.fit, threshold: cal.fit.threshold * 3 } } });
    const edited = await loadFingerprint(path); // the SHA-256 sums match: they were recomputed
    await assert.rejects(verify(edited, [copy()]), /threshold .* does not follow from its calibration scores/);
  });

  test('verify refuses a bundle whose calibration scores were edited to hold a near-copy', async () => {
    const cal = calibrated.calibration!;
    const models = cal.models.map((m, i) => (i === 0 ? { ...m, pearsonDistance: 1e-4 } : m));
    const { calibrationFrom } = await import('../src/fingerprints/calibrate.js');
    // Even with a threshold re-fitted to match, an unflagged near-copy among the scores is refused.
    const refit = { ...cal, models, fit: calibrationFrom(models).fit };
    await assert.rejects(verify({ ...calibrated, calibration: refit }, [copy()]), /near-copy/);
  });

  test('calibrate refuses a near-copy of the victim passed as independent; allowNearCopy keeps it, flagged', async () => {
    const nearCopy = linearModel('near-copy', noisy(VICTIM, 0.05, 4));
    await assert.rejects(calibrate(fp, [independent(2), independent(3), nearCopy]), /near-copy.*closer to the victim/);
    const kept = await calibrate(fp, [independent(2), independent(3), nearCopy], { allowNearCopy: true });
    assert.deepEqual(kept.calibration!.nearCopies, ['near-copy']);
    const [r] = await verify(kept, [independent(6)]);
    assert.equal(judged(r).verdict, 'independent', 'a bundle kept with allowNearCopy still verifies');
  });
});

describe('consistent calibration through the CLI', () => {
  test('calibrate refuses a near-copy, keeps it with --allow-near-copy and a warning; verify refuses an edited threshold', { timeout: 60_000 }, async () => {
    const uncalibrated = join(dir, 'cli-uncalibrated.lineage');
    await saveFingerprint(uncalibrated, fp);
    const served = await Promise.all([independent(2), independent(3), linearModel('near-copy', noisy(VICTIM, 0.05, 4))].map((m) => serveModel(m, { port: 0 })));
    try {
      const urls = served.map((s) => s.url);
      const out = join(dir, 'cli-near.lineage');
      const refused = await runCli(['calibrate', uncalibrated, ...urls, '--out', out]);
      assertCleanError(refused, [/near-copy of the victim/, new RegExp(urls[2]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))]);
      assert.match(refused.stderr, /^fix: .*--allow-near-copy/m);
      const kept = await runCli(['calibrate', uncalibrated, ...urls, '--out', out, '--allow-near-copy']);
      assert.equal(kept.code, 0, kept.stderr);
      assert.match(kept.stderr, /^warning: kept near-copies of the victim/m);
      assert.deepEqual((await loadFingerprint(out)).calibration!.nearCopies, [urls[2]]);
    } finally {
      await Promise.all(served.map((s) => s.close()));
    }
    const cal = calibrated.calibration!;
    const edited = join(dir, 'cli-edited.lineage');
    await saveFingerprint(edited, { ...calibrated, calibration: { ...cal, fit: { ...cal.fit, threshold: cal.fit.threshold / 10 } } });
    assertCleanError(await runCli(['verify', edited, join(dir, 'missing.onnx')]), [/calibration is inconsistent/, /does not follow from its calibration scores/]);
  });
});

describe('batches: every suspect gets its own row', () => {
  test('library: broken suspects get verdict error with the reason, the others are judged', async () => {
    const wrongShape: Model = { ...copy(), source: 'wrong-shape', predict: async () => ({ data: new Float32Array(DIM), rows: 1, cols: DIM }) };
    const nan = linearModel('nan', VICTIM, (r) => r.map(() => NaN));
    const results = await verify(calibrated, [independent(6), join(dir, 'missing.onnx'), nan, wrongShape, copy()]);
    assert.deepEqual(results.map((r) => r.verdict), ['independent', 'error', 'error', 'error', 'stolen']);
    const errors = results.filter((r) => r.verdict === 'error').map((r) => ('error' in r ? r.error : ''));
    assert.match(errors[0]!, /missing\.onnx/);
    assert.match(errors[1]!, /non-finite/);
    assert.match(errors[2]!, /returned 1 outputs for \d+ images/);
  });

  test('CLI: one table/JSON/report row per suspect, errors and inconclusive with reasons, exit code non-zero', { timeout: 60_000 }, async () => {
    const bundle = join(dir, 'cli.lineage');
    await saveFingerprint(bundle, calibrated);
    const served = await Promise.all([serveModel(copy(), { port: 0 }), serveModel(DEGENERATE[1]!.model(), { port: 0 })]);
    try {
      const [copyUrl, constantUrl] = served.map((s) => s.url);
      const report = join(dir, 'report.html');
      const suspects = [copyUrl!, join(dir, 'missing.onnx'), 'http://127.0.0.1:1', constantUrl!];
      const json = await runCli(['verify', bundle, ...suspects, '--json', '--report', report, '--retries', '0', '--timeout', '2000']);
      assert.equal(json.code, 2, json.stderr);
      const rows = JSON.parse(json.stdout) as { source: string; verdict: string; error?: string; reason?: string }[];
      assert.deepEqual(rows.map((r) => r.verdict), ['stolen', 'error', 'error', 'inconclusive']);
      assert.match(rows[1]!.error!, /missing\.onnx/);
      assert.match(rows[2]!.error!, /127\.0\.0\.1:1/);
      assert.match(rows[3]!.reason!, /degenerate/);
      const html = await readFile(report, 'utf8');
      for (const text of ['stolen', 'error', 'inconclusive', 'missing.onnx', 'degenerate']) assert.ok(html.includes(text), `the report shows '${text}'`);

      const plain = await runCli(['verify', bundle, ...suspects, '--retries', '0', '--timeout', '2000']);
      assert.equal(plain.code, 2);
      assert.match(plain.stdout, /missing\.onnx .*error/);
      assert.match(plain.stdout, /inconclusive: .*degenerate/);
      assert.match(plain.stderr, /^error: .*missing\.onnx/m);
    } finally {
      await Promise.all(served.map((s) => s.close()));
    }
  });
});
