import { describe, expect, it } from 'vitest';
import { erf } from '../../src/net/activations.js';
import {
  INITIALIZER_NAMES,
  INITIALIZERS,
  initializerInfo,
  initializerParams,
  resolveInitializerName,
  TRUNCATED_NORMAL_STD,
  type InitializerName,
} from '../../src/net/initializers.js';
import { createRng } from '../../src/net/rng.js';

type Kind = 'normal' | 'truncated_normal' | 'uniform' | 'orthogonal' | 'constant';
type P = Record<string, number>;

/**
 * The specification each initializer is checked against, written out independently of the
 * registry: the distribution family and Var(w) for gain 1. A new initializer fails to compile
 * until it has a row here.
 */
const SPEC: Record<InitializerName, { kind: Kind; variance: (fanIn: number, fanOut: number, p: P) => number }> = {
  normal: { kind: 'normal', variance: (_i, _o, p) => p.std ** 2 },
  uniform: { kind: 'uniform', variance: (_i, _o, p) => p.limit ** 2 / 3 },
  standard: { kind: 'uniform', variance: (i) => 1 / (3 * i) },
  glorot_uniform: { kind: 'uniform', variance: (i, o) => 2 / (i + o) },
  glorot_normal: { kind: 'normal', variance: (i, o) => 2 / (i + o) },
  he_uniform: { kind: 'uniform', variance: (i) => 2 / i },
  he_normal: { kind: 'normal', variance: (i) => 2 / i },
  lecun_uniform: { kind: 'uniform', variance: (i) => 1 / i },
  lecun_normal: { kind: 'truncated_normal', variance: (i) => 1 / i },
  orthogonal: { kind: 'orthogonal', variance: (i, o) => 1 / Math.max(i, o) },
  constant: { kind: 'constant', variance: () => 0 },
  zeros: { kind: 'constant', variance: () => 0 },
};

/** Non-default parameters per initializer (gain is exercised for all of them separately). */
const EXTRA: Partial<Record<InitializerName, P>> = {
  normal: { std: 0.05 },
  uniform: { limit: 0.3 },
  constant: { value: 0.1 },
};

// W: [fanOut, fanIn]. A tall and a wide shape, so fan_in and fan_out differ both ways.
const SHAPES = [
  { fanIn: 256, fanOut: 512 },
  { fanIn: 512, fanOut: 256 },
] as const;
const SEEDS = [0, 1, 2];

function fill(name: InitializerName, fanIn: number, fanOut: number, given: P, seed: number | string): Float64Array {
  const W = new Float64Array(fanIn * fanOut);
  INITIALIZERS[name].fill(W, fanIn, fanOut, initializerParams(name, given), createRng(seed).fork('init'));
  return W;
}

/** Sample moments about a known mean mu: v = mean (w - mu)^2, m4 = mean (w - mu)^4, and the mean. */
function moments(W: Float64Array, mu: number): { mean: number; v: number; m4: number } {
  let s1 = 0;
  let s2 = 0;
  let s4 = 0;
  for (let i = 0; i < W.length; i++) {
    const d = W[i] - mu;
    s1 += W[i];
    s2 += d * d;
    s4 += d * d * d * d;
  }
  const n = W.length;
  return { mean: s1 / n, v: s2 / n, m4: s4 / n };
}

