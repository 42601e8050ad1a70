import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineageError } from '../src/errors.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { buildZoo } from '../src/zoo/build.js';
import { readZooManifest } from '../src/zoo/manifest.js';
import type { ZooModelPlan, ZooPreset } from '../src/zoo/preset.js';
import { zooPreset } from '../src/zoo/presets/index.js';

/** A preset whose "models" are text files; `built` lists every build call, `failOn` makes one throw. */
function fakePreset(name = 'fake', failOn?: string): ZooPreset & { built: string[] } {
  const built: string[] = [];
  const file = (id: string, group: string): ZooModelPlan => ({
    model: { id, path: `${id}.txt`, role: 'stolen', group, parent: 'v' },
    build: async (target) => {
      if (id === failOn) throw new Error(`cannot build ${id}`);
      built.push(id);
      await writeFileAtomic(target, id);
      return { fidelity: 0.9 };
    },
  });
  return {
    name, description: 'test', task: 'classification', built,
    data: async () => ({ path: 'data' }),
    async *models() {
      yield { model: { id: 'v', path: 'builtin:victim', role: 'victim', group: 'victim' } };
      yield file('a', 'prune');
      yield file('b', 'noise');
      yield { model: { id: 'other', path: 'builtin:other', role: 'independent', group: 'irrelevant' } };
    },
  };
}

async function withDir(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-zoo-'));
  try {
    await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('zoo build: manifest after every model, finished models kept on a rerun', () => withDir(async (dir) => {
  const preset = fakePreset();
  const lines: string[] = [];
  const manifest = await buildZoo(dir, preset, { log: (l) => lines.push(l) });
  assert.deepEqual(preset.built, ['a', 'b']);
  assert.deepEqual(manifest.models.map((m) => m.id), ['v', 'a', 'b', 'other']);
  assert.equal(manifest.models[1]!.fidelity, 0.9);
  assert.deepEqual((await readZooManifest(dir)).models, manifest.models);
  assert.equal(await readFile(join(dir, 'b.txt'), 'utf8'), 'b');

  const again = fakePreset();
  await buildZoo(dir, again, { log: (l) => lines.push(l) });
  assert.deepEqual(again.built, [], 'nothing rebuilt');
  assert.ok(lines.some((l) => l.includes('a: already built, kept')), 'the log says so');
  // A model whose file vanished is built again.
  await rm(join(dir, 'a.txt'));
  const third = fakePreset();
  await buildZoo(dir, third);
  assert.deepEqual(third.built, ['a']);
}));

test('zoo build: an interrupted run leaves a manifest of what is done, and the rerun finishes it', () => withDir(async (dir) => {
  await assert.rejects(buildZoo(dir, fakePreset('fake', 'b')), /cannot build b/);
  assert.deepEqual((await readZooManifest(dir)).models.map((m) => m.id), ['v', 'a']);
  const rerun = fakePreset();
  const manifest = await buildZoo(dir, rerun);
  assert.deepEqual(rerun.built, ['b']);
  assert.equal(manifest.models.length, 4);
}));

test('zoo build: a rerun stopped early keeps listing the models it had not reached yet', () => withDir(async (dir) => {
  await buildZoo(dir, fakePreset());
  await rm(join(dir, 'a.txt'));
  // The rerun rebuilds a and fails on it: b, finished by the first run, must stay in the manifest.
  await assert.rejects(buildZoo(dir, fakePreset('fake', 'a')), /cannot build a/);
  assert.deepEqual((await readZooManifest(dir)).models.map((m) => m.id), ['v', 'b', 'other']);
  const rerun = fakePreset();
  await buildZoo(dir, rerun);
  assert.deepEqual(rerun.built, ['a'], 'b kept, not rebuilt');
}));

test('zoo build: --only picks models (victim included), unknown ids and foreign zoos are refused', () => withDir(async (dir) => {
  const preset = fakePreset();
  await assert.rejects(buildZoo(dir, preset, { only: ['b', 'nope'] }), (e: unknown) => e instanceof LineageError && /no model nope/.test(e.message) && /a, b/.test(e.hint ?? ''));
  assert.deepEqual(preset.built, [], 'checked before any work');
  const manifest = await buildZoo(dir, preset, { only: ['b', 'other'] });
  assert.deepEqual(manifest.models.map((m) => m.id), ['v', 'b', 'other']);
  await assert.rejects(buildZoo(dir, fakePreset('another')), (e: unknown) => e instanceof LineageError && /holds zoo 'fake'/.test(e.message));
  assert.throws(() => zooPreset('cifar-huge'), (e: unknown) => e instanceof LineageError && /faces-builtin/.test(e.hint ?? ''));
}));
