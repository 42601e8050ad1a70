import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineageError } from '../src/errors.js';
import { runTrainingJob, type TrainingJob } from '../src/train/job.js';
import { runTrainingJobs } from '../src/train/pool.js';
import { Random } from '../src/util/random.js';

/** 24 random 16×16 RGB images with labels 0..3. */
function syntheticData(seed: number): TrainingJob['data'] {
  const random = new Random(seed);
  const count = 24;
  return {
    images: { data: Uint8Array.from({ length: count * 16 * 16 * 3 }, () => random.int(256)), count, height: 16, width: 16, channels: 3 },
    labels: Int32Array.from({ length: count }, (_, i) => i % 4),
  };
}

test('two jobs train in two worker processes, deterministically; a bad job fails with its name', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-pool-'));
  try {
    const job = (name: string, seed: number): TrainingJob => ({
      name,
      model: { architecture: 'resnet8', classes: 4, seed },
      data: syntheticData(seed),
      options: {
        epochs: 1, batchSize: 8, seed, saveTo: path.join(dir, name),
        // Job a also exercises momentum SGD, weight decay and the step schedule.
        ...(seed === 1 ? { optimizer: 'momentum', lr: 0.01, weightDecay: 5e-4, schedule: 'step' } as const : {}),
      },
    });
    const jobs = [job('a', 1), job('b', 2)];
    const seen = new Set<string>();
    const results = await runTrainingJobs(jobs, { processes: 2, onProgress: (name) => seen.add(name) });
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => Number.isFinite(r.history[0]!.loss) && r.imagesPerSecond > 0));
    for (const name of ['a', 'b']) assert.ok(existsSync(path.join(dir, name, 'model.lineage.json')), `model ${name} saved`);
    const local = await runTrainingJob({ ...jobs[1]!, options: { ...jobs[1]!.options, saveTo: path.join(dir, 'b-local') } });
    assert.equal(results[1]!.history[0]!.loss, local.history[0]!.loss, 'same job, same seed: same loss in a worker and here');

    const bad: TrainingJob = { ...job('bad', 3), data: { ...syntheticData(3), labels: new Int32Array(24).fill(7) } };
    await assert.rejects(runTrainingJobs([bad], { processes: 1 }), (e: unknown) =>
      e instanceof LineageError && /"bad"/.test(e.message) && /label 7/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
