import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LineageError } from '../src/errors.js';
import {
  declaredFromShape, parseSpecOverrides, readSpecFile, resolveSpec, sidecarPath, specToOverrides,
} from '../src/models/spec.js';

const isLineage = (pattern: RegExp) => (e: unknown) => e instanceof LineageError && pattern.test(e.message);

test('CLI strings parse into typed settings (commander passes strings)', () => {
  assert.deepEqual(parseSpecOverrides({ size: '112' }), { height: 112, width: 112 });
  assert.deepEqual(parseSpecOverrides({ size: '112x96' }), { height: 112, width: 96 });
  assert.deepEqual(parseSpecOverrides({ range: '-1-1' }), { scale: 1 / 127.5, mean: [1], std: [1] });
  assert.deepEqual(parseSpecOverrides({ range: '0-1', mean: '0.5,0.5,0.5', std: '0.5' }),
    { scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5] });
  assert.deepEqual(parseSpecOverrides({ output: '1', outputKind: 'embedding', channels: 'BGR', layout: 'nchw' }),
    { output: 1, outputKind: 'embedding', channels: 'bgr', layout: 'nchw' });
  assert.deepEqual(parseSpecOverrides({ output: 'global_pooling/Mean', seed: '7', timeout: '100' }),
    { output: 'global_pooling/Mean' }, 'unrelated CLI options are ignored');
});

test('bad CLI values are LineageErrors naming the option', () => {
  assert.throws(() => parseSpecOverrides({ size: '112x' }), isLineage(/invalid size/));
  assert.throws(() => parseSpecOverrides({ range: '0-2' }), isLineage(/invalid range/));
  assert.throws(() => parseSpecOverrides({ mean: '0.5,x' }), isLineage(/invalid mean/));
  assert.throws(() => parseSpecOverrides({ std: '0' }), isLineage(/std must not be 0/));
  assert.throws(() => parseSpecOverrides({ channels: 'rgba' }), isLineage(/invalid channels/));
  assert.throws(() => parseSpecOverrides({ outputKind: 'probs' }), isLineage(/invalid outputKind/));
});

test('precedence: overrides > sidecar > builtin > declared > defaults, field by field', () => {
  const { spec, warnings } = resolveSpec({
    source: 'm',
    overrides: { height: 100, width: 100 },
    sidecar: { height: 90, width: 90, layout: 'nchw', scale: 1, mean: [127.5], std: [128] },
    builtin: { layout: 'nhwc', output: 'emb', channels: 'bgr' },
    declared: { height: 112, width: 112, layout: 'nhwc', inputName: 'input' },
  });
  assert.deepEqual(spec, {
    height: 100, width: 100, channels: 'bgr', layout: 'nchw', scale: 1, mean: [127.5, 127.5, 127.5],
    std: [128, 128, 128], output: 'emb', outputKind: 'logits', inputName: 'input', normalisationSource: 'sidecar',
  });
  assert.deepEqual(warnings, []);
});

test('an undeclared input range is recorded as a default and warned about', () => {
  const { spec, warnings } = resolveSpec({ source: 'suspect.onnx', declared: { height: 32, width: 32, channels: 'gray' } });
  assert.equal(spec.normalisationSource, 'default');
  assert.equal(spec.scale, 1 / 255);
  assert.deepEqual(spec.mean, [0]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /suspect\.onnx.*--range/);
});

test('missing size and mismatched mean length are LineageErrors with a fix', () => {
  assert.throws(() => resolveSpec({ source: 'x.onnx', declared: {} }),
    (e: unknown) => e instanceof LineageError && /size of x\.onnx/.test(e.message) && /--size/.test(e.hint ?? ''));
  assert.throws(() => resolveSpec({ source: 'x', overrides: { height: 8, width: 8, channels: 'gray', mean: [1, 2, 3] } }),
    isLineage(/3 values but the model takes 1/));
});

test('declared shapes: NCHW/NHWC detection, grey, symbolic dims', () => {
  assert.deepEqual(declaredFromShape([1, 3, 112, 112], 'nchw'), { layout: 'nchw', height: 112, width: 112 });
  assert.deepEqual(declaredFromShape([-1, 64, 64, 1], 'nhwc'), { layout: 'nhwc', height: 64, width: 64, channels: 'gray' });
  assert.deepEqual(declaredFromShape([-1, 224, 224, 3], 'nchw'), { layout: 'nhwc', height: 224, width: 224 });
  assert.deepEqual(declaredFromShape(['batch', 3, 'h', 'w'], 'nchw'), { layout: 'nchw' });
  assert.deepEqual(declaredFromShape([1, 10], 'nchw'), {});
});

test('spec files: sidecar path, typed JSON values, unknown keys and bad JSON rejected', async () => {
  assert.equal(sidecarPath('/m/face.onnx'), '/m/face.lineage.json');
  assert.equal(sidecarPath('/m/tfjs/model.json'), '/m/tfjs/model.lineage.json');
  const dir = await mkdtemp(path.join(tmpdir(), 'lineage-spec-'));
  const good = path.join(dir, 'good.json');
  await writeFile(good, JSON.stringify({ size: [64, 48], range: '0-255', output: 2 }));
  assert.deepEqual(await readSpecFile(good), { height: 64, width: 48, scale: 1, mean: [0], std: [1], output: 2 });
  assert.equal(await readSpecFile(path.join(dir, 'absent.json'), true), undefined);
  await assert.rejects(readSpecFile(path.join(dir, 'absent.json')), isLineage(/cannot read spec file/));
  const typo = path.join(dir, 'typo.json');
  await writeFile(typo, JSON.stringify({ rnage: '0-1' }));
  await assert.rejects(readSpecFile(typo), isLineage(/unknown key\(s\) rnage/));
  const broken = path.join(dir, 'broken.json');
  await writeFile(broken, '{ "size": ');
  await assert.rejects(readSpecFile(broken), isLineage(/not valid JSON/));
});

test('specToOverrides round-trips through the parser', () => {
  const { spec } = resolveSpec({ source: 'm', overrides: { height: 112, width: 96, channels: 'bgr', scale: 1, mean: [1, 2, 3], std: [4, 5, 6], output: 'out', outputKind: 'embedding' } });
  const again = resolveSpec({ source: 'm', declared: parseSpecOverrides(specToOverrides(spec) as Record<string, unknown>) }).spec;
  assert.deepEqual({ ...again, normalisationSource: 'override' }, spec);
});
