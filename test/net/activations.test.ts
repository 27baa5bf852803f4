import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  ACTIVATIONS,
  activationParams,
  erf,
  resolveActivationName,
  SELU_ALPHA,
  SELU_LAMBDA,
  type ActivationName,
  type Learned,
  type ParamValues,
} from '../../src/net/activations.js';
import { createRng } from '../../src/net/rng.js';
import type { FloatArray } from '../../src/net/tensor.js';
import { expectGradientsClose } from '../helpers/gradcheck.js';

/** Non-default parameters worth checking besides the defaults. */
const EXTRA_PARAMS: Partial<Record<ActivationName, readonly Record<string, number | boolean>[]>> = {
  leaky_relu: [{ alpha: 0.2 }, { alpha: 0 }],
  elu: [{ alpha: 0.5 }, { alpha: 2 }],
  prelu: [{ init: -0.3 }],
};

interface Case {
  label: string;
  name: ActivationName;
  p: ParamValues;
  /** PReLU: slopes per layer (1) or per unit. */
  slopes: 'layer' | 'unit' | null;
}

const CASES: Case[] = ACTIVATION_NAMES.flatMap((name) => {
  const paramSets = [{}, ...(EXTRA_PARAMS[name] ?? [])];
  return paramSets.flatMap((given): Case[] => {
    const p = activationParams(name, given);
    const suffix = Object.keys(given).length ? ` ${JSON.stringify(given)}` : '';
    if (!ACTIVATIONS[name].learned) return [{ label: `${name}${suffix}`, name, p, slopes: null }];
    return (['layer', 'unit'] as const).map((slopes) => ({ label: `${name}${suffix} per ${slopes}`, name, p, slopes }));
  });
});

const ROWS = 5;
const UNITS = 4;

function makeLearned(c: Case, units: number, seed: string): Learned | null {
  if (c.slopes === null) return null;
  const rng = createRng(seed).fork('slopes');
  const n = c.slopes === 'layer' ? 1 : units;
  // Slopes spread around the configured init, sign included, so each unit's slope matters.
  const value = Float64Array.from({ length: n }, () => (c.p.init as number) + rng.uniform(-0.2, 0.2));
  return { value, grad: new Float64Array(n) };
}

/** The entry's kinks for the case's parameters; finite differences stay 1e-3 away from them. */
const kinksOf = (c: Case): readonly number[] => ACTIVATIONS[c.name].kinks(c.p);

/** Random pre-activations in [-4, 8], at least 1e-3 away from every kink. */
function awayFromKinks(c: Case, n: number, seed: string): Float64Array {
  const rng = createRng(seed).fork('z');
  const z = new Float64Array(n);
  const kinks = kinksOf(c);
  for (let i = 0; i < n; i++) {
    let x = rng.uniform(-4, 8);
    while (kinks.some((k) => Math.abs(x - k) < 1e-3)) x = rng.uniform(-4, 8);
    z[i] = x;
  }
  return z;
}

/** A dense grid: i / perUnit for i in [lo * perUnit, hi * perUnit], so 0 and the integers are hit exactly. */
function grid(lo: number, hi: number, perUnit: number): number[] {
  const out: number[] = [];
  for (let i = lo * perUnit; i <= hi * perUnit; i++) out.push(i / perUnit);
  return out;
}

const ulps = (bound: number): number => 8 * Number.EPSILON * Math.max(1, Math.abs(bound));

/**
 * The largest g(x) near x0: three rounds of a 2001-point grid, each 1000x narrower than the
 * last (half-widths 1e-3, 1e-6, 1e-9), so a smooth extremum is found to ~1e-12 in x and its
 * value to round-off.
 */
function refineMax(g: (x: number) => number, x0: number): number {
  let best = x0;
  let bestVal = g(x0);
  for (let half = 1e-3; half >= 1e-9; half /= 1000) {
    const centre = best;
    for (let i = -1000; i <= 1000; i++) {
      const x = centre + (i / 1000) * half;
      const v = g(x);
      if (v > bestVal) {
        bestVal = v;
        best = x;
      }
    }
  }
  return bestVal;
}

describe('activation names', () => {
  it('resolves every canonical name and alias, case-insensitively', () => {
    for (const name of ACTIVATION_NAMES) {
      expect(resolveActivationName(name.toUpperCase())).toBe(name);
      for (const alias of ACTIVATIONS[name].aliases) expect(resolveActivationName(alias)).toBe(name);
    }
    expect(resolveActivationName('no_such_activation')).toBeUndefined();
  });

  it('lists the activations DESIGN.md names as the contract', () => {
    expect(ACTIVATION_NAMES).toEqual(expect.arrayContaining([
      'identity', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'prelu', 'elu', 'selu', 'crelu', 'relu6',
      'softsign', 'gelu', 'silu',
    ]));
  });
});

