import { readFile } from 'node:fs/promises';
import { errorMessage, LineageError } from '../errors.js';
import { withModel } from '../fingerprints/calibrate.js';
import type { Fingerprint, SuspectFailure, SuspectResult } from '../fingerprints/types.js';
import type { Model } from '../models/types.js';
import { verify } from '../fingerprints/verify.js';
import type { VerifyOptions } from '../fingerprints/verify.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { chainLines, signHead } from './chain.js';
import type { Entry } from './chain.js';
import { recordingModel, startEntry, suspectEntry } from './record.js';

export interface EvidenceOptions {
  /** Where the log goes (written whole at the end: temp file, then rename). */
  readonly log: string;
  /** PEM file of the owner's private key (Ed25519 or RSA): the log's head is signed with it. */
  readonly signKey?: string;
  /** Every setting of the run, as the command line gave it. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * verify() with an evidence log (record.ts): the commitments first, then each suspect's identity,
 * every query and response, and its result; the head of the chain optionally signed. Returns the
 * results and the head hash (publish or timestamp it to pin the log).
 */
export async function verifyWithEvidence(bundle: string, fp: Fingerprint, suspects: readonly (Model | string)[], options: VerifyOptions, evidence: EvidenceOptions): Promise<{ results: (SuspectResult | SuspectFailure)[]; head: string }> {
  const key = evidence.signKey === undefined ? undefined : await readFile(evidence.signKey, 'utf8').catch((e: unknown) => {
    throw new LineageError(`--sign-key ${evidence.signKey}: ${errorMessage(e)}`, 'give the path of a PEM private key file');
  });
  const entries: Entry[] = [await startEntry(bundle, fp, evidence.settings)];
  const results: (SuspectResult | SuspectFailure)[] = [];
  for (const suspect of suspects) {
    const [result] = await withModel(suspect, options.model, async (model) => {
      entries.push(await suspectEntry(model, typeof suspect === 'string'));
      return verify(fp, [recordingModel(model, fp, entries)], options);
    }).catch((e: unknown): SuspectFailure[] => [{ source: typeof suspect === 'string' ? suspect : suspect.source, verdict: 'error', error: errorMessage(e) }]);
    const { matrix: _matrix, ...logged } = result as SuspectResult;
    entries.push({ type: 'result', time: new Date().toISOString(), result: logged });
    results.push(result!);
  }
  let lines = chainLines(entries);
  if (key !== undefined) lines = chainLines([...entries, signHead(JSON.parse(lines.at(-1)!).hash as string, key)]);
  await writeFileAtomic(evidence.log, `${lines.join('\n')}\n`);
  return { results, head: JSON.parse(lines.at(-1)!).hash as string };
}
