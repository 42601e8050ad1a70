/**
 * Hostile input, files and I/O (issue 16): model and data files that name paths outside their
 * folder, special files, wrong sizes; requests and replies meant to exhaust memory or time; outputs
 * that must not be replaced, temp files of killed runs, out-of-range seeds. The corpus is made here,
 * small, in a temp folder.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { loadU8Dataset } from '../src/data/u8.js';
import type { ImageBatch } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import { readParts, writeParts, sha256 } from '../src/fingerprints/bundle-file.js';
import { connectHttpModel } from '../src/models/http.js';
import { loadModel } from '../src/models/load.js';
import { serveModel } from '../src/models/serve.js';
import { initTf } from '../src/models/tfjs-backend.js';
import type { Model, Outputs } from '../src/models/types.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { resolveZooPath } from '../src/zoo/manifest.js';
import { assertCleanError, runCli } from './helpers/cli.js';

let root: string;
const servers: Server[] = [];
const quiet = { onWarning: () => {}, size: '2', range: '0-255' as const };
/** A LineageError whose message matches every pattern. */
const lineageError = (...patterns: RegExp[]) => (e: unknown) =>
  e instanceof LineageError && patterns.every((p) => p.test(e.message)) ? true : assert.fail(`not the expected LineageError: ${String(e)}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lineage-hostile-io-'));
});
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await chmod(join(root, 'files', 'readonly.json'), 0o644).catch(() => {});
  await rm(root, { recursive: true, force: true });
});

/** A TF.js layers model (2×2×3 → dense 2, 104 bytes of weights) in `dir`: model.json naming `shard`, and weights.bin. */
async function writeTinyModel(dir: string, shard = 'weights.bin'): Promise<Uint8Array> {
  const tf = await initTf();
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 3] }), tf.layers.dense({ units: 2, kernelInitializer: 'ones' })] });
  let weights = new Uint8Array(0);
  await mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
    await writeFile(join(dir, 'weights.bin'), weights);
    await writeFile(join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  return weights;
}

describe('confinement: paths named inside model and data files', () => {
  test('a weight shard path with ../ is refused, not followed', async () => {
    const dir = join(root, 'tfjs-dotdot', 'model');
    const weights = await writeTinyModel(dir, '../outside.bin');
    await writeFile(join(root, 'tfjs-dotdot', 'outside.bin'), weights);
    await assert.rejects(loadModel(dir, quiet), lineageError(/"\.\.\/outside\.bin" leads outside its folder/, /weight file/));
  });

  test('a weight shard that is a symlink to a file outside the folder is refused', async () => {
    const dir = join(root, 'tfjs-link', 'model');
    const weights = await writeTinyModel(dir);
    await writeFile(join(root, 'tfjs-link', 'secret.bin'), weights);
    await rm(join(dir, 'weights.bin'));
    await symlink(join(root, 'tfjs-link', 'secret.bin'), join(dir, 'weights.bin'));
    await assert.rejects(loadModel(dir, quiet), lineageError(/leads outside its folder/));
  });

  test('a weight shard that is a FIFO is refused at once, not read (which would block forever)', { timeout: 10_000 }, async () => {
    const dir = join(root, 'tfjs-fifo');
    await writeTinyModel(dir);
    await rm(join(dir, 'weights.bin'));
    execFileSync('mkfifo', [join(dir, 'weights.bin')]);
    await assert.rejects(loadModel(dir, quiet), lineageError(/is a FIFO, not a regular file/));
  });

  test('a model "file" that is a FIFO (e.g. x.onnx, opened by onnxruntime) is refused at once', { timeout: 10_000 }, async () => {
    const fifo = join(root, 'fifo.onnx');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(loadModel(fifo, quiet), lineageError(/fifo\.onnx is not a regular file or folder/));
  });

  test('a scan suspect list that is a device is refused, not read without end', { timeout: 10_000 }, async () => {
    const { listSuspects } = await import('../src/fingerprints/scan.js');
    await assert.rejects(listSuspects('/dev/zero'), lineageError(/suspect list \/dev\/zero is a device, not a regular file/));
  });

  test('weights larger than the manifest declares are refused before reading', async () => {
    const dir = join(root, 'tfjs-large');
    const weights = await writeTinyModel(dir);
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(weights.byteLength + 4096));
    await assert.rejects(loadModel(dir, quiet), lineageError(/larger than declared: \d+ bytes, the manifest needs 104/));
  });

  test('a well-formed tiny model still loads (the checks refuse only what they should)', async () => {
    const dir = join(root, 'tfjs-good');
    await writeTinyModel(dir);
    const model = await loadModel(dir, quiet);
    const out = await model.predict({ data: new Uint8Array(12).fill(1), count: 1, height: 2, width: 2, channels: 3 });
    assert.deepEqual([...out.data], [12, 12]);
    await model.dispose();
  });

  test('a sidecar that links to a spec file outside the model folder is refused', async () => {
    const dir = join(root, 'sidecar-link', 'model');
    await writeTinyModel(dir);
    await writeFile(join(root, 'sidecar-link', 'evil.json'), JSON.stringify({ size: 2, range: '0-1' }));
    await symlink(join(root, 'sidecar-link', 'evil.json'), join(dir, 'model.lineage.json'));
    await assert.rejects(loadModel(dir, { onWarning: () => {} }), lineageError(/spec sidecar/, /leads outside its folder/));
  });

  /** A u8 dataset of 2 RGB images of 1×1 whose meta.json names `file`. */
  async function u8With(name: string, file: string): Promise<string> {
    const dir = join(root, name, 'data');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ shape: [2, 1, 1, 3], channel_order: 'RGB', file }));
    return dir;
  }

  test('the "file" key of an images.u8 meta.json may not leave the dataset folder', async () => {
    const dir = await u8With('u8-dotdot', '../pixels.u8');
    await writeFile(join(root, 'u8-dotdot', 'pixels.u8'), new Uint8Array(6).fill(7));
    await assert.rejects(loadU8Dataset(dir), lineageError(/"\.\.\/pixels\.u8" leads outside its folder/));
    const absolute = await u8With('u8-absolute', join(root, 'u8-dotdot', 'pixels.u8'));
    await assert.rejects(loadU8Dataset(absolute), lineageError(/leads outside its folder/));
  });

  test('an images.u8 that is a FIFO is refused at once', { timeout: 10_000 }, async () => {
    const dir = await u8With('u8-fifo', 'images.u8');
    execFileSync('mkfifo', [join(dir, 'images.u8')]);
    await assert.rejects(loadU8Dataset(dir), lineageError(/is a FIFO, not a regular file/));
  });

  test('a bundle whose header points a part before the body (negative offset) is refused', async () => {
    const file = join(root, 'bundle.lineage');
    await writeParts(file, new Map([['a.json', Buffer.from('{"x":1}')]]));
    const bytes = await readFile(file);
    const magic = 'LINEAGE-BUNDLE\n'.length;
    const header = JSON.parse(bytes.subarray(magic + 4, magic + 4 + bytes.readUInt32LE(magic)).toString()) as { parts: { offset: number; length: number; sha256: string }[] };
    // Point the part at the 4 bytes before the body (the end of the header), with a matching hash.
    const forged = { ...header, parts: [{ ...header.parts[0]!, offset: -4, length: 4, sha256: '0'.repeat(64) }] };
    let text = JSON.stringify(forged);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(Buffer.byteLength(text));
    const bodyStart = magic + 4 + Buffer.byteLength(text);
    const candidate = Buffer.concat([Buffer.from('LINEAGE-BUNDLE\n'), length, Buffer.from(text), Buffer.from('{"x":1}')]);
    forged.parts[0]!.sha256 = sha256(candidate.subarray(bodyStart - 4, bodyStart)); // same length: the header keeps its size
    text = JSON.stringify(forged);
    await writeFile(file, Buffer.concat([Buffer.from('LINEAGE-BUNDLE\n'), length, Buffer.from(text), Buffer.from('{"x":1}')]));
    await assert.rejects(readParts(file), lineageError(/part 'a\.json' has offset -4/));
  });

  test('a zoo manifest path with ../ escaping the zoo is refused; absolute paths stay the owner\'s choice', () => {
    assert.throws(() => resolveZooPath('/zoos/a', '../b/victim'), lineageError(/leads outside the zoo folder/));
    assert.equal(resolveZooPath('/zoos/a', 'models/victim'), '/zoos/a/models/victim');
    assert.equal(resolveZooPath('/zoos/a', '/data/cifar10'), '/data/cifar10');
  });
});

/** A model answering each image's pixel sum (row of one number). */
const sumModel: Model = {
  source: 'sum',
  spec: { height: 2, width: 2, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'logits', normalisationSource: 'model' },
  queries: 0,
  async predict(batch: ImageBatch): Promise<Outputs> {
    const size = batch.height * batch.width * batch.channels;
    const data = new Float32Array(batch.count).map((_, i) => batch.data.subarray(i * size, (i + 1) * size).reduce((a, b) => a + b, 0));
    return { data, rows: batch.count, cols: 1 };
  },
  async dispose() {},
};

async function pngBase64(width: number, height: number, grey = false): Promise<string> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: 1, g: 2, b: 3 } } });
  const png = await (grey ? image.toColourspace('b-w') : image).png().toBuffer();
  return png.toString('base64');
}

async function post(url: string, images: string[]): Promise<{ status: number; body: { error?: string; outputs?: number[][] } }> {
  const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images }) });
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const INFO = JSON.stringify({ name: 'hostile', spec: { size: [2, 2], range: '0-255' }, outputKind: 'logits' });

describe('bounded resources: serve and the HTTP client', () => {
  test('serve refuses an image over the per-image pixel limit (413) before decoding it; the default allows 4096²', async () => {
    const served = await serveModel(sumModel, { port: 0 });
    try {
      const big = await post(served.url, [await pngBase64(4097, 4096, true)]);
      assert.equal(big.status, 413);
      assert.match(big.body.error!, /image 0 is 4097×4096 = 16781312 pixels; the limit is 16777216 per image/);
      const ok = await post(served.url, [await pngBase64(2, 2)]);
      assert.deepEqual([ok.status, ok.body.outputs], [200, [[24]]]);
    } finally {
      await served.close();
    }
  });

  test('serve refuses a request whose images together pass the per-request pixel limit', async () => {
    const served = await serveModel(sumModel, { port: 0, maxImagePixels: 400, maxRequestPixels: 1000 });
    try {
      const one = await pngBase64(20, 20);
      assert.equal((await post(served.url, [one, one])).status, 200);
      const three = await post(served.url, [one, one, one]);
      assert.equal(three.status, 413);
      assert.match(three.body.error!, /images 0\.\.2 hold 1200 pixels; the limit is 1000 per request/);
      const tooBig = await post(served.url, [await pngBase64(21, 20)]);
      assert.match(tooBig.body.error!, /21×20 = 420 pixels; the limit is 400 per image/);
    } finally {
      await served.close();
    }
  });

  test('the client refuses an endless reply as soon as it passes the cap', { timeout: 20_000 }, async () => {
    const url = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/info') return void res.end(INFO);
      res.write('{"outputs":[[');
      const chunk = '0,'.repeat(16 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const model = await connectHttpModel(url, { timeoutMs: 10_000, retries: 0 });
    const start = Date.now();
    await assert.rejects(model.predict({ data: new Uint8Array(12), count: 1, height: 2, width: 2, channels: 3 }),
      lineageError(/predict is longer than 589824 bytes; refused/));
    assert.ok(Date.now() - start < 5000, 'refused while the reply was still streaming');
    const capped = await connectHttpModel(url, { maxReplyBytes: 200 });
    await assert.rejects(capped.predict({ data: new Uint8Array(12), count: 1, height: 2, width: 2, channels: 3 }), lineageError(/longer than 200 bytes/));
  });

  test('a timeout names every attempt and the time they took in all', { timeout: 20_000 }, async () => {
    const url = await listen((req, res) => {
      if (req.url === '/info') res.end(INFO); // /predict never answers
    });
    const model = await connectHttpModel(url, { timeoutMs: 100, retries: 2, retryDelayMs: 10 });
    await assert.rejects(model.predict({ data: new Uint8Array(12), count: 1, height: 2, width: 2, channels: 3 }),
      lineageError(/did not answer within 100 ms, 3 times in a row: 0\.[3-9]\d* s in all with retries/));
  });

  test('the total time per suspect caps timeouts × retries', { timeout: 20_000 }, async () => {
    const url = await listen((req, res) => {
      if (req.url === '/info') res.end(INFO);
    });
    const model = await connectHttpModel(url, { timeoutMs: 10_000, retries: 3, totalTimeoutMs: 400 });
    const start = Date.now();
    await assert.rejects(model.predict({ data: new Uint8Array(12), count: 1, height: 2, width: 2, channels: 3 }),
      lineageError(/the time for this suspect \(0\.4 s for all its requests, retries and waits\) ran out/));
    assert.ok(Date.now() - start < 3000);
  });

  test('Retry-After is honoured (here 1 s, not the 250 ms backoff)', { timeout: 20_000 }, async () => {
    let calls = 0;
    const url = await listen((req, res) => {
      if (req.url === '/info') return void res.end(INFO);
      if (calls++ === 0) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        return void res.end('{"error":"slow down"}');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"outputs":[[5]]}');
    });
    const model = await connectHttpModel(url, { retries: 1 });
    const start = Date.now();
    const out = await model.predict({ data: new Uint8Array(12), count: 1, height: 2, width: 2, channels: 3 });
    assert.deepEqual([...out.data], [5]);
    assert.ok(Date.now() - start >= 950, `waited ${Date.now() - start} ms`);
  });
});

describe('files: outputs, temp files, seeds', () => {
  const files = () => join(root, 'files');

  test('a read-only output file is refused, not replaced', async () => {
    await mkdir(files(), { recursive: true });
    const target = join(files(), 'readonly.json');
    await writeFile(target, 'keep me');
    await chmod(target, 0o444);
    await assert.rejects(writeFileAtomic(target, 'new'), lineageError(/readonly\.json: it exists and is read-only, and is not replaced/));
    assert.equal(await readFile(target, 'utf8'), 'keep me');
  });

  test('an output that is a folder or a FIFO is refused with a clear error, and left as it is', async () => {
    await mkdir(join(files(), 'a-folder.json'), { recursive: true });
    await assert.rejects(writeFileAtomic(join(files(), 'a-folder.json'), 'x'), lineageError(/a-folder\.json: it is a folder/));
    const fifo = join(files(), 'a-fifo.json');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(writeFileAtomic(fifo, 'x'), lineageError(/a-fifo\.json: it is not a regular file/));
    assert.ok((await stat(fifo)).isFIFO());
  });

  test('temp files of a killed run are removed by the next write; a moved-aside folder comes back', async () => {
    const dir = join(files(), 'stale');
    await mkdir(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // a process that has exited
    await writeFile(join(dir, `.out.json.${dead}.0badcafe.tmp`), 'half-written');
    await writeFile(join(dir, `.other.json.${dead}.0badcafe.tmp`), 'another target: kept');
    await writeFile(join(dir, `.out.json.${process.pid}.12345678.tmp`), 'a live writer: kept');
    await writeFileAtomic(join(dir, 'out.json'), '{}');
    assert.deepEqual((await readdir(dir)).sort(), [`.other.json.${dead}.0badcafe.tmp`, `.out.json.${process.pid}.12345678.tmp`, 'out.json']);

    // A run killed between moving the old model folder aside and moving the new one in.
    const models = join(files(), 'models');
    await mkdir(join(models, `.victim.${dead}.0badcafe.old`), { recursive: true });
    await writeFile(join(models, `.victim.${dead}.0badcafe.old`, 'model.json'), 'the previous victim');
    await mkdir(join(models, `.victim.${dead}.0badcafe.tmp`));
    const { removeStaleTemps } = await import('../src/util/atomic-write.js');
    await removeStaleTemps(join(models, 'victim'));
    assert.deepEqual(await readdir(models), ['victim']);
    assert.equal(await readFile(join(models, 'victim', 'model.json'), 'utf8'), 'the previous victim');
  });

  test('an output under a folder that cannot be made fails at once with the OS reason (Node\'s recursive mkdir would hang)', { timeout: 10_000 }, async () => {
    await assert.rejects(writeFileAtomic('/proc/no-such-folder/out.json', 'x'), lineageError(/cannot write \/proc\/no-such-folder\/out\.json: ENOENT/));
  });

  test('raw OS errors become clear errors: zoo/demo --out naming a file, serve --port out of range, a malformed URL', { timeout: 60_000 }, async () => {
    await mkdir(files(), { recursive: true });
    const file = join(files(), 'plain-file');
    await writeFile(file, '');
    assertCleanError(await runCli(['zoo', '--preset', 'faces-builtin', '--out', file]), [/cannot make folder .*plain-file: .*plain-file is a file/]);
    assertCleanError(await runCli(['demo', '--out', join(file, 'sub')]), [/plain-file/, /is a file|ENOTDIR/]);
    const model = join(root, 'serve-model');
    await writeTinyModel(model);
    assertCleanError(await runCli(['serve', model, '--size', '2', '--range', '0-255', '--port', '99999']), [/invalid port 99999/]);
    await assert.rejects(connectHttpModel('http://256.1.1.1:80', { retryDelayMs: 1000 }), lineageError(/http:\/\/256\.1\.1\.1:80 is not a valid URL/));
  });

  test('a seed above 2^32 − 1 is refused on the command line, not wrapped', { timeout: 30_000 }, async () => {
    const result = await runCli(['fingerprint', join(root, 'no-model'), '--data', join(root, 'no-data'), '--seed', '4294967297', '--out', join(root, 'fp.lineage')]);
    assertCleanError(result, [/--seed must be a whole number from 0 to 4294967295/]);
    const { checkSeed } = await import('../src/util/random.js');
    assert.equal(checkSeed(4294967295), 4294967295);
    assert.throws(() => checkSeed(-1), LineageError);
    assert.throws(() => checkSeed(1.5), LineageError);
    const { parseDefence } = await import('../src/models/defences/parse.js');
    assert.throws(() => parseDefence('topk=3,seed=4294967296'), lineageError(/seed=4294967296 is not a whole number from 0 to 4294967295/));
    assert.equal(parseDefence('topk=3,seed=4294967295').seed, 4294967295);
  });
});
