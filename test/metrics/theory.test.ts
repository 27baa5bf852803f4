import { describe, expect, it } from 'vitest';
import {
  chi1At, expectGaussian, expectGaussianPanels, expectNormal, fixedPoint, gaussHermite, lengthMap, scalarActivation,
  sigmaB2FromInit, sigmaW2FromInit, theoryFor, type TheoryInput,
} from '../../src/metrics/theory.js';
import { ACTIVATION_NAMES, ACTIVATIONS, activationParams, erf, type ActivationName } from '../../src/net/activations.js';
import { initializerParams } from '../../src/net/initializers.js';

const Phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/**
 * E[f(sqrt(q) z)] by a plain midpoint sum with steps of about 1e-4 over [-12, 12], the segments
 * split at the kinks (so a step in f costs no accuracy): slow, simple, independent.
 */
function riemann(f: (x: number) => number, q: number, kinks: readonly number[] = []): number {
  const cuts = [-12, 12, ...kinks.map((k) => k / Math.sqrt(q)).filter((z) => Math.abs(z) < 12)].sort((a, b) => a - b);
  let s = 0;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const n = Math.max(1, Math.ceil((cuts[c + 1] - cuts[c]) / 1e-4));
    const h = (cuts[c + 1] - cuts[c]) / n;
    for (let i = 0; i < n; i++) {
      const z = cuts[c] + (i + 0.5) * h;
      s += f(Math.sqrt(q) * z) * phi(z) * h;
    }
  }
  return s;
}

function block(activation: ActivationName, sigmaW2: number, sigmaB2: number, extra: Partial<TheoryInput> = {}) {
  return theoryFor({
    activation, activationParams: activationParams(activation), sigmaW2, sigmaB2, width: 512, depth: 20,
    initGaussian: true, widthFactor: ACTIVATIONS[activation].widthFactor, ...extra,
  });
}

describe('Gauss-Hermite quadrature (probabilists\')', () => {
  it.each([2, 7, 64, 160])('the %i-point rule has weights summing to 1 and symmetric nodes', (n) => {
    const { nodes, weights } = gaussHermite(n);
    expect(nodes.length).toBe(n);
    expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 14);
    for (let i = 0; i < n; i++) expect(nodes[i]).toBeCloseTo(-nodes[n - 1 - i], 12);
  });

  it('integrates the moments of N(0, 1) exactly up to degree 2n - 1', () => {
    const rule = gaussHermite(10);
    // E[z^(2k)] = (2k - 1)!!
    const dfact = [1, 1, 3, 15, 105, 945, 10395, 135135, 2027025, 34459425];
    for (let k = 0; k < 10; k++) {
      expect(expectGaussian((x) => x ** (2 * k), 1, rule) / dfact[k]).toBeCloseTo(1, 11);
      expect(Math.abs(expectGaussian((x) => x ** (2 * k + 1), 1, rule))).toBeLessThan(1e-14 * (dfact[k + 1] ?? 654729075));
    }
  });

  it('knows the 2-point rule: nodes +-1, weights 1/2', () => {
    const { nodes, weights } = gaussHermite(2);
    expect(Array.from(nodes)).toEqual([expect.closeTo(-1, 14), expect.closeTo(1, 14)]);
    expect(Array.from(weights)).toEqual([expect.closeTo(0.5, 14), expect.closeTo(0.5, 14)]);
  });

  it('agrees with the Gauss-Legendre panels on a smooth function', () => {
    const f = (x: number): number => Math.tanh(x) ** 2;
    expect(expectGaussian(f, 0.6)).toBeCloseTo(expectGaussianPanels(f, 0.6), 13);
  });
});

describe('expectations for the theory', () => {
  it('handles a kink off zero (relu6) to 1e-12, where Gauss-Hermite alone is off by 1e-2', () => {
    const r6 = scalarActivation('relu6', {});
    const q = 16;
    const c = 6 / Math.sqrt(q);
    const exact = q * ((Phi(c) - 0.5) - c * phi(c)) + 36 * (1 - Phi(c));
    expect(expectNormal((x) => r6.phi(x) ** 2, q, r6.kinks)).toBeCloseTo(exact, 12);
    expect(Math.abs(expectGaussian((x) => r6.phi(x) ** 2, q) - exact)).toBeGreaterThan(1e-3);
  });

  it('resolves tanh at a wide q, where its Gauss-Hermite nodes see a step', () => {
    const f = (x: number): number => Math.tanh(x) ** 2;
    expect(expectNormal(f, 1e4, [])).toBeCloseTo(riemann(f, 1e4), 9);
  });

  describe.each(ACTIVATION_NAMES)('%s', (name) => {
    const act = scalarActivation(name, activationParams(name));
    it.each([0.05, 1, 30])('has E[phi^2] and E[phi\'^2] at q = %f equal to a fine Riemann sum', (q) => {
      expect(lengthMap(act, 1, 0, q)).toBeCloseTo(riemann((x) => act.phi(x) ** 2, q, act.kinks), 7);
      expect(chi1At(act, 1, q)).toBeCloseTo(riemann((x) => act.dphi(x) ** 2, q, act.kinks), 7);
    });
  });
});

