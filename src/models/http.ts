import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageBatch } from '../data/types.js';
import { LineageError, errorMessage } from '../errors.js';
import { mapPool } from '../util/map-pool.js';
import { encodePng, type InfoReply, type PredictRequest } from './http-protocol.js';
import { assertFinite, chunkRanges, concatRows } from './outputs.js';
import { parseSpecOverrides, resolveSpec, type UserSpecLayers } from './spec.js';
import type { InputSpec, Model, OutputKind, Outputs } from './types.js';

/** Client settings for a suspect behind the Lineage HTTP protocol (see http-protocol.ts). */
export interface HttpOptions {
  /** Per-request timeout, ms (default 30,000). */
  readonly timeoutMs?: number;
  /** Retries after network errors, timeouts, 5xx and 429 — never after other 4xx (default 3). */
  readonly retries?: number;
  /** First retry delay, doubled after every retry (default 250 ms). */
  readonly retryDelayMs?: number;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** Images per request (default 32). */
  readonly batchSize?: number;
  /** Most images this client may ever send; a predict that would pass it fails before sending. */
  readonly budget?: number;
  /**
   * Largest reply read, bytes; a longer one is cut off and refused (default: 1 MiB for /info, and
   * for /predict 64 KiB + 512 KiB per image, room for 16,384 numbers per image as JSON text).
   */
  readonly maxReplyBytes?: number;
  /** Time for everything sent to this suspect — all requests, retries and waits — ms (default 1 hour). */
  readonly totalTimeoutMs?: number;
}

const DEFAULTS = { timeoutMs: 30_000, retries: 3, retryDelayMs: 250, concurrency: 4, batchSize: 32, totalTimeoutMs: 3_600_000 };

/** Default reply caps: an info reply, and a predict reply per image (see HttpOptions.maxReplyBytes). */
const INFO_REPLY_BYTES = 1024 * 1024;
const REPLY_BYTES_PER_IMAGE = 512 * 1024;
const REPLY_BYTES_BASE = 64 * 1024;
/** Longest Retry-After wait honoured (a longer one is cut to this), ms. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Connect to a Lineage HTTP server: read GET /info, then predict through POST /predict. */
export async function connectHttpModel(
  url: string,
  options: HttpOptions & { readonly layers?: UserSpecLayers } = {},
): Promise<Model> {
  const { layers, ...http } = options;
  const checked = validateSettings({ ...DEFAULTS, ...definedOnly(http) }, url);
  const settings: Settings = { ...checked, deadline: Date.now() + checked.totalTimeoutMs };
  const base = url.replace(/\/+$/, '');
  if (!URL.canParse(base)) throw new LineageError(`${url} is not a valid URL`, 'give the suspect as http(s)://host:port');
  const info = parseInfo(await requestJson(`${base}/info`, { method: 'GET' }, settings, settings.maxReplyBytes ?? INFO_REPLY_BYTES), `${base}/info`);
  const declared = { ...parseSpecOverrides(info.spec as Record<string, unknown>, `${base}/info`), outputKind: info.outputKind };
  // The server preprocesses with its own spec, so an undeclared range there is not this client's
  // problem: resolveSpec's range warnings are dropped.
  const { spec } = resolveSpec({ source: base, ...layers, declared });
  return new HttpModel(base, spec, info.outputKind === 'label' ? info.classes : undefined, settings);
}

type Settings = typeof DEFAULTS & {
  budget?: number;
  maxReplyBytes?: number;
  /** When the suspect's time is up (Date.now() clock), from totalTimeoutMs. */
  deadline: number;
};

class HttpModel implements Model {
  private sent = 0;

  constructor(
    readonly source: string,
    readonly spec: InputSpec,
    /** Width of the one-hot rows built from a label-only reply. */
    private readonly classes: number | undefined,
    private readonly settings: Settings,
  ) {}

  get queries(): number {
    return this.sent;
  }

  async predict(batch: ImageBatch): Promise<Outputs> {
    const { budget } = this.settings;
    if (budget !== undefined && this.sent + batch.count > budget) {
      throw new LineageError(
        `query budget for ${this.source} exceeded: ${this.sent} images sent, ${batch.count} more needed, budget ${budget}`,
        'raise --budget or use fewer fingerprint samples',
      );
    }
    this.sent += batch.count; // counted up front, so concurrent predicts respect the budget too
    const images: string[] = [];
    for (let i = 0; i < batch.count; i++) images.push(await encodePng(batch, i));
    const url = `${this.source}/predict`;
    const ranges = chunkRanges(batch.count, this.settings.batchSize);
    const blocks = await mapPool(ranges, this.settings.concurrency, async ([start, end]) => {
      const body: PredictRequest = { images: images.slice(start, end) };
      const reply = await requestJson(url, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      }, this.settings, this.settings.maxReplyBytes ?? REPLY_BYTES_BASE + (end - start) * REPLY_BYTES_PER_IMAGE);
      return parsePredictReply(reply, end - start, this.classes, url);
    });
    return assertFinite(concatRows(blocks, this.source), this.source);
  }

  async dispose(): Promise<void> {}
}

