import { describe, expect, it } from 'vitest';
import type { ActivationName } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { normSpec } from '../../src/net/norm.js';
import { createRng } from '../../src/net/rng.js';
import { deltaFactorAbove, normTheory, residualTheory, type RemedyTheoryInput } from '../../src/metrics/theory-remedies.js';

const BASE: RemedyTheoryInput = {
  activation: 'relu',
  activationParams: {},
  depth: 10,
  width: 256,
  sigmaW2: 2,
  sigmaB2: 0,
  sigmaW02: 2,
  sigmaB02: 0,
  inputDim: 64,
  inputMeanSquare: 1,
  inputVariance: 1,
  initName: 'he_normal',
  biasMean: 0,
  batch: 128,
  norm: null,
  residualScale: null,
  weightsFromFile: false,
};

describe('normTheory', () => {
  it("gives Yang et al.'s pi / (pi - 1) for batch norm with relu, whatever sigma_w", () => {
    for (const sigmaW2 of [0.5, 2, 7]) {
      const t = normTheory({ ...BASE, norm: 'batch', sigmaW2, sigmaW02: sigmaW2 })!;
      expect(t.predictedDeltaFactor).toBeCloseTo(Math.PI / (Math.PI - 1), 12);
      expect(t.applies).toBe(true);
    }
    const t = normTheory({ ...BASE, norm: 'batch' })!;
    expect(t.dphi2).toBeCloseTo(0.5, 13);
    expect(t.phiMean).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 13);
    expect(t.phi2).toBeCloseTo(0.5, 13);
  });

  it('gives sigma_w^2 E[phi\'^2] / (sigma_w^2 E[phi^2] + sigma_b^2) for layer norm: 1 for relu without bias variance', () => {
    expect(normTheory({ ...BASE, norm: 'layer' })!.predictedDeltaFactor).toBeCloseTo(1, 12);
    expect(normTheory({ ...BASE, norm: 'layer', sigmaB2: 0.5 })!.predictedDeltaFactor).toBeCloseTo(1 / 1.5, 12);
  });

  it("gives layer 0 its own factor from the input's statistics", () => {
    const bn = normTheory({ ...BASE, norm: 'batch', depth: 4, inputVariance: 0.25, sigmaW02: 1 })!;
    expect(bn.deltaFactorPerLayer).toHaveLength(3);
    expect(bn.deltaFactorPerLayer[0]).toBeCloseTo((2 * 0.5) / (1 * 0.25), 12);
    expect(bn.deltaFactorPerLayer[2]).toBeCloseTo(Math.PI / (Math.PI - 1), 12);
    const ln = normTheory({ ...BASE, norm: 'layer', depth: 4, inputMeanSquare: 3, sigmaB02: 1 })!;
    expect(ln.deltaFactorPerLayer[0]).toBeCloseTo(1 / (2 * 3 + 1), 12);
  });

  it('says where it does not cover the model', () => {
    const reasons = (i: Partial<RemedyTheoryInput>): string => normTheory({ ...BASE, norm: 'batch', ...i })!.reasons.join('; ');
    expect(reasons({ batch: 8 })).toMatch(/batch of 8 rows: the theory is the large-batch limit/);
    expect(reasons({ activation: 'crelu' })).toMatch(/crelu doubles the width/);
    expect(reasons({ width: 16 })).toMatch(/narrow layers/);
    expect(reasons({ initName: 'orthogonal' })).toMatch(/orthogonal weights/);
    expect(reasons({ residualScale: 1 })).toMatch(/residual connections/);
    expect(reasons({ weightsFromFile: true })).toMatch(/loaded from a file/);
    expect(normTheory({ ...BASE, norm: 'layer', biasMean: 0.1 })!.reasons.join()).toMatch(/constant 0.1/);
    expect(normTheory({ ...BASE })).toBeNull();
  });
});

