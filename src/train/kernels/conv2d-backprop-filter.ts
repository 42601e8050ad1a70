/**
 * Conv2DBackpropFilter for wasm (missing in tfjs-backend-wasm 4.22): dW = colsᵀ · dy through XNNPACK,
 * the big column matrix on the left (XNNPACK packs its right operand, and caches the packing per
 * right-hand tensor, so dy is packed once for all filter taps).
 *
 * No im2col is materialised. x is laid out once as zero-padded, stride-phase-split planes (one plane
 * per channel over a batch × Hq × Wq grid) and dy is zero-padded to the same grid. The colsᵀ rows of
 * filter tap (kh, kw) are then the planes of one phase shifted by (kh / stride)·Wq + kw / stride —
 * a contiguous block of memory that the matmul reads in place. Grid cells outside dy's Ho×Wo hold
 * dy = 0, so whatever the shifted planes hold there does not count.
 */
import { convInfo, type ConvAttrs, type ConvInfo } from './conv-geometry.js';
import { allocate, free, heapF32, matMul, offsetOf, releaseWindow, reshaped, view, windowOf, type BackendWasm, type Info, type WasmKernel } from './wasm-heap.js';

interface Grid {
  /** Padded grid per stride phase. */
  readonly hq: number;
  readonly wq: number;
  /** Cells per plane: batch × hq × wq. */
  readonly cells: number;
}

function gridOf(c: ConvInfo): Grid {
  const hq = c.outHeight + Math.floor((c.filterHeight - 1) / c.strideHeight);
  const wq = c.outWidth + Math.floor((c.filterWidth - 1) / c.strideWidth);
  return { hq, wq, cells: c.batchSize * hq * wq };
}

/** x as planes [phaseRow][phaseCol][channel][batch·hq·wq], zero outside x, plus a zero tail for the shifts. */
function phasePlanes(x: Float32Array, out: Float32Array, c: ConvInfo, g: Grid): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ch, strideHeight: sh, strideWidth: sw } = c;
  const { top, left } = c.padInfo;
  let o = 0;
  for (let a = 0; a < sh; a++) {
    for (let b = 0; b < sw; b++) {
      for (let ci = 0; ci < ch; ci++) {
        for (let bi = 0; bi < n; bi++) {
          for (let i = 0; i < g.hq; i++) {
            const r = i * sh + a - top;
            if (r < 0 || r >= h) {
              out.fill(0, o, o + g.wq);
              o += g.wq;
              continue;
            }
            const rowBase = (bi * h + r) * w;
            for (let j = 0; j < g.wq; j++) {
              const col = j * sw + b - left;
              out[o++] = col >= 0 && col < w ? x[(rowBase + col) * ch + ci]! : 0;
            }
          }
        }
      }
    }
  }
  out.fill(0, o);
}

/** dy [batch, Ho, Wo, C] copied into the top-left of a zero [batch, hq, wq, C] grid. */
function padToGrid(heap: Float32Array, dyAt: number, outAt: number, c: ConvInfo, g: Grid): void {
  const rowLen = c.outWidth * c.outChannels;
  const gridRowLen = g.wq * c.outChannels;
  heap.fill(0, outAt, outAt + g.cells * c.outChannels);
  for (let bi = 0; bi < c.batchSize; bi++) {
    for (let i = 0; i < c.outHeight; i++) {
      const src = dyAt + (bi * c.outHeight + i) * rowLen;
      heap.copyWithin(outAt + (bi * g.hq + i) * gridRowLen, src, src + rowLen);
    }
  }
}

/** Below this many input channels a tap's window is too thin for XNNPACK: copy all taps into one colsᵀ. */
const MIN_WINDOW_ROWS = 8;

export function conv2DBackpropFilterImpl(backend: BackendWasm, x: Info, dy: Info, c: ConvInfo): Info {
  const g = gridOf(c);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ch, outChannels: cout } = c;
  const tail = Math.floor((kh - 1) / sh) * g.wq + Math.floor((kw - 1) / sw);
  const planes = allocate(backend, [sh * sw * ch * g.cells + tail]);
  const dyGrid = allocate(backend, [g.cells, cout]);
  phasePlanes(view(backend, x), view(backend, planes), c, g);
  padToGrid(heapF32(backend), offsetOf(backend, dy), offsetOf(backend, dyGrid), c, g);
  /** Float offset in `planes` of tap (i, j)'s first row; its `ch` rows follow at stride g.cells. */
  const tapStart = (i: number, j: number): number =>
    ((i % sh) * sw + (j % sw)) * ch * g.cells + Math.floor(i / sh) * g.wq + Math.floor(j / sw);
  let dw: Info;
  if (ch < MIN_WINDOW_ROWS) {
    const colsT = allocate(backend, [kh * kw * ch, g.cells]);
    const heap = heapF32(backend);
    const planesAt = offsetOf(backend, planes);
    let row = offsetOf(backend, colsT);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row += ch * g.cells) {
        const src = planesAt + tapStart(i, j);
        heap.copyWithin(row, src, src + ch * g.cells);
      }
    }
    dw = reshaped(matMul(backend, colsT, dyGrid), c.filterShape);
    free(backend, colsT);
  } else {
    dw = allocate(backend, c.filterShape);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // A tap's rows of colsᵀ are consecutive planes: one window of memory, read in place.
        const cols = windowOf(backend, planes, tapStart(i, j), [ch, g.cells]);
        const part = matMul(backend, cols, dyGrid);
        releaseWindow(backend, cols);
        view(backend, dw).set(view(backend, part), (i * kw + j) * ch * cout);
        free(backend, part);
      }
    }
  }
  free(backend, planes, dyGrid);
  return dw;
}

export const conv2DBackpropFilter: WasmKernel = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
  const c = convInfo('Conv2DBackpropFilter', x.shape, a.filterShape, a, false);
  return conv2DBackpropFilterImpl(backend, x, dy, c);
};
