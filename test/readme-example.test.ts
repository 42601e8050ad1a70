import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { deriveCopy } from '../src/attacks/weights/derive.js';
import { demoFacePhotos, detectFaceCrops } from '../src/data/faces.js';
import { imageAt } from '../src/data/types.js';
import { resolveBuiltin } from '../src/models/builtin.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

/** The TypeScript block between the readme-example markers, importing the package source instead of the build. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const block = /<!-- readme-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(readme);
  assert.ok(block, 'README.md has a readme-example block');
  return block[1]!.replace("from 'lineage'", `from ${JSON.stringify(join(root, 'src/index.ts'))}`);
}

test('the README library example runs as written and catches a stolen copy', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-readme-'));
  // What the example assumes exists: a folder of face images and a suspect with its sidecar.
  const faces = await detectFaceCrops(demoFacePhotos(), { size: 112 });
  await mkdir(join(dir, 'faces'));
  for (let i = 0; i < faces.count; i++) {
    await sharp(imageAt(faces, i), { raw: { width: faces.width, height: faces.height, channels: faces.channels } })
      .png().toFile(join(dir, 'faces', `face-${String(i).padStart(2, '0')}.png`));
  }
  await deriveCopy(resolveBuiltin('fr_feature').path, join(dir, 'suspect.onnx'), { kind: 'fp16' });
  await writeFile(join(dir, 'suspect.lineage.json'), JSON.stringify({ channels: 'rgb', layout: 'nchw', scale: 1, mean: [127], std: [128], outputKind: 'embedding' }));
  await writeFile(join(dir, 'example.mts'), await readmeExample());

  const { stdout } = await run(process.execPath, ['--import', import.meta.resolve('tsx'), 'example.mts'], { cwd: dir, timeout: 170_000 });
  assert.match(stdout, /suspect\.onnx: stolen \(pearson 0\.0\d+, threshold 0\.\d+\)/);
  assert.ok((await readFile(join(dir, 'victim.lineage'))).length > 20 * 112 * 112 * 3, 'the bundle holds the samples');
});
