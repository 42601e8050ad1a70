/**
 * The hot loop of every SAC correlation matrix, as a tiny WebAssembly module built here from its
 * opcodes (no toolchain, no binary blob to trust).
 *
 * Why WebAssembly: N = 1,000 outputs of d = 512 need 2.6·10⁸ multiply-adds (upper triangle). V8
 * compiles JavaScript to scalar code: the best register-blocked JS loop took ≥ 150 ms on our
 * 2.45 GHz EPYC core. WebAssembly SIMD works on two Float64 lanes at once: ~40 ms for the same
 * product, still in Float64 throughout (only the summation order differs from a plain loop: even
 * and odd k are summed in separate lanes, then added). Tried and dropped: unrolling k (slower) and
 * packing rows into panels (~8 %, within noise).
 *
 * Exported function `gramTile(a, stride, out, outStride, i0, i1, j0, j1)`: for the row pairs
 * i ∈ [i0, i1), j ∈ [j0, j1) with j at or right of i's 4-block, it stores the dot product of rows
 * i and j at out + i·outStride + j·8 and at out + j·outStride + i·8. `a` is the byte address of
 * row 0; rows are `stride` bytes apart (a non-zero multiple of 16, zero-padded); i0, i1 must be
 * multiples of 2 and j0, j1 multiples of 4 (register block of 2×4 dot products, eight two-lane
 * accumulators).
 */

/** WebAssembly opcodes used below (binary format, core spec + fixed-width SIMD). */
const OP = {
  loop: 0x03,
  block: 0x02,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  f64Store: 0x39,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32And: 0x71,
  select: 0x1b,
  f64Add: 0xa0,
  voidBlock: 0x40,
} as const;
/** SIMD instructions are 0xfd followed by a LEB128 sub-opcode. */
const SIMD = { v128Load: 0x00, v128Const: 0x0c, f64x2ExtractLane: 0x21, f64x2Add: 0xf0, f64x2Mul: 0xf2 } as const;
const TYPE = { i32: 0x7f, v128: 0x7b, func: 0x60 } as const;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const simd = (op: number) => [0xfd, ...uleb(op)];
const get = (local: number) => [OP.localGet, ...uleb(local)];
const set = (local: number, ...value: number[][]) => [...value.flat(), OP.localSet, ...uleb(local)];
const i32 = (n: number) => [OP.i32Const, ...sleb(n)];
const add = (x: number[], y: number[]) => [...x, ...y, OP.i32Add];
const mul = (x: number[], y: number[]) => [...x, ...y, OP.i32Mul];
/** v128.load with 16-byte alignment hint, offset 0. */
const load = (address: number[]) => [...address, ...simd(SIMD.v128Load), 4, 0];
const zero = () => [...simd(SIMD.v128Const), ...new Array<number>(16).fill(0)];
/** Sum of both lanes of a two-lane accumulator. */
const lanesSum = (v: number) => [...get(v), ...simd(SIMD.f64x2ExtractLane), 0, ...get(v), ...simd(SIMD.f64x2ExtractLane), 1, OP.f64Add];
/** f64.store at address + offset (8-byte alignment hint). */
const store = (address: number[], offset: number, value: number[]) => [...address, ...value, OP.f64Store, 3, ...uleb(offset)];

// Local indices: 8 i32 parameters, then 11 i32 locals, then 11 v128 locals.
const [A, STRIDE, OUT, OUT_STRIDE, I, I_END, J0, J_END] = [0, 1, 2, 3, 4, 5, 6, 7];
const [J, K, PI0, PI1, PJ0, PJ1, PJ2, PJ3, O, J_FIRST, OT] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
const X = [19, 20];
const Y = 21;
/** S[r][c]: accumulator for rows (i + r, j + c). */
const S = [
  [22, 23, 24, 25],
  [26, 27, 28, 29],
];

