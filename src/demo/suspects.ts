import { extname, join } from 'node:path';
import { deriveCopy } from '../attacks/weights/derive.js';
import type { WeightOp } from '../attacks/weights/types.js';
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
  const source = resolveBuiltin(victim).path;
  const onnx = extname(source) === '.onnx';
  const copies: DemoSuspect[] = [];
  for (const { name, op, how } of DERIVING_OPS) {
    const out = join(dir, onnx ? `${victim}-${name}.onnx` : `${victim}-${name}`);
    await deriveCopy(source, out, op);
    await writeFileAtomic(sidecarPath(onnx ? out : join(out, 'model.json')), JSON.stringify(specToOverrides(spec), null, 2));
    copies.push({ source: out, derived: true, how });
  }
  return copies;
}
