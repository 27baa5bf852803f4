// Elementwise float32 work of a training step, fused into the WASM kernel: activation forward
// a = f(z), activation backward dz = da * f'(z, a), and the SGD update w -= lr (g + wd w).
//
// Every formula is evaluated in float64 (f64x2 lanes) on the float32 inputs and rounded once
// on the store, exactly as the TypeScript registry does (it computes in JS doubles and stores
// into a Float32Array). The backward passes and the update use only +, -, *, / and
// comparisons, so they are bit-identical to the TypeScript path. The forward passes of tanh,
// sigmoid, elu, selu and silu use the exp/expm1 below (relative error about 1e-16) instead of
// Math.exp/expm1/tanh, so a result can differ from the TypeScript one by at most one float32
// ulp, and only when the double lies within ~1e-16 of a float32 rounding boundary.
//
// Activation kinds (kernels-wasm.ts keeps the same table):
//   0 identity, 1 relu, 2 leaky_relu(alpha), 3 tanh, 4 sigmoid, 5 elu(alpha), 6 selu,
//   7 relu6, 8 softsign, 9 silu.

// Constants live in memory as f64x2 pairs: V8 rematerialises a v128.const inside a loop with
// three instructions at every use, while a load is one and issues beside the arithmetic.
// With eight floats an iteration (forwardLoop) this halved the cost of tanh.
const LOG2E = memory.data<f64>([1.4426950408889634, 1.4426950408889634], 16);
// ln 2 split so that n * LN2_HI is exact for |n| < 2^20 (LN2_HI has 32 significant bits).
const LN2_HI = memory.data<f64>([6.93147180369123816490e-01, 6.93147180369123816490e-01], 16);
const LN2_LO = memory.data<f64>([1.90821492927058770002e-10, 1.90821492927058770002e-10], 16);
// 1.5 * 2^52: adding it to an integer-valued double leaves the integer in the low mantissa
// bits; SHIFTER_BITS is its bit pattern, so bits(n + SHIFTER) - SHIFTER_BITS = n as an i64.
const SHIFTER = memory.data<f64>([6755399441055744.0, 6755399441055744.0], 16);
const SHIFTER_BITS = memory.data<i64>([0x4338000000000000, 0x4338000000000000], 16);
const EXP_BIAS = memory.data<i64>([1023, 1023], 16);
const EXP_HI = memory.data<f64>([708.0, 708.0], 16);
const EXP_LO = memory.data<f64>([-708.0, -708.0], 16);
const ONE = memory.data<f64>([1.0, 1.0], 16);
const TWO = memory.data<f64>([2.0, 2.0], 16);
const SIX = memory.data<f64>([6.0, 6.0], 16);
const TWENTY = memory.data<f64>([20.0, 20.0], 16);
const SIGN = memory.data<f64>([-0.0, -0.0], 16);
// SELU constants, Klambauer et al. 2017, as src/net/activations.ts writes them.
const SELU_ALPHA = memory.data<f64>([1.6732632423543772848170429916717, 1.6732632423543772848170429916717], 16);
const SELU_LAMBDA = memory.data<f64>([1.0507009873554804934193349852946, 1.0507009873554804934193349852946], 16);
// lambda * alpha, the product evaluated as the registry evaluates it (in a double).
const SELU_LA = memory.data<f64>([
  1.0507009873554804934193349852946 * 1.6732632423543772848170429916717,
  1.0507009873554804934193349852946 * 1.6732632423543772848170429916717,
], 16);
// 1/j! for j = 12 down to 2, the Taylor coefficients of expm1 after the linear term.
const INV_FACT = memory.data<f64>([
  1.0 / 479001600.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 39916800.0,
  1.0 / 3628800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 362880.0,
  1.0 / 40320.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 5040.0,
  1.0 / 720.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 120.0,
  1.0 / 24.0, 1.0 / 24.0, 1.0 / 6.0, 1.0 / 6.0, 0.5, 0.5,
], 16);

// @ts-ignore: decorator
@inline function k(p: usize): v128 {
  return v128.load(p);
}

// @ts-ignore: decorator
@inline function clampExp(x: v128): v128 {
  // pmin(a, b) = b < a ? b : a and pmax likewise return a when a is NaN, so with x first a
  // NaN input stays NaN through every formula below (and each is one instruction on x64).
  return f64x2.pmax(f64x2.pmin(x, k(EXP_HI)), k(EXP_LO));
}

