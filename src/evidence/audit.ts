/**
 * `lineage audit`: re-check an evidence log (verify-evidence.ts) from the log alone — every line's
 * hash and link, every response against its digest, every request against the samples committed
 * before the first query, the signature if any — and recompute each suspect's verdict from the
 * logged responses with the same code verify uses.
 */
import { createPublicKey } from 'node:crypto';
import { LineageError } from '../errors.js';
import { compareOutputs } from '../fingerprints/compare.js';
import { sacMatrix } from '../fingerprints/representation.js';
import type { Calibration, SacParams, SuspectFailure, SuspectResult } from '../fingerprints/types.js';
import type { InputSpec } from '../models/types.js';
import { queryOrder, sequentialLook } from '../fingerprints/sequential.js';
import type { SequentialBasis, SequentialRecord } from '../fingerprints/sequential.js';
import { decide, decideSequential } from '../fingerprints/verify.js';
import { lookSchedule } from '../stats/sequential.js';
import { checkSignature, readChain, sha256 } from './chain.js';
import type { Entry } from './chain.js';
import { EVIDENCE_FORMAT, floatsFromBase64 } from './record.js';

export interface AuditedSuspect {
  readonly source: string;
  readonly logged: { readonly verdict: string; readonly distance?: number; readonly pearsonDistance?: number };
  readonly recomputed?: { readonly verdict: string; readonly distance: number; readonly pearsonDistance: number; readonly rank?: number };
  readonly agrees: boolean;
  readonly queries: number;
}

export interface Audit {
  readonly head: string;
  readonly lineageVersion: string;
  readonly bundleSha256: string;
  readonly signed: 'no' | 'valid (embedded key)' | 'valid (given key)';
  readonly suspects: readonly AuditedSuspect[];
}

/** Audit the log's text; `verifyKey` (PEM public key) must then have signed it. Throws a LineageError naming the first fault. */
export function audit(text: string, verifyKey?: string): Audit {
  const { entries, hashes } = readChain(text);
  const fault = (why: string) => new LineageError(`the evidence log is refused: ${why}`, 'this log does not support its verdicts; do not use it as evidence');
  const start = entries[0]!;
  if (start.type !== 'start' || start.format !== EVIDENCE_FORMAT) throw fault(`it does not begin with a format-${EVIDENCE_FORMAT} start entry`);
  const signature = entries.at(-1)!.type === 'signature' ? entries.at(-1)! : undefined;
  const signed = checkSigned(signature, hashes.at(-2) ?? '', verifyKey, fault);
  const body = signature ? entries.slice(1, -1) : entries.slice(1);

  const params = start.params as SacParams;
  const committed = start.samples as string[];
  const vo = start.victimOutputs as { rows: number; cols: number; data: string; sha256: string };
  const victimData = floatsFromBase64(vo.data);
  if (sha256(new Uint8Array(victimData.buffer)) !== vo.sha256) throw fault("the victim's outputs do not match their digest");
  const victimOutputs = { data: victimData, rows: vo.rows, cols: vo.cols };
  const basis = { manifest: { params }, victimOutputs, victimMatrix: sacMatrix(victimOutputs, params.kernel, params.outputMode) };
  const calibration = start.calibration as Calibration | undefined;
  const replaySequential = replaySequentialWith({ ...basis, samples: { count: committed.length } }, fault);

  const suspects: AuditedSuspect[] = [];
  let current: { source: string; spec: InputSpec; queries: Entry[] } | undefined;
  for (const e of body) {
    if (e.type === 'suspect') current = { source: String(e.source), spec: e.spec as InputSpec, queries: [] };
    else if (e.type === 'query') {
      if (!current) throw fault('a query comes before any suspect');
      current.queries.push(e);
    } else if (e.type === 'result') {
      const logged = e.result as SuspectResult | SuspectFailure;
      suspects.push(current ? recompute(current, logged) : { source: logged.source, logged, agrees: logged.verdict === 'error', queries: 0 });
      current = undefined;
    } else throw fault(`unknown entry type '${e.type}'`);
  }
  return { head: hashes.at(-1)!, lineageVersion: String(start.lineageVersion), bundleSha256: String((start.bundle as { sha256: string }).sha256), signed, suspects };

  function recompute(s: { source: string; spec: InputSpec; queries: Entry[] }, logged: SuspectResult | SuspectFailure): AuditedSuspect {
    const n = committed.length;
    const seen = new Array<boolean>(n).fill(false);
    let cols = 0;
    const rows: { index: number; values: Float32Array }[] = [];
    for (const q of s.queries) {
      const samples = q.samples as number[];
      const r = q.response as { rows: number; cols: number; data: string };
      const data = floatsFromBase64(r.data);
      if (sha256(new Uint8Array(data.buffer)) !== q.responseSha256) throw fault(`a response of ${s.source} does not match its digest`);
      if (samples.some((i) => !(Number.isInteger(i) && i >= 0 && i < n)) || sha256(samples.map((i) => committed[i]).join('')) !== q.requestSha256) throw fault(`a request to ${s.source} does not match the committed samples`);
      cols = r.cols;
      samples.forEach((index, k) => rows.push({ index, values: data.subarray(k * r.cols, (k + 1) * r.cols) }));
    }
    if (rows.length === 0) return { source: s.source, logged, agrees: logged.verdict === 'error', queries: 0 };
    const outputs = new Float32Array(n * cols);
    for (const { index, values } of rows) {
      seen[index] = true;
      outputs.set(values, index * cols);
    }
    const labelsOnly = s.spec.outputKind === 'label';
    const sequential = logged.verdict === 'error' ? undefined : logged.sequential;
    let again: SuspectResult;
    if (sequential && calibration) again = replaySequential(s.source, rows, cols, labelsOnly, sequential, calibration);
    else {
      if (seen.some((x) => !x)) throw fault(`${s.source} was not asked for every committed sample`);
      again = decide(s.source, { ...compareOutputs(basis, { data: outputs, rows: n, cols }, labelsOnly), queries: rows.length }, calibration);
    }
    const same = (a?: number, b?: number) => a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));
    const agrees = logged.verdict !== 'error' && again.verdict === logged.verdict && same(again.distance, logged.distance) && same(again.pearsonDistance, logged.pearsonDistance);
    return {
      source: s.source,
      logged,
      recomputed: { verdict: again.verdict, distance: again.distance, pearsonDistance: again.pearsonDistance, ...(again.pValue ? { rank: again.pValue.rank } : {}) },
      agrees,
      queries: rows.length,
    };
  }
}

