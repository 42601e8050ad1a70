/** IEEE 754 half precision (float16), as used by fp16 model copies and TF.js float16 weight quantisation. */

/** Largest finite float16. */
export const FLOAT16_MAX = 65504;

/** Value of the float16 with bit pattern `bits` (sign 1, exponent 5, mantissa 10). */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * `x` rounded to the nearest float16 (ties to even), as a number. Finite values beyond the
 * float16 range saturate at ±65504 instead of becoming ±Infinity, so a copy never gains infinities.
 */
export function roundToFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= FLOAT16_MAX) return Math.sign(x) * FLOAT16_MAX;
  // Exponent of a's leading bit; float16 subnormals share the smallest normal exponent, -14.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 can be off by one just below a power of two
  else if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  return Math.sign(x) * roundHalfEven(a / ulp) * ulp;
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const frac = v - floor;
  if (frac > 0.5) return floor + 1;
  if (frac < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
