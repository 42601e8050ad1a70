import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import { PEER_METHOD_NAMES, PEER_METHODS } from '../src/fingerprints/peers/methods.js';
import { FINGERPRINT_METHODS, isPeerMethod, SAC_METHODS } from '../src/fingerprints/types.js';
import type { Model } from '../src/models/types.js';
import { LineageError } from '../src/errors.js';

/** A black-box model that must never be queried: these checks come before any query or data loading. */
const onnxLike: Model = {
  source: 'victim.onnx',
  spec: { height: 2, width: 2, channels: 'gray', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'logits' },
  queries: 0,
  predict: () => assert.fail('the victim was queried'),
  dispose: async () => {},
};
const missingData = '/nonexistent/lineage-data';

test('the light method list (for the CLI) is exactly the SAC methods and the peer methods of the library', () => {
  assert.deepEqual(FINGERPRINT_METHODS, [...SAC_METHODS, ...PEER_METHOD_NAMES]);
  assert.deepEqual(FINGERPRINT_METHODS.filter(isPeerMethod), PEER_METHOD_NAMES);
});

test('a white-box method on a victim without gradients is refused by name before the data is read', async () => {
  for (const method of PEER_METHOD_NAMES.filter((m) => PEER_METHODS[m].whiteBox)) {
    await assert.rejects(fingerprint(onnxLike, { data: missingData, method, samples: 4 }),
      (e: unknown) => e instanceof LineageError && e.message.includes(`a ${method} fingerprint`) && /needs a TF\.js victim/.test(e.message)
        && /victim\.onnx is not a TF\.js model/.test(e.message) && /--method akh, sac-jc/.test(e.hint ?? ''));
  }
  // The black-box peer method goes on to the data (and fails there, on the missing folder).
  await assert.rejects(fingerprint(onnxLike, { data: missingData, method: 'akh', samples: 4 }), (e: unknown) => e instanceof LineageError && /does not exist/.test(e.message));
});

test('every peer method refuses an embedding victim (no class decisions to compare), pointing at SAC', async () => {
  const embedder: Model = { ...onnxLike, spec: { ...onnxLike.spec, outputKind: 'embedding' } };
  for (const method of PEER_METHOD_NAMES) {
    await assert.rejects(fingerprint(embedder, { data: missingData, method, samples: 4 }),
      (e: unknown) => e instanceof LineageError && e.message.includes(`${method} compares class decisions`) && /outputs embeddings/.test(e.message)
        && /--method sac-jc, sac-w or sac-m/.test(e.hint ?? ''));
  }
});

test('SAC-only options are refused with a peer method, naming them', async () => {
  await assert.rejects(fingerprint(onnxLike, { data: missingData, method: 'akh', kernel: 'rbf', transpose: true }),
    (e: unknown) => e instanceof LineageError && /kernel, transpose apply to the SAC methods only, not to akh/.test(e.message));
});
