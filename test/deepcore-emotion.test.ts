import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSuspects, deepCoreFingerprint, deepCoreScore, querySuspect, softmaxRows } from '../src/fingerprints/peers/index.js';
import { emotionSetup, emotionSkip as skip } from './helpers/emotion.js';

// DeepCore on a real white-box victim (builtin:emotion) from 2 real FER2013 faces, with a tiny step
// budget, against a copy of the victim with heavy weight noise.
test('DeepCore core points raise the victim\'s confidence in every target class; self vs noisy copy', { skip }, async () => {
  const setup = await emotionSetup([700, 2100]);
  const { victim, noisy, seeds } = setup;
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
    await setup.dispose();
  }
});
