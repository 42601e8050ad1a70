import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadModel } from '../src/models/load.js';
import { buildZoo } from '../src/zoo/build.js';
import { resolveZooPath } from '../src/zoo/manifest.js';
import { zooPreset } from '../src/zoo/presets/index.js';

const CIFAR = path.resolve('../shared/datasets/cifar10');
const skip = existsSync(CIFAR) ? false : `CIFAR-10 not found at ${CIFAR} (the shared datasets are absent)`;
const BUILD = path.resolve('src/zoo/build.ts');
const PRESETS = path.resolve('src/zoo/presets/index.ts');

/** Build the cifar10-tiny zoo in a child process and SIGKILL it once a model after the victim is being trained. */
async function buildAndKill(dir: string, scripts: string): Promise<string> {
  const script = path.join(scripts, 'build.mts');
  await writeFile(script, `
    import { buildZoo } from ${JSON.stringify(BUILD)};
    import { zooPreset } from ${JSON.stringify(PRESETS)};
    await buildZoo(${JSON.stringify(dir)}, zooPreset('cifar10-tiny'), { log: (line) => console.log(line) });`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/victim: built/.test(output) && /fine-tune-all-1: training/.test(output)) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(output) : reject(new Error(`the build was not killed mid-way:\n${output}`))));
  });
}

test('a zoo build killed mid-model resumes: finished models kept, all loadable, no temp folders left', { skip, timeout: 120_000 }, async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lineage-zoo-resume-'));
  const dir = path.join(root, 'zoo');
  try {
    await buildAndKill(dir, root);
    assert.ok(existsSync(path.join(dir, 'victim', 'zoo-record.json')), 'the victim was finished before the kill');
    const log: string[] = [];
    const manifest = await buildZoo(dir, zooPreset('cifar10-tiny'), { log: (line) => log.push(line) });
    assert.ok(log.some((line) => /victim: already built, kept/.test(line)), log.join('\n'));
    assert.equal(manifest.models[0]!.role, 'victim');
    const groups = new Set(manifest.models.map((m) => m.group));
    for (const group of ['fine-tune-all', 'fine-tune-last', 'fine-prune', 'extract-l', 'extract-p', 'extract-adv', 'adv-train', 'transfer', 'prune', 'quantise', 'noise', 'irrelevant', 'homologous']) {
      assert.ok(groups.has(group), `group ${group} built`);
    }
    for (const entry of manifest.models) {
      assert.ok(entry.testAccuracy !== undefined && entry.trainSeconds !== undefined, `${entry.id} measured`);
      assert.equal(entry.fidelity === undefined, entry.group === 'transfer', `${entry.id}: fidelity except for transfer`);
      const model = await loadModel(resolveZooPath(dir, entry.path));
      await model.dispose();
    }
    const leftovers = (await readdir(dir)).filter((name) => name.startsWith('.') || /tmp|old/.test(name));
    assert.deepEqual(leftovers, []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
