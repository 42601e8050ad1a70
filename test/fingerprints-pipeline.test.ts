import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, test } from 'node:test';
import { demoFacePhotos, detectFaceCrops } from '../src/data/faces.js';
import type { ImageSet } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import { calibrate } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { verify } from '../src/fingerprints/verify.js';
import { loadModel } from '../src/models/load.js';

const datasets = resolve(import.meta.dirname, '../../shared/datasets');
const quiet = { onWarning: () => {} };
let faces: ImageSet;

before(async () => {
  faces = await detectFaceCrops(demoFacePhotos(), { size: 112 });
});

test('a victim fed the wrong input range gives a degenerate fingerprint, which is refused', async () => {
  // mobileface expects raw 0–255; fed [0,1] every face gets nearly the same embedding.
  await assert.rejects(
    fingerprint('builtin:mobileface', { data: faces, samples: 30, model: { ...quiet, range: '0-1' } }),
    (e: unknown) => e instanceof LineageError && /degenerate fingerprint/.test(e.message) && /--allow-degenerate/.test(e.hint ?? ''),
  );
  const kept = await fingerprint('builtin:mobileface', { data: faces, samples: 30, allowDegenerate: true, model: { ...quiet, range: '0-1' } });
  assert.ok(kept.manifest.quality.spread.sd < 0.005);
});

test('with the right range the fingerprint is sound, the victim verifies as stolen from itself, and the same seed gives the same bytes', async () => {
  const a = await fingerprint('builtin:fr_feature', { data: faces, samples: faces.count, seed: 5, model: quiet });
  const b = await fingerprint('builtin:fr_feature', { data: faces, samples: faces.count, seed: 5, model: quiet });
  assert.deepEqual(a.samples.data, b.samples.data);
  assert.deepEqual(a.victimMatrix, b.victimMatrix);
  assert.ok(a.manifest.quality.spread.sd > 0.05);
  assert.ok((a.manifest.quality.sameDifferentAuc ?? 0) > 0.75, `same/different AUC ${a.manifest.quality.sameDifferentAuc}`);
  // Not builtin:mobilefacenet: its outputs are degenerate (the same for every face), which calibrate refuses.
  const calibrated = await calibrate(a, ['builtin:mobileface', 'builtin:faceapi_recognition'], { model: quiet });
  const [self, other] = await verify(calibrated, ['builtin:fr_feature', 'builtin:mobileface'], { model: quiet });
  assert.equal(self!.verdict, 'stolen');
  assert.ok(self!.distance < 1e-9 && self!.pearsonDistance < 1e-9);
  assert.equal(self!.queries, faces.count);
  assert.equal(other!.verdict, 'independent');
  assert.ok(other!.pValue!.t! > 0.05, 'a calibration model is not significant against itself');
});

test('SAC-w on a face model picks probes whose nearest gallery identity is wrong', { skip: !existsSync(`${datasets}/lfw`) && 'needs ../shared/datasets/lfw' }, async () => {
  const victim = await loadModel('builtin:mobileface', quiet);
  const fp = await fingerprint(victim, { data: `${datasets}/lfw`, faceCrop: true, method: 'sac-w', samples: 20 });
  await victim.dispose();
  assert.equal(fp.samples.count, 20);
  const labels = fp.manifest.samples.labels!;
  assert.equal(labels.length, 20);
});

test('SAC-w on a classifier keeps only images the victim misclassifies; label-only mode works', { skip: !existsSync(`${datasets}/fer2013`) && 'needs ../shared/datasets/fer2013' }, async () => {
  const victim = await loadModel('builtin:emotion', quiet);
  const fp = await fingerprint(victim, { data: `${datasets}/fer2013`, method: 'sac-w', samples: 25, outputMode: 'label' });
  const names = fp.manifest.params;
  assert.equal(names.outputMode, 'label');
  // Every chosen sample is misclassified by the victim.
  const out = await victim.predict(fp.samples);
  const classes = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
  for (let i = 0; i < fp.samples.count; i++) {
    const row = Array.from(out.data.subarray(i * out.cols, (i + 1) * out.cols));
    assert.notEqual(classes[row.indexOf(Math.max(...row))], fp.manifest.samples.labels![i]);
  }
  await victim.dispose();
});
