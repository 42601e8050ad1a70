import { stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, LineageError } from '../errors.js';
import { MAX_JSON_BYTES, confinedPath, openRegularFile, readRegularFile } from '../util/confined-read.js';
import { findColumn, parseCsv, type CsvTable } from './csv.js';
import { decodeToBatch, type ImageSize } from './decode.js';
import { selectRows, type RowSelection } from './rows.js';
import type { ImageSet } from './types.js';

/**
 * The shared raw format: `images.u8` (N×H×W×C uint8, row-major, no header) + `meta.json`
 * (`shape` [N,H,W,C], `channel_order` RGB | BGR | grayscale, optional `label_ids`) + optional
 * `labels.csv` (header row, then one row per image in file order).
 */
export interface U8Options extends RowSelection {
  /** Resize every image to this size (Catmull-Rom cubic, fit 'fill'); default: stored size. */
  readonly size?: ImageSize;
  /** Convert to this many channels (grey = BT.601 luma, grey → RGB repeats it); default: stored. */
  readonly channels?: 1 | 3;
}

/** Label column names, in order of preference (the shared datasets use label, identity, subject). */
const LABEL_COLUMNS = ['label', 'identity', 'subject', 'class', 'person'];
/** Columns holding each image's source file name. */
const NAME_COLUMNS = ['file', 'source_file', 'filename', 'name', 'path'];

export const U8_IMAGES = 'images.u8';
export const U8_META = 'meta.json';
const LABELS_CSV = 'labels.csv';

interface U8Meta {
  readonly file: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly bgr: boolean;
  readonly labelIds?: Readonly<Record<string, string>>;
}

/** Load a dataset directory in the u8 format, validated against its meta.json. */
export async function loadU8Dataset(dir: string, options: U8Options = {}): Promise<ImageSet> {
  const meta = await readMeta(dir);
  const imagesPath = await confinedPath(dir, meta.file, `images file named by ${join(dir, U8_META)}`);
  const imageBytes = meta.height * meta.width * meta.channels;
  const expected = meta.count * imageBytes;
  await stat(imagesPath).catch(() => {
    throw new LineageError(`${imagesPath} is missing (named by ${join(dir, U8_META)})`, `put the raw pixels in ${imagesPath}, or fix "file" in meta.json`);
  });
  const { handle, bytes } = await openRegularFile(imagesPath, 'images file');
  if (bytes !== expected) {
    await handle.close();
    throw new LineageError(
      `${imagesPath} has ${bytes} bytes but meta.json shape [${meta.count}, ${meta.height}, ${meta.width}, ${meta.channels}] needs ${expected}`,
      'fix "shape" in meta.json, or regenerate images.u8 (N×H×W×C uint8, no header)',
    );
  }
  const rows = selectRows(meta.count, options, dir);
  const data = await readImages(handle, imagesPath, rows, imageBytes);
  if (meta.bgr) swapRedBlue(data);

  const table = await readLabels(dir, meta);
  const names = rows.map((i) => (table.names ? table.names[i]! : `#${i}`));
  const stored: ImageSet = {
    data,
    count: rows.length,
    height: meta.height,
    width: meta.width,
    channels: meta.channels,
    names,
    ...(table.labels ? { labels: rows.map((i) => table.labels![i]!) } : {}),
    ...(table.classNames ? { classNames: table.classNames } : {}),
  };
  return convert(stored, options);
}

/** Resize / change channels when asked; the stored images otherwise. */
async function convert(set: ImageSet, options: U8Options): Promise<ImageSet> {
  const channels = options.channels ?? set.channels;
  const size = options.size ?? { height: set.height, width: set.width };
  if (channels === set.channels && size.height === set.height && size.width === set.width) return set;
  const stride = set.height * set.width * set.channels;
  const sources = Array.from({ length: set.count }, (_, i) => ({
    data: set.data.subarray(i * stride, (i + 1) * stride),
    height: set.height,
    width: set.width,
    channels: set.channels,
  }));
  const sameSize = size.height === set.height && size.width === set.width;
  const batch = await decodeToBatch(sources, { channels, names: set.names, ...(sameSize ? {} : { size }) });
  return { ...set, data: batch.data, height: size.height, width: size.width, channels };
}

