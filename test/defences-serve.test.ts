/**
 * `lineage serve --defence <spec>` must answer exactly like the library wrapper: same distances and
 * verdicts through the CLI (serve + verify --json) as verify() on applyDefence(model, spec); and a
 * label-only defence must turn the server label-only, like --labels-only.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { demoFacePhotos, detectFaceCrops } from '../src/data/faces.js';
import { applyDefence, calibrate, fingerprint, loadModel, saveFingerprint, serveModel, verify } from '../src/index.js';
import type { Fingerprint, ImageBatch, SuspectResult } from '../src/index.js';
import { argmaxRows } from '../src/stats/correlation.js';
import { Random } from '../src/util/random.js';
import { missingBuiltins } from './helpers/builtins.js';
import { runCli, servedUrl, startCli } from './helpers/cli.js';

const N = 16;
const DEFENCE = 'jpeg=60,noise=0.2,round=3';
const quiet = { onWarning: () => {} };

const skip = missingBuiltins(['fr_feature', 'mobileface', 'faceres', 'emotion']);

let dir: string;
let fp: Fingerprint;
let bundle: string;

describe('serve --defence answers like the library wrapper', { skip }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lineage-defences-serve-'));
    const faces = await detectFaceCrops(demoFacePhotos().slice(0, 6), { size: 112 });
    const victim = await loadModel('builtin:fr_feature', quiet);
    try {
      fp = await calibrate(await fingerprint(victim, { data: faces, samples: N, seed: 3 }), ['builtin:mobileface', 'builtin:faceres'], { model: quiet });
    } finally {
      await victim.dispose();
    }
    bundle = join(dir, 'fp.lineage');
    await saveFingerprint(bundle, fp);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(`CLI: lineage serve --defence ${DEFENCE} + verify --json equals verify(applyDefence(model))`, async () => {
    for (const suspect of ['builtin:fr_feature', 'builtin:mobileface']) {
      const [library] = await verify(fp, [applyDefence(await loadModel(suspect, quiet), DEFENCE)]);
      assert.ok(library && 'pearsonDistance' in library, `${suspect}: the library judged it`);
      const server = startCli(['serve', suspect, '--defence', DEFENCE, '--port', '0']);
      try {
        const url = await servedUrl(server);
        const cli = await runCli(['verify', bundle, url, '--json']);
        assert.equal(cli.code, 0, `verify <url> failed:\n${cli.stderr}`);
        const [served] = JSON.parse(cli.stdout) as SuspectResult[];
        assert.ok(Math.abs(served!.pearsonDistance - library.pearsonDistance) <= 1e-9, `${suspect}: pearson ${served!.pearsonDistance} served vs ${library.pearsonDistance}`);
        assert.ok(Math.abs(served!.distance - library.distance) <= 1e-9, `${suspect}: distance`);
        assert.equal(served!.verdict, library.verdict, `${suspect}: verdict`);
        assert.equal(served!.queries, N);
      } finally {
        server.kill('SIGTERM');
      }
      assert.equal(library.verdict, suspect === 'builtin:fr_feature' ? 'stolen' : 'independent', `${suspect} behind ${DEFENCE}`);
    }
  });

  test('a top1 defence makes the server label-only: /info says label, the labels are the arg-max', async () => {
    const model = await loadModel('builtin:emotion', quiet);
    const server = await serveModel(applyDefence(model, 'top1'), { port: 0 });
    try {
      const remote = await loadModel(server.url, quiet);
      assert.equal(remote.spec.outputKind, 'label');
      const random = new Random(5);
      const images: ImageBatch = { data: new Uint8Array(4 * 48 * 48).map(() => random.int(256)), count: 4, height: 48, width: 48, channels: 1 };
      assert.deepEqual(argmaxRows(await remote.predict(images)), argmaxRows(await model.predict(images)));
    } finally {
      await server.close();
      await model.dispose();
    }
  });
});
