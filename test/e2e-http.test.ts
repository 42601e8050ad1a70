/**
 * A suspect behind the Lineage HTTP protocol must be judged exactly like the same model read from
 * its file: same distances, same verdicts, one query per fingerprint sample — through the library
 * (serveModel) and through the CLI (`lineage serve` + `lineage verify --json`).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deriveCopy } from '../src/attacks/weights/derive.js';
import type { WeightOp } from '../src/attacks/weights/types.js';
import { demoFacePhotos, detectFaceCrops } from '../src/data/faces.js';
import { calibrate, fingerprint, loadModel, saveFingerprint, serveModel, verify } from '../src/index.js';
import type { Fingerprint, SuspectResult } from '../src/index.js';
import { resolveBuiltin } from '../src/models/builtin.js';
import { sidecarPath, specToOverrides } from '../src/models/spec.js';
import { missingBuiltins } from './helpers/builtins.js';
import { runCli, servedUrl, startCli } from './helpers/cli.js';

const N = 20;
const quiet = { onWarning: () => {} };
/** Derived copies of the victim: training-free edits a thief can make in a minute. */
const COPIES: readonly { readonly name: string; readonly op: WeightOp }[] = [
  { name: 'fp16', op: { kind: 'fp16' } },
  { name: 'noise-1pct', op: { kind: 'noise', sigma: 0.01, seed: 1 } },
];

const skip = missingBuiltins(['fr_feature', 'mobileface', 'faceres']);

let dir: string;
let fp: Fingerprint;
let bundle: string;
const suspects: string[] = [];

describe('HTTP suspects give the same verdicts as their files', { skip }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lineage-e2e-http-'));
    const faces = await detectFaceCrops(demoFacePhotos().slice(0, 6), { size: 112 });
    const victim = await loadModel('builtin:fr_feature', quiet);
    try {
      const made = await fingerprint(victim, { data: faces, samples: N, seed: 3 });
      fp = await calibrate(made, ['builtin:mobileface', 'builtin:faceres'], { model: quiet });
      for (const { name, op } of COPIES) {
        const file = join(dir, `fr_feature-${name}.onnx`);
        await deriveCopy(resolveBuiltin('fr_feature').path, file, op);
        // The thief keeps the victim's preprocessing: the sidecar tells Lineage what it is.
        await writeFile(sidecarPath(file), JSON.stringify(specToOverrides(victim.spec)));
        suspects.push(file);
      }
    } finally {
      await victim.dispose();
    }
    bundle = join(dir, 'fp.lineage');
    await saveFingerprint(bundle, fp);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('library: verify(file) and verify(serveModel URL) agree', async () => {
    assert.equal(fp.samples.count, N);
    for (const file of suspects) {
      const [fromFile] = await verify(fp, [file], { model: quiet });
      const model = await loadModel(file, quiet);
      const server = await serveModel(model, { port: 0 });
      try {
        const [overHttp] = await verify(fp, [server.url], { model: quiet });
        assert.ok(overHttp && overHttp.verdict !== 'error' && fromFile && fromFile.verdict !== 'error', `${file}: both judged`);
        assertSameJudgement(overHttp, fromFile, file);
        assert.equal(overHttp!.queries, N, `${file}: HTTP queries`);
        assert.equal(fromFile!.verdict, 'stolen', `${file} is a derived copy of the victim`);
      } finally {
        await server.close();
        await model.dispose();
      }
    }
  });

  test('CLI: `lineage verify --json` on `lineage serve` URL equals the file', async () => {
    const file = suspects[0]!;
    const server = startCli(['serve', file, '--port', '0']);
    try {
      const url = await servedUrl(server);
      const [viaUrl, viaFile] = await Promise.all([runCli(['verify', bundle, url, '--json']), runCli(['verify', bundle, file, '--json'])]);
      assert.equal(viaUrl.code, 0, `verify <url> failed:\n${viaUrl.stderr}`);
      assert.equal(viaFile.code, 0, `verify <file> failed:\n${viaFile.stderr}`);
      const [overHttp] = JSON.parse(viaUrl.stdout) as SuspectResult[];
      const [fromFile] = JSON.parse(viaFile.stdout) as SuspectResult[];
      assert.equal(overHttp!.source, url);
      assertSameJudgement(overHttp!, fromFile!, file);
      assert.equal(overHttp!.queries, N);
    } finally {
      server.kill('SIGTERM');
    }
  });
});

/** Same distances (to 1e-9), verdict, threshold and p-values. */
function assertSameJudgement(a: SuspectResult, b: SuspectResult, what: string): void {
  assert.ok(Math.abs(a.distance - b.distance) <= 1e-9, `${what}: distance ${a.distance} over HTTP vs ${b.distance} from the file`);
  assert.ok(Math.abs(a.pearsonDistance - b.pearsonDistance) <= 1e-9, `${what}: pearson ${a.pearsonDistance} over HTTP vs ${b.pearsonDistance} from the file`);
  assert.equal(a.verdict, b.verdict, `${what}: verdict`);
  assert.equal(a.threshold, b.threshold, `${what}: threshold`);
  assert.deepEqual(a.pValue, b.pValue, `${what}: p-values`);
}
