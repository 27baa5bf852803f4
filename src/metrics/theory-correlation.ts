/**
 * The correlation map of mean-field theory and the depth scales it implies (Poole et al. 2016;
 * Schoenholz et al. 2017, "Deep information propagation", eqs. 5-9).
 *
 * Two inputs whose pre-activations in layer l have variance q and correlation c map to layer
 * l + 1 with
 *
 *   C(c) = [ sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2 ] / V(q),
 *   u1 = sqrt(q) z1,  u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2),  z1, z2 ~ N(0, 1) independent,
 *
 * where V is the length map (so C(1) = 1 at every q). At the length map's fixed point q*:
 *   c*   the stable fixed point of C: 1 in the ordered phase (chi_1 <= 1), below 1 in the chaotic one;
 *   chi_c = C'(c*) = sigma_w^2 E[phi'(u1) phi'(u2)]           (Price's theorem; = chi_1 at c* = 1)
 *   xi_c = -1 / ln chi_c: layers over which c_l - c* shrinks by e; diverges at chi_1 = 1;
 *   xi_q = -1 / ln V'(q*): layers over which q_l - q* shrinks by e.
 *
 * The double integral is a tensor product of 20-point Gauss-Legendre panels on |z| <= 8 (normal
 * mass outside 1e-15), with panel edges at the integers and where u1 or u2 crosses a kink of phi,
 * so each panel sees a smooth integrand.
 */
import { gaussLegendre } from './quadrature.js';

/** One activation with its parameters, as scalar functions (PReLU at its initial slope). */
export interface ScalarActivation {
  readonly phi: (x: number) => number;
  readonly dphi: (x: number) => number;
  /** Where phi or phi' is not smooth. */
  readonly kinks: readonly number[];
}


const LEGENDRE = gaussLegendre(20);
const Z_LIM = 8;
const INV_2PI = 1 / (2 * Math.PI);

/** Panel edges on [-Z_LIM, Z_LIM]: the integers and the extra cuts inside, sorted. */
function panelEdges(extra: readonly number[]): number[] {
  const cuts: number[] = [];
  for (let k = -Z_LIM; k <= Z_LIM; k++) cuts.push(k);
  for (const x of extra) if (x > -Z_LIM && x < Z_LIM && Number.isFinite(x)) cuts.push(x);
  return cuts.sort((a, b) => a - b);
}

/** Integral over z of g(z) phi(z) on panels at `edges` (phi the standard normal density without 1/sqrt(2 pi)). */
function panelSum(edges: readonly number[], g: (z: number) => number): number {
  const { nodes, weights } = LEGENDRE;
  let e = 0;
  for (let c = 0; c + 1 < edges.length; c++) {
    const a = edges[c];
    const b = edges[c + 1];
    if (!(b > a)) continue;
    const mid = 0.5 * (a + b);
    const half = 0.5 * (b - a);
    let sum = 0;
    for (let i = 0; i < nodes.length; i++) {
      const z = mid + half * nodes[i];
      sum += weights[i] * g(z) * Math.exp(-0.5 * z * z);
    }
    e += sum * half;
  }
  return e;
}

/**
 * E[f(u1) g(u2)] for u1 = sqrt(q) z1, u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2), with f and g
 * smooth except at `kinks` (in u).
 */
export function expectPair(f: (u: number) => number, g: (u: number) => number, q: number, c: number, kinks: readonly number[]): number {
  const r = Math.sqrt(q);
  const cc = Math.max(-1, Math.min(1, c));
  const s = Math.sqrt(Math.max(0, 1 - cc * cc));
  // Outer edges: where u1 or (for s = 0) u2 = c u1 crosses a kink.
  const outerExtra = kinks.flatMap((k) => [k / r, cc !== 0 ? k / (r * cc) : NaN]);
  const outer = panelEdges(outerExtra);
  if (s === 0) return panelSum(outer, (z1) => f(r * z1) * g(r * cc * z1)) * Math.sqrt(INV_2PI);
  return (
    panelSum(outer, (z1) => {
      const fu = f(r * z1);
      if (fu === 0) return 0;
      const inner = panelEdges(kinks.map((k) => (k / r - cc * z1) / s));
      return fu * panelSum(inner, (z2) => g(r * (cc * z1 + s * z2)));
    }) * INV_2PI
  );
}