describe.each(CASES)('$label', (c) => {
  const act = ACTIVATIONS[c.name];
  const wf = act.widthFactor;
  const width = UNITS * wf;

  it('batched backward matches finite differences of batched forward (float64)', () => {
    const seed = `grad/${c.label}`;
    const z = awayFromKinks(c, ROWS * UNITS, seed);
    const learned = makeLearned(c, UNITS, seed);
    const rng = createRng(seed).fork('da');
    // L = sum(a ⊙ da), so dL/da = da and dL/dz is what backward computes.
    const da = Float64Array.from({ length: ROWS * width }, () => rng.uniform(-1, 1));
    const a = new Float64Array(ROWS * width);
    const loss = (): number => {
      act.forward(z, a, ROWS, UNITS, c.p, learned);
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * da[i];
      return s;
    };
    act.forward(z, a, ROWS, UNITS, c.p, learned);
    const dz = new Float64Array(ROWS * UNITS);
    act.backward(z, a, da, dz, ROWS, UNITS, c.p, learned);
    expectGradientsClose({ label: `${c.label} dz`, params: z, analytic: dz, loss, tol: 1e-6 });
    if (learned) {
      expectGradientsClose({ label: `${c.label} slope`, params: learned.value as Float64Array, analytic: learned.grad, loss, tol: 1e-6 });
    }
  });

  it('writes widthFactor * units outputs per row (CReLU doubles the width)', () => {
    const z = awayFromKinks(c, ROWS * UNITS, `width/${c.label}`);
    const a = new Float64Array(ROWS * width + 3).fill(NaN);
    act.forward(z, a, ROWS, UNITS, c.p, makeLearned(c, UNITS, 'width'));
    for (let i = 0; i < ROWS * width; i++) expect(Number.isNaN(a[i]), `a[${i}] written`).toBe(false);
    for (let i = ROWS * width; i < a.length; i++) expect(Number.isNaN(a[i]), `a[${i}] untouched`).toBe(true);
    if (c.name === 'crelu') {
      for (let r = 0; r < ROWS; r++) {
        for (let j = 0; j < UNITS; j++) {
          const x = z[r * UNITS + j];
          expect(a[r * width + j]).toBe(Math.max(0, x));
          expect(a[r * width + UNITS + j]).toBe(Math.max(0, -x));
        }
      }
    }
  });

  it('scalar df matches finite differences of f', () => {
    const xs = awayFromKinks(c, 64, `scalar/${c.label}`);
    for (let i = 0; i < xs.length; i++) {
      const x = new Float64Array([xs[i]]);
      expectGradientsClose({
        label: `${c.label} df at ${xs[i]}`,
        params: x,
        analytic: [act.df(x[0], c.p)],
        loss: () => act.f(x[0], c.p),
        tol: 1e-6,
      });
    }
  });

  it('derivative agrees with backward for da = 1, kinks included', () => {
    const z = awayFromKinks(c, ROWS * UNITS, `deriv/${c.label}`);
    kinksOf(c).forEach((k, i) => (z[i] = k));
    z[ROWS * UNITS - 1] = 0;
    const learned = makeLearned(c, UNITS, 'deriv');
    const a = new Float64Array(ROWS * width);
    act.forward(z, a, ROWS, UNITS, c.p, learned);
    const out = new Float64Array(ROWS * width);
    act.derivative(z, a, out, ROWS, UNITS, c.p, learned);
    const dz = new Float64Array(ROWS * UNITS);
    act.backward(z, a, new Float64Array(ROWS * width).fill(1), dz, ROWS, UNITS, c.p, learned);
    for (let r = 0; r < ROWS; r++) {
      for (let j = 0; j < UNITS; j++) {
        // dz sums f' over the copies of unit j (CReLU: relu'(x) + d relu(-x)/dx).
        let sum = 0;
        for (let k = 0; k < wf; k++) sum += out[r * width + k * UNITS + j];
        expect(dz[r * UNITS + j], `z = ${z[r * UNITS + j]}`).toBe(sum);
      }
    }
  });

  it('outputs lie in range(p) over a dense grid on [-50, 50]', () => {
    const range = act.range(c.p);
    let min = Infinity;
    let max = -Infinity;
    let argmin = 0;
    let argmax = 0;
    for (const x of grid(-50, 50, 1000)) {
      const y = act.f(x, c.p);
      if (y < min) [min, argmin] = [y, x];
      if (y > max) [max, argmax] = [y, x];
      // Float64 rounds sigmoid(50) to exactly 1, so far out only the closed bounds are checked.
      if (y < range.lo - ulps(range.lo) || y > range.hi + ulps(range.hi)) {
        throw new Error(`${c.label}(${x}) = ${y} outside [${range.lo}, ${range.hi}]`);
      }
      if (Math.abs(x) <= 10) {
        if (!range.loClosed && !(y > range.lo)) throw new Error(`${c.label}(${x}) = ${y} reaches the open bound ${range.lo}`);
        if (!range.hiClosed && !(y < range.hi)) throw new Error(`${c.label}(${x}) = ${y} reaches the open bound ${range.hi}`);
      }
    }
    // A closed bound is attained; gelu's and silu's minima are found by refining the grid.
    if (range.loClosed) {
      const lowest = -refineMax((x) => -act.f(x, c.p), argmin);
      expect(lowest, 'refined minimum').toBeGreaterThanOrEqual(range.lo - ulps(range.lo));
      expect(Math.abs(lowest - range.lo), 'refined minimum').toBeLessThan(1e-12);
    }
    if (range.hiClosed) {
      const highest = refineMax((x) => act.f(x, c.p), argmax);
      expect(highest, 'refined maximum').toBeLessThanOrEqual(range.hi + ulps(range.hi));
      expect(Math.abs(highest - range.hi), 'refined maximum').toBeLessThan(1e-12);
    }
  });

  it('maxDerivative bounds |f\'| on a grid and is attained', () => {
    const bound = act.maxDerivative(c.p);
    const absDf = (x: number): number => Math.abs(act.df(x, c.p));
    let peak = 0;
    let argpeak = 0;
    for (const x of [...grid(-50, 50, 1000), ...kinksOf(c)]) {
      const d = absDf(x);
      if (d > bound + ulps(bound)) throw new Error(`|${c.label}'(${x})| = ${d} > maxDerivative ${bound}`);
      if (d > peak) [peak, argpeak] = [d, x];
    }
    // Refining around the best grid point finds smooth peaks (gelu at sqrt 2, silu at 2.3994).
    const refined = refineMax(absDf, argpeak);
    expect(refined, 'refined peak').toBeLessThanOrEqual(bound + ulps(bound));
    expect(refined, 'refined peak').toBeGreaterThan(bound - 1e-10);
  });

  it("lists as kinks exactly the points where f' or f'' jumps", () => {
    const df = (x: number): number => act.df(x, c.p);
    const h = 1e-4;
    // The jump of f' across x, and that of the one-sided second differences of f'.
    const jump = (x: number): number => {
      const first = Math.abs(df(x + h) - df(x - h));
      const second = Math.abs((df(x + 2 * h) - df(x + h)) / h - (df(x - h) - df(x - 2 * h)) / h);
      return Math.max(first, second);
    };
    const kinks = kinksOf(c);
    for (const k of kinks) expect(jump(k), `kink at ${k}`).toBeGreaterThan(0.1);
    for (const x of grid(-8, 8, 64)) {
      if (kinks.some((k) => Math.abs(x - k) < 1e-3)) continue;
      if (!(jump(x) < 0.01)) throw new Error(`${c.label}: f' or f'' jumps by ${jump(x)} at ${x}, which is not a listed kink`);
    }
  });

  it('float32 forward equals float64 forward rounded to float32', () => {
    const rng = createRng(`f32/${c.label}`);
    const z32 = Float32Array.from({ length: 64 * UNITS }, () => rng.uniform(-20, 20));
    z32[0] = 0;
    z32[1] = 6;
    const z64 = Float64Array.from(z32);
    const l64 = makeLearned(c, UNITS, 'f32');
    const l32: Learned | null = l64 && { value: Float32Array.from(l64.value), grad: new Float32Array(l64.value.length) };
    // Use float32-representable slopes in both so only the output rounding differs.
    if (l64 && l32) l64.value.set(l32.value);
    const a32 = new Float32Array(64 * width);
    const a64 = new Float64Array(64 * width);
    act.forward(z32, a32, 64, UNITS, c.p, l32);
    act.forward(z64, a64, 64, UNITS, c.p, l64);
    for (let i = 0; i < a64.length; i++) {
      const tol = 2 ** -23 * Math.abs(a64[i]) + 1e-38;
      if (!(Math.abs(a32[i] - a64[i]) <= tol)) throw new Error(`${c.label}: float32 ${a32[i]} vs float64 ${a64[i]} at ${i}`);
    }
  });
});

