import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ tol, or ≤ tol·|expected| when `relative`. */
export function assertClose(actual: number, expected: number, tol: number, what = 'value', relative = false): void {
  const bound = relative ? tol * Math.abs(expected) : tol;
  assert.ok(Math.abs(actual - expected) <= bound, `${what}: got ${actual}, expected ${expected} (±${bound})`);
}

/** Element-wise assertClose over two equal-length arrays. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = 'array'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i]!, expected[i]!, tol, `${what}[${i}]`);
}
