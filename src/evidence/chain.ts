/**
 * A hash-chained JSON-lines log: line k is the canonical JSON (JSON.stringify) of one entry with
 * `prev` = the previous line's hash (64 zeros for the first) and `hash` = SHA-256 of the entry and
 * `prev` without `hash`. Any changed byte makes a line invalid JSON, non-canonical or hash-mismatched,
 * and every later line commits to it. Without a signature this catches damage and careless edits;
 * against a forger who recomputes the chain, sign the head (Node's crypto: Ed25519 or RSA PEM keys).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { LineageError } from '../errors.js';

export const GENESIS = '0'.repeat(64);

export type Entry = Readonly<Record<string, unknown>> & { readonly type: string };

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The log's lines for `entries`, chained. */
export function chainLines(entries: readonly Entry[]): string[] {
  const lines: string[] = [];
  let prev = GENESIS;
  for (const entry of entries) {
    const body = { ...entry, prev };
    prev = sha256(JSON.stringify(body));
    lines.push(JSON.stringify({ ...body, hash: prev }));
  }
  return lines;
}

/** The entries of a log's text, every line and link checked, with each line's hash. */
export function readChain(text: string, what = 'the evidence log'): { entries: Entry[]; hashes: string[] } {
  const refuse = (line: number, why: string) => new LineageError(`${what} is refused: line ${line} ${why}`, 'this log was changed or damaged after it was written; do not use it as evidence');
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  let prev = GENESIS;
  const entries: Entry[] = [];
  const hashes: string[] = [];
  lines.forEach((line, i) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw refuse(i + 1, 'is not valid JSON');
    }
    if (JSON.stringify(parsed) !== line) throw refuse(i + 1, 'is not in canonical form');
    const { hash, ...body } = parsed;
    if (body.prev !== prev) throw refuse(i + 1, 'does not follow the line before it (prev hash differs)');
    if (hash !== sha256(JSON.stringify(body))) throw refuse(i + 1, 'does not match its own hash');
    if (typeof body.type !== 'string') throw refuse(i + 1, 'has no entry type');
    const { prev: _prev, ...entry } = body;
    entries.push(entry as Entry);
    prev = hash as string;
    hashes.push(prev);
  });
  if (entries.length === 0) throw refuse(1, 'is missing: the log is empty');
  return { entries, hashes };
}

/** Signature entry over the head hash with the owner's private key (PEM; Ed25519 or RSA). */
export function signHead(head: string, privateKeyPem: string): Entry {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (e) {
    throw new LineageError(`--sign-key: not a private key in PEM form (${e instanceof Error ? e.message : String(e)})`, 'make one with `openssl genpkey -algorithm ed25519 -out owner.pem`');
  }
  const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  return {
    type: 'signature',
    head,
    keyType: key.asymmetricKeyType ?? 'unknown',
    publicKey: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
    signature: sign(algorithm, Buffer.from(head), key).toString('base64'),
  };
}

/** Whether `entry` signs `head` with the public key `publicKeyPem` (PEM). */
export function checkSignature(entry: Entry, head: string, publicKeyPem: string): boolean {
  const key = createPublicKey(publicKeyPem);
  if (entry.head !== head) return false;
  return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.from(head), key, Buffer.from(String(entry.signature), 'base64'));
}
