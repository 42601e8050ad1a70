import { extname, join } from 'node:path';
import { deriveCopy } from '../attacks/weights/derive.js';
import type { DeriveRecord, WeightOp } from '../attacks/weights/types.js';
import { resolveBuiltin } from '../models/builtin.js';
import { sidecarPath, specToOverrides } from '../models/spec.js';
import type { InputSpec } from '../models/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** A suspect of the demo, and whether it really derives from the victim (the ground truth). */
export interface DemoSuspect {
  readonly source: string;
  readonly derived: boolean;
  readonly how: string;
}

/** Training-free stealing: what someone who got hold of the weights can do in a minute. */
export const DERIVING_OPS: readonly { readonly name: string; readonly op: WeightOp; readonly how: string }[] = [
  { name: 'pruned-30', op: { kind: 'prune', ratio: 0.3 }, how: 'magnitude pruning, 30 % of every kernel zeroed' },
  { name: 'fp16', op: { kind: 'fp16' }, how: 'float16 weight quantisation' },
  { name: 'int8', op: { kind: 'int8' }, how: 'int8 weight quantisation (per output channel)' },
  { name: 'noise-1pct', op: { kind: 'noise', sigma: 0.01, seed: 1 }, how: 'Gaussian weight noise, σ = 1 % of each tensor\'s sd' },
  { name: 'noise-5pct', op: { kind: 'noise', sigma: 0.05, seed: 2 }, how: 'Gaussian weight noise, σ = 5 % of each tensor\'s sd' },
];

/**
 * Write derived copies of a built-in victim into `dir`, each with a spec sidecar equal to the
 * victim's spec (a thief keeps the preprocessing: the copy must behave like the original).
 */
export async function makeDerivedCopies(victim: string, spec: InputSpec, dir: string): Promise<DemoSuspect[]> {
  const copies: DemoSuspect[] = [];
  for (const { name, op, how } of DERIVING_OPS) {
    const out = derivedCopyPath(victim, name, dir);
    await writeDerivedCopy(victim, spec, out, op);
    copies.push({ source: out, derived: true, how });
  }
  return copies;
}

/** Where the copy `name` of a built-in victim goes inside `dir`: an .onnx file or a TF.js model directory. */
export function derivedCopyPath(victim: string, name: string, dir: string): string {
  return join(dir, extname(resolveBuiltin(victim).path) === '.onnx' ? `${victim}-${name}.onnx` : `${victim}-${name}`);
}

/** Write one derived copy of a built-in victim to `out` (see derivedCopyPath), then its spec sidecar. */
export async function writeDerivedCopy(victim: string, spec: InputSpec, out: string, op: WeightOp): Promise<DeriveRecord> {
  const record = await deriveCopy(resolveBuiltin(victim).path, out, op);
  await writeFileAtomic(sidecarPath(extname(out) === '.onnx' ? out : join(out, 'model.json')), JSON.stringify(specToOverrides(spec), null, 2));
  return record;
}