/** n = round(x / ln 2), as integer-valued doubles. */
// @ts-ignore: decorator
@inline function expN(x: v128): v128 {
  return f64x2.nearest(f64x2.mul(x, k(LOG2E)));
}

/**
 * q = expm1(r) for r = x - n ln2, |r| <= ln2/2, by the Taylor series to r^12 (truncation below
 * 2e-16 relative): r (1 + r (1/2! + r (1/3! + ... + r / 12!))).
 */
// @ts-ignore: decorator
@inline function expQ(x: v128, n: v128): v128 {
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, k(LN2_HI))), f64x2.mul(n, k(LN2_LO)));
  let q = k(INV_FACT); // 1/12!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 16)); // 1/11!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 32)); // 1/10!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 48)); // 1/9!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 64)); // 1/8!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 80)); // 1/7!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 96)); // 1/6!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 112)); // 1/5!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 128)); // 1/4!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 144)); // 1/3!
  q = f64x2.add(f64x2.mul(q, r), k(INV_FACT + 160)); // 1/2!
  return f64x2.mul(f64x2.add(f64x2.mul(q, r), k(ONE)), r);
}

/** 2^n from the bits, (n + 1023) << 52, n read back exactly through the 1.5 * 2^52 shifter. */
// @ts-ignore: decorator
@inline function pow2(n: v128): v128 {
  const e = i64x2.sub(f64x2.add(n, k(SHIFTER)), k(SHIFTER_BITS));
  return i64x2.shl(i64x2.add(e, k(EXP_BIAS)), 52);
}

/**
 * expm1(x) = 2^n q + (2^n - 1), x clamped to [-708, 708]. For |x| < ln2/2, n = 0 and the
 * result is q itself, so small arguments keep full relative accuracy (no e^x - 1 cancellation).
 */
// @ts-ignore: decorator
@inline function expm1v(x0: v128): v128 {
  const x = clampExp(x0);
  const n = expN(x);
  const s = pow2(n);
  return f64x2.add(f64x2.mul(s, expQ(x, n)), f64x2.sub(s, k(ONE)));
}

/**
 * exp(x) = 2^n (1 + q) for x in [-708, 708] (x clamped above), and exactly 0 below -708, as
 * Math.exp is for x < -745; in between, where Math.exp returns a subnormal double, both round
 * to float32 zero. The exact zero keeps products such as silu(-inf) = -inf * 0 = NaN the same.
 */
// @ts-ignore: decorator
@inline function expv(x0: v128): v128 {
  const x = clampExp(x0);
  const n = expN(x);
  const e = f64x2.mul(pow2(n), f64x2.add(expQ(x, n), k(ONE)));
  return v128.andnot(e, f64x2.lt(x0, k(EXP_LO)));
}

/** sigmoid(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) otherwise, e = exp(-|x|). */
// @ts-ignore: decorator
@inline function sigmoidv(x: v128): v128 {
  const e = expv(f64x2.neg(f64x2.abs(x)));
  const d = f64x2.add(k(ONE), e);
  const pos = f64x2.div(k(ONE), d);
  const neg = f64x2.div(e, d);
  return v128.bitselect(pos, neg, f64x2.ge(x, f64x2.splat(0.0)));
}