describe('initializer names', () => {
  it('resolves canonical names and the PyTorch aliases, case-insensitively', () => {
    for (const name of INITIALIZER_NAMES) {
      expect(resolveInitializerName(name.toUpperCase())).toBe(name);
      for (const alias of INITIALIZERS[name].aliases) expect(resolveInitializerName(alias)).toBe(name);
    }
    expect(resolveInitializerName('xavier_uniform')).toBe('glorot_uniform');
    expect(resolveInitializerName('Xavier_Normal')).toBe('glorot_normal');
    expect(resolveInitializerName('kaiming_uniform')).toBe('he_uniform');
    expect(resolveInitializerName('kaiming_normal')).toBe('he_normal');
    expect(resolveInitializerName('no_such_init')).toBeUndefined();
  });

  it('lists the initializers DESIGN.md names as the contract', () => {
    expect([...INITIALIZER_NAMES].sort()).toEqual([
      'constant', 'glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform', 'lecun_normal',
      'lecun_uniform', 'normal', 'orthogonal', 'standard', 'uniform', 'zeros',
    ]);
  });

  it('describes every initializer for `gradflow list`, with gain defaulting to 1', () => {
    const info = initializerInfo();
    expect(info.map((r) => r.name)).toEqual(INITIALIZER_NAMES);
    for (const row of info) {
      expect(row.doc.length, row.name).toBeGreaterThan(5);
      expect(row.params.gain?.default, row.name).toBe(1);
    }
    expect(initializerParams('normal')).toEqual({ std: 1, gain: 1 });
    expect(initializerParams('uniform', { limit: 0.5, name: 'uniform' })).toEqual({ limit: 0.5, gain: 1 });
    expect(initializerParams('constant')).toEqual({ value: 0, gain: 1 });
  });
});

