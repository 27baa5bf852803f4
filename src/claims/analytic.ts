/**
 * Measurements on the engine's own activation entries (src/net/activations.ts), for the claims
 * that are statements about functions rather than about trained networks: dense float64 grids,
 * difference quotients, Gauss quadrature of SELU's moments, and the timing of the batched
 * kernels. Everything here measures; judging is left to the checks (src/claims/checks/).
 */
import { ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA, activationParams, type ActivationName, type ParamValues, type Range } from '../net/activations.js';
import { createRng } from '../net/rng.js';
import { expectNormal } from '../metrics/theory.js';
import { median, quantile } from './stats.js';

/**
 * x_k = k * step for the integers k with lo <= k * step <= hi, so x = 0 is on the grid exactly
 * when lo <= 0 <= hi (a grid built as lo + i * step misses 0 by rounding).
 */
export function grid(lo: number, hi: number, step: number): Float64Array {
  const k0 = Math.ceil(lo / step - 1e-9);
  const k1 = Math.floor(hi / step + 1e-9);
  const out = new Float64Array(Math.max(0, k1 - k0 + 1));
  for (let k = k0; k <= k1; k++) out[k - k0] = k * step;
  return out;
}

/** The batched backward with da = 1 over xs: f'(x) exactly as a training step computes it. */
export function batchedDerivative(name: ActivationName, xs: Float64Array, p: ParamValues = activationParams(name)): Float64Array {
  const def = ACTIVATIONS[name];
  const n = xs.length;
  const a = new Float64Array(n * def.widthFactor);
  const da = new Float64Array(n * def.widthFactor).fill(1);
  const dz = new Float64Array(n);
  def.forward(xs, a, 1, n, p, null);
  def.backward(xs, a, da, dz, 1, n, p, null);
  return dz;
}

/** Closed forms of a derivative in terms of the function's value y = f(x). */
export const DERIVATIVE_FORMS = {
  sigmoid: (y: number): number => y * (1 - y),
  tanh: (y: number): number => 1 - y * y,
} as const;
export type DerivativeForm = keyof typeof DERIVATIVE_FORMS;

/** Identities between activations. */
export const IDENTITIES = {
  /** tanh(x) against 2 sigmoid(2x) - 1. */
  tanhSigmoid: (x: number): [number, number] => [ACTIVATIONS.tanh.f(x, {}), 2 * ACTIVATIONS.sigmoid.f(2 * x, {}) - 1],
} as const;
export type IdentityName = keyof typeof IDENTITIES;

export interface DerivativeStudy {
  /** max |df - (f(x + h) - f(x - h)) / 2h|, h = 1e-5. */
  readonly fdError: number;
  /** max |df - form(f)|. */
  readonly formError: number;
  /** max |batched backward - df|. */
  readonly batchError: number;
  readonly argmax: number;
  readonly max: number;
  readonly atZero: number;
  /** Grid points x != 0 with df(x) >= peak. */
  readonly atOrAbovePeak: number;
  readonly points: number;
}

/** The derivative of one activation over a grid against difference quotients, a closed form and the batched kernel. */
export function derivativeStudy(name: ActivationName, xs: Float64Array, form: DerivativeForm, peak: number, h = 1e-5): DerivativeStudy {
  const def = ACTIVATIONS[name];
  const p = activationParams(name);
  const batched = batchedDerivative(name, xs, p);
  let fdError = 0;
  let formError = 0;
  let batchError = 0;
  let argmax = NaN;
  let max = -Infinity;
  let above = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const d = def.df(x, p);
    const fd = (def.f(x + h, p) - def.f(x - h, p)) / (2 * h);
    fdError = Math.max(fdError, Math.abs(d - fd));
    formError = Math.max(formError, Math.abs(d - DERIVATIVE_FORMS[form](def.f(x, p))));
    batchError = Math.max(batchError, Math.abs(batched[i] - d));
    if (d > max) {
      max = d;
      argmax = x;
    }
    if (x !== 0 && d >= peak) above++;
  }
  return { fdError, formError, batchError, argmax, max, atZero: def.df(0, p), atOrAbovePeak: above, points: xs.length };
}

/** max |left - right| of an identity over the grid. */
export function identityError(name: IdentityName, xs: Float64Array): number {
  let e = 0;
  for (const x of xs) {
    const [l, r] = IDENTITIES[name](x);
    e = Math.max(e, Math.abs(l - r));
  }
  return e;
}

/**
 * The true distance from f(x) to an open end of its range, computed without cancellation (so it
 * is positive where f(x) itself rounds onto the end): used to tell rounding from a violation.
 */
