import { identificationRates } from '../fingerprints/deepcore/metrics.js';
import type { Identification, JudgedModel, RuleRates } from './types.js';

/** The zoo group of independent models that share the victim's architecture and data (DeepCore's hard case). */
const HOMOLOGOUS = 'homologous';

/**
 * DeepCore's metrics (METHODS.md §6) for both of its rules: the clustering rule's verdicts
 * (`clusterStolen`, one per model), added to the models, and the similarity rule, i.e. the
 * verdicts at the threshold fitted on the calibration half (judged models only).
 */
export function identify(models: readonly JudgedModel[], clusterStolen: readonly boolean[]): { models: JudgedModel[]; identification: Identification } {
  const clustered = models.map((m, k): JudgedModel => ({ ...m, clusterVerdict: clusterStolen[k] ? 'stolen' : 'independent' }));
  const judged = models.filter((m) => m.verdict !== undefined);
  return {
    models: clustered,
    identification: {
      clustering: ruleRates(models, clusterStolen),
      ...(judged.length > 0 ? { similarity: ruleRates(judged, judged.map((m) => m.verdict === 'stolen')) } : {}),
    },
  };
}

/**
 * MIR and FIR of one rule's verdicts (true = called stolen) over all `models`, and over the stolen
 * and homologous models only (the same MIR; FIR = homologous models called stolen).
 */
export function ruleRates(models: readonly Pick<JudgedModel, 'role' | 'group'>[], calledStolen: readonly boolean[]): RuleRates {
  const rates = (keep: (m: Pick<JudgedModel, 'role' | 'group'>) => boolean) => {
    const kept = models.map((m, k) => [m, calledStolen[k]!] as const).filter(([m]) => keep(m));
    return identificationRates(kept.map(([, called]) => called), kept.map(([m]) => m.role === 'stolen'));
  };
  const hasHomologous = models.some((m) => m.role === 'independent' && m.group === HOMOLOGOUS);
  return {
    overall: rates(() => true),
    ...(hasHomologous ? { homologous: rates((m) => m.role === 'stolen' || m.group === HOMOLOGOUS) } : {}),
  };
}
