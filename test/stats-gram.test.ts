import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gramMatrix } from '../src/stats/gram.js';
import { Random } from '../src/util/random.js';
import { assertAllClose } from './stats-helpers.js';

test('gramMatrix on a hand example (rows padded 3 → 4, columns 3 → 4)', () => {
  // Rows (1,2,3), (0,1,0), (−1,0,2): dots 14, 2, 5 / 2, 1, 0 / 5, 0, 5.
  assert.deepEqual(Array.from(gramMatrix([1, 2, 3, 0, 1, 0, -1, 0, 2], 3, 3)), [14, 2, 5, 2, 1, 0, 5, 0, 5]);
});

test('gramMatrix does not see data left in kernel memory by a larger earlier call', () => {
  // 9×4 of 1000s first, then 9×3: the padding column of the second call must be zero again.
  gramMatrix(new Float64Array(36).fill(1000), 9, 4);
  const ones = gramMatrix(new Float64Array(27).fill(1), 9, 3);
  assert.ok(ones.every((v) => v === 3));
});

test('gramMatrix equals plain dot products over shapes across tile and block edges', () => {
  const rng = new Random(42);
  for (const [n, d] of [[1, 1], [2, 5], [63, 2], [65, 3], [129, 9]] as const) {
    const a = Float64Array.from({ length: n * d }, () => rng.gaussian());
    const expected = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += a[i * d + k]! * a[j * d + k]!;
        expected[i * n + j] = s;
      }
    }
    assertAllClose(gramMatrix(a, n, d), expected, 1e-12, `${n}×${d}`);
  }
});
