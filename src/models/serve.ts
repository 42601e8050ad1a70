import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageBatch } from '../data/types.js';
import { LineageError, errorMessage } from '../errors.js';
import { mapPool } from '../util/map-pool.js';
import { decodeImage, imageBytes, type InfoReply, type PredictReply } from './http-protocol.js';
import { specToOverrides } from './spec.js';
import type { Model, Outputs } from './types.js';

export interface ServeOptions {
  /** Port; 0 picks a free one (see the returned url). */
  readonly port: number;
  /** Interface to listen on (default loopback only). */
  readonly host?: string;
  /** Answer only the arg-max class, like a label-only API (default: full output rows). */
  readonly labelsOnly?: boolean;
  /** Largest request body accepted, bytes (default 64 MiB). */
  readonly maxBodyBytes?: number;
  /** Largest number of images per request (default 1,024). */
  readonly maxImages?: number;
  /** Largest image, in pixels (width × height), read from its header before decoding (default 4096² = 16,777,216). */
  readonly maxImagePixels?: number;
  /** Largest total of pixels of the images of one request, checked before decoding any (default 4 × 4096²). */
  readonly maxRequestPixels?: number;
  /** Images decoded at once (default 4): memory stays bounded by the request pixel limit, not by the body. */
  readonly decodeConcurrency?: number;
  /** Name reported by GET /info (default: the model file's name). */
  readonly name?: string;
}

export interface ServedModel {
  readonly url: string;
  close(): Promise<void>;
}

