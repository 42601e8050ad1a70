import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImages } from '../src/data/load.js';
import { predictAll } from '../src/fingerprints/query.js';
import { loadModel } from '../src/models/load.js';
import { buildZoo } from '../src/zoo/build.js';
import { facesSmallPreset } from '../src/zoo/presets/faces-small.js';
import { LFW_SKIP, miniLfw } from './helpers/lfw.js';

test('faces-small on a mini LFW: students of the victim and of faceres, each in its teacher\'s embedding space', { skip: LFW_SKIP, timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-faces-small-'));
  try {
    const data = await miniLfw(dir, 60);
    const manifest = await buildZoo(join(dir, 'zoo'), facesSmallPreset, { data, only: ['distill-1', 'other-teacher-1'] });
    assert.deepEqual(manifest.models.map((m) => [m.id, m.role, m.group]),
      [['fr_feature', 'victim', 'victim'], ['distill-1', 'stolen', 'distill'], ['other-teacher-1', 'independent', 'other-teacher']]);
    assert.ok(manifest.data.indices!.length >= 30, 'the held-out half is what fingerprints are drawn from');
    const [, stolen, independent] = manifest.models;
    // 30 attacker faces make 8 optimiser steps: enough to leave an untrained student's cosine of ≈ 0 behind.
    assert.ok(stolen!.fidelity! > 0.1, `the victim's student leans toward its embeddings: mean cosine ${stolen!.fidelity}`);
    assert.equal(independent!.fidelity, undefined, "faceres' student embeds in faceres' 1,024-d space: no agreement to measure");
    assert.ok(stolen!.trainSeconds! > 0 && independent!.trainSeconds! > 0);
    const student = await loadModel(join(dir, 'zoo', 'other-teacher-1'));
    const outputs = await predictAll(student, await loadImages(data, { faceCrop: true, size: { height: 112, width: 112 }, limit: 2 }));
    await student.dispose();
    assert.deepEqual([student.spec.outputKind, outputs.cols], ['embedding', 1024]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
