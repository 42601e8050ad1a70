import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZooManifest, ZooModel } from '../src/zoo/manifest.js';
import { summariseZoo } from '../src/zoo/summary.js';

const model = (id: string, group: string, extra: Partial<ZooModel>): ZooModel => ({ id, path: id, role: group === 'victim' ? 'victim' : 'stolen', group, ...extra });

test('summariseZoo: per group, in manifest order, mean/min/max of accuracy and fidelity, mean training time', () => {
  const manifest: ZooManifest = {
    format: 'lineage-zoo', version: 1, name: 'z', task: 'classification', data: { path: 'data' }, createdAt: '',
    models: [
      model('victim', 'victim', { architecture: 'resnet8', testAccuracy: 0.5, fidelity: 1, trainSeconds: 300 }),
      model('ft-1', 'fine-tune', { architecture: 'resnet8', testAccuracy: 0.46, fidelity: 0.9, trainSeconds: 10 }),
      model('fp16', 'quantise', {}),
      model('ft-2', 'fine-tune', { architecture: 'vgg-small', testAccuracy: 0.6, fidelity: 0.7, trainSeconds: 30 }),
    ],
  };
  const [victim, fineTune, quantise] = summariseZoo(manifest);
  assert.deepEqual(summariseZoo(manifest).map((g) => g.group), ['victim', 'fine-tune', 'quantise']);
  assert.deepEqual(victim!.testAccuracy, { mean: 0.5, min: 0.5, max: 0.5 });
  assert.equal(fineTune!.models, 2);
  assert.deepEqual(fineTune!.architectures, ['resnet8', 'vgg-small']);
  assert.ok(Math.abs(fineTune!.testAccuracy!.mean - 0.53) < 1e-12);
  assert.deepEqual([fineTune!.testAccuracy!.min, fineTune!.testAccuracy!.max], [0.46, 0.6]);
  assert.deepEqual(fineTune!.utility, fineTune!.testAccuracy, 'a classifier\'s utility is its test accuracy');
  assert.ok(Math.abs(fineTune!.fidelity!.mean - 0.8) < 1e-12);
  assert.equal(fineTune!.trainSeconds, 20);
  assert.equal(quantise!.testAccuracy, undefined, 'no accuracy recorded: none reported');
  assert.deepEqual([quantise!.architectures, quantise!.trainSeconds], [[], 0]);
});
