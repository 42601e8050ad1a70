import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveFingerprint } from '../src/fingerprints/bundle.js';
import { calibrate, panelModels } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import type { Fingerprint } from '../src/fingerprints/types.js';
import { BUILTIN_MODELS, resolveBuiltin } from '../src/models/builtin.js';
import { runCli } from './helpers/cli.js';
import { emotionSkip, ferFaces, quiet } from './helpers/emotion.js';

test('the faces panel for builtin:fr_feature is every other face embedder but the degenerate mobilefacenet', () => {
  assert.deepEqual(panelModels('faces', 'builtin:fr_feature'),
    ['builtin:mobileface', 'builtin:faceres', 'builtin:faceres-deep', 'builtin:faceapi_recognition']);
});

test('a panel leaves out the victim and every built-in from its upstream (faceres and faceres-deep are one network)', () => {
  const panel = panelModels('faces', 'builtin:faceres-deep');
  assert.ok(!panel.includes('builtin:faceres') && !panel.includes('builtin:faceres-deep'), panel.join(', '));
  assert.ok(panel.includes('builtin:fr_feature'));
});

test('the emotion panel for builtin:emotion, named or given as its file, is the two other expression models', () => {
  const expected = ['builtin:fr_expression', 'builtin:faceapi_expression'];
  assert.deepEqual(panelModels('emotion', 'builtin:emotion'), expected);
  assert.deepEqual(panelModels('emotion', resolveBuiltin('emotion').path), expected);
  // A model that is none of the built-ins gets the whole panel.
  assert.equal(panelModels('emotion', '/models/mine.onnx').length, BUILTIN_MODELS.filter((m) => m.panel === 'emotion' && !m.caveat).length);
});

test('calibration without two independent models is one clear error', async () => {
  const fp = { kind: 'sac', manifest: { victim: { source: 'builtin:emotion' } } } as unknown as Fingerprint;
  await assert.rejects(calibrate(fp, ['builtin:fr_expression']), /at least 2 independent models, got 1/);
});

let dir = '';
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

const panelSkip = emotionSkip || (['fr_expression', 'faceapi_expression'].every((m) => existsSync(resolveBuiltin(m).path)) ? false : 'an emotion-panel model is not installed');

test('lineage calibrate <bundle> --panel emotion calibrates a builtin:emotion bundle on the other expression models', { skip: panelSkip, timeout: 600_000 }, async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-panel-'));
  const bundle = join(dir, 'emotion.lineage');
  const faces = await ferFaces(Array.from({ length: 40 }, (_, i) => i * 300));
  await saveFingerprint(bundle, await fingerprint('builtin:emotion', { data: faces, samples: 20, model: quiet }));
  const result = await runCli(['calibrate', bundle, '--panel', 'emotion', '--json'], 300_000);
  assert.equal(result.code, 0, result.stderr);
  const cal = JSON.parse(result.stdout) as { models: { source: string; pearsonDistance: number }[] };
  assert.deepEqual(cal.models.map((m) => m.source), ['builtin:fr_expression', 'builtin:faceapi_expression']);
  // Independent models of the same task still disagree with the victim's sample correlations.
  for (const m of cal.models) assert.ok(m.pearsonDistance > 0.05, `${m.source}: ${m.pearsonDistance}`);
});
