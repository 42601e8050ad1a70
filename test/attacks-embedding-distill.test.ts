import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distillEmbeddings } from '../src/attacks/embedding-distill.js';
import { loadImages } from '../src/data/load.js';
import { predictAll } from '../src/fingerprints/query.js';
import { loadModel } from '../src/models/load.js';
import { fidelity } from '../src/zoo/fidelity.js';
import { LFW_SKIP, miniLfw } from './helpers/lfw.js';

test('embedding distillation: a ResNet-8 student learns to regress a real face model\'s embeddings on LFW faces', { skip: LFW_SKIP, timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-distill-'));
  const victim = await loadModel('builtin:fr_feature');
  try {
    const faces = await loadImages(await miniLfw(dir, 48), { faceCrop: true, size: { height: 112, width: 112 } });
    const losses: number[] = [];
    const record = await distillEmbeddings(victim, faces, {
      saveTo: join(dir, 'student'), seed: 1, architecture: 'resnet8', size: 32,
      training: { epochs: 6, batchSize: 16, optimizer: 'adam', lr: 2e-3 },
      onProgress: (p) => { if (p.phase === 'epoch') losses.push(p.loss); },
    });
    assert.equal(record.attack, 'embedding-distill');
    assert.deepEqual([record.params['loss'], record.params['size'], record.params['victim']], ['cosine', 32, 'builtin:fr_feature']);
    assert.equal(losses.length, 6);
    assert.ok(losses.at(-1)! < losses[0]!, `the cosine loss falls: ${losses.map((l) => l.toFixed(3)).join(' → ')}`);

    // The saved student loads through the Model interface as an embedding model of the victim's width.
    const student = await loadModel(join(dir, 'student'));
    try {
      assert.deepEqual([student.spec.outputKind, student.spec.height, student.spec.width], ['embedding', 32, 32]);
      const mine = await predictAll(student, faces);
      const theirs = await predictAll(victim, faces);
      assert.equal(mine.cols, 512);
      const agreement = fidelity(theirs, mine, 'embedding');
      // An untrained student's embeddings are unrelated to the victim's (cosine ≈ 0; 0.03 after the first epoch).
      assert.ok(agreement > 0.25, `the student embeds like the victim: mean cosine ${agreement.toFixed(3)}`);
    } finally {
      await student.dispose();
    }
  } finally {
    await victim.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
