/**
 * Small CNNs for simulating model theft on a CPU, as tf.layers models with deterministic layer names
 * and seeded initialisers (same seed → same initial weights). Every model outputs raw logits (no
 * softmax layer): the losses in ./losses.ts work on logits.
 */
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';

export type ArchitectureName = 'resnet8' | 'resnet20' | 'vgg-small' | 'mobilenetv2-small' | 'fer-cnn';

export interface ArchitectureOptions {
  /** [height, width, channels] of the network input. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  /** Seeds every initialiser (each layer gets its own seed derived from this one). */
  readonly seed: number;
}

type Sym = tf.SymbolicTensor;

/** Layer factory that names layers and hands each initialiser its own seed. */
class Builder {
  private nextSeed: number;

  constructor(seed: number) {
    this.nextSeed = seed >>> 0;
  }

  private seed(): number {
    this.nextSeed = (this.nextSeed + 1) >>> 0;
    return this.nextSeed;
  }

  conv(x: Sym, name: string, filters: number, kernelSize: number, strides = 1): Sym {
    return tf.layers
      .conv2d({
        name, filters, kernelSize, strides, padding: 'same', useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: this.seed() }),
      })
      .apply(x) as Sym;
  }

  depthwise(x: Sym, name: string, strides: number): Sym {
    return tf.layers
      .depthwiseConv2d({
        name, kernelSize: 3, strides, padding: 'same', useBias: false,
        depthwiseInitializer: tf.initializers.heNormal({ seed: this.seed() }),
      })
      .apply(x) as Sym;
  }

  /** Batch norm with PyTorch's defaults (running-average momentum 0.1, ε 1e-5). */
  bn(x: Sym, name: string): Sym {
    return tf.layers.batchNormalization({ name, momentum: 0.9, epsilon: 1e-5 }).apply(x) as Sym;
  }

  relu(x: Sym, name: string, max?: number): Sym {
    return tf.layers.reLU({ name, maxValue: max }).apply(x) as Sym;
  }

  /** conv → batch norm → ReLU (ReLU6 when `max` is 6). */
  convBnRelu(x: Sym, name: string, filters: number, kernelSize: number, strides = 1, max?: number): Sym {
    return this.relu(this.bn(this.conv(x, `${name}_conv`, filters, kernelSize, strides), `${name}_bn`), `${name}_relu`, max);
  }

  /** Global average pool → dense logits. */
  head(x: Sym, classes: number): Sym {
    const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as Sym;
    return tf.layers
      .dense({
        name: 'logits', units: classes,
        kernelInitializer: tf.initializers.glorotUniform({ seed: this.seed() }),
        biasInitializer: 'zeros',
      })
      .apply(pooled) as Sym;
  }
}

function start(options: ArchitectureOptions): { input: Sym; b: Builder } {
  const [h, w, c] = options.inputShape;
  if (![h, w, c, options.classes].every((v) => Number.isInteger(v) && v > 0)) {
    throw new LineageError(
      `invalid architecture options: input ${options.inputShape.join('×')}, ${options.classes} classes`,
      'give a positive integer input shape [height, width, channels] and class count',
    );
  }
  return { input: tf.input({ name: 'image', shape: [h, w, c] }), b: new Builder(options.seed) };
}

/**
 * CIFAR-style ResNet (He et al. 2016, §4.2): 3×3 conv (16) → three stages of basic blocks at widths
 * 16/32/64 (strides 1/2/2), (depth − 2) / 6 blocks each → global pool → logits. Projection shortcuts
 * (1×1 conv + BN) where the shape changes.
 */
export function resnet(depth: number, options: ArchitectureOptions): tf.LayersModel {
  if ((depth - 2) % 6 !== 0 || depth < 8) {
    throw new LineageError(`ResNet depth ${depth} is not 6n + 2`, 'use depth 8, 14, 20, 32, …');
  }
  const blocks = (depth - 2) / 6;
  const { input, b } = start(options);
  let x = b.convBnRelu(input, 'stem', 16, 3);
  let width = 16;
  [16, 32, 64].forEach((filters, stage) => {
    for (let i = 0; i < blocks; i++) {
      const name = `s${stage + 1}b${i + 1}`;
      const strides = stage > 0 && i === 0 ? 2 : 1;
      const y = b.bn(b.conv(b.convBnRelu(x, `${name}_a`, filters, 3, strides), `${name}_b_conv`, filters, 3), `${name}_b_bn`);
      const shortcut = strides !== 1 || width !== filters
        ? b.bn(b.conv(x, `${name}_proj_conv`, filters, 1, strides), `${name}_proj_bn`)
        : x;
      x = b.relu(tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as Sym, `${name}_out`);
      width = filters;
    }
  });
  return tf.model({ name: `resnet${depth}`, inputs: input, outputs: b.head(x, options.classes) });
}

