import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveCopy } from './weights/derive.js';
import type { WeightOp } from './weights/types.js';
import { sidecarPath } from '../models/spec.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { AttackRecord } from './types.js';

const MODEL_JSON = 'model.json';

/**
 * A training-free copy (magnitude pruning, quantisation, weight noise: src/attacks/weights) of a
 * model folder written by the training loop, keeping its input spec sidecar, recorded like the
 * training attacks.
 */
export async function weightCopy(source: string, op: WeightOp, saveTo: string): Promise<AttackRecord> {
  const started = performance.now();
  const { params } = await deriveCopy(source, saveTo, op);
  // deriveCopy carries a plain lineage.json; the loop's spec lives in model.lineage.json.
  await writeFileAtomic(sidecarPath(join(saveTo, MODEL_JSON)), await readFile(sidecarPath(join(source, MODEL_JSON)), 'utf8'));
  return { attack: op.kind, output: saveTo, params, seed: op.kind === 'noise' ? op.seed : 0, seconds: (performance.now() - started) / 1000 };
}