/** a = f(z) on two doubles; `kind` is a constant in each caller (forwardTanh, ...), so this folds. */
// @ts-ignore: decorator
@inline function forwardv(kind: i32, x: v128, alpha: v128): v128 {
  const zero = f64x2.splat(0.0);
  const pos = f64x2.gt(x, zero);
  if (kind == 0) return x;
  // relu and relu6 pass NaN through (the registry's rule, so divergence stays visible):
  // they select on x <= 0, which is false for NaN.
  if (kind == 1) return v128.bitselect(zero, x, f64x2.le(x, zero));
  if (kind == 2) return v128.bitselect(x, f64x2.mul(alpha, x), pos);
  if (kind == 3) {
    // tanh|x| = em / (em + 2), em = expm1(2|x|), |x| capped at 20 (tanh 20 = 1 - 8e-18);
    // the sign is copied back from x, so tanh is odd to the bit.
    const ax = f64x2.pmin(f64x2.abs(x), k(TWENTY));
    const em = expm1v(f64x2.add(ax, ax));
    const t = f64x2.div(em, f64x2.add(em, k(TWO)));
    return v128.or(t, v128.and(x, k(SIGN)));
  }
  if (kind == 4) return sigmoidv(x);
  if (kind == 5) return v128.bitselect(x, f64x2.mul(alpha, expm1v(x)), pos);
  if (kind == 6) {
    const neg = f64x2.mul(k(SELU_ALPHA), expm1v(x));
    return f64x2.mul(k(SELU_LAMBDA), v128.bitselect(x, neg, pos));
  }
  if (kind == 7) {
    const six = k(SIX);
    const capped = v128.bitselect(six, x, f64x2.ge(x, six));
    return v128.bitselect(zero, capped, f64x2.le(x, zero));
  }
  if (kind == 8) return f64x2.div(x, f64x2.add(k(ONE), f64x2.abs(x)));
  // kind == 9, silu
  return f64x2.mul(x, sigmoidv(x));
}

/** f'(z) given z and the cached a = f(z), on two doubles. */
// @ts-ignore: decorator
@inline function derivv(kind: i32, x: v128, y: v128, alpha: v128): v128 {
  const zero = f64x2.splat(0.0);
  const one = k(ONE);
  const pos = f64x2.gt(x, zero);
  if (kind == 0) return one;
  if (kind == 1) return v128.bitselect(one, zero, pos);
  if (kind == 2) return v128.bitselect(one, alpha, pos);
  if (kind == 3) return f64x2.sub(one, f64x2.mul(y, y));
  if (kind == 4) return f64x2.mul(y, f64x2.sub(one, y));
  if (kind == 5) return v128.bitselect(one, f64x2.add(y, alpha), pos);
  if (kind == 6) {
    return v128.bitselect(k(SELU_LAMBDA), f64x2.add(y, k(SELU_LA)), pos);
  }
  if (kind == 7) return v128.bitselect(one, zero, v128.and(pos, f64x2.lt(x, k(SIX))));
  if (kind == 8) {
    const d = f64x2.add(one, f64x2.abs(x));
    return f64x2.div(one, f64x2.mul(d, d));
  }
  // kind == 9, silu: s (1 + x (1 - s)), s = sigmoid(x) recomputed as the registry does.
  const s = sigmoidv(x);
  return f64x2.mul(s, f64x2.add(one, f64x2.mul(x, f64x2.sub(one, s))));
}

// @ts-ignore: decorator
@inline function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}
// Rounds two f64x2 to one f32x4 (lanes of a, then lanes of b).
// @ts-ignore: decorator
@inline function pack(a: v128, b: v128): v128 {
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 2);
}
// One float32 at p, as the low double of an f64x2.
// @ts-ignore: decorator
@inline function one32(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load32_zero(p));
}
// @ts-ignore: decorator
@inline function storeOne32(p: usize, v: v128): void {
  v128.store32_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

// Sixteen floats an iteration: eight independent f64x2 chains give the out-of-order core work
// to overlap (V8 does not schedule instructions). Four chains measured 2-3x faster than one;
// eight are 20% faster again on tanh, 5-12% on sigmoid, elu, selu and silu, the same on the
// cheap kinds; sixteen spill and lose (tanh 3.5 -> 2.8 -> 3.8 ns an element). The order of the
// independent chains does not change any result.
// @ts-ignore: decorator
@inline function forwardLoop(kind: i32, z: usize, a: usize, n: i32, alpha: f64): void {
  const al = f64x2.splat(alpha);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i * 4;
    const v0 = v128.load(z + o);
    const v1 = v128.load(z + o, 16);
    const v2 = v128.load(z + o, 32);
    const v3 = v128.load(z + o, 48);
    const r0 = forwardv(kind, lo(v0), al);
    const r1 = forwardv(kind, hi(v0), al);
    const r2 = forwardv(kind, lo(v1), al);
    const r3 = forwardv(kind, hi(v1), al);
    const r4 = forwardv(kind, lo(v2), al);
    const r5 = forwardv(kind, hi(v2), al);
    const r6 = forwardv(kind, lo(v3), al);
    const r7 = forwardv(kind, hi(v3), al);
    v128.store(a + o, pack(r0, r1));
    v128.store(a + o, pack(r2, r3), 16);
    v128.store(a + o, pack(r4, r5), 32);
    v128.store(a + o, pack(r6, r7), 48);
  }
  // The last n mod 16 one at a time (each lane's arithmetic is the same either way).
  for (; i < n; i++) {
    const o = <usize>i * 4;
    storeOne32(a + o, forwardv(kind, one32(z + o), al));
  }
}

