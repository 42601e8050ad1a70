import { LineageError } from '../errors.js';
import type { Outputs } from './types.js';

/**
 * Reject outputs holding NaN or ±Inf: every later step (correlation matrices, distances) would
 * silently turn them into NaN verdicts.
 */
export function assertFinite(outputs: Outputs, source: string): Outputs {
  const { data, cols } = outputs;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const row = Math.floor(i / cols);
      throw new LineageError(
        `model ${source} returned a non-finite output (${data[i]}) for image ${row}, value ${i % cols}`,
        'check the input preprocessing (--range, --mean, --std, --channels) matches what the model was trained with, ' +
          'and that the model file is not damaged',
      );
    }
  }
  return outputs;
}

/** Stack row blocks (in order) into one Outputs matrix; all blocks must have the same width. */
export function concatRows(blocks: readonly Outputs[], source: string): Outputs {
  const cols = blocks[0]?.cols ?? 0;
  let rows = 0;
  for (const b of blocks) {
    if (b.cols !== cols) {
      throw new LineageError(
        `model ${source} returned outputs of different widths (${cols} and ${b.cols}) for one request`,
        'select one fixed-size output with --output',
      );
    }
    rows += b.rows;
  }
  const data = new Float32Array(rows * cols);
  let at = 0;
  for (const b of blocks) {
    data.set(b.data.subarray(0, b.rows * cols), at);
    at += b.rows * cols;
  }
  return { data, rows, cols };
}

/** Split `count` items into consecutive [start, end) ranges of at most `size`. */
export function chunkRanges(count: number, size: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < count; start += size) ranges.push([start, Math.min(count, start + size)]);
  return ranges;
}

/** The output name the spec selects (by name or index). */
export function pickOutput(names: readonly string[], output: string | number, source: string): string {
  const name = typeof output === 'number' ? names[output] : names.includes(output) ? output : undefined;
  if (name !== undefined) return name;
  throw new LineageError(`model ${source} has no output ${typeof output === 'number' ? `#${output}` : `"${output}"`}`,
    `choose --output by name or index; its outputs are: ${names.map((n, i) => `${i}: ${n}`).join(', ')}`);
}