export interface CorrelationTheory {
  /** Stable fixed point of the correlation map; null where q* is undefined. */
  readonly cStar: number | null;
  /** Slope of the correlation map at c*. */
  readonly chiC: number | null;
  /** -1 / ln V'(q*): null where q* is undefined, 0, or V'(q*) is not in (0, 1). */
  readonly xiQ: number | null;
  /** -1 / ln chiC: null where chiC is not in (0, 1) (it is infinite at criticality). */
  readonly xiC: number | null;
}

/** C(c) at variance q (see the module comment). */
export function correlationMap(act: ScalarActivation, sigmaW2: number, sigmaB2: number, q: number, c: number): number {
  return (sigmaW2 * expectPair(act.phi, act.phi, q, c, act.kinks) + sigmaB2) / lengthAt(act, sigmaW2, sigmaB2, q);
}

/** chi_c(c) = sigma_w^2 q E[phi'(u1) phi'(u2)] / V(q): the slope of C at c (Price's theorem). */
export function correlationSlope(act: ScalarActivation, sigmaW2: number, sigmaB2: number, q: number, c: number): number {
  return (sigmaW2 * q * expectPair(act.dphi, act.dphi, q, c, act.kinks)) / lengthAt(act, sigmaW2, sigmaB2, q);
}

/** V(q) by the same rule as the pair expectations, so that C(1) = 1 to round-off. */
function lengthAt(act: ScalarActivation, sigmaW2: number, sigmaB2: number, q: number): number {
  return sigmaW2 * expectPair(act.phi, act.phi, q, 1, act.kinks) + sigmaB2;
}

/**
 * A root of g in [lo, hi] with g(lo) > 0 > g(hi), by the Illinois variant of regula falsi
 * (superlinear, and the bracket is kept): about 10 evaluations to 1e-13.
 */
function illinois(g: (x: number) => number, lo: number, hi: number): number {
  let glo = g(lo);
  let ghi = g(hi);
  let side = 0;
  let x = lo;
  for (let it = 0; it < 100 && hi - lo > 1e-13; it++) {
    x = (lo * ghi - hi * glo) / (ghi - glo);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    const gx = g(x);
    if (gx === 0) return x;
    if (gx > 0) {
      lo = x;
      glo = gx;
      if (side === 1) ghi /= 2;
      side = 1;
    } else {
      hi = x;
      ghi = gx;
      if (side === -1) glo /= 2;
      side = -1;
    }
  }
  return x;
}

/**
 * c*, chi_c, xi_q and xi_c at the fixed point qStar of the length map V. The slope of C at
 * c = 1 is chi_1: the ordered phase (chi_1 <= 1) has c* = 1; the chaotic phase has c* < 1, the
 * root of C(c) - c in [0, 1) (C(c) < c just below 1 there, and C(0) >= 0: a correlation of 0 maps
 * to (sigma_w^2 E[phi]^2 + sigma_b^2) / q* >= 0).
 */
export function correlationTheory(act: ScalarActivation, sigmaW2: number, sigmaB2: number, qStar: number | null, V: (q: number) => number): CorrelationTheory {
  if (qStar === null || !(qStar > 0) || !Number.isFinite(qStar)) return { cStar: qStar === 0 ? 1 : null, chiC: null, xiQ: null, xiC: null };
  const vq = lengthAt(act, sigmaW2, sigmaB2, qStar);
  const C = (c: number): number => (sigmaW2 * expectPair(act.phi, act.phi, qStar, c, act.kinks) + sigmaB2) / vq;
  const slope = (c: number): number => (sigmaW2 * qStar * expectPair(act.dphi, act.dphi, qStar, c, act.kinks)) / vq;
  const chi1 = slope(1);
  let cStar = 1;
  if (chi1 > 1 + 1e-9) {
    const g = (c: number): number => C(c) - c;
    cStar = g(0) <= 0 ? 0 : illinois(g, 0, 1 - 1e-6);
  }
  const chiC = cStar === 1 ? chi1 : slope(cStar);
  // V'(q*) by a central difference; V is smooth in q (an expectation over a Gaussian).
  const h = 1e-4 * qStar;
  const dV = (V(qStar + h) - V(qStar - h)) / (2 * h);
  const depthScale = (x: number): number | null => (x > 0 && x < 1 - 1e-9 ? -1 / Math.log(x) : null);
  return { cStar, chiC, xiQ: depthScale(dV), xiC: depthScale(chiC) };
}
