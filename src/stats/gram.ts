import { LineageError } from '../errors.js';
import { gramKernel } from './gram-kernel.js';

/**
 * Tile side in rows. Two 64-row tiles of d = 512 are 512 KiB, which stay in the core's L2 cache
 * while the kernel sweeps them (on our machine the large L3 hides most of the difference; tiles
 * keep the working set bounded for larger d). Only tiles on or above the diagonal are computed
 * (G is symmetric, the kernel writes both halves). One kernel call per tile also lets V8 swap in
 * its optimised code after the first tiles (WebAssembly functions start in the baseline compiler).
 */
const TILE = 64;
const PAGE = 65536;

/** Gram matrix G = A·Aᵀ (N×N, row-major, Float64, exactly symmetric) of `rows` row vectors of length `cols` ≥ 1. */
export function gramMatrix(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const { memory, gramTile } = gramKernel();
  // Pad rows to a multiple of 4 and columns to a multiple of 2 with zeros (the kernel's block sizes).
  const np = Math.ceil(rows / 4) * 4;
  const dp = Math.ceil(cols / 2) * 2;
  const stride = dp * 8;
  const out = np * stride;
  const bytes = out + np * np * 8;
  const missing = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
  if (missing > 0) {
    try {
      memory.grow(missing);
    } catch {
      throw new LineageError(
        `a ${rows}×${rows} correlation matrix of ${cols}-value outputs needs ${(bytes / 2 ** 20).toFixed(0)} MiB, more than WebAssembly can address`,
        'use fewer fingerprint samples',
      );
    }
  }
  const a = new Float64Array(memory.buffer, 0, np * dp);
  a.fill(0);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols; k++) a[i * dp + k] = data[i * cols + k]!;
  }
  for (let ib = 0; ib < np; ib += TILE) {
    const ie = Math.min(ib + TILE, np);
    for (let jb = ib; jb < np; jb += TILE) gramTile(0, stride, out, np * 8, ib, ie, jb, Math.min(jb + TILE, np));
  }
  const g = new Float64Array(memory.buffer, out, np * np);
  if (np === rows) return g.slice();
  const result = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) result.set(g.subarray(i * np, i * np + rows), i * rows);
  return result;
}