async function readMeta(dir: string): Promise<U8Meta> {
  const path = join(dir, U8_META);
  const fix = 'meta.json needs at least {"shape": [N, H, W, C], "channel_order": "RGB" | "grayscale"} with C = 3 or 1';
  const text = (await readRegularFile(path, 'dataset description', { atMost: MAX_JSON_BYTES })).toString('utf8');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new LineageError(`cannot read ${path}: ${errorMessage(e)}`, fix);
  }
  const shape = json['shape'];
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new LineageError(`${path}: "shape" must be [N, H, W, C] (whole numbers), got ${JSON.stringify(shape)}`, fix);
  }
  const [count, height, width, channels] = shape as number[];
  if (channels !== 1 && channels !== 3) throw new LineageError(`${path}: images must have 1 or 3 channels, shape says ${channels}`, fix);
  if (json['dtype'] !== undefined && json['dtype'] !== 'uint8') {
    throw new LineageError(`${path}: dtype "${String(json['dtype'])}" is not supported`, 'store the pixels as uint8 (dtype "uint8")');
  }
  const order = String(json['channel_order'] ?? (channels === 3 ? 'RGB' : 'grayscale')).toLowerCase();
  const colour = order === 'rgb' || order === 'bgr';
  if (colour !== (channels === 3) || !['rgb', 'bgr', 'grayscale', 'gray', 'grey', 'l'].includes(order)) {
    throw new LineageError(`${path}: channel_order "${order}" does not fit ${channels} channel(s)`, fix);
  }
  const labelIds = json['label_ids'];
  return {
    file: typeof json['file'] === 'string' ? json['file'] : U8_IMAGES,
    count: count!,
    height: height!,
    width: width!,
    channels,
    bgr: order === 'bgr',
    ...(labelIds && typeof labelIds === 'object' ? { labelIds: labelIds as Record<string, string> } : {}),
  };
}

/** Read the selected images, coalescing runs of consecutive indices into one read each; closes the handle. */
async function readImages(handle: FileHandle, path: string, rows: readonly number[], imageBytes: number): Promise<Uint8Array> {
  try {
    const data = new Uint8Array(rows.length * imageBytes);
    for (let start = 0; start < rows.length; ) {
      let end = start + 1;
      while (end < rows.length && rows[end] === rows[end - 1]! + 1) end++;
      const length = (end - start) * imageBytes;
      const { bytesRead } = await handle.read(data, start * imageBytes, length, rows[start]! * imageBytes);
      if (bytesRead !== length) throw new LineageError(`${path} ended early while reading image ${rows[start]}`, 'regenerate images.u8');
      start = end;
    }
    return data;
  } finally {
    await handle.close();
  }
}

function swapRedBlue(data: Uint8Array): void {
  for (let p = 0; p < data.length; p += 3) {
    const r = data[p]!;
    data[p] = data[p + 2]!;
    data[p + 2] = r;
  }
}

interface LabelColumns {
  readonly names?: readonly string[];
  readonly labels?: readonly string[];
  readonly classNames?: readonly string[];
}

/** labels.csv, when present: per-image names and labels, and the class order when it is defined. */
async function readLabels(dir: string, meta: U8Meta): Promise<LabelColumns> {
  const path = join(dir, LABELS_CSV);
  let text: string;
  try {
    text = (await readRegularFile(path, 'label list', { atMost: MAX_JSON_BYTES })).toString('utf8');
  } catch {
    return {}; // no labels.csv (or none readable): a dataset without labels
  }
  const table = parseCsv(text, path);
  if (table.rows.length !== meta.count) {
    throw new LineageError(`${path} has ${table.rows.length} rows but ${meta.file} holds ${meta.count} images`, 'give labels.csv exactly one row per image, in file order');
  }
  const nameAt = findColumn(table, NAME_COLUMNS);
  const labelAt = findColumn(table, LABEL_COLUMNS);
  const labels = labelAt >= 0 ? table.rows.map((row) => row[labelAt]!) : undefined;
  const classNames = labels && (meta.labelIds ? byDenseId(Object.entries(meta.labelIds)) : classOrder(table, labelAt, labels));
  return {
    ...(nameAt >= 0 ? { names: table.rows.map((row) => row[nameAt]!) } : {}),
    ...(labels ? { labels } : {}),
    ...(classNames ? { classNames } : {}),
  };
}

/**
 * The class order defined by the data, if any: meta.json `label_ids`, else the `<label>_id` column
 * (e.g. label_id, subject_id) — used only when the ids are exactly 0..K−1, one per label. Sparse
 * ids (LFW identity ids index all 5,749 people) define no class order.
 */
function classOrder(table: CsvTable, labelAt: number, labels: readonly string[]): string[] | undefined {
  const idAt = findColumn(table, [`${table.header[labelAt]!.trim().toLowerCase()}_id`]);
  if (idAt < 0) return undefined;
  const pairs = new Map<string, string>();
  for (const [r, row] of table.rows.entries()) {
    const known = pairs.get(row[idAt]!);
    if (known !== undefined && known !== labels[r]) return undefined;
    pairs.set(row[idAt]!, labels[r]!);
  }
  return byDenseId([...pairs]);
}

/** Names ordered by id when the ids are exactly 0..K−1 and the names distinct; else undefined. */
function byDenseId(pairs: readonly (readonly [string, string])[]): string[] | undefined {
  const names = new Array<string | undefined>(pairs.length);
  for (const [id, name] of pairs) {
    const k = Number(id);
    if (!Number.isInteger(k) || k < 0 || k >= pairs.length || names[k] !== undefined) return undefined;
    names[k] = name;
  }
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}