// @ts-ignore: decorator
@inline function backwardLoop(kind: i32, z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void {
  const al = f64x2.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const zv = v128.load(z + o);
    const av = v128.load(a + o);
    const gv = v128.load(da + o);
    const d0 = f64x2.mul(lo(gv), derivv(kind, lo(zv), lo(av), al));
    const d1 = f64x2.mul(hi(gv), derivv(kind, hi(zv), hi(av), al));
    v128.store(dz + o, pack(d0, d1));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    storeOne32(dz + o, f64x2.mul(one32(da + o), derivv(kind, one32(z + o), one32(a + o), al)));
  }
}

// One function per activation, so that inside each the kind is a constant and Binaryen folds
// the per-element dispatch away (inlined into one switch, the dispatch stayed in the loop).

function forwardIdentity(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(0, z, a, n, alpha); }
function forwardRelu(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(1, z, a, n, alpha); }
function forwardLeakyRelu(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(2, z, a, n, alpha); }
function forwardTanh(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(3, z, a, n, alpha); }
function forwardSigmoid(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(4, z, a, n, alpha); }
function forwardElu(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(5, z, a, n, alpha); }
function forwardSelu(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(6, z, a, n, alpha); }
function forwardRelu6(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(7, z, a, n, alpha); }
function forwardSoftsign(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(8, z, a, n, alpha); }
function forwardSilu(z: usize, a: usize, n: i32, alpha: f64): void { forwardLoop(9, z, a, n, alpha); }
function backwardIdentity(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(0, z, a, da, dz, n, alpha); }
function backwardRelu(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(1, z, a, da, dz, n, alpha); }
function backwardLeakyRelu(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(2, z, a, da, dz, n, alpha); }
function backwardTanh(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(3, z, a, da, dz, n, alpha); }
function backwardSigmoid(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(4, z, a, da, dz, n, alpha); }
function backwardElu(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(5, z, a, da, dz, n, alpha); }
function backwardSelu(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(6, z, a, da, dz, n, alpha); }
function backwardRelu6(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(7, z, a, da, dz, n, alpha); }
function backwardSoftsign(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(8, z, a, da, dz, n, alpha); }
function backwardSilu(z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void { backwardLoop(9, z, a, da, dz, n, alpha); }

/** a[i] = f(z[i]) for i < n, float32 in and out; `alpha` is leaky_relu's or elu's parameter. */
export function activationForward(kind: i32, z: usize, a: usize, n: i32, alpha: f64): void {
  switch (kind) {
    case 0: forwardIdentity(z, a, n, alpha); break;
    case 1: forwardRelu(z, a, n, alpha); break;
    case 2: forwardLeakyRelu(z, a, n, alpha); break;
    case 3: forwardTanh(z, a, n, alpha); break;
    case 4: forwardSigmoid(z, a, n, alpha); break;
    case 5: forwardElu(z, a, n, alpha); break;
    case 6: forwardSelu(z, a, n, alpha); break;
    case 7: forwardRelu6(z, a, n, alpha); break;
    case 8: forwardSoftsign(z, a, n, alpha); break;
    case 9: forwardSilu(z, a, n, alpha); break;
    default: unreachable();
  }
}

/** dz[i] = da[i] * f'(z[i]) (using a[i] = f(z[i]) where the derivative reuses it), i < n. */
export function activationBackward(kind: i32, z: usize, a: usize, da: usize, dz: usize, n: i32, alpha: f64): void {
  switch (kind) {
    case 0: backwardIdentity(z, a, da, dz, n, alpha); break;
    case 1: backwardRelu(z, a, da, dz, n, alpha); break;
    case 2: backwardLeakyRelu(z, a, da, dz, n, alpha); break;
    case 3: backwardTanh(z, a, da, dz, n, alpha); break;
    case 4: backwardSigmoid(z, a, da, dz, n, alpha); break;
    case 5: backwardElu(z, a, da, dz, n, alpha); break;
    case 6: backwardSelu(z, a, da, dz, n, alpha); break;
    case 7: backwardRelu6(z, a, da, dz, n, alpha); break;
    case 8: backwardSoftsign(z, a, da, dz, n, alpha); break;
    case 9: backwardSilu(z, a, da, dz, n, alpha); break;
    default: unreachable();
  }
}

/** w[i] -= lr (g[i] + wd w[i]) for i < n, in doubles, as the sgd optimizer's loop. */
export function sgdStep(w: usize, g: usize, n: i32, lr: f64, wd: f64): void {
  const lrv = f64x2.splat(lr);
  const wdv = f64x2.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const wv = v128.load(w + o);
    const gv = v128.load(g + o);
    const w0 = lo(wv);
    const w1 = hi(wv);
    const u0 = f64x2.sub(w0, f64x2.mul(lrv, f64x2.add(lo(gv), f64x2.mul(wdv, w0))));
    const u1 = f64x2.sub(w1, f64x2.mul(lrv, f64x2.add(hi(gv), f64x2.mul(wdv, w1))));
    v128.store(w + o, pack(u0, u1));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const wv = one32(w + o);
    storeOne32(w + o, f64x2.sub(wv, f64x2.mul(lrv, f64x2.add(one32(g + o), f64x2.mul(wdv, wv)))));
  }
}

