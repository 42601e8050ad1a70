import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { LineageError, errorMessage } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * A model zoo: a victim, models derived from it by named attacks, and independent models, each a
 * model directory or file beside `manifest.json`. Written by the zoo builder, read by `lineage bench`.
 * The group names every model's place — no list slices meaning "the Extract-L group".
 */
export const ZOO_MANIFEST = 'manifest.json';
export const ZOO_FORMAT_VERSION = 1;

/** Is a model the victim, derived from it (a positive), or independent of it (a negative)? */
export type ZooRole = 'victim' | 'stolen' | 'independent';

export interface ZooModel {
  /** Unique id, also the model's folder or file name inside the zoo. */
  readonly id: string;
  /** Model path relative to the zoo folder (or absolute, or builtin:<name>). */
  readonly path: string;
  readonly role: ZooRole;
  /**
   * Attack group for stolen models (e.g. 'fine-tune-all', 'fine-prune', 'extract-l', 'extract-p',
   * 'extract-adv', 'adv-train', 'transfer', 'prune', 'quantise', 'noise'); 'irrelevant' or
   * 'homologous' for independent ones, and SHARED_ANCESTRY_GROUPS for independent models that
   * share a public ancestor with the victim; 'victim' for the victim.
   */
  readonly group: string;
  /** Id of the model it was derived from. */
  readonly parent?: string;
  readonly attack?: string;
  readonly architecture?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly seed?: number;
  /** Accuracy on the task's test split (classifiers) — 0..1. */
  readonly testAccuracy?: number;
  /** Face models: verification AUC on held-out LFW pairs (zoo/utility.ts) — 0..1. */
  readonly verificationAuc?: number;
  /** Agreement with the victim's predictions on the test split (top-1 for classifiers, or mean embedding cosine) — 0..1. */
  readonly fidelity?: number;
  readonly trainSeconds?: number;
}

export interface ZooManifest {
  readonly format: 'lineage-zoo';
  readonly version: number;
  readonly name: string;
  readonly task: 'classification' | 'face-embedding';
  /** Held-out images for fingerprints (never used to train any model of the zoo), path relative to the zoo or absolute. */
  readonly data: { readonly path: string; readonly indices?: readonly number[]; readonly faceCrop?: boolean };
  readonly createdAt: string;
  readonly models: readonly ZooModel[];
  /**
   * The public model the victim was fine-tuned from, when it was (`fingerprint --base`): `id` names
   * its entry among the models (an independent one), `path` is where it loads from. `lineage bench`
   * then reports every SAC method with and without the base-aware decision.
   */
  readonly base?: ZooBase;
}

export interface ZooBase {
  readonly id: string;
  readonly path: string;
}

export async function readZooManifest(zoo: string): Promise<ZooManifest> {
  const file = join(zoo, ZOO_MANIFEST);
  let manifest: ZooManifest;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as ZooManifest;
  } catch (e) {
    throw new LineageError(`cannot read zoo manifest ${file}: ${errorMessage(e)}`, 'point at a folder written by `lineage zoo`');
  }
  if (manifest.format !== 'lineage-zoo' || !Array.isArray(manifest.models)) {
    throw new LineageError(`${file} is not a Lineage zoo manifest`, 'point at a folder written by `lineage zoo`');
  }
  if (manifest.version > ZOO_FORMAT_VERSION) {
    throw new LineageError(`${file} has zoo format version ${manifest.version}; this Lineage reads up to ${ZOO_FORMAT_VERSION}`, 'upgrade Lineage');
  }
  if (manifest.models.filter((m) => m.role === 'victim').length !== 1) {
    throw new LineageError(`${file} must name exactly one victim model`, 'fix the manifest');
  }
  return manifest;
}

export async function writeZooManifest(zoo: string, manifest: ZooManifest): Promise<void> {
  await writeFileAtomic(join(zoo, ZOO_MANIFEST), JSON.stringify(manifest, null, 2));
}

/**
 * Where a zoo model (or the zoo's data) lives, as a path or source `loadModel` understands. A
 * relative path must stay inside the zoo folder (a manifest copied from elsewhere cannot reach out
 * with `../`); absolute paths are the zoo owner's explicit choice (e.g. a shared dataset) and kept.
 */
export function resolveZooPath(zoo: string, path: string): string {
  if (path.startsWith('builtin:') || isAbsolute(path)) return path;
  const rel = relative(resolve(zoo), resolve(zoo, path));
  if (rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new LineageError(`zoo manifest ${join(zoo, ZOO_MANIFEST)} names "${path}", which leads outside the zoo folder`,
      'keep every model of a zoo inside its folder, or name it by an absolute path');
  }
  return join(zoo, path);
}

/**
 * Independent groups of models that share a public ancestor with the victim (an owner's fine-tune
 * of a public model): 'sibling' = the same public model fine-tuned by others, 'public-parent' = the
 * public model itself. The bench reports them apart and never calibrates on them: an owner knows
 * unrelated models, not the other fine-tunes of the public model.
 */
export const SHARED_ANCESTRY_GROUPS: readonly string[] = ['sibling', 'public-parent'];

export const zooVictim = (m: ZooManifest): ZooModel => m.models.find((x) => x.role === 'victim')!;
