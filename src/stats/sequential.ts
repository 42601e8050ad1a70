/**
 * Anytime-valid decisions for sequential verification: query the suspect in rounds and stop as soon
 * as the verdict is settled, at a stated error rate α, however often we look.
 *
 * Design (METHODS-style):
 * * What is uncertain. The samples are drawn at random (and queried in a seeded random order); the
 *   statistic on the first n of them estimates θ, the value it would take on the whole sample
 *   population. The verdict "stolen" means θ ≤ τ (the calibrated threshold), "independent" θ > τ.
 *   A verdict is settled when a confidence sequence for θ lies wholly on one side of τ.
 * * Why a confidence sequence. A fixed-n interval checked after every round is optional stopping:
 *   with 10 looks its error rate grows several-fold. A confidence sequence (CS) covers θ at every
 *   n at once, P(∃n: θ ∉ CS_n) ≤ α, so stopping at the first settled look errs with probability
 *   ≤ α (Ville's inequality; Howard et al. 2021, Waudby-Smith & Ramdas 2023).
 * * Which CS. Both SAC statistics are smooth functions of means over sample *pairs* (U-statistics),
 *   not of independent observations. Exact CSs for bounded pair means (Hoeffding's representation;
 *   betting) pay for the worst case — a kernel range of 2 against thresholds near 0.1 — and need
 *   several hundred samples to certify a small distance, more than the whole budget. We use the
 *   asymptotic CS of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas ("Time-uniform central limit
 *   theory and asymptotic confidence sequences", Ann. Statist. 2024, Thm 2.2: Robbins' normal
 *   mixture boundary with an estimated variance), applied to the statistic's linearisation
 *   θ̂_n − θ ≈ (1/n) Σ φ_i (stats/pair-statistics.ts): width
 *       σ̂_n · √( 2(nρ² + 1)/(n²ρ²) · log(√(nρ² + 1)/α) ),   σ̂²_n = mean φ_i².
 *   It is valid as n grows (error ≤ α in the limit), adapts to the suspect's real variability
 *   (a near copy settles in one round), and is checked on simulated nulls in
 *   test/stats-sequential.test.ts. ρ tunes where the CS is tightest (here at `tuneAt` samples).
 * * Small n. The linearisation needs enough samples: no look before MIN_LOOK samples.
 * * Budget. If Q queries do not settle it, the verdict is the fixed-budget one, marked unsettled.
 */
import { LineageError } from '../errors.js';

/** Fewest samples a look is taken at: below this the pair statistic's linearisation is too rough. */
export const MIN_LOOK = 20;

/** ρ² of the normal-mixture boundary that makes it tightest at `n` samples (Waudby-Smith et al., eq. 13). */
export function mixtureRho2(n: number, alpha: number): number {
  const l = -2 * Math.log(alpha);
  return (l + Math.log(l + 1)) / n;
}

/**
 * Half-width of the two-sided asymptotic CS at n samples for influence terms φ (their mean square is
 * the variance estimate), level 1 − α, tuned at `tuneAt` samples.
 */
export function csRadius(influence: ArrayLike<number>, alpha: number, tuneAt: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new LineageError(`sequential test: α = ${alpha} is not in (0, 1)`, 'use e.g. --alpha 0.01');
  const n = influence.length;
  if (n < 2) throw new LineageError(`sequential test: ${n} sample`, 'a look needs at least 2 samples');
  let ss = 0;
  for (let i = 0; i < n; i++) ss += influence[i]! ** 2;
  const sigma = Math.sqrt(ss / n);
  const rho2 = mixtureRho2(tuneAt, alpha);
  return sigma * Math.sqrt(((2 * (n * rho2 + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(n * rho2 + 1) / alpha));
}

export type SequentialDecision = 'stolen' | 'independent';

/** One look: the estimate, its CS at the look, and the verdict it settles (if any). */
export interface Look {
  readonly samples: number;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly settled?: SequentialDecision;
}

/** A look's CS held to threshold τ (lower = stolen): settled when the whole CS is on one side. */
export function look(samples: number, estimate: number, radius: number, threshold: number): Look {
  const lower = estimate - radius;
  const upper = estimate + radius;
  const settled = upper <= threshold ? 'stolen' : lower > threshold ? 'independent' : undefined;
  return { samples, estimate, lower, upper, ...(settled ? { settled } : {}) };
}

/**
 * The sample counts to look at: rounds of `round` samples up to `maxQueries`, the first look at
 * MIN_LOOK or more, the last one at `maxQueries`.
 */
export function lookSchedule(maxQueries: number, round: number): number[] {
  if (!(Number.isInteger(round) && round >= 1)) throw new LineageError(`sequential test: round of ${round} queries`, 'use a whole number of queries per round, e.g. 10');
  if (!(Number.isInteger(maxQueries) && maxQueries >= MIN_LOOK)) {
    throw new LineageError(`sequential test: a budget of ${maxQueries} queries is below the first look (${MIN_LOOK} samples)`, `use --max-queries ${MIN_LOOK} or more`);
  }
  const looks: number[] = [];
  for (let n = Math.max(MIN_LOOK, round); n < maxQueries; n += round) looks.push(n);
  return [...looks, maxQueries];
}