/**
 * out[i] = x[i] + alpha y[i] over n elements, in f64 and rounded once to float32: a residual
 * connection's h_l = h_{l-1} + alpha a_l, and with alpha = 1 its backward dx += d (1 y is y).
 * out may be x.
 */
export function axpy(out: usize, x: usize, y: usize, n: i32, alpha: f64): void {
  const av = f64x2.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const xv = v128.load(x + o);
    const yv = v128.load(y + o);
    v128.store(out + o, pack(f64x2.add(lo(xv), f64x2.mul(av, lo(yv))), f64x2.add(hi(xv), f64x2.mul(av, hi(yv)))));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    storeOne32(out + o, f64x2.add(one32(x + o), f64x2.mul(av, one32(y + o))));
  }
}

/** out[i] = alpha x[i] over n elements, in f64 and rounded once: a residual layer's da = alpha dL/dh. */
export function scale(out: usize, x: usize, n: i32, alpha: f64): void {
  const av = f64x2.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const xv = v128.load(x + o);
    v128.store(out + o, pack(f64x2.mul(av, lo(xv)), f64x2.mul(av, hi(xv))));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    storeOne32(out + o, f64x2.mul(av, one32(x + o)));
  }
}

/**
 * Adam's update over n elements, as the adam optimizer's loop (src/net/optimizers.ts), in f64
 * and rounded once where it stores: g = grad + wd w; m = b1 m + c1 g; v = b2 v + (c2 g) g;
 * w -= (stepSize m) / (sqrt(v) / bc2Sqrt + eps), with c1 = 1 - b1, c2 = 1 - b2 and the new m, v
 * unrounded in the last line.
 */