/** VGG blocks: two 3×3 conv-BN-ReLU per width, each block followed by a 2×2 max pool. */
function vggBlocks(b: Builder, input: Sym, widths: readonly number[]): Sym {
  let x = input;
  widths.forEach((filters, i) => {
    x = b.convBnRelu(b.convBnRelu(x, `b${i + 1}_1`, filters, 3), `b${i + 1}_2`, filters, 3);
    x = tf.layers.maxPooling2d({ name: `b${i + 1}_pool`, poolSize: 2 }).apply(x) as Sym;
  });
  return x;
}

/** Small VGG: three VGG blocks (32/64/128 filters) → global pool → logits. */
export function vggSmall(options: ArchitectureOptions): tf.LayersModel {
  const { input, b } = start(options);
  return tf.model({ name: 'vgg_small', inputs: input, outputs: b.head(vggBlocks(b, input, [32, 64, 128]), options.classes) });
}

/**
 * Small MobileNetV2 (Sandler et al. 2018): inverted residual blocks (1×1 expand, 3×3 depthwise,
 * 1×1 linear projection, residual when shapes match) with expansion 4 and stages
 * (t, c, n, s) = (1,16,1,1) (4,24,2,2) (4,32,2,2) (4,64,2,2), then 1×1 conv to 128 → logits.
 */
export function mobileNetV2Small(options: ArchitectureOptions): tf.LayersModel {
  const stages: readonly (readonly [number, number, number, number])[] = [[1, 16, 1, 1], [4, 24, 2, 2], [4, 32, 2, 2], [4, 64, 2, 2]];
  const { input, b } = start(options);
  let x = b.convBnRelu(input, 'stem', 16, 3, 1, 6);
  let width = 16;
  stages.forEach(([expand, filters, count, stride], s) => {
    for (let i = 0; i < count; i++) {
      const name = `s${s + 1}b${i + 1}`;
      const strides = i === 0 ? stride : 1;
      let y = expand === 1 ? x : b.convBnRelu(x, `${name}_expand`, width * expand, 1, 1, 6);
      y = b.relu(b.bn(b.depthwise(y, `${name}_dw`, strides), `${name}_dw_bn`), `${name}_dw_relu`, 6);
      y = b.bn(b.conv(y, `${name}_project`, filters, 1), `${name}_project_bn`);
      x = strides === 1 && width === filters ? (tf.layers.add({ name: `${name}_add` }).apply([x, y]) as Sym) : y;
      width = filters;
    }
  });
  x = b.convBnRelu(x, 'top', 128, 1, 1, 6);
  return tf.model({ name: 'mobilenetv2_small', inputs: input, outputs: b.head(x, options.classes) });
}

/** CNN for 48×48 grey faces (FER2013): three VGG blocks (32/64/128) → 3×3 conv-BN-ReLU (256) → logits. */
export function ferCnn(options: ArchitectureOptions): tf.LayersModel {
  const { input, b } = start(options);
  const x = b.convBnRelu(vggBlocks(b, input, [32, 64, 128]), 'top', 256, 3);
  return tf.model({ name: 'fer_cnn', inputs: input, outputs: b.head(x, options.classes) });
}

const builders: Readonly<Record<ArchitectureName, (o: ArchitectureOptions) => tf.LayersModel>> = {
  resnet8: (o) => resnet(8, o),
  resnet20: (o) => resnet(20, o),
  'vgg-small': vggSmall,
  'mobilenetv2-small': mobileNetV2Small,
  'fer-cnn': ferCnn,
};

export const architectureNames = Object.keys(builders) as ArchitectureName[];

/** Build a named architecture. */
export function buildModel(name: ArchitectureName, options: ArchitectureOptions): tf.LayersModel {
  const build = builders[name];
  if (!build) {
    throw new LineageError(`unknown architecture "${name}"`, `use one of: ${architectureNames.join(', ')}`);
  }
  return build(options);
}
