/**
 * The bad-input corpus: every case runs the real CLI as a child process and must fail with one clear
 * `error:` line naming the bad thing (plus an optional `fix:` line), no stack trace, and nothing
 * written where the output would have gone.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { calibrateCommand } from '../src/cli/commands/calibrate.js';
import { demoCommand } from '../src/cli/commands/demo.js';
import { fingerprintCommand } from '../src/cli/commands/fingerprint.js';
import { inspectCommand } from '../src/cli/commands/inspect.js';
import { serveCommand } from '../src/cli/commands/serve.js';
import { verifyCommand } from '../src/cli/commands/verify.js';
import { demoFacePhotos, detectFaceCrops } from '../src/data/faces.js';
import { imageAt } from '../src/data/types.js';
import { saveFingerprint } from '../src/fingerprints/bundle.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { initTf } from '../src/models/tfjs-backend.js';
import { Random } from '../src/util/random.js';
import { assertCleanError, runCli } from './helpers/cli.js';

const FR_FEATURE = (() => {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('faceplugin-face-recognition-js/package.json')), 'model/fr_feature.onnx');
  } catch {
    return undefined;
  }
})();
const skip = FR_FEATURE && existsSync(FR_FEATURE) ? false : 'faceplugin-face-recognition-js (fr_feature.onnx) is not installed';

/** A regex matching `text` literally. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

/** Everything the cases need, made once. */
interface Fixtures {
  readonly root: string;
  readonly faces: string;
  readonly bundle: string;
  readonly tampered: string;
  readonly nanModel: string;
  readonly urls: { readonly closed: string; readonly slow: string; readonly text: string; readonly wrongInfo: string; readonly wrongPredict: string };
}

let fx: Fixtures;
const servers: Server[] = [];

interface Case {
  readonly name: string;
  /** CLI arguments, given the fixtures and an empty folder that must stay empty. */
  readonly args: (f: Fixtures, out: string) => string[];
  /** What the error line must say: the bad thing's name, and what is wrong with it. */
  readonly says: (f: Fixtures) => RegExp[];
}

const fingerprintCase = (name: string, model: (f: Fixtures) => string, data: (f: Fixtures) => string, says: Case['says'], extra: string[] = []): Case => ({
  name,
  args: (f, out) => ['fingerprint', model(f), '--data', data(f), '--samples', '10', '--out', join(out, 'fp.lineage'), ...extra],
  says,
});

/** `verify` of the real bundle against one HTTP suspect; a report is asked for and must not appear. */
const httpCase = (name: string, url: (f: Fixtures) => string, why: RegExp): Case => ({
  name,
  args: (f, out) => ['verify', f.bundle, url(f), '--timeout', '500', '--retries', '0', '--report', join(out, 'report.html')],
  says: (f) => [literal(url(f)), why],
});

const CASES: readonly Case[] = [
  fingerprintCase('corrupt model (random bytes named .onnx)', (f) => join(f.root, 'x.onnx'), (f) => f.faces,
    (f) => [literal(join(f.root, 'x.onnx')), /cannot load ONNX model/]),
  fingerprintCase('truncated model (first half of fr_feature.onnx)', (f) => join(f.root, 'fr_feature-half.onnx'), (f) => f.faces,
    (f) => [literal(join(f.root, 'fr_feature-half.onnx')), /cannot load ONNX model/]),
  fingerprintCase('wrong input size (--size 64 on a 112 model)', () => 'builtin:fr_feature', (f) => f.faces,
    () => [/fr_feature\.onnx/, /takes input \[.*112, 112\] but the spec gives \[.*64, 64\]/], ['--size', '64']),
  fingerprintCase('data folder with no images', () => 'builtin:fr_feature', (f) => join(f.root, 'notes'),
    (f) => [literal(join(f.root, 'notes')), /no image files/]),
  fingerprintCase('data folder with a corrupt .jpg', () => 'builtin:fr_feature', (f) => join(f.root, 'broken'),
    (f) => [literal(join(f.root, 'broken', 'broken.jpg')), /cannot decode/]),
  fingerprintCase('model with NaN weights', (f) => f.nanModel, (f) => f.faces,
    (f) => [literal(f.nanModel), /non-finite/]),
  {
    name: 'tampered bundle: verify',
    args: (f, out) => ['verify', f.tampered, 'builtin:fr_feature', '--report', join(out, 'report.html')],
    says: (f) => [literal(f.tampered), /'samples\.u8'/, /modified or corrupted/],
  },
  {
    name: 'tampered bundle: inspect',
    args: (f) => ['inspect', f.tampered],
    says: (f) => [literal(f.tampered), /'samples\.u8'/, /modified or corrupted/],
  },
  httpCase('HTTP suspect: nothing listening', (f) => f.urls.closed, /cannot reach/),
  httpCase('HTTP suspect: never answers (--timeout 500)', (f) => f.urls.slow, /did not answer within 500 ms/),
  httpCase('HTTP suspect: answers 200 text/plain', (f) => f.urls.text, /not JSON/),
  httpCase('HTTP suspect: /info JSON of the wrong shape', (f) => f.urls.wrongInfo, /malformed info reply/),
  httpCase('HTTP suspect: /predict JSON of the wrong shape', (f) => f.urls.wrongPredict, /malformed reply/),
];

