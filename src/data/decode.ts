import { availableParallelism } from 'node:os';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { errorMessage, LineageError } from '../errors.js';
import type { ImageBatch } from './types.js';

/** Target size of decoded images, in pixels. */
export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

/** A rectangle inside the source image, in source pixels. */
export interface CropBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * How a source image is brought to the target size:
 * 'fill' stretches it (aspect ratio not kept), 'cover' scales it to cover the target and crops the
 * centre, a crop box cuts that rectangle out first and then stretches it to the target.
 */
export type Fit = 'fill' | 'cover' | { readonly crop: CropBox };

export interface DecodeOptions {
  /** Target size; absent = the source's own size (after `fit.crop` when given). */
  readonly size?: ImageSize;
  /** 3 = RGB (default), 1 = grey (BT.601 luma). */
  readonly channels?: 1 | 3;
  readonly fit?: Fit;
}

/** Raw u8 pixels already in memory (HWC). */
export interface RawImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

/** A file path, the bytes of an encoded image (JPEG/PNG/WebP/…), or raw pixels. */
export type ImageSource = string | Uint8Array | RawImage;

/**
 * Resampling kernel for every resize: Catmull-Rom cubic, the closest libvips kernel to the Pillow
 * BICUBIC used to make the shared datasets. Fixed, so the same source always gives the same pixels.
 */
const KERNEL = 'cubic';

/** Decode one image to u8 HWC at the requested size and channel count. `name` is used in errors. */
export async function decodeImage(source: ImageSource, options: DecodeOptions, name: string): Promise<RawImage> {
  const fit = options.fit ?? 'fill';
  let pipeline = isRawImage(source)
    ? sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels } })
    : // autoOrient applies the EXIF rotation, so a phone photo comes out the way it is displayed.
      sharp(source, { autoOrient: true });
  if (typeof fit === 'object') {
    const box = fit.crop;
    const { width, height } = isRawImage(source) ? source : await orientedSize(pipeline, name);
    if (!boxInside(box, width, height)) {
      throw new LineageError(
        `crop box (left ${box.left}, top ${box.top}, ${box.width}×${box.height}) lies outside ${name} (${width}×${height})`,
        'use a crop box inside the image, or fit "cover"/"fill"',
      );
    }
    pipeline = pipeline.extract(box);
  }
  if (options.size) {
    pipeline = pipeline.resize(options.size.width, options.size.height, {
      fit: fit === 'cover' ? 'cover' : 'fill',
      position: 'centre',
      kernel: KERNEL,
      fastShrinkOnLoad: false,
    });
  }
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw unreadable(name, e);
  }
  const rgb: RawImage = { data: new Uint8Array(raw.data), height: raw.info.height, width: raw.info.width, channels: 3 };
  return options.channels === 1 ? rgbToGrey(rgb) : rgb;
}

/** A batch decoded from many sources, with what was skipped. It is itself the ImageBatch. */
export interface DecodedBatch extends ImageBatch {
  /** Source index of every image in the batch. */
  readonly kept: readonly number[];
  /** The sources that could not be read, in source order (only with `skipUnreadable`). */
  readonly skipped: readonly { readonly index: number; readonly message: string }[];
}

export interface BatchDecodeOptions extends DecodeOptions {
  /** Name of each source, for error messages (default: the path, or `#i`). */
  readonly names?: readonly string[];
  /** Skip undecodable sources instead of failing on the first one (default false). */
  readonly skipUnreadable?: boolean;
}

/**
 * Decode many sources into one batch, several at a time (sharp works off the main thread).
 * Without `size`, every image must have the size of the first readable one.
 */
export async function decodeToBatch(sources: readonly ImageSource[], options: BatchDecodeOptions): Promise<DecodedBatch> {
  const nameOf = (i: number): string => options.names?.[i] ?? (typeof sources[i] === 'string' ? (sources[i] as string) : `#${i}`);
  const decoded = new Array<RawImage | undefined>(sources.length);
  const failures = new Map<number, string>();
  let next = 0;
  const decodeOne = async (i: number): Promise<void> => {
    try {
      decoded[i] = await decodeImage(sources[i]!, options, nameOf(i));
    } catch (e) {
      if (!options.skipUnreadable || !(e instanceof LineageError)) throw e;
      failures.set(i, e.message);
    }
  };
  const worker = async (): Promise<void> => {
    while (next < sources.length) await decodeOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(4, availableParallelism()) }, worker));

  const channels = options.channels ?? 3;
  const kept = decoded.flatMap((image, i) => (image ? [i] : []));
  const first = kept.length > 0 ? decoded[kept[0]!] : undefined;
  const height = options.size?.height ?? first?.height ?? 0;
  const width = options.size?.width ?? first?.width ?? 0;
  const stride = height * width * channels;
  const data = new Uint8Array(kept.length * stride);
  kept.forEach((src, dst) => {
    const image = decoded[src]!;
    if (image.height !== height || image.width !== width) {
      throw new LineageError(
        `${nameOf(src)} is ${image.width}×${image.height} but ${nameOf(kept[0]!)} is ${width}×${height}; the images differ in size`,
        'give a target size (e.g. --size 112) so every image is resized to it',
      );
    }
    data.set(image.data, dst * stride);
  });
  const skipped = [...failures].sort(([a], [b]) => a - b).map(([index, message]) => ({ index, message }));
  return { data, count: kept.length, height, width, channels, kept, skipped };
}

/** Lossless PNG of one u8 HWC image (grey or RGB), with fixed options so the bytes are reproducible. */
export async function encodePng(image: Uint8Array, height: number, width: number, channels: 1 | 3): Promise<Buffer> {
  if (image.length !== height * width * channels) {
    throw new LineageError(`encodePng: got ${image.length} bytes for a ${height}×${width}×${channels} image`, 'pass the bytes of exactly one image');
  }
  const pipeline = sharp(image, { raw: { width, height, channels } });
  // sharp widens 1-channel raw input to sRGB on output unless told to stay grey.
  return (channels === 1 ? pipeline.toColourspace('b-w') : pipeline).png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }).toBuffer();
}

/** Grey from RGB with Pillow's integer BT.601 luma (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16). */
export function rgbToGrey(image: RawImage): RawImage {
  if (image.channels === 1) return image;
  const n = image.height * image.width;
  const src = image.data;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    out[p] = (19595 * src[3 * p]! + 38470 * src[3 * p + 1]! + 7471 * src[3 * p + 2]! + 0x8000) >>> 16;
  }
  return { data: out, height: image.height, width: image.width, channels: 1 };
}

/** Width and height as displayed (after the EXIF rotation), read from the header only. */
async function orientedSize(pipeline: Sharp, name: string): Promise<ImageSize> {
  try {
    return (await pipeline.metadata()).autoOrient;
  } catch (e) {
    throw unreadable(name, e);
  }
}

function isRawImage(source: ImageSource): source is RawImage {
  return typeof source === 'object' && !(source instanceof Uint8Array);
}

function boxInside(box: CropBox, width: number, height: number): boolean {
  return box.left >= 0 && box.top >= 0 && box.width > 0 && box.height > 0 && box.left + box.width <= width && box.top + box.height <= height;
}

function unreadable(name: string, cause: unknown): LineageError {
  return new LineageError(
    `cannot decode image ${name}: ${errorMessage(cause)}`,
    'check that the file is a complete JPEG/PNG/WebP/GIF/TIFF image (re-export or delete it), or skip unreadable files',
  );
}