function gramTileBody(): number[] {
  // One column row at a time, used by both accumulators of its column: 8 + 2 + 1 live vectors
  // fit the 16 SIMD registers without spilling.
  const accumulate = [PJ0, PJ1, PJ2, PJ3].flatMap((pj, c) => [
    ...set(Y, load(add(get(pj), get(K)))),
    ...[0, 1].flatMap((r) => set(S[r]![c]!, get(S[r]![c]!), get(X[r]!), get(Y), simd(SIMD.f64x2Mul), simd(SIMD.f64x2Add))),
  ]);
  const kLoop = [
    ...set(K, i32(0)),
    OP.loop, OP.voidBlock,
    ...set(X[0]!, load(add(get(PI0), get(K)))),
    ...set(X[1]!, load(add(get(PI1), get(K)))),
    ...accumulate,
    ...set(K, add(get(K), i32(16))),
    ...get(K), ...get(STRIDE), OP.i32LtU, OP.brIf, 0,
    OP.end,
  ];
  const storeBlock = [
    ...set(O, add(add(get(OUT), mul(get(I), get(OUT_STRIDE))), mul(get(J), i32(8)))),
    ...[0, 1, 2, 3].flatMap((c) => store(get(O), c * 8, lanesSum(S[0]![c]!))),
    ...[0, 1, 2, 3].flatMap((c) => store(add(get(O), get(OUT_STRIDE)), c * 8, lanesSum(S[1]![c]!))),
    // The mirror image (j + c, i + r): the same sums in the same order, so G comes out exactly symmetric.
    ...set(OT, add(add(get(OUT), mul(get(J), get(OUT_STRIDE))), mul(get(I), i32(8)))),
    ...[0, 1, 2, 3].flatMap((c) => [
      ...store(get(OT), 0, lanesSum(S[0]![c]!)),
      ...store(get(OT), 8, lanesSum(S[1]![c]!)),
      ...set(OT, add(get(OT), get(OUT_STRIDE))),
    ]),
  ];
  // Start at the 4-block holding column i when it lies inside the tile: blocks left of the
  // diagonal are never read (G is symmetric).
  const jLoop = [
    ...set(J_FIRST, get(I), i32(-4), [OP.i32And]),
    ...set(J, get(J0), get(J_FIRST), get(J0), get(J_FIRST), [OP.i32GtU, OP.select]),
    OP.block, OP.voidBlock, OP.loop, OP.voidBlock,
    ...get(J), ...get(J_END), OP.i32GeU, OP.brIf, 1,
    ...set(PJ0, add(get(A), mul(get(J), get(STRIDE)))),
    ...set(PJ1, add(get(PJ0), get(STRIDE))),
    ...set(PJ2, add(get(PJ1), get(STRIDE))),
    ...set(PJ3, add(get(PJ2), get(STRIDE))),
    ...S.flat().flatMap((s) => set(s, zero())),
    ...kLoop,
    ...storeBlock,
    ...set(J, add(get(J), i32(4))),
    OP.br, 0,
    OP.end, OP.end,
  ];
  const iLoop = [
    OP.block, OP.voidBlock, OP.loop, OP.voidBlock,
    ...get(I), ...get(I_END), OP.i32GeU, OP.brIf, 1,
    ...set(PI0, add(get(A), mul(get(I), get(STRIDE)))),
    ...set(PI1, add(get(PI0), get(STRIDE))),
    ...jLoop,
    ...set(I, add(get(I), i32(2))),
    OP.br, 0,
    OP.end, OP.end,
  ];
  const locals = [2, ...uleb(11), TYPE.i32, ...uleb(11), TYPE.v128];
  return [...locals, ...iLoop, OP.end];
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** The complete module: one function type, one function, one growable memory, two exports. */
function gramModuleBytes(): Uint8Array {
  const body = gramTileBody();
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[TYPE.func, ...vec(new Array(8).fill([TYPE.i32])), ...vec([])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([
      [...name('memory'), 0x02, 0],
      [...name('gramTile'), 0x00, 0],
    ])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

export interface GramKernel {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  gramTile(a: number, stride: number, out: number, outStride: number, i0: number, i1: number, j0: number, j1: number): void;
}

/** The two WebAssembly constructors used here (the project's `lib` has no WebAssembly typings). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let kernel: GramKernel | undefined;

/** The instantiated kernel, compiled once per process; its memory grows as callers need. */
export function gramKernel(): GramKernel {
  kernel ??= new Instance(new Module(gramModuleBytes()), {}).exports as GramKernel;
  return kernel;
}