/** An HTTP error with the status to send; its message goes to the client as { error }. */
class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Serve a model over the Lineage HTTP protocol (http-protocol.ts). */
export async function serveModel(model: Model, options: ServeOptions): Promise<ServedModel> {
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const limits: DecodeLimits = {
    maxImages: options.maxImages ?? 1024,
    maxImagePixels: options.maxImagePixels ?? SERVE_LIMITS.maxImagePixels,
    maxRequestPixels: options.maxRequestPixels ?? SERVE_LIMITS.maxRequestPixels,
    decodeConcurrency: options.decodeConcurrency ?? 4,
  };
  if (!(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    throw new LineageError(`invalid port ${options.port}`, 'give --port from 0 to 65535 (0 = any free port)');
  }
  for (const [key, value] of Object.entries({ maxBodyBytes: maxBody, ...limits })) {
    if (!(Number.isSafeInteger(value) && value > 0)) throw new LineageError(`invalid ${key} ${value} for serve`, `${key} must be a whole number > 0`);
  }
  // A label-only model (e.g. behind the top1 defence) answers like --labels-only.
  const labelsOnly = (options.labelsOnly ?? false) || model.spec.outputKind === 'label';
  // A label-only API must say how many classes it has: learn it from one blank image.
  const classes = labelsOnly ? (await model.predict(blankImage(model))).cols : undefined;
  const info: InfoReply = {
    name: options.name ?? path.basename(model.source),
    spec: specToOverrides(model.spec),
    outputKind: labelsOnly ? 'label' : model.spec.outputKind,
    ...(classes !== undefined ? { classes } : {}),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (route === '/info') {
      if (req.method !== 'GET') throw new RequestError(405, 'use GET /info');
      return send(res, 200, info);
    }
    if (route === '/predict') {
      if (req.method !== 'POST') throw new RequestError(405, 'use POST /predict');
      const images = await readImages(req, maxBody, limits);
      const outputs = await predictMixed(model, images);
      return send(res, 200, labelsOnly ? { labels: argmaxRows(outputs) } : { outputs: toRows(outputs) } satisfies PredictReply);
    }
    throw new RequestError(404, `no route ${route}: use GET /info or POST /predict`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof RequestError ? e.status : 500;
      send(res, status, { error: errorMessage(e) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new LineageError(`cannot listen on ${host}:${options.port}: ${e.code ?? e.message}`,
        e.code === 'EADDRINUSE' ? 'pick another --port (0 = any free port)' : 'check --host and --port')));
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // fetch keeps connections alive; don't wait for them to time out
    }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Default per-image and per-request pixel limits of serve (the serve command's help repeats them). */
const SERVE_LIMITS = { maxImagePixels: 4096 * 4096, maxRequestPixels: 4 * 4096 * 4096 } as const;

interface DecodeLimits {
  readonly maxImages: number;
  readonly maxImagePixels: number;
  readonly maxRequestPixels: number;
  readonly decodeConcurrency: number;
}

/**
 * The request's images, decoded. Sizes are read from the image headers first, and the request is
 * refused (413) before any pixel is decoded when one image or all of them together are too large;
 * then at most `decodeConcurrency` images are decoded at once.
 */
async function readImages(req: IncomingMessage, maxBody: number, limits: DecodeLimits): Promise<ImageBatch[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw new RequestError(413, `request body over ${maxBody} bytes: send fewer images per request`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RequestError(400, 'body is not JSON: send { "images": ["<base64 PNG>", ...] }');
  }
  chunks.length = 0;
  const images = (body as { images?: unknown } | null)?.images;
  if (!Array.isArray(images) || images.length === 0 || !images.every((i) => typeof i === 'string')) {
    throw new RequestError(400, 'body must be { "images": ["<base64 PNG>", ...] } with at least one image');
  }
  if (images.length > limits.maxImages) throw new RequestError(413, `${images.length} images in one request; the limit is ${limits.maxImages}`);
  const notDecodable = (i: number, e: unknown) => new RequestError(400, `image ${i} is not a decodable PNG: ${errorMessage(e)}`);
  const encoded = (images as string[]).map(imageBytes);
  let total = 0;
  for (const [i, bytes] of encoded.entries()) {
    const { width, height } = await sharp(bytes).metadata().catch((e: unknown) => {
      throw notDecodable(i, e);
    });
    const pixels = (width ?? 0) * (height ?? 0);
    if (pixels > limits.maxImagePixels) {
      throw new RequestError(413, `image ${i} is ${width}×${height} = ${pixels} pixels; the limit is ${limits.maxImagePixels} per image`);
    }
    total += pixels;
    if (total > limits.maxRequestPixels) {
      throw new RequestError(413, `images 0..${i} hold ${total} pixels; the limit is ${limits.maxRequestPixels} per request: send fewer or smaller images`);
    }
  }
  return mapPool(encoded, limits.decodeConcurrency, (bytes, i) => decodeImage(bytes, limits.maxImagePixels).catch((e: unknown) => {
    throw notDecodable(i, e);
  }));
}

/** Predict images of possibly different sizes: one model call per distinct size, rows back in order. */
async function predictMixed(model: Model, images: readonly ImageBatch[]): Promise<Outputs> {
  const groups = new Map<string, number[]>();
  images.forEach((img, i) => {
    const key = `${img.height}x${img.width}x${img.channels}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  let cols = 0;
  let data = new Float32Array(0);
  for (const indices of groups.values()) {
    const first = images[indices[0]!]!;
    const size = first.height * first.width * first.channels;
    const joined = new Uint8Array(indices.length * size);
    indices.forEach((i, k) => joined.set(images[i]!.data, k * size));
    const { height, width, channels } = first;
    const out = await model.predict({ data: joined, count: indices.length, height, width, channels });
    if (data.length === 0) {
      cols = out.cols;
      data = new Float32Array(images.length * cols);
    }
    if (out.cols !== cols) throw new RequestError(500, `model returned ${out.cols} and ${cols} values for different image sizes`);
    indices.forEach((i, k) => data.set(out.data.subarray(k * cols, (k + 1) * cols), i * cols));
  }
  return { data, rows: images.length, cols };
}

function toRows(outputs: Outputs): number[][] {
  return Array.from({ length: outputs.rows }, (_, r) =>
    Array.from(outputs.data.subarray(r * outputs.cols, (r + 1) * outputs.cols)));
}

function argmaxRows(outputs: Outputs): number[] {
  return Array.from({ length: outputs.rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < outputs.cols; c++) {
      if (outputs.data[r * outputs.cols + c]! > outputs.data[r * outputs.cols + best]!) best = c;
    }
    return best;
  });
}

function blankImage(model: Model): ImageBatch {
  const channels = model.spec.channels === 'gray' ? 1 : 3;
  const { height, width } = model.spec;
  return { data: new Uint8Array(height * width * channels), count: 1, height, width, channels };
}
