export { CORE_POINT_DEFAULTS, deepCoreFingerprint, type CorePointParams } from './core-points.js';
export { clusterSuspects, kMeans2 } from './cluster.js';
export { identificationRates } from './metrics.js';
export { deepCoreScore } from './similarity.js';
