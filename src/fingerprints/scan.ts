/**
 * Many suspects against many fingerprint bundles (a model hub watched for thefts of several models):
 * every suspect is loaded once and judged with every bundle. Its outputs are cached per image, so a
 * suspect answers each distinct image once — bundles made from the same samples share their queries.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineageError, errorMessage } from '../errors.js';
import type { ModelOptions } from '../models/load.js';
import { loadModel } from '../models/load.js';
import { withOutputCache } from '../models/output-cache.js';
import { MAX_JSON_BYTES, readRegularFile } from '../util/confined-read.js';
import { loadFingerprint } from './bundle.js';
import { DEFAULT_STATISTIC } from './calibrate.js';
import { verify } from './verify.js';
import { scoreOf, type AnyFingerprint, type AnySuspectResult, type MethodName, type Verdict } from './types.js';

/** A bundle of a scan, named by its file. */
export interface ScanBundle {
  readonly name: string;
  readonly fingerprint: AnyFingerprint;
}

/** One suspect judged with one bundle. */
export interface ScanRow {
  readonly suspect: string;
  readonly bundle: string;
  /** The bundle's victim (its source when fingerprinted). */
  readonly victim: string;
  readonly method: MethodName;
  /** `error`: the suspect could not be judged with this bundle (see `error`). */
  readonly verdict: Verdict | 'error';
  readonly statistic?: string;
  readonly value?: number;
  readonly threshold?: number;
  /** Rank p-value against the bundle's independent models. */
  readonly pRank?: number;
  readonly error?: string;
}

/** Everything one suspect's scan produced. */
export interface SuspectScan {
  readonly suspect: string;
  readonly rows: readonly ScanRow[];
  /** Images the suspect was actually sent (each distinct image once). */
  readonly imagesSent: number;
  readonly seconds: number;
}

export const BUNDLE_EXTENSION = '.lineage';

/** Every `*.lineage` bundle in `dir` (sorted by name), each hash-checked as it loads. */
export async function loadScanBundles(dir: string): Promise<ScanBundle[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(BUNDLE_EXTENSION)).sort();
  } catch (e) {
    throw new LineageError(`cannot read the bundle folder ${dir}: ${errorMessage(e)}`, 'pass a folder of .lineage bundles made by `lineage fingerprint` and `lineage calibrate`');
  }
  if (names.length === 0) throw new LineageError(`no ${BUNDLE_EXTENSION} bundles in ${dir}`, 'pass a folder of bundles made by `lineage fingerprint` and `lineage calibrate`');
  const bundles: ScanBundle[] = [];
  for (const name of names) bundles.push({ name, fingerprint: await loadFingerprint(path.join(dir, name)) });
  return bundles;
}

/**
 * The suspects listed by `list`: a text file with one model path, builtin:<name> or URL per line
 * (blank lines and # comments skipped; relative paths are relative to the file), or a folder whose
 * entries are models (.onnx files, model.json folders).
 */
export async function listSuspects(list: string): Promise<string[]> {
  let info;
  try {
    info = await stat(list);
  } catch (e) {
    throw new LineageError(`cannot read the suspect list ${list}: ${errorMessage(e)}`, 'pass a text file with one model per line, or a folder of models');
  }
  let suspects: string[];
  if (info.isDirectory()) {
    const entries = await readdir(list, { withFileTypes: true });
    const isModel = async (e: (typeof entries)[number]) => (e.isFile() && e.name.endsWith('.onnx'))
      || (e.isDirectory() && (await readdir(path.join(list, e.name))).includes('model.json'));
    suspects = [];
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) if (await isModel(e)) suspects.push(path.join(list, e.name));
  } else {
    const here = path.dirname(list);
    suspects = (await readRegularFile(list, 'suspect list', { atMost: MAX_JSON_BYTES })).toString('utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean)
      .map((s) => (/^(https?:|builtin:)/.test(s) || path.isAbsolute(s) ? s : path.join(here, s)));
  }
  if (suspects.length === 0) throw new LineageError(`no suspects in ${list}`, 'list one model per line (path, builtin:<name> or http(s):// URL), or pass a folder of .onnx files / model folders');
  return suspects;
}

function rowOf(suspect: string, bundle: ScanBundle, r: AnySuspectResult): ScanRow {
  const fp = bundle.fingerprint;
  const common = { suspect, bundle: bundle.name, victim: fp.manifest.victim.source, verdict: r.verdict, ...(r.threshold !== undefined ? { threshold: r.threshold } : {}), ...(r.pValue ? { pRank: r.pValue.rank } : {}) };
  if ('method' in r) return { ...common, method: r.method, statistic: r.statistic, value: r.value };
  const statistic = r.statistic ?? DEFAULT_STATISTIC;
  return { ...common, method: fp.kind === 'sac' ? fp.manifest.params.method : 'sac-jc', statistic, value: scoreOf(r, statistic) };
}

const methodOf = (b: ScanBundle): MethodName => (b.fingerprint.kind === 'peer' ? b.fingerprint.method : b.fingerprint.manifest.params.method);

/** The row of a suspect that could not be judged with `bundle`. */
export function errorRow(suspect: string, bundle: ScanBundle, message: string): ScanRow {
  return { suspect, bundle: bundle.name, victim: bundle.fingerprint.manifest.victim.source, method: methodOf(bundle), verdict: 'error', error: message };
}

/** Judge one suspect with every bundle: loaded once, each distinct image sent once; a failure becomes `error` rows. */
export async function scanSuspect(suspect: string, bundles: readonly ScanBundle[], model?: ModelOptions): Promise<SuspectScan> {
  const began = performance.now();
  let loaded;
  try {
    loaded = await loadModel(suspect, model);
  } catch (e) {
    return { suspect, rows: bundles.map((b) => errorRow(suspect, b, errorMessage(e))), imagesSent: 0, seconds: (performance.now() - began) / 1000 };
  }
  const cached = withOutputCache(loaded);
  const rows: ScanRow[] = [];
  try {
    for (const bundle of bundles) {
      try {
        const [result] = await verify(bundle.fingerprint, [cached]);
        rows.push(result!.verdict === 'error' ? errorRow(suspect, bundle, result!.error) : rowOf(suspect, bundle, result!));
      } catch (e) {
        rows.push(errorRow(suspect, bundle, errorMessage(e)));
      }
    }
  } finally {
    await cached.dispose();
  }
  return { suspect, rows, imagesSent: cached.uncached, seconds: (performance.now() - began) / 1000 };
}

/** Bundles that share their samples (or peer inputs) form one sample set: a suspect is queried once per set. */
export function distinctSampleSets(bundles: readonly ScanBundle[]): number {
  return new Set(bundles.map((b) => createHash('sha256').update(b.fingerprint.kind === 'sac' ? b.fingerprint.samples.data : b.fingerprint.inputs.data).digest('hex'))).size;
}