describe('residualTheory', () => {
  it('follows the closed form for relu: E[phi] = sqrt(q / 2 pi), E[phi^2] = q / 2', () => {
    const alpha = 0.7;
    const t = residualTheory({ ...BASE, residualScale: alpha, depth: 6, inputMeanSquare: 1.3, sigmaB2: 0.1, sigmaB02: 0.2 })!;
    let q = 2 * 1.3 + 0.2;
    let m = Math.sqrt(q / (2 * Math.PI));
    let p = q / 2;
    expect(t.meanSquarePerLayer[0]).toBeCloseTo(p, 12);
    for (let l = 1; l < 6; l++) {
      q = 2 * p + 0.1;
      const e1 = Math.sqrt(q / (2 * Math.PI));
      p = p + 2 * alpha * m * e1 + alpha * alpha * (q / 2);
      m = m + alpha * e1;
      expect(t.qPerLayer[l] / q - 1).toBeLessThan(1e-12);
      expect(Math.abs(t.meanSquarePerLayer[l] / p - 1)).toBeLessThan(1e-12);
      expect(Math.abs(t.meanPerLayer[l] / m - 1)).toBeLessThan(1e-12);
    }
    expect(t.meanSquareGrowth).toBeCloseTo(t.meanSquarePerLayer[5] / t.meanSquarePerLayer[0], 12);
  });

  it('keeps tanh bounded with alpha = 1 / sqrt(depth) and lets it grow with depth at alpha = 1', () => {
    const tanh = { ...BASE, activation: 'tanh' as ActivationName, sigmaW2: 1, sigmaW02: 1 };
    const growth = (depth: number, alpha: number): number => residualTheory({ ...tanh, depth, residualScale: alpha })!.meanSquareGrowth!;
    const p0 = residualTheory({ ...tanh, depth: 2, residualScale: 1 })!.meanSquarePerLayer[0];
    for (const depth of [16, 64, 256]) expect(growth(depth, 1 / Math.sqrt(depth))).toBeLessThan(1 + 1 / p0);
    expect(growth(256, 1)).toBeGreaterThan(8 * growth(16, 1));
  });

  it('covers orthogonal weights (forward statistics only) but not a norm on top', () => {
    expect(residualTheory({ ...BASE, residualScale: 1, initName: 'orthogonal' })!.applies).toBe(true);
    expect(residualTheory({ ...BASE, residualScale: 1, norm: 'layer' })!.reasons.join()).toMatch(/layer norm rescales/);
  });
});

/** A wide float64 network at init, its step-0 dL/dz norms per hidden layer and its h_l mean squares. */
function wideNetwork(o: { activation: ActivationName; norm?: 'batch' | 'layer'; alpha?: number; width: number; batch: number; depth: number; init: string; seed: number }) {
  const inputDim = 16;
  const mlp = new MLP({
    inputDim, outputDim: 10, depth: o.depth, width: o.width, activation: o.activation, dtype: 'float64', kernels: tsKernels,
    maxRows: o.batch, norm: o.norm ? normSpec(o.norm) : null, residual: o.alpha === undefined ? null : { scale: o.alpha },
  });
  initializeMLP(mlp, { init: { name: o.init }, biasInit: { name: 'zeros' } }, createRng(o.seed).fork('init'));
  const rng = createRng(o.seed).fork('data');
  const x = Float64Array.from({ length: o.batch * inputDim }, () => rng.normal());
  mlp.forward(x, o.batch);
  const dOut = Float64Array.from({ length: o.batch * 10 }, () => rng.normal() / o.batch);
  mlp.backward(dOut, o.batch);
  const n = o.batch * o.width;
  const sq = (a: Float64Array | Float32Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * a[i];
    return s;
  };
  return {
    deltaNorms: mlp.layers.slice(0, o.depth).map((l) => Math.sqrt(sq(l.dz))),
    meanSquares: mlp.hidden.map((h) => sq(h) / n),
  };
}

describe('the theories against wide random networks at init (Monte Carlo)', () => {
  it.each([['he_normal', 1], ['lecun_normal', 2]] as const)('batch norm with relu: dL/dz grows toward the input by pi / (pi - 1) per layer (%s)', (init, seed) => {
    const net = wideNetwork({ activation: 'relu', norm: 'batch', width: 256, batch: 256, depth: 24, init, seed });
    const measured = deltaFactorAbove(net.deltaNorms)!;
    expect(Math.abs(measured / (Math.PI / (Math.PI - 1)) - 1)).toBeLessThan(0.04);
  });

  it('layer norm with tanh: dL/dz grows by E[tanh\'^2] / E[tanh^2] per layer', () => {
    const net = wideNetwork({ activation: 'tanh', norm: 'layer', width: 512, batch: 64, depth: 16, init: 'lecun_normal', seed: 3 });
    const predicted = normTheory({ ...BASE, activation: 'tanh', norm: 'layer', sigmaW2: 1 })!.predictedDeltaFactor;
    expect(predicted).toBeGreaterThan(1.1);
    expect(Math.abs(deltaFactorAbove(net.deltaNorms)! / predicted - 1)).toBeLessThan(0.04);
  });

  // relu with alpha = 1 grows ~1e4-fold over 10 layers; fluctuations of order 1/sqrt(width) per
  // layer compound in that product, hence the wider tolerance.
  it.each([
    ['relu', 1, 'he_normal', 2, 10, 0.15],
    ['relu', 0.25, 'he_normal', 2, 16, 0.08],
    ['tanh', 1, 'lecun_normal', 1, 16, 0.05],
    ['tanh', 0.25, 'lecun_normal', 1, 16, 0.05],
  ] as const)('residual %s with alpha %f: E[h_l^2] follows the recursion layer by layer', (activation, alpha, init, sigmaW2, depth, tol) => {
    const net = wideNetwork({ activation, alpha, width: 512, batch: 64, depth, init, seed: 4 });
    const t = residualTheory({ ...BASE, activation, sigmaW2, sigmaW02: sigmaW2, depth, residualScale: alpha })!;
    const ratios = net.meanSquares.map((m, l) => m / t.meanSquarePerLayer[l]);
    for (const r of ratios) expect(Math.abs(r - 1)).toBeLessThan(tol);
  });
});