describe('kink conventions at exactly 0 follow PyTorch', () => {
  const at = (name: ActivationName, x: number, given: Record<string, number> = {}): number =>
    ACTIVATIONS[name].df(x, activationParams(name, given));

  it.each([
    ['relu', 0, {}, 0],
    ['leaky_relu', 0, {}, 0.01],
    ['leaky_relu', 0, { alpha: 0.2 }, 0.2],
    ['prelu', 0, {}, 0.25],
    ['prelu', 0, { init: 0.1 }, 0.1],
    ['elu', 0, {}, 1],
    ['elu', 0, { alpha: 0.5 }, 0.5],
    ['selu', 0, {}, SELU_LAMBDA * SELU_ALPHA],
    ['relu6', 0, {}, 0],
    ['relu6', 6, {}, 0],
    ['crelu', 0, {}, 0],
  ] as const)("%s'(%d) with %j is %d", (name, x, given, expected) => {
    expect(at(name, x, given)).toBe(expected);
  });

  it('batched PReLU uses each learned slope at 0 and adds nothing to its gradient there', () => {
    const act = ACTIVATIONS.prelu;
    const p = activationParams('prelu');
    const learned: Learned = { value: new Float64Array([0.3, -0.7]), grad: new Float64Array(2) };
    const z = new Float64Array([0, 0]);
    const a = new Float64Array(2);
    const dz = new Float64Array(2);
    act.forward(z, a, 1, 2, p, learned);
    act.backward(z, a, new Float64Array([2, 3]), dz, 1, 2, p, learned);
    expect(dz[0]).toBeCloseTo(0.6, 15);
    expect(dz[1]).toBeCloseTo(-2.1, 15);
    expect(Array.from(learned.grad)).toEqual([0, 0]);
  });

  it('batched CReLU passes no gradient from either half at 0', () => {
    const dz = new Float64Array(1);
    ACTIVATIONS.crelu.backward(new Float64Array([0]), new Float64Array(2), new Float64Array([5, 7]), dz, 1, 1, {}, null);
    expect(dz[0]).toBe(0);
  });
});

