/**
 * DepthwiseConv2dNativeBackpropInput for wasm (missing in tfjs-backend-wasm 4.22): a direct
 * scatter loop, dx[input pixel, c] += Σ_q dy[output pixel, c·mult + q] · w[tap, c, q].
 */
import { convInfo, type ConvAttrs } from './conv-geometry.js';
import { view, zeros, type Info, type WasmKernel } from './wasm-heap.js';

export const depthwiseConv2dNativeBackpropInput: WasmKernel = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
  const c = convInfo('DepthwiseConv2dNativeBackpropInput', a.inputShape, filter.shape, a, true);
  const { inHeight: h, inWidth: w, inChannels: ch, outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = c;
  const mult = filter.shape[3]!;
  const cout = ch * mult;
  const dx = zeros(backend, c.inShape);
  const dxs = view(backend, dx);
  const dys = view(backend, dy);
  const ws = view(backend, filter);
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
              let s = 0;
              for (let q = 0; q < mult; q++) s += dys[dyAt + ci * mult + q]! * ws[wAt + ci * mult + q]!;
              dxs[xAt + ci]! += s;
            }
          }
        }
      }
    }
  }
  return dx;
};
