/**
 * Artefact stores: where queue jobs leave the models (and fetch the data) they work on, shared by
 * every worker. A store holds folders under keys; a folder is complete once its marker file is
 * there, and the marker is always written last, so a reader never takes a half-uploaded folder for
 * a finished one and a re-run job never overwrites a finished folder.
 *   - a folder on a shared filesystem: a path or file:// URL (written to a temp folder, then renamed);
 *   - S3-compatible object storage: s3://bucket/prefix?endpoint=http://host:port[&region=r],
 *     credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (never from the URL or Redis).
 */
import { createHash } from 'node:crypto';
import { access, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsClient } from 'aws4fetch';
import { LineageError, errorMessage } from '../errors.js';
import { removeStaleTemps, tempSiblings } from '../util/atomic-write.js';

export interface ArtefactStore {
  /** The URL the store was opened with (sent to workers inside each job). */
  readonly url: string;
  /** Is the folder `key` complete (its `marker` file present)? */
  isComplete(key: string, marker: string): Promise<boolean>;
  /**
   * Store the local folder `dir` as `key`, then `marker` last (the file of that name in `dir`, or an
   * empty one). Returns false and writes nothing when `key` is complete already: a finished
   * artefact is never overwritten.
   */
  putFolder(dir: string, key: string, marker: string): Promise<boolean>;
  /** Make the local folder `target` a complete copy of `key` (nothing to do when it is one already). */
  fetchFolder(key: string, marker: string, target: string): Promise<void>;
  /** A local folder with the complete contents of `key`: the store's own folder, or a copy under `cacheDir`. */
  localFolder(key: string, marker: string, cacheDir: string): Promise<string>;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** Store keys are relative slash paths without `..`: a job cannot make a worker write outside the store. */
function checkKey(key: string): string {
  const parts = key.split('/');
  if (key === '' || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new LineageError(`invalid artefact key '${key}'`, 'keys are relative paths inside the store (no "..", no leading "/")');
  }
  return key;
}

/** Open the store at `url`: s3://… for object storage, anything else is a folder (path or file:// URL). */
export function openStore(url: string): ArtefactStore {
  if (url.startsWith('s3://')) return new S3Store(url);
  return new FolderStore(url.startsWith('file://') ? fileURLToPath(url) : path.resolve(url));
}

/**
 * Fill a temp folder beside `to`, then rename it into place (replacing an incomplete `to`); temps
 * of processes that died are removed first (the project's one temp naming, see tempSiblings).
 */
async function placeFolder(to: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const { tmp } = tempSiblings(to);
  await mkdir(path.dirname(to), { recursive: true });
  await removeStaleTemps(to);
  try {
    await fill(tmp);
    await rm(to, { recursive: true, force: true });
    await rename(tmp, to);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export class FolderStore implements ArtefactStore {
  constructor(readonly root: string) {}

  get url(): string {
    return this.root;
  }

  private at(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  isComplete(key: string, marker: string): Promise<boolean> {
    return exists(path.join(this.at(key), marker));
  }

  async putFolder(dir: string, key: string, marker: string): Promise<boolean> {
    if (await this.isComplete(key, marker)) return false;
    await placeFolder(this.at(key), async (tmp) => {
      await cp(dir, tmp, { recursive: true });
      if (!(await exists(path.join(tmp, marker)))) await writeFile(path.join(tmp, marker), '');
    });
    return true;
  }

  async fetchFolder(key: string, marker: string, target: string): Promise<void> {
    const from = await this.localFolder(key, marker);
    if (path.resolve(target) === from || (await exists(path.join(target, marker)))) return;
    await placeFolder(target, (tmp) => cp(from, tmp, { recursive: true }));
  }

  async localFolder(key: string, marker: string): Promise<string> {
    if (!(await this.isComplete(key, marker))) throw notStored(key, this.root);
    return this.at(key);
  }
}

function notStored(key: string, store: string): LineageError {
  return new LineageError(`artefact ${key} is not in the store ${store}`, 'the job that makes it has not finished: rerun the zoo command to enqueue it');
}

/** Every file under `dir`, as slash paths relative to it. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

const xmlText = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

export class S3Store implements ArtefactStore {
  private readonly client: AwsClient;
  /** http(s)://host:port/bucket */
  private readonly bucketUrl: string;
  private readonly prefix: string;

  constructor(readonly url: string) {
    const parsed = new URL(url);
    const endpoint = parsed.searchParams.get('endpoint');
    if (!parsed.hostname || !endpoint) {
      throw new LineageError(`invalid S3 store URL ${url}`, 'use s3://bucket/prefix?endpoint=http://host:port (and &region=… when not us-east-1)');
    }
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
    if (!accessKeyId || !secretAccessKey) {
      throw new LineageError(`S3 store ${url} needs credentials`, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of every process that uses the store');
    }
    this.client = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region: parsed.searchParams.get('region') ?? 'us-east-1' });
    this.bucketUrl = `${endpoint.replace(/\/+$/, '')}/${parsed.hostname}`;
    this.prefix = parsed.pathname.replace(/^\/+|\/+$/g, '');
  }

  private objectKey(key: string, file?: string): string {
    return [this.prefix, checkKey(key), file].filter(Boolean).join('/');
  }

  private objectUrl(objectKey: string): string {
    return `${this.bucketUrl}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
  }

  private async request(what: string, url: string, init: RequestInit = {}, allow404 = false): Promise<Response | undefined> {
    let response: Response;
    try {
      response = await this.client.fetch(url, init);
    } catch (e) {
      throw new LineageError(`cannot reach the S3 store ${this.url} (${what}): ${errorMessage(e)}`, 'check the endpoint in the store URL and that the server runs');
    }
    if (allow404 && response.status === 404) return undefined;
    if (!response.ok) {
      const body = (await response.text()).slice(0, 200);
      throw new LineageError(`S3 store ${this.url}: ${what} failed with HTTP ${response.status} ${body}`, 'check the bucket, the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and the region');
    }
    return response;
  }

  async isComplete(key: string, marker: string): Promise<boolean> {
    return (await this.request(`HEAD ${key}/${marker}`, this.objectUrl(this.objectKey(key, marker)), { method: 'HEAD' }, true)) !== undefined;
  }

  async putFolder(dir: string, key: string, marker: string): Promise<boolean> {
    if (await this.isComplete(key, marker)) return false;
    const files = (await filesUnder(dir)).filter((f) => f !== marker);
    const markerFile = path.join(dir, marker);
    for (const file of files) await this.put(key, file, await readFile(path.join(dir, file)));
    await this.put(key, marker, (await exists(markerFile)) ? await readFile(markerFile) : new Uint8Array());
    return true;
  }

  private async put(key: string, file: string, body: Uint8Array): Promise<void> {
    await this.request(`PUT ${key}/${file}`, this.objectUrl(this.objectKey(key, file)), { method: 'PUT', body });
  }

  async fetchFolder(key: string, marker: string, target: string): Promise<void> {
    if (await exists(path.join(target, marker))) return;
    if (!(await this.isComplete(key, marker))) throw notStored(key, this.url);
    const files = await this.list(`${this.objectKey(key)}/`);
    await placeFolder(target, async (tmp) => {
      // The marker last here too: a download cut short leaves no marker behind.
      for (const file of [...files.filter((f) => f !== marker), marker]) {
        const response = (await this.request(`GET ${key}/${file}`, this.objectUrl(this.objectKey(key, file))))!;
        await mkdir(path.dirname(path.join(tmp, file)), { recursive: true });
        await writeFile(path.join(tmp, file), new Uint8Array(await response.arrayBuffer()));
      }
    });
  }

  async localFolder(key: string, marker: string, cacheDir: string): Promise<string> {
    const local = path.join(cacheDir, createHash('sha256').update(this.url).digest('hex').slice(0, 16), checkKey(key));
    await this.fetchFolder(key, marker, local);
    return local;
  }

  /** Object keys under `prefix`, relative to it (ListObjectsV2, following continuation tokens). */
  private async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
      const xml = await (await this.request(`LIST ${prefix}`, `${this.bucketUrl}?${query}`))!.text();
      for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(xmlText(m[1]!).slice(prefix.length));
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlText(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '') : undefined;
    } while (token);
    return keys.map(checkKey);
  }
}
