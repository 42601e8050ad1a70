/** Peer fingerprinting methods (IPGuard, ModelDiff, DeepJudge black-box, AKH) and DeepCore, as library building blocks. */
export { AKH_DEFAULTS, akhFingerprint, akhScore, type AkhParams } from './akh.js';
export { DEEPJUDGE_DEFAULTS, deepJudgeFingerprint, deepJudgeScore, type DeepJudgeParams } from './deepjudge.js';
export { IPGUARD_DEFAULTS, boundaryLoss, ipguardFingerprint, ipguardScore, type IpguardParams } from './ipguard.js';
export { PEER_METHOD_NAMES, PEER_METHODS, peerStatistics, querySuspect, scorePeer, type PeerBuildOptions, type PeerMethod, type PeerStatistic } from './methods.js';
export { MODELDIFF_DEFAULTS, decisionDistanceVector, modelDiffFingerprint, modelDiffScore, type ModelDiffParams } from './modeldiff.js';
export { adamOnInputs, crossEntropy, pgd, PIXEL_MAX, PIXEL_MIN, type AdamOptions, type LogitLoss, type PgdOptions } from './optimise.js';
export { agreement, cosine, hardLabels, jensenShannon, softmaxRows } from './representation.js';
export type { PeerFingerprint, PeerMeta, PeerMethodName, PeerScore } from './types.js';
export { gradientProblem, pixelTensor, toImageBatch, whiteBox, type WhiteBox } from './whitebox.js';
export * from '../deepcore/index.js';
