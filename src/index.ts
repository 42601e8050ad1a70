/**
 * Lineage as a library: the same jobs as the CLI.
 *
 *   import { fingerprint, calibrate, verify, saveFingerprint } from 'lineage';
 *
 * Every method goes through the same calls: `fingerprint(victim, { method })` makes a SAC or a peer
 * fingerprint (told apart by `kind`), which `calibrate`, `verify`, `saveFingerprint` and
 * `loadFingerprint` all take.
 */
export { fingerprint, DEFAULT_PARAMS } from './fingerprints/fingerprint.js';
export type { FingerprintOptions } from './fingerprints/fingerprint.js';
export { calibrate, calibrationFrom, peerCalibrationFrom } from './fingerprints/calibrate.js';
export type { CalibrateOptions } from './fingerprints/calibrate.js';
export { verify, decide, decidePeer } from './fingerprints/verify.js';
export type { VerifyOptions } from './fingerprints/verify.js';
export { fitCalibration, judge } from './fingerprints/decision.js';
export type { Judgement } from './fingerprints/decision.js';
export { compareWithFingerprint } from './fingerprints/compare.js';
export { peerFingerprint, peerStatistic, requirePeerVictim, scoreSuspect } from './fingerprints/peer-fingerprint.js';
export { PEER_METHOD_NAMES, PEER_METHODS, peerStatistics, querySuspect, scorePeer } from './fingerprints/peers/methods.js';
export type { PeerBuildOptions, PeerMethod, PeerStatistic } from './fingerprints/peers/methods.js';
export type { PeerFingerprint, PeerMeta, PeerMethodName, PeerScore } from './fingerprints/peers/types.js';
export { saveFingerprint, loadFingerprint } from './fingerprints/bundle.js';
export { costOf, FINGERPRINT_METHODS, isPeerMethod, METHOD_SUMMARIES, SAC_METHODS, scoreOf, STATISTICS } from './fingerprints/types.js';
export type * from './fingerprints/types.js';
export { writeVerifyReport } from './report/from-verification.js';
export { loadModel } from './models/load.js';
export type { ModelOptions } from './models/load.js';
export { serveModel } from './models/serve.js';
export * from './models/defences/index.js';
export type * from './models/types.js';
export { loadImages } from './data/load.js';
export type * from './data/types.js';
export { LineageError } from './errors.js';
