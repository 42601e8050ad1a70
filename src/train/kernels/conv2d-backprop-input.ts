/**
 * Conv2DBackpropInput for wasm. The stock wasm kernel is a plain C++ loop; this one runs XNNPACK's
 * forward convolution over flipped, in/out-transposed weights. A stride-s convolution splits into s×s
 * stride phases: the input positions of one phase receive gradient only from the filter taps of the
 * same phase, so each phase is a stride-1 convolution of dy with that sub-filter, and the phases
 * are interleaved back into dx. Stride 1 is a single phase and needs no interleaving.
 */
import { convInfo, phases, type ConvAttrs, type ConvInfo, type Phase } from './conv-geometry.js';
import { allocate, free, runWasmKernel, view, zeros, type BackendWasm, type Info, type WasmKernel } from './wasm-heap.js';

/** Padding of the phase convolution along one axis; conv output index o holds phase position o + offset. */
interface AxisPlan {
  readonly before: number;
  readonly after: number;
  readonly offset: number;
}

function axisPlan(p: Phase, dySize: number): AxisPlan {
  const before = Math.max(0, p.taps - 1 - p.first);
  const offset = p.taps - 1 - before;
  const needed = p.last - offset + 1;
  const produced = dySize + before - p.taps + 1;
  return { before, after: Math.max(0, needed - produced), offset };
}

/** Sub-filter of one phase, flipped and with in/out channels swapped: [taps_h, taps_w, outC, inC]. */
function phaseFilter(backend: BackendWasm, filter: Info, c: ConvInfo, r: Phase, q: Phase): Info {
  const { filterWidth: kw, inChannels: cin, outChannels: cout, strideHeight: sh, strideWidth: sw } = c;
  const sub = allocate(backend, [r.taps, q.taps, cout, cin]);
  const w = view(backend, filter);
  const v = view(backend, sub);
  let o = 0;
  for (let j = 0; j < r.taps; j++) {
    const i = r.phase + sh * (r.taps - 1 - j);
    for (let k = 0; k < q.taps; k++) {
      const t = q.phase + sw * (q.taps - 1 - k);
      const tap = (i * kw + t) * cin * cout;
      for (let co = 0; co < cout; co++) {
        for (let ci = 0; ci < cin; ci++) v[o++] = w[tap + ci * cout + co]!;
      }
    }
  }
  return sub;
}

function phaseConv(backend: BackendWasm, dy: Info, sub: Info, rows: AxisPlan, cols: AxisPlan): Info {
  return runWasmKernel(
    backend,
    'Conv2D',
    { x: dy, filter: sub },
    {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]],
      dataFormat: 'NHWC',
    },
  );
}

/** Copy the phase result into its strided positions of dx. */
function interleave(dx: Float32Array, part: Float32Array, partShape: number[], c: ConvInfo, r: Phase, q: Phase, rows: AxisPlan, cols: AxisPlan): void {
  const { inHeight: h, inWidth: w, inChannels: cin, strideHeight: sh, strideWidth: sw } = c;
  const [, ph, pw] = partShape as [number, number, number, number];
  for (let b = 0; b < c.batchSize; b++) {
    for (let u = r.first; u <= r.last; u++) {
      const dstRow = (b * h + u * sh + r.phase - c.padInfo.top) * w;
      const srcRow = (b * ph + u - rows.offset) * pw;
      for (let v = q.first; v <= q.last; v++) {
        let dst = (dstRow + v * sw + q.phase - c.padInfo.left) * cin;
        let src = (srcRow + v - cols.offset) * cin;
        for (let ci = 0; ci < cin; ci++) dx[dst++] = part[src++]!;
      }
    }
  }
}

export function conv2DBackpropInputImpl(backend: BackendWasm, dy: Info, filter: Info, c: ConvInfo): Info {
  const rowPhases = phases(c.inHeight, c.filterHeight, c.strideHeight, c.padInfo.top);
  const colPhases = phases(c.inWidth, c.filterWidth, c.strideWidth, c.padInfo.left);
  let dx: Info | undefined;
  for (const r of rowPhases) {
    for (const q of colPhases) {
      if (r.taps === 0 || q.taps === 0 || r.last < r.first || q.last < q.first) continue;
      const rows = axisPlan(r, c.outHeight);
      const cols = axisPlan(q, c.outWidth);
      const sub = phaseFilter(backend, filter, c, r, q);
      const part = phaseConv(backend, dy, sub, rows, cols);
      free(backend, sub);
      const exact = rowPhases.length === 1 && colPhases.length === 1 && rows.offset === 0 && cols.offset === 0 &&
        part.shape[1] === c.inHeight && part.shape[2] === c.inWidth;
      if (exact) return part;
      dx ??= zeros(backend, c.inShape);
      interleave(view(backend, dx), view(backend, part), part.shape, c, r, q, rows, cols);
      free(backend, part);
    }
  }
  return dx ?? zeros(backend, c.inShape);
}

export const conv2DBackpropInput: WasmKernel = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
  const c = convInfo('Conv2DBackpropInput', a.inputShape, filter.shape, a, false);
  return conv2DBackpropInputImpl(backend, dy, filter, c);
};
