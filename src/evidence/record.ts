/**
 * What `verify --evidence` writes (read back by audit.ts): before the first query, the bundle's
 * SHA-256, every sample's SHA-256, the victim's outputs, the calibration, the software version and
 * every setting; then per suspect its identity and every request (which committed samples, their
 * digest, a timestamp) with the full response (so that the verdict can be recomputed from the log
 * alone) and its digest; then the result verify gave.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageBatch } from '../data/types.js';
import { imageAt } from '../data/types.js';
import { LineageError } from '../errors.js';
import type { AnyFingerprint, Fingerprint } from '../fingerprints/types.js';
import type { Model, Outputs } from '../models/types.js';
import { LINEAGE_VERSION } from '../version.js';
import { sha256 } from './chain.js';
import type { Entry } from './chain.js';

export const EVIDENCE_FORMAT = 1;

/** Bytes of a float array, as base64 (little-endian IEEE 754, as the machine holds them). */
export const floatsToBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
export function floatsFromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const sampleHash = (batch: ImageBatch, i: number) => sha256(imageAt(batch, i));

/** The first entry: everything the verdict rests on, committed before any suspect is queried. */
export async function startEntry(bundlePath: string, fp: AnyFingerprint, settings: Readonly<Record<string, unknown>>): Promise<Entry> {
  if (fp.kind !== 'sac') throw new LineageError(`--evidence: ${fp.method} bundles are not supported yet`, 'write evidence logs with a SAC bundle (sac-jc, sac-w, sac-m)');
  const { manifest, samples, victimOutputs, calibration } = fp;
  return {
    type: 'start',
    format: EVIDENCE_FORMAT,
    time: new Date().toISOString(),
    lineageVersion: LINEAGE_VERSION,
    node: process.version,
    settings,
    bundle: { path: path.resolve(bundlePath), sha256: sha256(await readFile(bundlePath)) },
    params: manifest.params,
    victim: manifest.victim,
    samples: Array.from({ length: samples.count }, (_, i) => sampleHash(samples, i)),
    victimOutputs: { rows: victimOutputs.rows, cols: victimOutputs.cols, data: floatsToBase64(victimOutputs.data), sha256: sha256(new Uint8Array(victimOutputs.data.buffer, victimOutputs.data.byteOffset, victimOutputs.data.byteLength)) },
    ...(calibration ? { calibration } : {}),
  };
}

/** Who the suspect is: a file's or folder's SHA-256, a URL with its /info answer and headers, a built-in's name (or a Model object the library was given). */
export async function suspectEntry(model: Model, loadedFromSource: boolean): Promise<Entry> {
  const { source } = model;
  const identity = !loadedFromSource ? { kind: 'library model', note: 'passed to verify as a Model object: no file to hash' }
    : /^https?:\/\//.test(source) ? await urlIdentity(source)
    : source.startsWith('builtin:') ? { kind: 'builtin', name: source, lineageVersion: LINEAGE_VERSION }
    : { kind: 'file', path: path.resolve(source), sha256: await pathHash(source) };
  return { type: 'suspect', time: new Date().toISOString(), source, spec: model.spec, identity };
}

async function urlIdentity(url: string): Promise<Record<string, unknown>> {
  try {
    const response = await fetch(new URL('info', url.endsWith('/') ? url : `${url}/`));
    const body = await response.text();
    return { kind: 'url', url, status: response.status, headers: Object.fromEntries(response.headers), info: body.slice(0, 65536), infoSha256: sha256(body) };
  } catch (e) {
    return { kind: 'url', url, infoError: e instanceof Error ? e.message : String(e) };
  }
}

/** SHA-256 of a file, or of a folder's files (sorted relative paths with their own SHA-256s). */
async function pathHash(p: string): Promise<string> {
  if (!(await stat(p)).isDirectory()) return sha256(await readFile(p));
  const files = (await readdir(p, { recursive: true, withFileTypes: true })).filter((d) => d.isFile())
    .map((d) => path.relative(p, path.join(d.parentPath, d.name))).sort();
  const lines = await Promise.all(files.map(async (f) => `${sha256(await readFile(path.join(p, f)))}  ${f}`));
  return sha256(lines.join('\n'));
}

/**
 * `model` with every predict call recorded in `entries`: which committed samples were sent (by
 * their SHA-256: a request with an image that is not a fingerprint sample is refused), the
 * request's digest, the response in full and its digest.
 */
export function recordingModel(model: Model, fp: Fingerprint, entries: Entry[]): Model {
  const index = new Map(Array.from({ length: fp.samples.count }, (_, i) => [sampleHash(fp.samples, i), i]));
  return {
    source: model.source,
    spec: model.spec,
    get queries() { return model.queries; },
    dispose: () => model.dispose(),
    async predict(batch: ImageBatch): Promise<Outputs> {
      const hashes = Array.from({ length: batch.count }, (_, i) => sampleHash(batch, i));
      const samples = hashes.map((h) => {
        const i = index.get(h);
        if (i === undefined) throw new LineageError('--evidence: a request held an image that is not a fingerprint sample', 'this is a bug: evidence logs record fingerprint queries only');
        return i;
      });
      const time = new Date().toISOString();
      const out = await model.predict(batch);
      entries.push({
        type: 'query',
        time,
        answered: new Date().toISOString(),
        samples,
        requestSha256: sha256(hashes.join('')),
        response: { rows: out.rows, cols: out.cols, data: floatsToBase64(out.data) },
        responseSha256: sha256(new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength)),
      });
      return out;
    },
  };
}
