import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractLabels } from '../src/attacks/extract.js';
import { trainFromModel } from '../src/attacks/from-scratch.js';
import { predictAll } from '../src/fingerprints/query.js';
import { loadModel } from '../src/models/load.js';
import { resizeBatch } from '../src/models/preprocess.js';
import type { Outputs } from '../src/models/types.js';
import { faceApiExpressionLayers } from '../src/train/face-api-layers.js';
import { predictOutputs } from '../src/train/evaluate.js';
import { missingBuiltins } from './helpers/builtins.js';
import { emotionSkip, ferFaces, quiet } from './helpers/emotion.js';

const skip = missingBuiltins(['faceapi_expression']) || emotionSkip;
const FACES = [0, 700, 1400, 2100, 2800, 3500, 4200, 4900];

function maxAbsDifference(a: Outputs, b: Outputs): number {
  assert.deepEqual([a.rows, a.cols], [b.rows, b.cols]);
  return a.data.reduce((max, v, i) => Math.max(max, Math.abs(v - b.data[i]!)), 0);
}

test('face-api\'s expression net rebuilt as a layers model answers like builtin:faceapi_expression (FER2013 column order)', { skip }, async () => {
  const faces = await ferFaces(FACES);
  const builtin = await loadModel('builtin:faceapi_expression', quiet);
  const { model, spec } = await faceApiExpressionLayers();
  try {
    const expected = await predictAll(builtin, faces);
    const got = predictOutputs(model, await resizeBatch(faces, spec.height, spec.width), spec);
    // Logits reach ±45 here: float rounding of two evaluation orders, not a different network.
    assert.ok(maxAbsDifference(expected, got) < 1e-3, `max |Δ logit| ${maxAbsDifference(expected, got)}`);
  } finally {
    model.dispose();
    await builtin.dispose();
  }
});

test('an Extract-L student that starts from the public model trains at its input size and is saved with its spec', { skip, timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-public-student-'));
  const victim = await loadModel('builtin:emotion', quiet);
  const start = await faceApiExpressionLayers();
  try {
    const faces = await ferFaces(FACES);
    const before = predictOutputs(start.model, await resizeBatch(faces, 112, 112), start.spec);
    const record = await extractLabels(victim, faces, { start, saveTo: join(dir, 'student'), seed: 3, training: { epochs: 1, batchSize: 8, optimizer: 'adam', lr: 1e-3 } });
    assert.equal(record.params.start, 'faceapi_expression');
    const student = await loadModel(join(dir, 'student'), quiet);
    try {
      assert.deepEqual([student.spec.height, student.spec.width, student.spec.channels], [112, 112, 'rgb']);
      const after = await predictAll(student, faces);
      assert.ok(maxAbsDifference(before, after) > 1e-2, 'the student learned from the victim');
    } finally {
      await student.dispose();
    }
    // The caller's start model is lent, never trained.
    const unchanged = predictOutputs(start.model, await resizeBatch(faces, 112, 112), start.spec);
    assert.equal(maxAbsDifference(before, unchanged), 0);
    await assert.rejects(extractLabels(victim, faces, { start, size: 64, saveTo: join(dir, 'never'), seed: 3, training: { epochs: 1, batchSize: 8, optimizer: 'adam', lr: 1e-3 } }),
      /trains at that model's input size/);
  } finally {
    start.model.dispose();
    await victim.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a start model with another class count is refused before training, naming both', { skip }, async () => {
  const start = await faceApiExpressionLayers();
  try {
    const faces = await ferFaces(FACES.slice(0, 2));
    await assert.rejects(
      trainFromModel(start, { images: faces, labels: [0, 1] }, { classes: 5, saveTo: join(tmpdir(), 'never-written'), seed: 1, training: { epochs: 1, batchSize: 2, optimizer: 'adam', lr: 1e-3 } }, 'extract-l'),
      /faceapi_expression gives 7 outputs, the training targets have 5 classes/,
    );
  } finally {
    start.model.dispose();
  }
});