export const OPEN_END_GAPS: Partial<Record<ActivationName, { lo?: (x: number, p: ParamValues) => number; hi?: (x: number, p: ParamValues) => number }>> = {
  // sigmoid(x) = 1 - sigmoid(-x).
  sigmoid: { lo: (x) => ACTIVATIONS.sigmoid.f(x, {}), hi: (x) => ACTIVATIONS.sigmoid.f(-x, {}) },
  // 1 - tanh(x) = 2 / (1 + e^2x).
  tanh: { lo: (x) => 2 / (1 + Math.exp(-2 * x)), hi: (x) => 2 / (1 + Math.exp(2 * x)) },
  // elu(x) + alpha = alpha e^x for x <= 0.
  elu: { lo: (x, p) => (p.alpha as number) * Math.exp(Math.min(x, 0)) },
  selu: { lo: (x) => SELU_LAMBDA * SELU_ALPHA * Math.exp(Math.min(x, 0)) },
};

export interface RangeStudy {
  readonly declared: Range;
  readonly min: number;
  readonly max: number;
  /** Grid values outside the closed range. */
  readonly outside: number;
  /** Grid values equal to an open end where the true gap is above float64 resolution. */
  readonly openEndViolations: number;
  /** Grid values equal to an open end by rounding (the true gap is below resolution). */
  readonly roundedOntoOpenEnd: number;
  /** min over the grid of f - lo and hi - f for the finite ends (null for an infinite end). */
  readonly nearLo: number | null;
  readonly nearHi: number | null;
  /** f at the grid's ends. */
  readonly atGridLo: number;
  readonly atGridHi: number;
}

export function rangeStudy(name: ActivationName, xs: Float64Array, p: ParamValues = activationParams(name)): RangeStudy {
  const def = ACTIVATIONS[name];
  const r = def.range(p);
  const gaps = OPEN_END_GAPS[name] ?? {};
  let min = Infinity;
  let max = -Infinity;
  let outside = 0;
  let violations = 0;
  let rounded = 0;
  let nearLo = Infinity;
  let nearHi = Infinity;
  for (const x of xs) {
    const y = def.f(x, p);
    min = Math.min(min, y);
    max = Math.max(max, y);
    if (!(y >= r.lo && y <= r.hi)) outside++;
    if (Number.isFinite(r.lo)) nearLo = Math.min(nearLo, y - r.lo);
    if (Number.isFinite(r.hi)) nearHi = Math.min(nearHi, r.hi - y);
    for (const [end, closed, gap] of [[r.lo, r.loClosed, gaps.lo], [r.hi, r.hiClosed, gaps.hi]] as const) {
      if (closed || y !== end) continue;
      // Resolution at the end: half an ulp of |end| (or of 1 near 0).
      const resolution = Number.EPSILON * Math.max(1, Math.abs(end));
      if (gap !== undefined && gap(x, p) < resolution) rounded++;
      else violations++;
    }
  }
  return {
    declared: r,
    min,
    max,
    outside,
    openEndViolations: violations,
    roundedOntoOpenEnd: rounded,
    nearLo: Number.isFinite(r.lo) ? nearLo : null,
    nearHi: Number.isFinite(r.hi) ? nearHi : null,
    atGridLo: def.f(xs[0], p),
    atGridHi: def.f(xs[xs.length - 1], p),
  };
}

/** A range in the interval notation the claims file uses: "(0, 1)", "[0, inf)". */
export function rangeText(r: Range, names: Readonly<Record<string, number>> = {}): string {
  const end = (v: number): string => {
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    for (const [k, nv] of Object.entries(names)) {
      if (v === nv) return k;
      if (v === -nv) return `-${k}`;
    }
    return String(v);
  };
  return `${r.loClosed ? '[' : '('}${end(r.lo)}, ${end(r.hi)}${r.hiClosed ? ']' : ')'}`;
}

/** Range text without spaces, so "(-lambda * alpha, inf)" and "(-lambda*alpha,inf)" compare equal. */
export function normaliseRangeText(s: string): string {
  return s.replace(/\s+/g, '');
}

/** One-sided difference quotients of f at x0 for each h. */
export function oneSidedQuotients(name: ActivationName, x0: number, hs: readonly number[]): { h: number; left: number; right: number }[] {
  const def = ACTIVATIONS[name];
  const p = activationParams(name);
  return hs.map((h) => ({ h, left: (def.f(x0, p) - def.f(x0 - h, p)) / h, right: (def.f(x0 + h, p) - def.f(x0, p)) / h }));
}

