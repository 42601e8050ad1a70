import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ImageSet } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import { audit } from '../src/evidence/audit.js';
import { chainLines, readChain } from '../src/evidence/chain.js';
import { verifyWithEvidence } from '../src/evidence/verify-evidence.js';
import { saveFingerprint } from '../src/fingerprints/bundle.js';
import { calibrate } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import type { Fingerprint } from '../src/fingerprints/types.js';
import type { Model } from '../src/models/types.js';
import { Random } from '../src/util/random.js';
import { LINEAR_SIDE, linearModel as linear } from './helpers/linear-model.js';

const SIDE = LINEAR_SIDE;

/** A model in memory: a seeded projection of the pixels, plus `noise` × another one. */
const fakeModel = (source: string, seed: number, noiseSeed?: number, noise = 0): Model =>
  linear(source, [[seed, 1], ...(noiseSeed === undefined ? [] : [[noiseSeed, noise] as const])], { outputs: 6, centre: 0 });

let dir: string;
let fp: Fingerprint;
let bundle: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-evidence-'));
  const rng = new Random(1);
  const count = 24;
  const images: ImageSet = { data: Uint8Array.from({ length: count * SIDE * SIDE * 3 }, () => rng.int(256)), count, height: SIDE, width: SIDE, channels: 3, names: Array.from({ length: count }, (_, i) => `img${i}.png`) };
  const made = await fingerprint(fakeModel('victim', 1), { data: images, samples: 20, seed: 2 });
  fp = await calibrate(made, [fakeModel('other-a', 11), fakeModel('other-b', 12), fakeModel('other-c', 13)]);
  bundle = join(dir, 'victim.lineage');
  await saveFingerprint(bundle, fp);
});
after(() => rm(dir, { recursive: true, force: true }));

async function writeLog(name: string, signKey?: string) {
  const log = join(dir, name);
  const suspects = [fakeModel('copy', 1, 99, 0.05), fakeModel('stranger', 21)];
  const { results, head } = await verifyWithEvidence(bundle, fp, suspects, {}, { log, settings: { test: true }, ...(signKey ? { signKey } : {}) });
  return { log, results, head, text: await readFile(log, 'utf8') };
}

test('audit recomputes every verdict from the log alone', async () => {
  const { results, head, text } = await writeLog('plain.jsonl');
  assert.deepEqual(results.map((r) => r.verdict), ['stolen', 'independent']);
  const a = audit(text);
  assert.equal(a.head, head);
  assert.equal(a.signed, 'no');
  assert.deepEqual(a.suspects.map((s) => [s.source, s.recomputed?.verdict, s.agrees, s.queries]), [['copy', 'stolen', true, 20], ['stranger', 'independent', true, 20]]);
  const start = readChain(text).entries[0]!;
  assert.equal((start.samples as string[]).length, 20, 'every sample committed before the first query');
});

test('a log with one byte changed anywhere is refused', async () => {
  const { text } = await writeLog('tamper.jsonl');
  const rng = new Random(7);
  for (let trial = 0; trial < 40; trial++) {
    const at = rng.int(text.length - 1); // not the final newline
    const original = text.charCodeAt(at);
    const changed = String.fromCharCode(original === 0x30 ? 0x31 : original === 0x22 ? 0x27 : original ^ 0x01);
    const tampered = text.slice(0, at) + changed + text.slice(at + 1);
    assert.throws(() => audit(tampered), LineageError, `byte ${at} (${JSON.stringify(text[at])} → ${JSON.stringify(changed)}) changed but accepted`);
  }
});

test('a forged response with a recomputed chain is caught by the verdict check; the owner signature catches the rest', async () => {
  const { text } = await writeLog('forge.jsonl');
  const { entries } = readChain(text);
  // Replace the copy's first response by the stranger's first response and re-chain (a forger without the key can do this).
  const queries = entries.map((e, i) => [e, i] as const).filter(([e]) => e.type === 'query');
  const [copyQ, copyIndex] = queries[0]!;
  const strangerQ = queries.find(([e]) => (e.samples as number[]).join() === (copyQ.samples as number[]).join() && e !== copyQ)![0];
  const forged = entries.slice();
  forged[copyIndex] = { ...copyQ, response: strangerQ.response, responseSha256: strangerQ.responseSha256 };
  const a = audit(`${chainLines(forged).join('\n')}\n`);
  assert.equal(a.suspects[0]!.agrees, false, 'the logged verdict no longer follows from the responses');
});

test('signing: an Ed25519-signed log verifies with the owner key and fails with another; a signed log re-chained without the key is refused', async () => {
  const owner = generateKeyPairSync('ed25519');
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = join(dir, 'owner.pem');
  await writeFile(key, owner.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const { text } = await writeLog('signed.jsonl', key);
  const ownerPub = owner.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.equal(audit(text, ownerPub).signed, 'valid (given key)');
  assert.equal(audit(text).signed, 'valid (embedded key)');
  assert.throws(() => audit(text, stranger.publicKey.export({ type: 'spki', format: 'pem' }).toString()), /signature does not verify/);
  // Drop the last result and re-chain, keeping the old signature: the signed head no longer matches.
  const { entries } = readChain(text);
  const shortened = [...entries.slice(0, -2), entries.at(-1)!];
  assert.throws(() => audit(`${chainLines(shortened).join('\n')}\n`, ownerPub), /signature does not verify/);
  const unsigned = (await writeLog('unsigned.jsonl')).text;
  assert.throws(() => audit(unsigned, ownerPub), /not signed/);
});

test('a sequential verification is logged and replayed: the audit re-runs its looks on the logged responses', async () => {
  const log = join(dir, 'sequential.jsonl');
  const { results } = await verifyWithEvidence(bundle, fp, [fakeModel('copy', 1, 99, 0.05), fakeModel('stranger', 21)], { sequential: { maxQueries: 20, alpha: 0.01 } }, { log, settings: {} });
  for (const r of results) assert.ok(r.verdict !== 'error' && r.sequential, 'a sequential record');
  const a = audit(await readFile(log, 'utf8'));
  assert.deepEqual(a.suspects.map((s) => s.agrees), [true, true]);
  assert.equal(a.suspects[0]!.recomputed!.verdict, 'stolen');
});
