/**
 * Lineage as a library: the same jobs as the CLI.
 *
 *   import { fingerprint, calibrate, verify, saveFingerprint } from 'lineage';
 */
export { fingerprint, DEFAULT_PARAMS } from './fingerprints/fingerprint.js';
export type { FingerprintOptions } from './fingerprints/fingerprint.js';
export { calibrate } from './fingerprints/calibrate.js';
export type { CalibrateOptions } from './fingerprints/calibrate.js';
export { verify } from './fingerprints/verify.js';
export type { VerifyOptions } from './fingerprints/verify.js';
export { compareWithFingerprint } from './fingerprints/compare.js';
export { saveFingerprint, loadFingerprint } from './fingerprints/bundle.js';
export type * from './fingerprints/types.js';
export { loadModel } from './models/load.js';
export type { ModelOptions } from './models/load.js';
export { serveModel } from './models/serve.js';
export type * from './models/types.js';
export { loadImages } from './data/load.js';
export type * from './data/types.js';
export { LineageError } from './errors.js';