/** Mean and variance of selu(sqrt(nu) z), z ~ N(0, 1): the SELU moment map at input variance nu. */
export function seluMoments(nu: number): { mean: number; variance: number } {
  const f = (x: number): number => ACTIVATIONS.selu.f(x, {});
  const m = expectNormal(f, nu, [0]);
  const m2 = expectNormal((x) => f(x) ** 2, nu, [0]);
  return { mean: m, variance: m2 - m * m };
}

/**
 * Iterates the SELU map with normalised weights (sum w = 0, sum w^2 = 1), where the next layer's
 * input is N(0, nu) whatever the mean: nu_{k+1} = Var[selu(sqrt(nu_k) z)].
 */
export function seluIterates(nu0: number, iterations: number): { k: number; mean: number; variance: number }[] {
  const out = [{ k: 0, mean: NaN, variance: nu0 }];
  let nu = nu0;
  for (let k = 1; k <= iterations; k++) {
    const m = seluMoments(nu);
    out.push({ k, mean: m.mean, variance: m.variance });
    nu = m.variance;
  }
  return out;
}

/** Share of grid points where upper'(x) >= lower'(x), and the grid points where the order flips. */
export function dominance(upper: ActivationName, lower: ActivationName, xs: Float64Array): { share: number; crossings: number[] } {
  const u = ACTIVATIONS[upper];
  const l = ACTIVATIONS[lower];
  const pu = activationParams(upper);
  const pl = activationParams(lower);
  let ok = 0;
  const crossings: number[] = [];
  let prev: boolean | null = null;
  for (const x of xs) {
    const now = u.df(x, pu) >= l.df(x, pl);
    if (now) ok++;
    if (prev !== null && now !== prev) crossings.push(x);
    prev = now;
  }
  return { share: xs.length ? ok / xs.length : NaN, crossings };
}

export interface TimingRound {
  readonly round: number;
  /** CPU seconds for forward + backward of each activation in this round. */
  readonly seconds: Readonly<Record<string, number>>;
}

export interface TimingStudy {
  readonly rounds: readonly TimingRound[];
  /** Per-round ratio a/b for each requested pair, and its median and quartiles. */
  readonly ratios: readonly { readonly pair: string; readonly perRound: readonly number[]; readonly median: number; readonly q1: number; readonly q3: number }[];
}

/**
 * Times ACTIVATIONS[name].forward + backward over n float32 pre-activations from N(0, 1) (seeded)
 * in CPU time, in interleaved rounds: every round times each activation (the fastest of `repeats` calls), in
 * an order rotated by one each round, so a slow patch of the machine falls on all of them alike.
 * Warm-up rounds let the JIT settle and are not kept.
 */
export function timeActivations(
  names: readonly ActivationName[],
  pairs: readonly (readonly [ActivationName, ActivationName])[],
  opts: { n: number; rounds: number; warmup: number; repeats?: number; seed?: number },
): TimingStudy {
  const rng = createRng(opts.seed ?? 0).fork('timing');
  const z = new Float32Array(opts.n);
  for (let i = 0; i < opts.n; i++) z[i] = rng.normal();
  const a = new Float32Array(opts.n * 2);
  const da = new Float32Array(opts.n * 2).fill(1);
  const dz = new Float32Array(opts.n);
  const params = Object.fromEntries(names.map((n) => [n, activationParams(n)])) as Record<ActivationName, ParamValues>;
  // CPU time of this process (user + system, microseconds), which does not grow while the
  // process waits for a core; the fastest of `repeats` back-to-back calls.
  const once = (name: ActivationName): number => {
    const def = ACTIVATIONS[name];
    let best = Infinity;
    for (let k = 0; k < (opts.repeats ?? 1); k++) {
      const c0 = process.cpuUsage();
      def.forward(z, a, 1, opts.n, params[name], null);
      def.backward(z, a, da, dz, 1, opts.n, params[name], null);
      const c = process.cpuUsage(c0);
      best = Math.min(best, c.user + c.system);
    }
    return best / 1e6;
  };
  const rounds: TimingRound[] = [];
  for (let r = 0; r < opts.warmup + opts.rounds; r++) {
    const seconds: Record<string, number> = {};
    for (let j = 0; j < names.length; j++) {
      const name = names[(r + j) % names.length];
      seconds[name] = once(name);
    }
    if (r >= opts.warmup) rounds.push({ round: r - opts.warmup, seconds });
  }
  const ratios = pairs.map(([x, y]) => {
    const perRound = rounds.map((r) => r.seconds[x] / r.seconds[y]);
    return { pair: `${x}/${y}`, perRound, median: median(perRound) ?? NaN, q1: quantile(perRound, 0.25) ?? NaN, q3: quantile(perRound, 0.75) ?? NaN };
  });
  return { rounds, ratios };
}