describe.each(INITIALIZER_NAMES)('%s', (name) => {
  const init = INITIALIZERS[name];
  const spec = SPEC[name];
  const given: P = EXTRA[name] ?? {};
  const p = initializerParams(name, given) as P;

  it('weightVariance is the specified variance, times gain^2', () => {
    for (const { fanIn, fanOut } of SHAPES) {
      const v = spec.variance(fanIn, fanOut, p);
      expect(init.weightVariance(fanIn, fanOut, p)).toBeCloseTo(v, 15);
      const p3 = initializerParams(name, { ...given, gain: 3 });
      expect(init.weightVariance(fanIn, fanOut, p3)).toBeCloseTo(9 * v, 14);
    }
  });

  it('is gaussian exactly when its draws are plain normal', () => {
    expect(init.gaussian).toBe(spec.kind === 'normal');
  });

  describe.each(SHAPES)('fan_in $fanIn, fan_out $fanOut', ({ fanIn, fanOut }) => {
    it.each(SEEDS)('has the mean and variance it claims (seed %i, 5 standard errors)', (seed) => {
      const W = fill(name, fanIn, fanOut, given, seed);
      const mu = init.weightMean(fanIn, fanOut, p);
      const variance = init.weightVariance(fanIn, fanOut, p);
      const { mean, v, m4 } = moments(W, mu);
      const n = W.length;
      if (spec.kind === 'constant') {
        expect(W.every((w) => w === mu)).toBe(true);
        expect(variance).toBe(0);
        return;
      }
      expect(mu).toBe(0);
      // SE(mean) = sigma / sqrt(n); SE(v) = sqrt((mu4 - sigma^4) / n), mu4 estimated from the sample.
      const seMean = Math.sqrt(variance / n);
      const seVar = Math.sqrt(Math.max(m4 - v * v, 0) / n);
      expect(Math.abs(mean - mu), `mean ${mean}, SE ${seMean}`).toBeLessThan(5 * seMean);
      if (spec.kind === 'orthogonal') {
        // sum of squares is exactly min(fanIn, fanOut), so the mean square is exact.
        expect(v / variance).toBeCloseTo(1, 12);
      } else {
        expect(Math.abs(v - variance), `variance ${v} vs ${variance}, SE ${seVar}`).toBeLessThan(5 * seVar);
      }
    });
  });

  it('draws the distribution family it names (kurtosis)', () => {
    const W = fill(name, 512, 256, given, 'kurtosis');
    const { v, m4 } = moments(W, init.weightMean(512, 256, p));
    if (spec.kind === 'constant') return;
    const kurtosis = m4 / (v * v);
    // SE of the sample kurtosis of a normal is sqrt(24 / n) = 0.0135 here; a uniform has 1.8,
    // a normal truncated at 2 std about 2.36, and a Haar orthogonal matrix's entries tend to 3.
    const expected = { normal: 3, uniform: 1.8, truncated_normal: truncatedKurtosis(2), orthogonal: 3 }[spec.kind];
    expect(Math.abs(kurtosis - expected), `kurtosis ${kurtosis} vs ${expected}`).toBeLessThan(0.07);
  });

  it('stays inside the support of its distribution', () => {
    for (const { fanIn, fanOut } of SHAPES) {
      const W = fill(name, fanIn, fanOut, given, 7);
      const std = Math.sqrt(init.weightVariance(fanIn, fanOut, p));
      let maxAbs = 0;
      for (let i = 0; i < W.length; i++) maxAbs = Math.max(maxAbs, Math.abs(W[i]));
      if (spec.kind === 'uniform') {
        const limit = Math.sqrt(3) * std;
        expect(maxAbs).toBeLessThanOrEqual(limit * (1 + 1e-15));
        // 131072 draws: P(max < 0.999 limit) = 0.999^131072, about e^-131.
        expect(maxAbs).toBeGreaterThan(0.999 * limit);
      } else if (spec.kind === 'truncated_normal') {
        // Truncated at 2 standard deviations of the underlying normal, whose std is std / 0.8796.
        const cut = (2 * std) / TRUNCATED_NORMAL_STD;
        expect(maxAbs).toBeLessThanOrEqual(cut * (1 + 1e-15));
        expect(maxAbs).toBeGreaterThan(0.999 * cut);
      } else if (spec.kind === 'orthogonal') {
        expect(maxAbs).toBeLessThanOrEqual(1);
      }
    }
  });

  it('gives identical weights for the same seed and different ones for another seed', () => {
    const a = fill(name, 32, 48, given, 11);
    const b = fill(name, 32, 48, given, 11);
    expect(b).toEqual(a);
    const c = fill(name, 32, 48, given, 12);
    if (spec.kind === 'constant') expect(c).toEqual(a);
    else expect(c.some((w, i) => w !== a[i])).toBe(true);
  });

  it('multiplies every weight (so the standard deviation) by gain', () => {
    const base = fill(name, 40, 24, given, 3);
    const scaled = fill(name, 40, 24, { ...given, gain: 2.5 }, 3);
    // Round-off relative to the scale: U[-l, l] is l' - 2 l' u, whose cancellation near 0 is absolute.
    const scale = Math.sqrt(init.weightVariance(40, 24, p)) + Math.abs(init.weightMean(40, 24, p));
    for (let i = 0; i < base.length; i++) {
      if (!(Math.abs(scaled[i] - 2.5 * base[i]) <= 1e-14 * scale)) {
        throw new Error(`${name}: gain 2.5 gives ${scaled[i]} at ${i}, expected 2.5 * ${base[i]}`);
      }
    }
  });

  it('fills float32 weights with the float64 draws rounded', () => {
    const W64 = fill(name, 20, 30, given, 5);
    const W32 = new Float32Array(600);
    init.fill(W32, 20, 30, p, createRng(5).fork('init'));
    for (let i = 0; i < 600; i++) expect(W32[i]).toBe(Math.fround(W64[i]));
  });
});

/** Kurtosis E x^4 / (E x^2)^2 of N(0, 1) truncated to [-c, c]. */
function truncatedKurtosis(c: number): number {
  const phi = Math.exp(-0.5 * c * c) / Math.sqrt(2 * Math.PI);
  const Z = erf(c / Math.SQRT2);
  // E x^2 = 1 - 2 c phi / Z; E x^4 = 3 - 2 (c^3 + 3 c) phi / Z (integration by parts).
  const m2 = 1 - (2 * c * phi) / Z;
  const m4 = 3 - (2 * (c ** 3 + 3 * c) * phi) / Z;
  return m4 / (m2 * m2);
}