/**
 * Re-run a sequential verification's looks on the logged responses: they must be the seeded order's
 * first samples, and the looks must settle (or not) exactly where the log says.
 */
function replaySequentialWith(basis: SequentialBasis, fault: (why: string) => LineageError) {
  return (source: string, rows: readonly { index: number; values: Float32Array }[], cols: number, labelsOnly: boolean, seq: SequentialRecord, cal: Calibration): SuspectResult => {
    const order = queryOrder(basis.samples.count, seq.seed);
    if (rows.some((r, k) => r.index !== order[k])) throw fault(`${source} was not queried in the seeded order the log states (seed ${seq.seed})`);
    const looks = lookSchedule(seq.maxQueries, seq.round).filter((at) => at <= rows.length);
    let last: ReturnType<typeof sequentialLook> | undefined;
    for (const at of looks) {
      const data = new Float32Array(at * cols);
      rows.slice(0, at).forEach((r, k) => data.set(r.values, k * cols));
      last = sequentialLook(basis, cal, order, { data, rows: at, cols }, labelsOnly, seq.alpha, seq.maxQueries / 2);
      if (last.look.settled) break;
    }
    if (!last || last.look.samples !== rows.length || last.look.settled !== seq.settled) throw fault(`${source}'s sequential looks do not stop where the log says`);
    return decideSequential(source, { ...last.comparison, queries: rows.length }, cal, seq);
  };
}

function checkSigned(signature: Entry | undefined, head: string, verifyKey: string | undefined, fault: (why: string) => LineageError): Audit['signed'] {
  if (!signature) {
    if (verifyKey !== undefined) throw fault('it is not signed, but --verify-key was given');
    return 'no';
  }
  const key = verifyKey ?? String(signature.publicKey);
  let ok: boolean;
  try {
    if (verifyKey !== undefined) createPublicKey(verifyKey);
    ok = checkSignature(signature, head, key);
  } catch (e) {
    throw new LineageError(`--verify-key: not a public key in PEM form (${e instanceof Error ? e.message : String(e)})`, 'give the owner\'s public key, e.g. from `openssl pkey -in owner.pem -pubout`');
  }
  if (!ok) throw fault(verifyKey !== undefined ? 'its signature does not verify with the given key' : 'its signature does not verify with the key it carries');
  return verifyKey !== undefined ? 'valid (given key)' : 'valid (embedded key)';
}