/**
 * fetch + JSON with timeout and retries; every failure becomes a LineageError naming the URL. The
 * reply is read as a stream and refused past `maxBytes`; retries wait with backoff, or as long as a
 * Retry-After header asks (up to MAX_RETRY_AFTER_MS); nothing runs past the suspect's deadline.
 */
async function requestJson(url: string, init: RequestInit, settings: Settings, maxBytes: number): Promise<unknown> {
  const first = Date.now();
  for (let attempt = 0; ; attempt++) {
    const retry = attempt < settings.retries;
    const tried = () => ({ attempts: attempt + 1, seconds: (Date.now() - first) / 1000 });
    const wait = async (ms: number) => {
      if (Date.now() + ms > settings.deadline) throw deadlineError(url, settings, tried());
      await sleep(ms);
    };
    const backoff = () => wait(settings.retryDelayMs * 2 ** attempt);
    const left = settings.deadline - Date.now();
    if (left <= 0) throw deadlineError(url, settings, tried());
    const timeout = Math.min(settings.timeoutMs, left);
    let status: number;
    let text: string;
    let retryAfter: number | undefined;
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeout) });
      status = res.status;
      retryAfter = retryAfterMs(res.headers.get('retry-after'));
      text = await readCapped(res, maxBytes, url);
    } catch (e) {
      if (e instanceof LineageError) throw e;
      if (retry) {
        await backoff();
        continue;
      }
      if (timeout < settings.timeoutMs && isTimeout(e)) throw deadlineError(url, settings, tried());
      throw networkError(e, url, settings.timeoutMs, tried());
    }
    if ((status >= 500 || status === 429) && retry) {
      await (retryAfter !== undefined ? wait(Math.min(retryAfter, MAX_RETRY_AFTER_MS)) : backoff());
      continue;
    }
    if (status < 200 || status >= 300) {
      throw new LineageError(`${url} answered HTTP ${status}: ${errorText(text)}`,
        status >= 500 || status === 429 ? 'the server is failing or rate-limiting: try later or raise --retries'
          : 'the server rejected the request: check the URL and that it speaks the Lineage protocol (GET /info, POST /predict)');
    }
    try {
      return JSON.parse(text);
    } catch {
      if (/\b(NaN|-?Infinity)\b/.test(text)) {
        throw new LineageError(`${url} returned non-finite outputs (NaN/Infinity): ${snippet(text)}`,
          'the suspect model is broken for these inputs, or its preprocessing is wrong on the server side');
      }
      throw new LineageError(`reply from ${url} is not JSON: ${snippet(text)}`,
        'check the URL points at a Lineage-protocol server (GET /info, POST /predict)');
    }
  }
}

