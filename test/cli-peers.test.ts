import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBuiltin } from '../src/models/builtin.js';
import { assertCleanError, runCli } from './helpers/cli.js';
import { emotionSkip, writeFerSubset, writeNoisyEmotion } from './helpers/emotion.js';

// The real CLI on a real white-box victim (builtin:emotion, TF.js) with FER2013 faces: peer
// fingerprints made, calibrated on two models known to be independent (builtin:fr_expression, another
// author's ONNX expression model, and a copy of the victim with weights drowned in noise), and
// verified. Small -n keeps it fast; the data is a 300-face FER2013 subset (loading all 13,614 faces
// at the victim's size takes ~20 s per CLI call).
const frExpression = (() => {
  try {
    return resolveBuiltin('fr_expression').path;
  } catch {
    return undefined;
  }
})();
const skip = emotionSkip || (!frExpression || !existsSync(frExpression) ? 'builtin:fr_expression is not installed' : false);

let dir = '';
let data = '';
let independent: string[] = [];
before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'lineage-cli-peers-'));
  data = await writeFerSubset(dir, 300, 45);
  independent = ['builtin:fr_expression', await writeNoisyEmotion(dir)];
});
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

/** Run the CLI and parse its --json output, failing with the CLI's stderr when it did not succeed. */
async function cliJson<T>(args: readonly string[]): Promise<T> {
  const result = await runCli([...args, '--json']);
  assert.equal(result.code, 0, `lineage ${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

interface Verified { source: string; scores: { name: string; value: number }[]; statistic: string; value: number; verdict: string; queries: number }

test('AKH through the CLI: fingerprint, calibrate, verify — the victim itself is stolen at Hamming distance 0', { skip }, async () => {
  const bundle = join(dir, 'akh.lineage');
  const made = await cliJson<{ kind: string; method: string; inputs: number; cost: { seconds: number; victimQueries: number } }>(
    ['fingerprint', 'builtin:emotion', '--data', data, '--method', 'akh', '-n', '8', '--out', bundle]);
  assert.deepEqual([made.kind, made.method, made.inputs], ['peer', 'akh', 8]);
  assert.ok(made.cost.seconds > 0 && made.cost.victimQueries >= 8, JSON.stringify(made.cost));

  const cal = await cliJson<{ statistic: string; fit: { threshold: number }; models: unknown[] }>(['calibrate', bundle, ...independent]);
  assert.equal(cal.statistic, 'Hamming distance');
  assert.equal(cal.models.length, 2);

  const [self, noisy] = await cliJson<Verified[]>(['verify', bundle, 'builtin:emotion', independent[1]!]);
  assert.deepEqual([self!.value, self!.verdict, self!.queries], [0, 'stolen', 8]);
  assert.ok(noisy!.value > cal.fit.threshold, `the noisy copy scores ${noisy!.value}, threshold ${cal.fit.threshold}`);
});

test('IPGuard (white-box) through the CLI: stolen at matching rate 1; inspect and the HTML report show the peer bundle', { skip }, async () => {
  const bundle = join(dir, 'ipguard.lineage');
  const fingerprinted = await runCli(['fingerprint', 'builtin:emotion', '--data', data, '--method', 'ipguard', '-n', '4', '--seed', '3', '--out', bundle]);
  assert.equal(fingerprinted.code, 0, fingerprinted.stderr);
  assert.match(fingerprinted.stdout, /ipguard, 4 query inputs \(64×64\) from 4 seed images/);
  assert.match(fingerprinted.stdout, /cost: [\d.]+ s, \d+ victim queries/);

  const calibrated = await runCli(['calibrate', bundle, ...independent]);
  assert.equal(calibrated.code, 0, calibrated.stderr);
  assert.match(calibrated.stdout, /threshold on 1 − matching rate: /);

  const report = join(dir, 'ipguard.html');
  const [self] = await cliJson<Verified[]>(['verify', bundle, 'builtin:emotion', '--report', report]);
  assert.deepEqual([self!.scores[0]!.name, self!.scores[0]!.value, self!.statistic, self!.value, self!.verdict], ['matching rate', 1, '1 − matching rate', 0, 'stolen']);
  const html = await readFile(report, 'utf8');
  assert.ok(html.includes('matching rate (higher ⇒ stolen)') && html.includes('builtin:fr_expression'), 'the report has the scores and the calibration models');
  assert.ok(!html.includes('Correlation matrices'), 'a peer report has no correlation heatmaps');

  const inspected = await runCli(['inspect', bundle]);
  assert.equal(inspected.code, 0, inspected.stderr);
  for (const line of [/method\s+ipguard \(peer\), k 10/, /inputs\s+4 × 64×64×1, from 4 seed images .* \(seed 3\)/, /cost\s+[\d.]+ s, \d+ victim queries/,
    /calibrated threshold on 1 − matching rate [\d.]+ .* from 2 independent models/]) {
    assert.match(inspected.stdout, line);
  }
});

test('a white-box method on an ONNX victim fails cleanly, naming the method and the black-box alternatives', { skip }, async () => {
  const out = await mkdtemp(join(dir, 'out-'));
  const result = await runCli(['fingerprint', 'builtin:fr_expression', '--data', data, '--method', 'ipguard', '-n', '4', '--out', join(out, 'fp.lineage')]);
  assertCleanError(result, [/ipguard/, /needs a TF\.js victim/, /fr_expression/]);
  assert.match(result.stderr, /^fix: .*--method akh, sac-jc, sac-w or sac-m/m);
  assert.deepEqual(await readdir(out), [], 'nothing written');
});