describe('mean-field theory', () => {
  it('gives chi1 = 1 for relu with He init, whatever q', () => {
    const sw2 = sigmaW2FromInit('he_normal', initializerParams('he_normal'), 512, 512);
    expect(sw2).toBeCloseTo(2, 14);
    const b = block('relu', sw2, 0, { q0: 0.37, initName: 'he_normal' });
    expect(b.chi1).toBeCloseTo(1, 12);
    expect(b.gradientDepthScale).toBeNull();
    expect(b.qStar).toBeCloseTo(0.37, 12);
    expect(b.applies).toBe(true);
  });

  it('gives q* = 0 and chi1 = 1 for tanh with sigma_w^2 = 1, sigma_b^2 = 0 (the slow, marginal fixed point)', () => {
    const b = block('tanh', 1, 0, { q0: 1 });
    expect(b.qStar).toBe(0);
    expect(b.chi1).toBeCloseTo(1, 12);
    expect(b.gradientDepthScale).toBeNull();
  });

  it.each([0.2, 1, 3])('finds q* = 1 for selu with LeCun init, starting from q0 = %f', (q0) => {
    const sw2 = sigmaW2FromInit('lecun_normal', initializerParams('lecun_normal'), 300, 300);
    expect(sw2).toBeCloseTo(1, 14);
    const b = block('selu', sw2, 0, { q0, initName: 'lecun_normal', initGaussian: false });
    expect(b.qStar).toBeCloseTo(1, 10);
    expect(b.applies).toBe(true);
    expect(b.notes.join(' ')).toMatch(/truncated normal/);
  });

  it('gives chi1 = sigma_w^2 for tanh below the transition (q* = 0) and > 1 above it', () => {
    expect(block('tanh', 0.5, 0).chi1).toBeCloseTo(0.5, 12);
    expect(block('tanh', 0.5, 0).gradientDepthScale).toBeCloseTo(1 / Math.log(2), 10);
    expect(block('tanh', 0.5, 0).qStar).toBe(0);
    const above = block('tanh', 1.5, 0);
    expect(above.qStar).toBeGreaterThan(0.2);
    expect(above.chi1).toBeGreaterThan(1);
    expect(lengthMap(scalarActivation('tanh', {}), 1.5, 0, above.qStar!)).toBeCloseTo(above.qStar!, 12);
  });

  it('reports the growth factor of q instead of a fixed point when q explodes (relu, sigma_w^2 = 3)', () => {
    const b = block('relu', 3, 0.1);
    expect(b.qStar).toBeNull();
    expect(b.qGrowthFactor).toBeCloseTo(1.5, 10);
    expect(b.chi1).toBeCloseTo(1.5, 10);
    expect(b.qPerLayer[5] / b.qPerLayer[4]).toBeGreaterThan(1.4);
  });

  it('iterates a contraction to its fixed point', () => {
    expect(fixedPoint((q) => 0.5 * q + 1, 10).qStar).toBeCloseTo(2, 12);
    expect(fixedPoint((q) => 2 * q, 1).qStar).toBeNull();
    expect(fixedPoint((q) => 2 * q, 1).growthFactor).toBeCloseTo(2, 12);
  });

  it('predicts the fitted factor along the q trajectory, which tends to chi1 for a deep network', () => {
    const b = theoryFor({
      activation: 'tanh', activationParams: {}, sigmaW2: 1.5, sigmaB2: 0, width: 512, depth: 400, initGaussian: true, widthFactor: 1, q0: 0.3,
    });
    expect(b.trajectoryDeltaFactor! / b.chi1! - 1).toBeLessThan(2e-3);
    expect(b.qPerLayer.length).toBe(400);
    expect(b.chi1PerLayer.length).toBe(400);
  });

  it('says where the theory does not apply and keeps the numbers', () => {
    const orth = block('tanh', 1, 0, { initName: 'orthogonal', initGaussian: false });
    expect(orth.applies).toBe(false);
    expect(orth.reasons.join(' ')).toMatch(/orthogonal/);
    expect(orth.chi1).not.toBeNull();
    // i.i.d. weights of the right variance are all the theory needs: uniform ones are covered, with a note.
    const uni = block('tanh', 1, 0, { initName: 'glorot_uniform', initGaussian: false });
    expect(uni.applies).toBe(true);
    expect(uni.notes.join(' ')).toMatch(/uniform/);
    const crelu = block('crelu', 2, 0);
    expect(crelu.applies).toBe(false);
    expect(crelu.reasons.join(' ')).toMatch(/crelu/);
    const narrow = block('tanh', 1, 0, { width: 8 });
    expect(narrow.applies).toBe(false);
    expect(narrow.reasons.join(' ')).toMatch(/narrow/);
    expect(block('tanh', 1, 0, { initName: 'glorot_normal' }).applies).toBe(true);
  });

  it('derives sigma_w^2 and sigma_b^2 from the initializers\' variances times the fan-in', () => {
    expect(sigmaW2FromInit('glorot_normal', initializerParams('glorot_normal'), 100, 300)).toBeCloseTo(0.5, 14);
    expect(sigmaW2FromInit('normal', initializerParams('normal', { std: 0.1 }), 400, 400)).toBeCloseTo(4, 12);
    expect(sigmaW2FromInit('he_uniform', initializerParams('he_uniform', { gain: 2 }), 64, 64)).toBeCloseTo(8, 12);
    expect(sigmaB2FromInit('normal', initializerParams('normal', { std: 0.3 }), 64, 64)).toBeCloseTo(0.09, 14);
    expect(sigmaB2FromInit('zeros', initializerParams('zeros'), 64, 64)).toBe(0);
  });
});
