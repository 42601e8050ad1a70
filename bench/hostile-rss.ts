/**
 * Peak memory under hostile input (issue 16): `serve` given a 64 MiB request of large PNGs, and the
 * HTTP client given a reply that never ends. Each case runs in a child process whose resident memory
 * is read from /proc; a child that passes --cap-mib is killed and reported as capped (so the run
 * also works on code without the limits, e.g. a checkout of an earlier commit).
 *
 *   npm run bench:hostile -- [--label after] [--cap-mib 4096] [--out results/hostile-rss.json] [--commit <id>]
 *
 * The result is merged into --out under --label.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { ImageBatch } from '../src/data/types.js';
import { connectHttpModel } from '../src/models/http.js';
import { serveModel } from '../src/models/serve.js';
import type { Model, Outputs } from '../src/models/types.js';

const SELF = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL('..', import.meta.url));

/** A model that answers the mean pixel of each image: all cost is in the server's decoding. */
const meanModel: Model = {
  source: 'mean-pixel',
  spec: { height: 8, width: 8, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'logits', normalisationSource: 'model' },
  queries: 0,
  async predict(batch: ImageBatch): Promise<Outputs> {
    const size = batch.height * batch.width * batch.channels;
    const data = new Float32Array(batch.count);
    for (let i = 0; i < batch.count; i++) {
      let sum = 0;
      for (let p = i * size; p < (i + 1) * size; p += 997) sum += batch.data[p]!;
      data[i] = sum;
    }
    return { data, rows: batch.count, cols: 1 };
  },
  async dispose() {},
};

async function childServe(): Promise<void> {
  const served = await serveModel(meanModel, { port: 0 });
  console.log(served.url);
  process.stdin.resume(); // live until the parent kills it
}

async function childClient(url: string): Promise<void> {
  let outcome: string;
  try {
    const model = await connectHttpModel(url);
    await model.predict({ data: new Uint8Array(8 * 8 * 3), count: 1, height: 8, width: 8, channels: 3 });
    outcome = 'answered';
  } catch (e) {
    outcome = `error: ${e instanceof Error ? e.message : String(e)}`;
  }
  console.log(JSON.stringify({ outcome, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

interface CaseResult {
  readonly name: string;
  readonly requestBytes?: number;
  readonly outcome: string;
  readonly peakRssMiB: number;
  readonly capped: boolean;
  readonly seconds: number;
}

/** Resident memory of a process, MiB: current and peak (VmHWM). */
function rss(pid: number): { now: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { now: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

function startChild(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', SELF, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Sample a child's memory every 20 ms; kill it past the cap. */
function watch(pid: number, capMiB: number, kill: () => void) {
  const state = { peak: 0, capped: false };
  const timer = setInterval(() => {
    const m = rss(pid);
    if (!m) return;
    state.peak = Math.max(state.peak, m.peak);
    if (m.now > capMiB && !state.capped) {
      state.capped = true;
      kill();
    }
  }, 20);
  return { state, stop: () => clearInterval(timer) };
}

async function serveCase(name: string, images: readonly string[], capMiB: number): Promise<CaseResult> {
  const child = startChild(['child-serve']);
  const url = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const watcher = watch(child.pid!, capMiB, () => child.kill('SIGKILL'));
  const body = JSON.stringify({ images });
  const start = Date.now();
  let outcome: string;
  try {
    const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    outcome = `HTTP ${res.status}${res.ok ? '' : `: ${(JSON.parse(text) as { error: string }).error}`}`;
  } catch (e) {
    outcome = watcher.state.capped ? 'killed at the cap' : `request failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  const seconds = (Date.now() - start) / 1000;
  const last = rss(child.pid!);
  watcher.stop();
  child.kill('SIGKILL');
  const peak = Math.max(watcher.state.peak, last?.peak ?? 0);
  return { name, requestBytes: Buffer.byteLength(body), outcome: watcher.state.capped ? 'killed at the cap' : outcome, peakRssMiB: Math.round(peak), capped: watcher.state.capped, seconds };
}

/** A Lineage-protocol server whose /predict reply never ends. */
async function endlessServer(): Promise<{ url: string; server: Server }> {
  const chunk = '0,'.repeat(64 * 1024);
  const server = createServer((req, res) => {
    if (req.url === '/info') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'endless', spec: { size: [8, 8], range: '0-255' }, outputKind: 'logits' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"outputs":[[');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function clientCase(capMiB: number): Promise<CaseResult> {
  const { url, server } = await endlessServer();
  const child = startChild(['child-client', url]);
  const watcher = watch(child.pid!, capMiB, () => child.kill('SIGKILL'));
  const start = Date.now();
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  watcher.stop();
  server.closeAllConnections();
  server.close();
  const seconds = (Date.now() - start) / 1000;
  if (watcher.state.capped || out.trim() === '') {
    return { name: 'client: endless /predict reply', outcome: 'killed at the cap', peakRssMiB: Math.round(watcher.state.peak), capped: true, seconds };
  }
  const { outcome, maxRssMiB } = JSON.parse(out.trim().split('\n').pop()!) as { outcome: string; maxRssMiB: number };
  return { name: 'client: endless /predict reply', outcome, peakRssMiB: Math.round(Math.max(maxRssMiB, watcher.state.peak)), capped: false, seconds };
}

/** A base64 PNG of one colour, side × side RGB (large images compress to almost nothing). */
async function flatPng(side: number): Promise<string> {
  const png = await sharp({ create: { width: side, height: side, channels: 3, background: { r: 90, g: 60, b: 30 } } }).png({ compressionLevel: 9 }).toBuffer();
  return png.toString('base64');
}

async function main(): Promise<void> {
  const flag = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1]! : fallback;
  };
  const label = flag('label', 'after');
  const capMiB = Number(flag('cap-mib', '4096'));
  const out = flag('out', 'results/hostile-rss.json');
  const huge = await flatPng(16_000);
  const copies = Math.floor((64 * 1024 * 1024) / (huge.length + 3));
  const cases: CaseResult[] = [];
  const log = (r: CaseResult) => {
    cases.push(r);
    console.log(`${r.name}: peak RSS ${r.peakRssMiB} MiB${r.capped ? ` (killed at the ${capMiB} MiB cap)` : ''}, ${r.seconds.toFixed(1)} s — ${r.outcome}`);
  };
  log(await serveCase(`serve: 64 MiB request, ${copies} PNGs of 16000×16000`, new Array<string>(copies).fill(huge), capMiB));
  log(await serveCase('serve: one PNG of 16000×16000', [huge], capMiB));
  log(await serveCase('serve: 4 PNGs of 4096×4096 (the default per-request pixel limit)', new Array<string>(4).fill(await flatPng(4096)), capMiB));
  log(await clientCase(capMiB));
  const commit = flag('commit', '') || execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  const all = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  all[label] = { commit, node: process.version, capMiB, date: new Date().toISOString().slice(0, 10), cases };
  writeFileSync(out, JSON.stringify(all, null, 2) + '\n');
  console.log(`written: ${out} (${label})`);
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'child-serve') await childServe();
else if (mode === 'child-client') await childClient(arg!);
else await main();
