/**
 * The correlation map, c*, chi_c and the depth scales, each against an independent
 * computation: ReLU's closed-form arc-cosine map, Monte Carlo over correlated Gaussians (seeded),
 * a finite difference of the map for its slope, and iterating the maps for the depth scales.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/net/rng.js';
import { activationParams, type ActivationName } from '../../src/net/activations.js';
import { fixedPoint, lengthMap, scalarActivation, theoryFor } from '../../src/metrics/theory.js';
import { correlationMap, correlationSlope, correlationTheory, expectPair } from '../../src/metrics/theory-correlation.js';

const act = (name: ActivationName) => scalarActivation(name, activationParams(name));

describe('the correlation map', () => {
  it.each([0, 0.2, 0.5, 0.8, 0.99, -0.5])('matches ReLU\'s arc-cosine kernel at c = %s (He init, any q)', (c) => {
    // E[relu(u1) relu(u2)] = q (sqrt(1 - c^2) + (pi - arccos c) c) / (2 pi); with sigma_w^2 = 2, C(c) is that over q/2 ... / q.
    const exact = (Math.sqrt(1 - c * c) + (Math.PI - Math.acos(c)) * c) / Math.PI;
    for (const q of [0.3, 1, 7]) expect(correlationMap(act('relu'), 2, 0, q, c)).toBeCloseTo(exact, 12);
  });

  it.each([
    ['tanh', 2.5, 0.05, 1.2, 0.6],
    ['tanh', 1.2, 0.05, 0.4, 0.3],
    ['elu', 1.5, 0.1, 1.0, 0.7],
    ['relu6', 2.0, 0.0, 9.0, 0.4],
  ] as const)('%s (sigma_w^2 %s, sigma_b^2 %s, q %s, c %s) agrees with Monte Carlo within 4 standard errors', (name, sw, sb, q, c) => {
    const a = act(name);
    const rng = createRng(`corr-${name}-${c}`);
    const n = 200_000;
    let m = 0;
    let m2 = 0;
    let d = 0;
    let d2 = 0;
    const s = Math.sqrt(1 - c * c);
    for (let i = 0; i < n; i++) {
      const z1 = rng.normal();
      const z2 = rng.normal();
      const u1 = Math.sqrt(q) * z1;
      const u2 = Math.sqrt(q) * (c * z1 + s * z2);
      const v = a.phi(u1) * a.phi(u2);
      const w = a.dphi(u1) * a.dphi(u2);
      m += v;
      m2 += v * v;
      d += w;
      d2 += w * w;
    }
    m /= n;
    d /= n;
    const seM = Math.sqrt((m2 / n - m * m) / n);
    const seD = Math.sqrt((d2 / n - d * d) / n);
    expect(Math.abs(expectPair(a.phi, a.phi, q, c, a.kinks) - m)).toBeLessThan(4 * seM);
    expect(Math.abs(expectPair(a.dphi, a.dphi, q, c, a.kinks) - d)).toBeLessThan(4 * seD);
    // Price's theorem: the slope of C equals a central difference of C itself.
    const h = 1e-5;
    const fd = (correlationMap(a, sw, sb, q, c + h) - correlationMap(a, sw, sb, q, c - h)) / (2 * h);
    expect(correlationSlope(a, sw, sb, q, c)).toBeCloseTo(fd, 7);
  });
});

/** The theory at the length map's fixed point from q0 = 1. */
function theory(name: ActivationName, sw: number, sb: number) {
  const a = act(name);
  const V = (q: number): number => lengthMap(a, sw, sb, q);
  const qStar = fixedPoint(V, 1).qStar;
  return { a, V, qStar, t: correlationTheory(a, sw, sb, qStar, V) };
}

