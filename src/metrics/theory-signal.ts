/**
 * Mean-field predictions for the signal-propagation instruments: the Jacobian's mean squared
 * singular value, the correlation of two inputs layer by layer, the phase diagram's curves, and
 * the finite-width spread of log-norms.
 *
 *  - Jacobian (Pennington, Schoenholz & Ganguli 2017): J = prod_{l=1}^{depth-1} D_l W_l with
 *    W_l of variance sigma_w^2 / fan_in and D_l = diag f'(z_l), z_l ~ N(0, q_l). For a fixed v,
 *    E||D_l W_l v||^2 = sigma_w^2 E[f'(sqrt(q_l) z)^2] ||v||^2 = chi_1(q_l) ||v||^2, so
 *      E[mean s^2] = E[||J||_F^2 / n] = prod_{l=1}^{depth-1} chi_1(q_l).
 *  - Correlation (Poole et al. 2016): c_{l+1} = C_{q_l}(c_l), the correlation map at the
 *    length map's trajectory q_l (theory-correlation.ts), from a measured c_0.
 *  - Phase diagram (Schoenholz et al. 2017): at fixed sigma_b^2, chi_1(q*) = 1 separates the
 *    ordered from the chaotic phase, and networks deeper than about 6 xi_c do not train.
 *  - Finite width (Hanin & Nica 2019, "Products of many large random matrices and gradients in
 *    deep neural networks", arXiv:1812.05994): ln ||J v||^2 of a ReLU net with i.i.d. Gaussian
 *    weights of variance 2 / fan_in is asymptotically Gaussian, with a variance that grows with
 *    beta = sum_l 1 / n_l. Per layer, ||D W v||^2 / ||v||^2 = (2/n) sum_i xi_i g_i^2 with
 *    xi_i ~ Bernoulli(1/2), g_i ~ N(0, 1) independent, whose variance is
 *    (4/n) (E[xi g^4] - E[xi g^2]^2) = (4/n) (3/2 - 1/4) = 5/n; the layers multiply
 *    independently, so Var ln ||J v||^2 ~ 5 beta (and E ln ||J v||^2 ~ -5 beta / 2).
 */
import { chi1At, fixedPoint, lengthMap, type ScalarActivation } from './theory.js';
import { correlationMap, correlationTheory } from './theory-correlation.js';

/** Var ln ||J v||^2 per unit of beta for ReLU with Gaussian weights of variance 2 / fan_in. */
export const RELU_HE_LOG_NORM_SLOPE = 5;

/** Depth multiples of xi_c beyond which Schoenholz et al. found networks untrainable. */
export const TRAINABLE_DEPTH_XI = 6;

/**
 * prod_{l=1}^{depth-1} chi_1(q_l): the predicted mean of s^2 over J's singular values, from the
 * theory block's chi1PerLayer (index l = hidden layer l). 1 for depth 1 (J is the identity);
 * null when a factor is missing or not finite.
 */
export function predictedJacobianMeanS2(chi1PerLayer: readonly number[]): number | null {
  let p = 1;
  for (let l = 1; l < chi1PerLayer.length; l++) {
    const x = chi1PerLayer[l];
    if (!Number.isFinite(x) || x < 0) return null;
    p *= x;
  }
  return Number.isFinite(p) ? p : null;
}

/**
 * c_l for l = 0 .. qPerLayer.length - 1: c_0 as given, c_{l+1} = C_{q_l}(c_l). Entries after a
 * non-finite q are NaN.
 */
export function correlationTrajectory(
  act: ScalarActivation, sigmaW2: number, sigmaB2: number, qPerLayer: readonly number[], c0: number,
): number[] {
  const out: number[] = [];
  let c = c0;
  for (let l = 0; l < qPerLayer.length; l++) {
    out.push(c);
    const q = qPerLayer[l];
    c = Number.isFinite(q) && q > 0 && Number.isFinite(c) ? correlationMap(act, sigmaW2, sigmaB2, q, c) : NaN;
  }
  return out;
}

/** One sigma_w^2 of a phase diagram's theory curves. */
export interface PhasePoint {
  readonly sigmaW2: number;
  readonly chi1: number | null;
  readonly xiC: number | null;
}

export interface PhaseCurves {
  readonly sigmaB2: number;
  /** sigma_w^2 where chi_1(q*) = 1 inside the grid's range (the first crossing), or null. */
  readonly criticalSigmaW2: number | null;
  readonly points: readonly PhasePoint[];
}

/** chi_1 at the fixed point of the length map reached from q0 (null without one). */
function chi1AtFixedPoint(act: ScalarActivation, sigmaW2: number, sigmaB2: number, q0: number): number | null {
  const { qStar } = fixedPoint((q) => lengthMap(act, sigmaW2, sigmaB2, q), q0);
  return qStar === null ? null : chi1At(act, sigmaW2, qStar);
}

/** chi_1 at the fixed point reached from q0, and xi_c there. */
export function phasePoint(act: ScalarActivation, sigmaW2: number, sigmaB2: number, q0 = 1): PhasePoint {
  const V = (q: number): number => lengthMap(act, sigmaW2, sigmaB2, q);
  const { qStar } = fixedPoint(V, q0);
  if (qStar === null) return { sigmaW2, chi1: null, xiC: null };
  const chi1 = chi1At(act, sigmaW2, qStar);
  return { sigmaW2, chi1, xiC: correlationTheory(act, sigmaW2, sigmaB2, qStar, V).xiC };
}

/**
 * The theory's curves over sigma_w^2 in [lo, hi] at fixed sigma_b^2: chi_1 and xi_c on `points`
 * evenly spaced values, and the critical sigma_w^2 (chi_1 = 1) refined by bisection between the
 * grid values where chi_1 - 1 changes sign (to 1e-5 relative). Where the length map has no fixed point (q grows
 * without bound, as for ReLU with sigma_w^2 > 2) chi_1 is null and counts as the chaotic side.
 */
export function phaseCurves(act: ScalarActivation, sigmaB2: number, lo: number, hi: number, points = 41, q0 = 1): PhaseCurves {
  if (!(hi > lo) || points < 2) throw new RangeError(`phaseCurves: need lo < hi and 2 points or more, got [${lo}, ${hi}], ${points}`);
  const grid: PhasePoint[] = [];
  for (let i = 0; i < points; i++) grid.push(phasePoint(act, lo + ((hi - lo) * i) / (points - 1), sigmaB2, q0));
  const side = (chi1: number | null): number => (chi1 === null ? 1 : Math.sign(chi1 - 1));
  let critical: number | null = null;
  for (let i = 0; i + 1 < grid.length && critical === null; i++) {
    const s0 = side(grid[i].chi1);
    if (s0 === side(grid[i + 1].chi1)) continue;
    let x0 = grid[i].sigmaW2;
    let x1 = grid[i + 1].sigmaW2;
    // To 1e-5 relative: finer than any chart, and each step near the critical point iterates a slowly converging map.
    while (x1 - x0 > 1e-5 * x1) {
      const mid = 0.5 * (x0 + x1);
      if (side(chi1AtFixedPoint(act, mid, sigmaB2, q0)) === s0) x0 = mid;
      else x1 = mid;
    }
    critical = 0.5 * (x0 + x1);
  }
  return { sigmaB2, criticalSigmaW2: critical, points: grid };
}

/** beta = sum over the layers of J (hidden layers 1 .. depth-1) of 1 / width. */
export function finiteWidthBeta(depth: number, width: number): number {
  return depth >= 2 && width > 0 ? (depth - 1) / width : 0;
}
