import sharp from 'sharp';
import { LineageError } from '../errors.js';
import { decodeToBatch } from './decode.js';
import { imageAt, type ImageBatch } from './types.js';

/** SAC-JC JPEG quality for severities 1..5 (index = severity − 1). */
export const JPEG_SEVERITY_QUALITY: readonly number[] = [25, 18, 15, 10, 7];

export interface JpegOptions {
  /** Chroma subsampling of colour images; '4:2:0' (the default) matches the Pillow reference. */
  readonly chromaSubsampling?: '4:2:0' | '4:4:4';
}

export interface JpegResult {
  /** The JPEG bytes of every image. */
  readonly jpegs: Buffer[];
  /** Those bytes decoded back to u8, same size and channels as the input. */
  readonly decoded: ImageBatch;
}

/**
 * JPEG-compress every image with sharp (baseline, standard quantisation tables, no trellis or
 * mozjpeg tricks, no metadata), then decode the bytes back. The options are all fixed, so the same
 * pixels and quality always give the same bytes.
 */
export async function jpegCompress(batch: ImageBatch, quality: number, options: JpegOptions = {}): Promise<JpegResult> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new LineageError(`JPEG quality must be an integer 1..100, got ${quality}`, 'use a quality such as 25 (SAC-JC severity 1)');
  }
  const jpegs: Buffer[] = [];
  for (let i = 0; i < batch.count; i++) {
    const raw = sharp(imageAt(batch, i), { raw: { width: batch.width, height: batch.height, channels: batch.channels } });
    // sharp widens 1-channel raw input to sRGB on output unless told to stay grey.
    const pipeline = batch.channels === 1 ? raw.toColourspace('b-w') : raw;
    jpegs.push(
      await pipeline
        .jpeg({
          quality,
          chromaSubsampling: options.chromaSubsampling ?? '4:2:0',
          progressive: false,
          optimiseCoding: true,
          trellisQuantisation: false,
          overshootDeringing: false,
          quantisationTable: 0,
          mozjpeg: false,
        })
        .toBuffer(),
    );
  }
  const decoded = await decodeToBatch(jpegs, {
    channels: batch.channels,
    names: jpegs.map((_, i) => `JPEG of image ${i}`),
  });
  // JPEG keeps the image size, so the batch's own size also covers an empty batch.
  return { jpegs, decoded: { data: decoded.data, count: decoded.count, height: batch.height, width: batch.width, channels: batch.channels } };
}
