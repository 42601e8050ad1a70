import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { calibrate } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { saveFingerprint } from '../src/fingerprints/bundle.js';
import type { Fingerprint } from '../src/fingerprints/types.js';
import { buildZoo } from '../src/zoo/build.js';
import { zooPreset } from '../src/zoo/presets/index.js';
import { assertCleanError, runCli, startCli } from './helpers/cli.js';
import { noRedis, startRedis } from './helpers/redis.js';

const CIFAR = path.resolve('../shared/datasets/cifar10');
const skip = existsSync(CIFAR) ? false : `CIFAR-10 not found at ${CIFAR} (the shared datasets are absent)`;
const N = 16;

let root: string;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lineage-scan-'));
});
after(() => rm(root, { recursive: true, force: true }));

/**
 * A tiny zoo, three bundles of its victim (two share their samples: sac-jc with the cosine and the
 * RBF kernel; the third draws other samples) calibrated on its two independent models, and a
 * suspect list: a weight copy, a fine-tune, an independent model and a file that does not exist.
 */
async function setUp(): Promise<{ bundles: string; list: string }> {
  const zoo = path.join(root, 'zoo');
  await buildZoo(zoo, zooPreset('cifar10-tiny'), { only: ['noise-10pct', 'fine-tune-last-1', 'irrelevant-1', 'homologous-1'] });
  const bundles = path.join(root, 'bundles');
  await mkdir(bundles);
  const make = async (name: string, options: { seed: number; kernel: 'cosine' | 'rbf' }) => {
    const fp = await fingerprint(path.join(zoo, 'victim'), { data: CIFAR, samples: N, ...options }) as Fingerprint;
    await saveFingerprint(path.join(bundles, name), await calibrate(fp, [path.join(zoo, 'irrelevant-1'), path.join(zoo, 'homologous-1')]));
  };
  await make('a-cosine.lineage', { seed: 1, kernel: 'cosine' });
  await make('b-rbf.lineage', { seed: 1, kernel: 'rbf' });
  await make('c-other-samples.lineage', { seed: 2, kernel: 'cosine' });
  await writeFile(path.join(bundles, 'notes.txt'), 'not a bundle');
  const list = path.join(root, 'suspects.txt');
  await writeFile(list, '# suspects, relative to this file\nzoo/noise-10pct\n\nzoo/fine-tune-last-1   # fine-tuned copy\nzoo/irrelevant-1\nzoo/missing.onnx\n');
  return { bundles, list };
}

interface ScanJson {
  readonly bundles: number;
  readonly sampleSets: number;
  readonly rows: readonly { suspect: string; bundle: string; verdict: string; value?: number; error?: string }[];
  readonly scans: readonly { suspect: string; imagesSent: number }[];
}

test('scan: every suspect × bundle judged, queried once per distinct sample set, failures as error rows; the queue gives the same rows', { skip, timeout: 240_000 }, async () => {
  const { bundles, list } = await setUp();
  const out = path.join(root, 'out');
  const local = await runCli(['scan', '--bundles', bundles, '--suspects', list, '--out', out], 120_000);
  assert.equal(local.code, 1, `a suspect that cannot be loaded makes the exit code non-zero\n${local.stderr}`);
  const json = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ScanJson;
  assert.equal(json.bundles, 3);
  assert.equal(json.sampleSets, 2);
  assert.equal(json.rows.length, 4 * 3);
  const row = (suspect: string, bundle: string) => json.rows.find((r) => r.suspect.endsWith(suspect) && r.bundle === bundle)!;
  for (const bundle of ['a-cosine.lineage', 'b-rbf.lineage', 'c-other-samples.lineage']) {
    assert.equal(row('noise-10pct', bundle).verdict, 'stolen', `weight copy caught by ${bundle}`);
    assert.equal(row('irrelevant-1', bundle).verdict, 'independent');
    assert.equal(row('missing.onnx', bundle).verdict, 'error');
    assert.match(row('missing.onnx', bundle).error!, /missing\.onnx/);
  }
  // Two sample sets of N images: the RBF bundle reuses the cosine bundle's answers.
  for (const s of json.scans.filter((x) => !x.suspect.endsWith('missing.onnx'))) assert.equal(s.imagesSent, 2 * N, s.suspect);
  const csv = (await readFile(path.join(out, 'results.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv.length, 1 + 12);
  assert.equal(csv[0], 'suspect,bundle,victim,method,verdict,statistic,value,threshold,pRank,error');
  const html = await readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /noise-10pct/);
  assert.match(html, /Not judged/);

  if (noRedis) return;
  const redis = await startRedis();
  let worker: ChildProcess | undefined;
  try {
    worker = startCli(['worker', '--queue', redis.url]);
    const queued = path.join(root, 'out-queue');
    const viaQueue = await runCli(['scan', '--bundles', bundles, '--suspects', list, '--out', queued, '--queue', redis.url], 120_000);
    assert.equal(viaQueue.code, 1, viaQueue.stderr);
    const qJson = JSON.parse(await readFile(path.join(queued, 'results.json'), 'utf8')) as ScanJson;
    const key = (rows: ScanJson['rows']) => rows.map(({ suspect, bundle, verdict, value }) => ({ suspect, bundle, verdict, value }));
    assert.deepEqual(key(qJson.rows), key(json.rows));
  } finally {
    worker?.kill('SIGKILL');
    await redis.stop();
  }
});

test('scan: no bundles or no suspects is one clear error', { timeout: 60_000 }, async () => {
  const empty = path.join(root, 'empty');
  await mkdir(empty, { recursive: true });
  const list = path.join(root, 'none.txt');
  await writeFile(list, '# nothing\n');
  assertCleanError(await runCli(['scan', '--bundles', empty, '--suspects', list, '--out', path.join(root, 'o1')]), [/no \.lineage bundles in/]);
  assertCleanError(await runCli(['scan', '--bundles', path.join(root, 'nope'), '--suspects', list, '--out', path.join(root, 'o2')]), [/cannot read the bundle folder/]);
});