/** A reply's body as text, read as a stream and abandoned as soon as it passes `maxBytes`. */
async function readCapped(res: Response, maxBytes: number, url: string): Promise<string> {
  const tooLong = () => new LineageError(`reply from ${url} is longer than ${maxBytes} bytes; refused`,
    'a Lineage server answers a few numbers per image: check the URL, or raise --max-reply-bytes if the model really has that many outputs');
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel();
    throw tooLong();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLong(); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A Retry-After header (seconds, or an HTTP date) as ms to wait; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface Tried {
  readonly attempts: number;
  readonly seconds: number;
}

const isTimeout = (e: unknown) => e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');

function deadlineError(url: string, settings: Settings, tried: Tried): LineageError {
  return new LineageError(
    `${url}: the time for this suspect (${settings.totalTimeoutMs / 1000} s for all its requests, retries and waits) ran out, ` +
      `after ${tried.attempts} attempt(s) of this request over ${tried.seconds.toFixed(1)} s`,
    'raise --total-timeout, or check the server is not stuck or rate-limiting',
  );
}

function networkError(e: unknown, url: string, timeoutMs: number, tried: Tried): LineageError {
  const attempts = tried.attempts > 1 ? ` (${tried.attempts} attempts, ${tried.seconds.toFixed(1)} s with retries)` : '';
  if (isTimeout(e)) {
    return new LineageError(`${url} did not answer within ${timeoutMs} ms${tried.attempts > 1 ? `, ${tried.attempts} times in a row: ${tried.seconds.toFixed(1)} s in all with retries` : ''}`,
      'raise --timeout, or check the server is not stuck');
  }
  const code = (e as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED') {
    return new LineageError(`cannot reach ${url}: is the server running?`,
      'start it (e.g. `lineage serve <model> --port <n>`) or fix the URL');
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new LineageError(`cannot resolve the host of ${url}`, 'check the URL');
  }
  const cause = (e as { cause?: unknown }).cause;
  return new LineageError(`request to ${url} failed${attempts}: ${errorMessage(cause ?? e)}`, 'check the URL and the network');
}

function parseInfo(json: unknown, url: string): InfoReply {
  const bad = (why: string): never => {
    throw new LineageError(`${url} sent a malformed info reply: ${why}`,
      'the server must answer { name, spec, outputKind, classes? } (Lineage HTTP protocol)');
  };
  if (typeof json !== 'object' || json === null) return bad('not an object');
  const info = json as Partial<Record<keyof InfoReply, unknown>>;
  const kinds: readonly OutputKind[] = ['logits', 'embedding', 'label'];
  if (typeof info.spec !== 'object' || info.spec === null) bad('no "spec" object');
  if (!kinds.includes(info.outputKind as OutputKind)) bad(`"outputKind" must be one of ${kinds.join(', ')}`);
  if (info.outputKind === 'label' && !(Number.isInteger(info.classes) && (info.classes as number) > 0)) {
    bad('"classes" (a positive integer) is required for label-only models');
  }
  return json as InfoReply;
}

/** Validate a predict reply and turn it into rows (label replies become one-hot rows). */
function parsePredictReply(json: unknown, count: number, classes: number | undefined, url: string): Outputs {
  const bad = (why: string): never => {
    throw new LineageError(`${url} sent a malformed reply: ${why}`,
      `expected { "outputs": [[...], ...] } with one row per image${classes ? ' or { "labels": [...] }' : ''}`);
  };
  if (typeof json !== 'object' || json === null) return bad('not an object');
  const reply = json as { outputs?: unknown; labels?: unknown };
  if (classes !== undefined && Array.isArray(reply.labels)) {
    if (reply.labels.length !== count) bad(`${reply.labels.length} labels for ${count} images`);
    const data = new Float32Array(count * classes);
    reply.labels.forEach((k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= classes) bad(`label ${JSON.stringify(k)} is not a class index in 0..${classes - 1}`);
      data[i * classes + (k as number)] = 1;
    });
    return { data, rows: count, cols: classes };
  }
  if (!Array.isArray(reply.outputs)) return bad('no "outputs" array');
  if (reply.outputs.length !== count) bad(`${reply.outputs.length} rows for ${count} images`);
  const first = reply.outputs[0] as unknown;
  const cols = Array.isArray(first) ? first.length : 0;
  if (cols === 0) bad('rows must be non-empty arrays of numbers');
  const data = new Float32Array(count * cols);
  reply.outputs.forEach((row: unknown, i: number) => {
    if (!Array.isArray(row) || row.length !== cols) bad(`row ${i} is not an array of ${cols} numbers`);
    (row as unknown[]).forEach((v, j) => {
      if (v === null || (typeof v === 'number' && !Number.isFinite(v))) {
        throw new LineageError(`${url} returned a non-finite output (NaN/Inf, sent as ${JSON.stringify(v)}) for image ${i}`,
          'the suspect model is broken for these inputs, or its preprocessing is wrong on the server side');
      }
      if (typeof v !== 'number') bad(`row ${i} holds a non-number ${JSON.stringify(v)}`);
      data[i * cols + j] = v as number;
    });
  });
  return { data, rows: count, cols };
}

function validateSettings<S extends Omit<Settings, 'deadline'>>(s: S, url: string): S {
  const positive = ['timeoutMs', 'concurrency', 'batchSize', 'totalTimeoutMs'] as const;
  for (const key of positive) {
    if (!(Number.isFinite(s[key]) && s[key] > 0)) throw new LineageError(`invalid ${key} ${s[key]} for ${url}`, `${key} must be a positive number`);
  }
  if (!(Number.isInteger(s.retries) && s.retries >= 0)) throw new LineageError(`invalid retries ${s.retries} for ${url}`, 'use a whole number ≥ 0');
  if (s.budget !== undefined && !(s.budget >= 0)) throw new LineageError(`invalid budget ${s.budget} for ${url}`, 'use a number of images ≥ 0');
  if (s.maxReplyBytes !== undefined && !(Number.isSafeInteger(s.maxReplyBytes) && s.maxReplyBytes > 0)) {
    throw new LineageError(`invalid maxReplyBytes ${s.maxReplyBytes} for ${url}`, 'use a whole number of bytes > 0');
  }
  return s;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function errorText(text: string): string {
  try {
    const json = JSON.parse(text) as { error?: unknown };
    if (typeof json.error === 'string') return json.error;
  } catch {
    // not JSON: show the raw text
  }
  return snippet(text);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat || '(empty)';
}
