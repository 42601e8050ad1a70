/**
 * DepthwiseConv2dNativeBackpropFilter for wasm (missing in tfjs-backend-wasm 4.22). Depthwise filters
 * are tiny and each output channel sees one input channel, so a direct loop beats any matmul
 * formulation; sums are kept in float64 because each weight sums batch × Ho × Wo products.
 */
import { convInfo, type ConvAttrs } from './conv-geometry.js';
import { allocate, view, type Info, type WasmKernel } from './wasm-heap.js';

export const depthwiseConv2dNativeBackpropFilter: WasmKernel = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
  const c = convInfo('DepthwiseConv2dNativeBackpropFilter', x.shape, a.filterShape, a, true);
  const { inHeight: h, inWidth: w, inChannels: ch, outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = c;
  const mult = a.filterShape[3]!;
  const cout = ch * mult;
  const acc = new Float64Array(kh * kw * cout);
  const xs = view(backend, x);
  const dys = view(backend, dy);
  for (let b = 0; b < c.batchSize; b++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        const dyAt = ((b * ho + oh) * wo + ow) * cout;
        for (let i = 0; i < kh; i++) {
          const ih = oh * c.strideHeight + i - c.padInfo.top;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * c.strideWidth + j - c.padInfo.left;
            if (iw < 0 || iw >= w) continue;
            const xAt = ((b * h + ih) * w + iw) * ch;
            const wAt = (i * kw + j) * cout;
            for (let ci = 0; ci < ch; ci++) {
              const xv = xs[xAt + ci]!;
              for (let q = 0; q < mult; q++) acc[wAt + ci * mult + q]! += xv * dys[dyAt + ci * mult + q]!;
            }
          }
        }
      }
    }
  }
  const dw = allocate(backend, a.filterShape);
  view(backend, dw).set(acc);
  return dw;
};