/** Every long option the CLI has: a `fix:` line must not send the user to a flag that does not exist. */
const CLI_FLAGS = new Set([calibrateCommand(), demoCommand(), fingerprintCommand(), inspectCommand(), serveCommand(), verifyCommand()]
  .flatMap((command) => command.options.map((option) => option.long))
  .concat('--help', '--version'));

describe('the CLI fails cleanly on bad input', { skip, concurrency: 4 }, () => {
  before(async () => {
    fx = await makeFixtures();
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    if (fx) await rm(fx.root, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const out = await mkdtemp(join(fx.root, 'out-'));
      const result = await runCli(c.args(fx, out));
      assertCleanError(result, c.says(fx));
      for (const [flag] of result.stderr.match(/^fix: .*$/m)?.[0].matchAll(/--[a-z][a-z0-9-]*/g) ?? []) {
        assert.ok(CLI_FLAGS.has(flag), `the fix line suggests ${flag}, which no lineage command has:\n${result.stderr}`);
      }
      assert.deepEqual(await readdir(out), [], 'a failed command left files in its output folder');
    });
  }
});

async function makeFixtures(): Promise<Fixtures> {
  const root = await mkdtemp(join(tmpdir(), 'lineage-cli-errors-'));
  const rng = new Random(7);
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));

  // 12 real face crops as PNGs: the good data every model case uses.
  const faces = join(root, 'faces');
  await mkdir(faces);
  const crops = await detectFaceCrops(demoFacePhotos().slice(0, 4), { size: 112 });
  assert.ok(crops.count >= 12, `expected ≥ 12 faces in the first 4 demo photos, got ${crops.count}`);
  for (let i = 0; i < 12; i++) {
    await sharp(imageAt(crops, i), { raw: { width: 112, height: 112, channels: 3 } }).png().toFile(join(faces, `face-${String(i).padStart(2, '0')}.png`));
  }

  await writeFile(join(root, 'x.onnx'), randomBytes(4096));
  const model = await readFile(FR_FEATURE!);
  await writeFile(join(root, 'fr_feature-half.onnx'), model.subarray(0, model.byteLength >> 1));

  await mkdir(join(root, 'notes'));
  await writeFile(join(root, 'notes', 'notes.txt'), 'no pictures here\n');
  await mkdir(join(root, 'broken'));
  for (const name of ['face-00.png', 'face-01.png']) await writeFile(join(root, 'broken', name), await readFile(join(faces, name)));
  await writeFile(join(root, 'broken', 'broken.jpg'), randomBytes(2048));

  const nanModel = join(root, 'nan-model');
  await writeNanModel(nanModel);

  // The real bundle, and a copy with one byte of its samples part flipped.
  const bundle = join(root, 'fp.lineage');
  await saveFingerprint(bundle, await fingerprint('builtin:fr_feature', { data: faces, samples: 10, model: { onWarning: () => {} } }));
  const tampered = join(root, 'tampered.lineage');
  await writeFile(tampered, flipPartByte(await readFile(bundle), 'samples.u8'));

  const urls = {
    closed: CLOSED_PORT_URL,
    slow: await listen(() => {}), // holds every request open, never answers
    text: await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    }),
    wrongInfo: await listen((_req, res) => sendJson(res, { model: 'fr', dims: [512] })),
    wrongPredict: await listen((req, res) => sendJson(res, req.url === '/info'
      ? { name: 'fake', spec: { size: 112, range: '0-255' }, outputKind: 'embedding' }
      : { outputs: 'not rows' })),
  };
  return { root, faces, bundle, tampered, nanModel, urls };
}

/**
 * A TF.js layers model (flatten an 8×8×3 input, dense to 4) whose weights are all NaN, written as
 * model.json + weights.bin.
 */
async function writeNanModel(dir: string): Promise<void> {
  const tf = await initTf();
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 3] }), tf.layers.dense({ units: 4 })] });
  await mkdir(dir);
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = artifacts.weightSpecs!;
    const floats = weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
    await writeFile(join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights }],
    }));
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(new Float32Array(floats).fill(NaN).buffer));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
}

/** A copy of a bundle file with one byte in the middle of part `name` flipped (layout: bundle-file.ts). */
function flipPartByte(bundle: Buffer, name: string): Buffer {
  const magic = 'LINEAGE-BUNDLE\n'.length;
  const headerLength = bundle.readUInt32LE(magic);
  const header = JSON.parse(bundle.subarray(magic + 4, magic + 4 + headerLength).toString('utf8')) as { parts: { name: string; offset: number; length: number }[] };
  const part = header.parts.find((p) => p.name === name);
  assert.ok(part, `the bundle has no part ${name}`);
  const copy = Buffer.from(bundle);
  copy[magic + 4 + headerLength + part.offset + (part.length >> 1)]! ^= 0xff;
  return copy;
}

function sendJson(res: Parameters<RequestListener>[1], body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Serve `handler` on a free loopback port; closed after the suite. */
async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A loopback port nothing listens on: port 2 is privileged, unassigned in practice, and not on
 * fetch's list of blocked ports (1 is). A port freed a moment before is not safe: the test files
 * run in parallel, and another file's server may take it.
 */
const CLOSED_PORT_URL = 'http://127.0.0.1:2';