export function adamStep(w: usize, g: usize, m: usize, v: usize, n: i32, b1: f64, b2: f64, c1: f64, c2: f64,
  eps: f64, stepSize: f64, bc2Sqrt: f64, wd: f64): void {
  const B1 = f64x2.splat(b1);
  const B2 = f64x2.splat(b2);
  const C1 = f64x2.splat(c1);
  const C2 = f64x2.splat(c2);
  const E = f64x2.splat(eps);
  const S = f64x2.splat(stepSize);
  const Q = f64x2.splat(bc2Sqrt);
  const D = f64x2.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const wv = v128.load(w + o);
    const gv = v128.load(g + o);
    const mv = v128.load(m + o);
    const vv = v128.load(v + o);
    const w0 = lo(wv);
    const w1 = hi(wv);
    const g0 = f64x2.add(lo(gv), f64x2.mul(D, w0));
    const g1 = f64x2.add(hi(gv), f64x2.mul(D, w1));
    const m0 = f64x2.add(f64x2.mul(B1, lo(mv)), f64x2.mul(C1, g0));
    const m1 = f64x2.add(f64x2.mul(B1, hi(mv)), f64x2.mul(C1, g1));
    const v0 = f64x2.add(f64x2.mul(B2, lo(vv)), f64x2.mul(f64x2.mul(C2, g0), g0));
    const v1 = f64x2.add(f64x2.mul(B2, hi(vv)), f64x2.mul(f64x2.mul(C2, g1), g1));
    v128.store(m + o, pack(m0, m1));
    v128.store(v + o, pack(v0, v1));
    const u0 = f64x2.div(f64x2.mul(S, m0), f64x2.add(f64x2.div(f64x2.sqrt(v0), Q), E));
    const u1 = f64x2.div(f64x2.mul(S, m1), f64x2.add(f64x2.div(f64x2.sqrt(v1), Q), E));
    v128.store(w + o, pack(f64x2.sub(w0, u0), f64x2.sub(w1, u1)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const w0 = one32(w + o);
    const g0 = f64x2.add(one32(g + o), f64x2.mul(D, w0));
    const m0 = f64x2.add(f64x2.mul(B1, one32(m + o)), f64x2.mul(C1, g0));
    const v0 = f64x2.add(f64x2.mul(B2, one32(v + o)), f64x2.mul(f64x2.mul(C2, g0), g0));
    storeOne32(m + o, m0);
    storeOne32(v + o, v0);
    storeOne32(w + o, f64x2.sub(w0, f64x2.div(f64x2.mul(S, m0), f64x2.add(f64x2.div(f64x2.sqrt(v0), Q), E))));
  }
}

/**
 * SGD with momentum over n elements, as the momentum optimizer's loop, in f64 and rounded once
 * where it stores: vel = mu vel + grad + wd w, w -= lr vel; or, nesterov, g = grad + wd w,
 * vel = mu vel + g, w -= lr (g + mu vel); the new vel unrounded in the last step.
 */
export function momentumStep(w: usize, g: usize, vel: usize, n: i32, mu: f64, lr: f64, wd: f64, nesterov: bool): void {
  const M = f64x2.splat(mu);
  const L = f64x2.splat(lr);
  const D = f64x2.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const wv = v128.load(w + o);
    const gv = v128.load(g + o);
    const vv = v128.load(vel + o);
    const w0 = lo(wv);
    const w1 = hi(wv);
    if (nesterov) {
      const g0 = f64x2.add(lo(gv), f64x2.mul(D, w0));
      const g1 = f64x2.add(hi(gv), f64x2.mul(D, w1));
      const v0 = f64x2.add(f64x2.mul(M, lo(vv)), g0);
      const v1 = f64x2.add(f64x2.mul(M, hi(vv)), g1);
      v128.store(vel + o, pack(v0, v1));
      v128.store(w + o, pack(f64x2.sub(w0, f64x2.mul(L, f64x2.add(g0, f64x2.mul(M, v0)))),
        f64x2.sub(w1, f64x2.mul(L, f64x2.add(g1, f64x2.mul(M, v1))))));
    } else {
      const v0 = f64x2.add(f64x2.add(f64x2.mul(M, lo(vv)), lo(gv)), f64x2.mul(D, w0));
      const v1 = f64x2.add(f64x2.add(f64x2.mul(M, hi(vv)), hi(gv)), f64x2.mul(D, w1));
      v128.store(vel + o, pack(v0, v1));
      v128.store(w + o, pack(f64x2.sub(w0, f64x2.mul(L, v0)), f64x2.sub(w1, f64x2.mul(L, v1))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const w0 = one32(w + o);
    if (nesterov) {
      const g0 = f64x2.add(one32(g + o), f64x2.mul(D, w0));
      const v0 = f64x2.add(f64x2.mul(M, one32(vel + o)), g0);
      storeOne32(vel + o, v0);
      storeOne32(w + o, f64x2.sub(w0, f64x2.mul(L, f64x2.add(g0, f64x2.mul(M, v0)))));
    } else {
      const v0 = f64x2.add(f64x2.add(f64x2.mul(M, one32(vel + o)), one32(g + o)), f64x2.mul(D, w0));
      storeOne32(vel + o, v0);
      storeOne32(w + o, f64x2.sub(w0, f64x2.mul(L, v0)));
    }
  }
}