describe('activation identities', () => {
  const xs = grid(-20, 20, 100);

  it('sigmoid peaks at 1/4 and tanh at 1, both at 0', () => {
    expect(ACTIVATIONS.sigmoid.df(0, {})).toBe(0.25);
    expect(ACTIVATIONS.sigmoid.maxDerivative({})).toBe(0.25);
    expect(ACTIVATIONS.tanh.df(0, {})).toBe(1);
    expect(ACTIVATIONS.tanh.maxDerivative({})).toBe(1);
  });

  it('tanh(x) = 2 sigmoid(2x) - 1', () => {
    for (const x of xs) {
      expect(Math.abs(ACTIVATIONS.tanh.f(x, {}) - (2 * ACTIVATIONS.sigmoid.f(2 * x, {}) - 1))).toBeLessThan(1e-15);
    }
  });

  it('SELU scales both branches by lambda, with the constants of Klambauer et al.', () => {
    expect(SELU_ALPHA).toBe(1.6732632423543772);
    expect(SELU_LAMBDA).toBe(1.0507009873554805);
    const selu = ACTIVATIONS.selu;
    for (const x of xs) {
      const expected = x > 0 ? SELU_LAMBDA * x : SELU_LAMBDA * SELU_ALPHA * Math.expm1(x);
      expect(selu.f(x, {})).toBeCloseTo(expected, 14);
    }
    expect(selu.df(1, {})).toBe(SELU_LAMBDA);
  });

  it('SELU maps N(0, 1) to mean 0 and second moment 1 (its fixed point)', () => {
    // Simpson's rule over [-12, 12]; the tails beyond carry < 1e-30 of the mass.
    const n = 24000;
    const h = 24 / n;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i <= n; i++) {
      const x = -12 + i * h;
      const w = (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * (h / 3) * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      const y = ACTIVATIONS.selu.f(x, {});
      m1 += w * y;
      m2 += w * y * y;
    }
    // The kink at 0 sits on a grid node, so Simpson's error stays O(h^4) on each side.
    expect(Math.abs(m1)).toBeLessThan(1e-9);
    expect(Math.abs(m2 - 1)).toBeLessThan(1e-9);
  });

  it('relu6 never exceeds 6, however large the input', () => {
    const z = new Float64Array([5.999, 6, 6.001, 1e3, 1e300, Infinity]);
    const a = new Float64Array(z.length);
    ACTIVATIONS.relu6.forward(z, a, 1, z.length, {}, null);
    expect(Array.from(a)).toEqual([5.999, 6, 6, 6, 6, 6]);
  });

  it('gelu is x Phi(x) with the exact erf', () => {
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(erf(-0.5)).toBeCloseTo(-0.5204998778130465, 15);
    expect(ACTIVATIONS.gelu.f(1, {})).toBeCloseTo(0.8413447460685429, 15);
  });
});