describe('truncated normal (lecun_normal)', () => {
  it('uses the std of N(0, 1) truncated at 2, from the closed form', () => {
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const exact = Math.sqrt(1 - (4 * phi2) / erf(Math.SQRT2));
    expect(TRUNCATED_NORMAL_STD).toBeCloseTo(exact, 15);
  });

  it('has exactly the named standard deviation, sqrt(1 / fan_in), not 0.88 of it', () => {
    // 4 seeds x 131072 draws: SE of the std ratio is about 0.0015 here, the uncorrected 0.88 is 80 SE away.
    let s2 = 0;
    let n = 0;
    for (const seed of [0, 1, 2, 3]) {
      const W = fill('lecun_normal', 256, 512, {}, seed);
      for (let i = 0; i < W.length; i++) s2 += W[i] * W[i];
      n += W.length;
    }
    const ratio = Math.sqrt(s2 / n) / Math.sqrt(1 / 256);
    expect(Math.abs(ratio - 1)).toBeLessThan(0.005);
  });
});

describe('orthogonal', () => {
  function gram(W: ArrayLike<number>, rows: number, cols: number, byRows: boolean): Float64Array {
    // byRows: G = W W^T [rows, rows]; else G = W^T W [cols, cols].
    const k = byRows ? rows : cols;
    const G = new Float64Array(k * k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        let s = 0;
        if (byRows) for (let t = 0; t < cols; t++) s += W[a * cols + t] * W[b * cols + t];
        else for (let t = 0; t < rows; t++) s += W[t * cols + a] * W[t * cols + b];
        G[a * k + b] = s;
      }
    }
    return G;
  }

  function maxDevFromScaledIdentity(G: Float64Array, k: number, g2: number): number {
    let dev = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) dev = Math.max(dev, Math.abs(G[a * k + b] - (a === b ? g2 : 0)));
    return dev;
  }

  it.each([
    { fanIn: 64, fanOut: 64, gain: 1 },
    { fanIn: 40, fanOut: 96, gain: 1 },
    { fanIn: 96, fanOut: 40, gain: 1 },
    { fanIn: 50, fanOut: 70, gain: 2 },
    { fanIn: 70, fanOut: 50, gain: Math.SQRT2 },
  ])('has orthonormal columns when tall and rows when wide ($fanOut x $fanIn, gain $gain)', ({ fanIn, fanOut, gain }) => {
    const W = fill('orthogonal', fanIn, fanOut, { gain }, 9);
    const tall = fanOut >= fanIn;
    const k = tall ? fanIn : fanOut;
    const G = gram(W, fanOut, fanIn, !tall);
    expect(maxDevFromScaledIdentity(G, k, gain * gain)).toBeLessThan(1e-6 * gain * gain);
    if (fanIn === fanOut) expect(maxDevFromScaledIdentity(gram(W, fanOut, fanIn, true), k, gain * gain)).toBeLessThan(1e-6);
  });

  it('stays orthonormal to float32 precision in float32', () => {
    const W = new Float32Array(128 * 128);
    INITIALIZERS.orthogonal.fill(W, 128, 128, initializerParams('orthogonal'), createRng(0).fork('init'));
    expect(maxDevFromScaledIdentity(gram(W, 128, 128, false), 128, 1)).toBeLessThan(1e-5);
  });

  it('is not biased by the QR signs: each diagonal entry is positive half the time', () => {
    // Householder QR without the sign correction makes diag(Q) one-signed; a Haar Q does not.
    // Over 200 draws each count is Binomial(200, 1/2): mean 100, SD 7.07.
    const draws = 200;
    const positive = new Array<number>(8).fill(0);
    for (let seed = 0; seed < draws; seed++) {
      const W = fill('orthogonal', 8, 8, {}, seed);
      for (let i = 0; i < 8; i++) if (W[i * 8 + i] > 0) positive[i]++;
    }
    for (const count of positive) expect(Math.abs(count - draws / 2), `${positive}`).toBeLessThan(5 * Math.sqrt(draws / 4));
  });
});
