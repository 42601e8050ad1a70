import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveCopy } from '../src/attacks/weights/derive.js';
import { loadImages } from '../src/data/load.js';
import { resolveBuiltin } from '../src/models/builtin.js';
import { loadModel } from '../src/models/load.js';
import { clusterSuspects, deepCoreFingerprint, deepCoreScore, querySuspect, softmaxRows } from '../src/fingerprints/peers/index.js';

// DeepCore on a real white-box victim (builtin:emotion) from 2 real FER2013 faces, with a tiny step
// budget, against a copy of the victim with heavy weight noise.
const FER = path.resolve(import.meta.dirname, '../../shared/datasets/fer2013');
const EMOTION_LOGITS = 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean';
const emotion = (() => {
  try {
    return resolveBuiltin('emotion').path;
  } catch {
    return undefined;
  }
})();
const skip = !existsSync(path.join(FER, 'images.u8')) ? `FER2013 not found at ${FER}`
  : !emotion || !existsSync(emotion) ? 'builtin:emotion is not installed' : false;

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

test('DeepCore core points raise the victim\'s confidence in every target class; self vs noisy copy', { skip }, async () => {
  const quiet = { onWarning: () => {} };
  const seeds = await loadImages(FER, { size: { height: 64, width: 64 }, channels: 1, indices: [700, 2100] });
  const dir = await mkdtemp(path.join(tmpdir(), 'lineage-deepcore-'));
  dirs.push(dir);
  await deriveCopy(emotion!, path.join(dir, 'noisy'), { kind: 'noise', sigma: 0.5, seed: 7 });
  const victim = await loadModel('builtin:emotion', quiet);
  const noisy = await loadModel(path.join(dir, 'noisy'), { ...quiet, size: 64, channels: 'gray', range: '-1-1', output: EMOTION_LOGITS, outputKind: 'logits' });
  try {
    const fp = await deepCoreFingerprint(victim, seeds, { steps: 5 });
    const classes = fp.victimOutputs.cols;
    assert.equal(fp.inputs.count, seeds.count * classes);
    assert.deepEqual(fp.referenceLabels, Array.from({ length: fp.inputs.count }, (_, k) => k % classes));

    // Confidence in the target class, before (on the seed) and after (on the stored 8-bit core point).
    const before = softmaxRows(await victim.predict(seeds));
    const after = softmaxRows(fp.victimOutputs);
    let raised = 0;
    after.forEach((p, k) => {
      if (p[k % classes]! > before[Math.floor(k / classes)]![k % classes]!) raised++;
    });
    assert.equal(raised, fp.inputs.count, 'every core point is more confident in its target than its seed');
    const meanTarget = after.reduce((s, p, k) => s + p[k % classes]!, 0) / after.length;
    assert.ok(meanTarget > 0.5, `mean target confidence ${meanTarget}`);

    const selfOut = await querySuspect(fp, victim);
    const noisyOut = await querySuspect(fp, noisy);
    assert.deepEqual(deepCoreScore(fp, selfOut).map((s) => s.value), [1, 1]);
    const [agree, cosine] = deepCoreScore(fp, noisyOut);
    assert.ok(agree!.value < 1 && cosine!.value < 1);
    assert.deepEqual(clusterSuspects(fp.victimOutputs, [selfOut, noisyOut]), [true, false]);
    console.log(`DeepCore: ${fp.meta.seconds.toFixed(1)} s, ${fp.meta.queriesToBuild} victim evaluations for ${fp.inputs.count} core points; ` +
      `mean target confidence ${meanTarget.toFixed(3)}; noisy copy: agreement ${agree!.value.toFixed(2)}, cosine ${cosine!.value.toFixed(3)}`);
  } finally {
    await Promise.all([victim.dispose(), noisy.dispose()]);
  }
});
