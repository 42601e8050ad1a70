/** Convolution geometry shared by the gradient kernels (NHWC, dilation 1 only). */
import * as tf from '@tensorflow/tfjs';

export type ConvInfo = tf.backend_util.Conv2DInfo;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Conv2DInfo for input `xShape` and filter `filterShape`; rejects what the kernels do not implement. */
export function convInfo(
  kernelName: string,
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): ConvInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`${kernelName}: only NHWC is implemented for training`);
  const dilations = attrs.dilations ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) {
    throw new Error(`${kernelName}: dilations other than 1 are not implemented for training`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

/**
 * One stride phase of a strided convolution along one axis: the filter taps k ≡ phase (mod stride)
 * and the input positions i with (i + padBefore) ≡ phase (mod stride). Position i = u·stride + phase − padBefore
 * for u in [first, last]; taps k = phase + stride·j for j in [0, taps).
 */
export interface Phase {
  readonly phase: number;
  readonly taps: number;
  readonly first: number;
  readonly last: number;
}

export function phases(size: number, filter: number, stride: number, padBefore: number): Phase[] {
  const out: Phase[] = [];
  for (let phase = 0; phase < stride; phase++) {
    out.push({
      phase,
      taps: Math.max(0, Math.ceil((filter - phase) / stride)),
      first: Math.ceil((padBefore - phase) / stride),
      last: Math.floor((size - 1 + padBefore - phase) / stride),
    });
  }
  return out;
}
