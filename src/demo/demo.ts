import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { detectSource, loadImages } from '../data/load.js';
import { demoFacePhotos, detectFaceCrops } from '../data/faces.js';
import type { ImageSet } from '../data/types.js';
import { saveFingerprint } from '../fingerprints/bundle.js';
import { calibrationFrom, panelModels } from '../fingerprints/calibrate.js';
import { compareWithFingerprint } from '../fingerprints/compare.js';
import type { Comparison } from '../fingerprints/compare.js';
import { fingerprint } from '../fingerprints/fingerprint.js';
import type { Fingerprint, ProgressFn, SuspectResult } from '../fingerprints/types.js';
import { decide } from '../fingerprints/verify.js';
import { loadModel } from '../models/load.js';
import { writeVerifyReport } from '../report/from-verification.js';
import { makeDerivedCopies } from './suspects.js';
import type { DemoSuspect } from './suspects.js';

/** The demo's victim: the best-separating face model shipped in npm (LFW same/different AUC 0.985). */
export const DEMO_VICTIM = 'fr_feature';
/** Independent face-embedding models by other authors: the victim's `--panel faces` (see src/models/builtin.ts). */
export const DEMO_INDEPENDENT = panelModels('faces', `builtin:${DEMO_VICTIM}`);

export interface DemoOptions {
  /** Where the bundle, the derived copies and report.html go. */
  readonly outDir: string;
  /** Face images instead of the photos shipped in npm packages (e.g. the LFW folder). */
  readonly data?: string;
  readonly samples?: number;
  readonly seed?: number;
  readonly onProgress?: ProgressFn;
  readonly log?: (line: string) => void;
}

export interface DemoRow extends SuspectResult {
  readonly derived: boolean;
  readonly how: string;
  readonly group: string;
  /** The verdict matches the ground truth. */
  readonly correct: boolean;
}

export interface DemoResult {
  readonly fingerprint: Fingerprint;
  readonly rows: readonly DemoRow[];
  readonly bundlePath: string;
  readonly reportPath: string;
}

/**
 * The whole job on real models, no setup: fingerprint a real face-recognition model on real face
 * photos, make stolen copies of it without training, and check them and independent models from
 * other authors. Each independent model is judged with a threshold calibrated on the *other*
 * independent models (leave-one-out), so no model is ever judged by a threshold fitted on itself.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? (() => {});
  await mkdir(options.outDir, { recursive: true });
  const victim = await loadModel(`builtin:${DEMO_VICTIM}`);
  try {
    const faces = await demoFaces(options.data, victim.spec.height, victim.spec.width);
    log(`victim builtin:${DEMO_VICTIM}; ${faces.count} face images from ${options.data ?? 'photos shipped in npm packages'}`);
    const fp = await fingerprint(victim, {
      data: faces,
      samples: Math.min(options.samples ?? 100, faces.count),
      seed: options.seed ?? 1,
      onProgress: options.onProgress,
    });
    log(`fingerprint: SAC-JC, N = ${fp.samples.count}, victim matrix sd ${fp.manifest.quality.spread.sd.toFixed(3)}`);
    const derived = await makeDerivedCopies(DEMO_VICTIM, victim.spec, join(options.outDir, 'suspects'));
    log(`calibration panel (--panel faces): ${DEMO_INDEPENDENT.length} independent face models, ${DEMO_INDEPENDENT.join(', ')}`);
    const independent: DemoSuspect[] = DEMO_INDEPENDENT.map((source) => ({ source, derived: false, how: 'independent model by another author' }));
    const compared: { suspect: DemoSuspect; c: Comparison }[] = [];
    for (const suspect of [...derived, ...independent]) {
      const model = await loadModel(suspect.source, { onWarning: () => {} });
      try {
        compared.push({ suspect, c: await compareWithFingerprint(fp, model, options.onProgress) });
      } finally {
        await model.dispose();
      }
    }
    const negatives = compared.filter((x) => !x.suspect.derived).map(({ suspect, c }) => ({ source: suspect.source, distance: c.distance, pearsonDistance: c.pearsonDistance }));
    const calibrated = { ...fp, calibration: calibrationFrom(negatives) };
    const rows = compared.map(({ suspect, c }) => {
      const others = negatives.filter((m) => m.source !== suspect.source);
      const result = decide(suspect.source, c, calibrationFrom(others));
      const truth = suspect.derived ? 'stolen' : 'independent';
      return { ...result, derived: suspect.derived, how: suspect.how, group: suspect.derived ? 'derived copy' : 'independent', correct: result.verdict === truth };
    });
    const bundlePath = join(options.outDir, 'victim.lineage');
    const reportPath = join(options.outDir, 'report.html');
    await saveFingerprint(bundlePath, calibrated);
    await writeVerifyReport(reportPath, calibrated, rows, `Lineage demo: is it ${DEMO_VICTIM}?`);
    return { fingerprint: calibrated, rows, bundlePath, reportPath };
  } finally {
    await victim.dispose();
  }
}

async function demoFaces(data: string | undefined, height: number, width: number): Promise<ImageSet> {
  // LFW's deep-funneled photos hold the face in a known centre box; other folders are used as they are.
  if (data) return loadImages(data, { size: { height, width }, ...((await detectSource(data)) === 'lfw' ? { faceCrop: true } : {}) });
  return detectFaceCrops(demoFacePhotos(), { size: height });
}
