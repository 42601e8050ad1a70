/**
 * The Lineage HTTP protocol (v1), shared by the client (http.ts) and the server (serve.ts).
 *
 *   GET  /info     → 200 { "name": string, "spec": <spec-file keys: size, channels, layout, scale, mean, std,
 *                          output, outputKind>, "outputKind": "logits"|"embedding"|"label", "classes"?: number }
 *                    `classes` (the number of classes) is required when outputKind is "label".
 *   POST /predict  { "images": ["<base64 PNG>", ...] }   (Content-Type: application/json)
 *                  → 200 { "outputs": [[number, ...], ...] }   one row per image, all rows the same length
 *                  or 200 { "labels": [k, ...] }               label-only APIs: one class index per image
 *   Errors: any non-2xx status with { "error": string }.
 *
 * Images travel PNG-encoded (lossless) at the sample's own size, grey or RGB; the server resizes and
 * normalises them with its own spec, exactly as a local model would.
 */
import sharp from 'sharp';
import { imageAt, type ImageBatch } from '../data/types.js';
import type { OutputKind } from './types.js';
import type { SpecOverrides } from './spec.js';

export interface InfoReply {
  readonly name: string;
  readonly spec: SpecOverrides;
  readonly outputKind: OutputKind;
  readonly classes?: number;
}

export interface PredictRequest {
  readonly images: readonly string[];
}

export type PredictReply = { readonly outputs: number[][] } | { readonly labels: number[] };

/** Image `i` of a batch as base64 PNG (grey stays one channel). */
export async function encodePng(batch: ImageBatch, i: number): Promise<string> {
  let image = sharp(imageAt(batch, i), { raw: { width: batch.width, height: batch.height, channels: batch.channels } });
  if (batch.channels === 1) image = image.toColourspace('b-w');
  const png = await image.png({ compressionLevel: 1 }).toBuffer();
  return png.toString('base64');
}

/** The bytes of a base64 image (a `data:` URL prefix is allowed). */
export function imageBytes(base64: string): Buffer {
  return Buffer.from(base64.replace(/^data:[^,]*,/, ''), 'base64');
}

/** An encoded PNG (or any image sharp reads) as a one-image batch; sharp refuses images over `maxPixels`. */
export async function decodeImage(bytes: Buffer, maxPixels: number): Promise<ImageBatch> {
  const meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  let image = sharp(bytes, { limitInputPixels: maxPixels }).removeAlpha();
  // sharp widens grey images to sRGB on output unless told to stay grey.
  const grey = (meta.channels ?? 3) <= 2 && !meta.isPalette;
  if (grey) image = image.toColourspace('b-w');
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`unsupported image with ${info.channels} channels`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), count: 1, height: info.height, width: info.width, channels: info.channels };
}
