import { LineageError } from '../errors.js';
import { FINGERPRINT_METHODS, SAC_METHODS } from '../fingerprints/types.js';
import type { MethodName } from '../fingerprints/types.js';
import type { BenchSettings } from './types.js';

/**
 * The fingerprint defaults of `lineage fingerprint`, the three SAC methods, decisions on the Pearson
 * distance. Spelled out because this module must stay light: the CLI builds `lineage bench`'s options
 * from it at start-up, and DEFAULT_PARAMS lives beside the model code (TF.js, ONNX Runtime);
 * test/bench-metrics.test.ts checks these against DEFAULT_PARAMS and DEFAULT_STATISTIC.
 */
export const DEFAULT_BENCH_SETTINGS: BenchSettings = {
  methods: SAC_METHODS,
  samples: 100,
  seed: 1,
  kernel: 'cosine',
  outputMode: 'raw',
  jpegSeverity: 1,
  statistic: 'pearson',
};

/** `sac-jc,akh` → the methods, in order, without repeats; `all` → every method. */
export function parseMethods(text: string): MethodName[] {
  const methods = text.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (methods.includes('all')) return [...FINGERPRINT_METHODS];
  const unknown = methods.filter((m) => !(FINGERPRINT_METHODS as readonly string[]).includes(m));
  if (unknown.length > 0 || methods.length === 0) {
    throw new LineageError(`unknown method${unknown.length === 1 ? '' : 's'} in --methods: ${unknown.join(', ') || '(none given)'}`,
      `use a comma-separated list of ${FINGERPRINT_METHODS.join(', ')}, or all`);
  }
  return [...new Set(methods)] as MethodName[];
}