describe('c*, chi_c and the depth scales', () => {
  it('puts c* at 1 in the ordered phase and below 1 in the chaotic phase (tanh, sigma_b^2 = 0.05)', () => {
    expect(theory('tanh', 1.2, 0.05).t.cStar).toBe(1);
    const chaotic = theory('tanh', 3, 0.05).t;
    expect(chaotic.cStar).toBeGreaterThan(0);
    expect(chaotic.cStar).toBeLessThan(1);
  });

  it.each([
    ['tanh', 2.5, 0.05],
    ['tanh', 4, 0.3],
    ['tanh', 1.8, 0.01],
  ] as const)('%s (%s, %s): Monte Carlo finds C(c*) = c* within 4 standard errors', (name, sw, sb) => {
    const { a, qStar, t } = theory(name, sw, sb);
    const q = qStar!;
    const c = t.cStar!;
    expect(c).toBeLessThan(1);
    const rng = createRng(`cstar-${name}-${sw}`);
    const n = 400_000;
    const s = Math.sqrt(1 - c * c);
    let m = 0;
    let m2 = 0;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const z1 = rng.normal();
      const z2 = rng.normal();
      const p = a.phi(Math.sqrt(q) * z1) * a.phi(Math.sqrt(q) * (c * z1 + s * z2));
      m += p;
      m2 += p * p;
      v += a.phi(Math.sqrt(q) * z1) ** 2;
    }
    m /= n;
    v /= n;
    const se = (sw * Math.sqrt((m2 / n - m * m) / n)) / q;
    const cMc = (sw * m + sb) / q;
    expect(Math.abs(cMc - c)).toBeLessThan(4 * se);
    // And q* itself: sigma_w^2 E[phi^2] + sigma_b^2 = q*.
    expect((sw * v + sb) / q).toBeCloseTo(1, 2);
  });

  it.each([
    ['tanh', 1.5, 0.05],
    ['tanh', 3, 0.05],
    ['sigmoid', 4, 0.0],
    ['elu', 1.5, 0.1],
  ] as const)('%s (%s, %s): xi_c is the decay length of c_l - c* and xi_q that of q_l - q*', (name, sw, sb) => {
    const { a, V, qStar, t } = theory(name, sw, sb);
    // Iterate the exact maps from 1e-3 away; the log-ratio per layer is -1 / xi once linear.
    let c = t.cStar! === 1 ? 1 - 1e-3 : t.cStar! + 1e-3;
    const dc: number[] = [];
    for (let l = 0; l < 6; l++) {
      dc.push(Math.abs(c - t.cStar!));
      c = correlationMap(a, sw, sb, qStar!, c);
    }
    const xiC = -1 / Math.log(dc[5] / dc[4]);
    expect(Math.abs(xiC / t.xiC! - 1)).toBeLessThan(0.01);
    let q = qStar! * (1 + 1e-3);
    const dq: number[] = [];
    for (let l = 0; l < 6; l++) {
      dq.push(Math.abs(q - qStar!));
      q = V(q);
    }
    const xiQ = -1 / Math.log(dq[5] / dq[4]);
    expect(Math.abs(xiQ / t.xiQ! - 1)).toBeLessThan(0.01);
  });

  it('diverges at criticality: xi_c is null where chi_1 = 1 (ReLU, He init) and grows toward the edge of chaos (tanh)', () => {
    expect(theory('relu', 2, 0).t.xiC).toBeNull();
    const xs = [1.3, 1.5, 1.7].map((sw) => theory('tanh', sw, 0.05).t.xiC!);
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(xs[1]).toBeLessThan(xs[2]);
  });

  it('is part of every theory block', () => {
    const block = theoryFor({ activation: 'tanh', activationParams: {}, sigmaW2: 3, sigmaB2: 0.05, width: 256, depth: 10, initGaussian: true, widthFactor: 1 });
    expect(block.cStar).toBeGreaterThan(0);
    expect(block.cStar).toBeLessThan(1);
    expect(block.xiC).toBeGreaterThan(0);
    expect(block.xiQ).toBeGreaterThan(0);
    expect(block.chiC).toBeCloseTo(Math.exp(-1 / block.xiC!), 12);
  });
});
