// Batch and layer normalization over float32 buffers (src/net/norm.ts holds the TypeScript
// original, which runs where this does not apply: float64, the ts kernel, buffers outside a
// kernel memory; its header gives the formulas).
//
// Same bits as the original: every formula is evaluated in f64 on the float32 values, in the
// original's order, and rounded once to float32 where it stores; each sum keeps its order (a
// unit's rows from r = 0, a row's units from c = 0). Batch norm runs two units at a time, one
// in each f64x2 lane (the lanes never mix); where the original reads back a float32 statistic
// (batch norm's mean and 1/std) this does too.
//
// The parameters live in memory as an f64 block, NORM_* below (byte offsets), so that a thread
// handed a range of units or rows finds everything else there.

// @ts-ignore: decorator
@inline const NORM_X: usize = 0; // z (forward) or dn (backward), [rows, C]
// @ts-ignore: decorator
@inline const NORM_Y: usize = 8; // n (forward) or dz (backward), [rows, C]
// @ts-ignore: decorator
@inline const NORM_XHAT: usize = 16; // [rows, C]
// @ts-ignore: decorator
@inline const NORM_MEAN: usize = 24; // [C] (batch) or [rows] (layer)
// @ts-ignore: decorator
@inline const NORM_INVSTD: usize = 32; // [C] (batch) or [rows] (layer)
// @ts-ignore: decorator
@inline const NORM_GAMMA: usize = 40;
// @ts-ignore: decorator
@inline const NORM_BETA: usize = 48;
// @ts-ignore: decorator
@inline const NORM_RMEAN: usize = 56; // running mean [C] (batch only)
// @ts-ignore: decorator
@inline const NORM_RVAR: usize = 64; // running variance [C] (batch only)
// @ts-ignore: decorator
@inline const NORM_DGAMMA: usize = 72;
// @ts-ignore: decorator
@inline const NORM_DBETA: usize = 80;
// @ts-ignore: decorator
@inline const NORM_ROWS: usize = 88;
// @ts-ignore: decorator
@inline const NORM_UNITS: usize = 96;
// @ts-ignore: decorator
@inline const NORM_MODE: usize = 104; // 0 train, 1 eval, 2 probe (ForwardMode)
// @ts-ignore: decorator
@inline const NORM_EPS: usize = 112;
// @ts-ignore: decorator
@inline const NORM_MOMENTUM: usize = 120;

/** Bytes of the parameter block. */
export function normParamBytes(): usize {
  return 128;
}

// @ts-ignore: decorator
@inline function ptr(p: usize, slot: usize): usize {
  return <usize>load<f64>(p + slot);
}

/** Units c, c+1 (only c when `single`) of a float32 row, as f64x2. */
// @ts-ignore: decorator
@inline function ld2(q: usize, single: bool): v128 {
  return f64x2.promote_low_f32x4(single ? v128.load32_zero(q) : v128.load64_zero(q));
}

/** Stores f64x2 v rounded to float32 at units c, c+1 (only c when `single`). */
// @ts-ignore: decorator
@inline function st2(q: usize, v: v128, single: bool): void {
  const w = f32x4.demote_f64x2_zero(v);
  if (single) v128.store32_lane(q, w, 0);
  else v128.store64_lane(q, w, 0);
}

/**
 * Batch norm forward on units [c0, c1): mean and 1/std per unit over the rows (train, probe)
 * or from the running statistics (eval), the running statistics' update (train, rows > 1),
 * then xhat = (z - mean) (1/std) and n = gamma xhat + beta with mean and 1/std as stored.
 */
function batchForward(p: usize, c0: i32, c1: i32): void {
  const z = ptr(p, NORM_X);
  const n = ptr(p, NORM_Y);
  const xhat = ptr(p, NORM_XHAT);
  const mean = ptr(p, NORM_MEAN);
  const invstd = ptr(p, NORM_INVSTD);
  const g = ptr(p, NORM_GAMMA);
  const b = ptr(p, NORM_BETA);
  const rm = ptr(p, NORM_RMEAN);
  const rv = ptr(p, NORM_RVAR);
  const rows = <i32>load<f64>(p + NORM_ROWS);
  const stride = <usize>(<i32>load<f64>(p + NORM_UNITS)) * 4;
  const mode = <i32>load<f64>(p + NORM_MODE);
  const m = load<f64>(p + NORM_MOMENTUM);
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const eps = f64x2.splat(load<f64>(p + NORM_EPS));
  const rowsV = f64x2.splat(<f64>rows);
  const keep = f64x2.splat(1 - m);
  const mV = f64x2.splat(m);
  const bessel = f64x2.splat(<f64>(rows - 1));
  for (let c = c0; c < c1; c += 2) {
    const single = c1 - c == 1;
    const off = <usize>c * 4;
    if (mode == 1) {
      st2(mean + off, ld2(rm + off, single), single);
      st2(invstd + off, f64x2.div(one, f64x2.sqrt(f64x2.add(ld2(rv + off, single), eps))), single);
    } else {
      let s = zero;
      let q = z + off;
      for (let r = 0; r < rows; r++, q += stride) s = f64x2.add(s, ld2(q, single));
      const mu = rows > 0 ? f64x2.div(s, rowsV) : zero;
      let s2 = zero;
      q = z + off;
      for (let r = 0; r < rows; r++, q += stride) {
        const d = f64x2.sub(ld2(q, single), mu);
        s2 = f64x2.add(s2, f64x2.mul(d, d));
      }
      st2(mean + off, mu, single);
      const v = rows > 0 ? f64x2.div(s2, rowsV) : zero;
      st2(invstd + off, f64x2.div(one, f64x2.sqrt(f64x2.add(v, eps))), single);
      if (mode == 0 && rows > 1) {
        // running <- (1 - m) running + m mu;  running var <- (1 - m) running var + (m sum d^2) / (rows - 1)
        st2(rm + off, f64x2.add(f64x2.mul(keep, ld2(rm + off, single)), f64x2.mul(mV, mu)), single);
        st2(rv + off, f64x2.add(f64x2.mul(keep, ld2(rv + off, single)), f64x2.div(f64x2.mul(mV, s2), bessel)), single);
      }
    }
    const mu = ld2(mean + off, single);
    const is = ld2(invstd + off, single);
    const gc = ld2(g + off, single);
    const bc = ld2(b + off, single);
    let q = off;
    for (let r = 0; r < rows; r++, q += stride) {
      const x = f64x2.mul(f64x2.sub(ld2(z + q, single), mu), is);
      st2(xhat + q, x, single);
      st2(n + q, f64x2.add(f64x2.mul(gc, x), bc), single);
    }
  }
}

/**
 * On units [c0, c1): dbeta = sum_r dn, dgamma = sum_r dn xhat (both norms); then, unless
 * `sumsOnly` (layer norm), batch norm's dz = gamma (1/std) dn (eval) or
 * (gamma (1/std) / rows) (rows dn - dbeta - xhat dgamma), with the sums unrounded.
 */
function unitsBackward(p: usize, c0: i32, c1: i32, sumsOnly: bool): void {
  const dn = ptr(p, NORM_X);
  const dz = ptr(p, NORM_Y);
  const xhat = ptr(p, NORM_XHAT);
  const invstd = ptr(p, NORM_INVSTD);
  const g = ptr(p, NORM_GAMMA);
  const dg = ptr(p, NORM_DGAMMA);
  const db = ptr(p, NORM_DBETA);
  const rows = <i32>load<f64>(p + NORM_ROWS);
  const stride = <usize>(<i32>load<f64>(p + NORM_UNITS)) * 4;
  const evalMode = <i32>load<f64>(p + NORM_MODE) == 1;
  const zero = f64x2.splat(0);
  const rowsV = f64x2.splat(<f64>rows);
  for (let c = c0; c < c1; c += 2) {
    const single = c1 - c == 1;
    const off = <usize>c * 4;
    let s = zero;
    let s2 = zero;
    let q = off;
    for (let r = 0; r < rows; r++, q += stride) {
      const d = ld2(dn + q, single);
      s = f64x2.add(s, d);
      s2 = f64x2.add(s2, f64x2.mul(d, ld2(xhat + q, single)));
    }
    st2(db + off, s, single);
    st2(dg + off, s2, single);
    if (sumsOnly) continue;
    const gi = f64x2.mul(ld2(g + off, single), ld2(invstd + off, single));
    q = off;
    if (evalMode) {
      for (let r = 0; r < rows; r++, q += stride) st2(dz + q, f64x2.mul(gi, ld2(dn + q, single)), single);
    } else {
      const k = f64x2.div(gi, rowsV);
      for (let r = 0; r < rows; r++, q += stride) {
        const t = f64x2.sub(f64x2.sub(f64x2.mul(rowsV, ld2(dn + q, single)), s), f64x2.mul(ld2(xhat + q, single), s2));
        st2(dz + q, f64x2.mul(k, t), single);
      }
    }
  }
}

/** Layer norm forward on rows [r0, r1): mean and 1/std over the row's units, xhat, n = gamma xhat + beta. */
function layerForward(p: usize, r0: i32, r1: i32): void {
  const z = ptr(p, NORM_X);
  const n = ptr(p, NORM_Y);
  const xhat = ptr(p, NORM_XHAT);
  const mean = ptr(p, NORM_MEAN);
  const invstd = ptr(p, NORM_INVSTD);
  const g = ptr(p, NORM_GAMMA);
  const b = ptr(p, NORM_BETA);
  const C = <i32>load<f64>(p + NORM_UNITS);
  const eps = load<f64>(p + NORM_EPS);
  const units = <f64>C;
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * <usize>C * 4;
    let s: f64 = 0;
    for (let c = 0; c < C; c++) s += <f64>load<f32>(z + o + (<usize>c << 2));
    const mu = s / units;
    let ss: f64 = 0;
    for (let c = 0; c < C; c++) {
      const d = <f64>load<f32>(z + o + (<usize>c << 2)) - mu;
      ss += d * d;
    }
    const is = 1 / Math.sqrt(ss / units + eps);
    store<f32>(mean + (<usize>r << 2), <f32>mu);
    store<f32>(invstd + (<usize>r << 2), <f32>is);
    for (let c = 0; c < C; c++) {
      const e = o + (<usize>c << 2);
      const x = (<f64>load<f32>(z + e) - mu) * is;
      store<f32>(xhat + e, <f32>x);
      store<f32>(n + e, <f32>(<f64>load<f32>(g + (<usize>c << 2)) * x + <f64>load<f32>(b + (<usize>c << 2))));
    }
  }
}

/**
 * Layer norm's dz on rows [r0, r1): with gd = gamma dn, s1 = sum_c gd and s2 = sum_c gd xhat,
 * dz = ((1/std) / C) (C gamma dn - s1 - xhat s2).
 */
function layerBackward(p: usize, r0: i32, r1: i32): void {
  const dn = ptr(p, NORM_X);
  const dz = ptr(p, NORM_Y);
  const xhat = ptr(p, NORM_XHAT);
  const invstd = ptr(p, NORM_INVSTD);
  const g = ptr(p, NORM_GAMMA);
  const C = <i32>load<f64>(p + NORM_UNITS);
  const units = <f64>C;
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * <usize>C * 4;
    let s1: f64 = 0;
    let s2: f64 = 0;
    for (let c = 0; c < C; c++) {
      const e = o + (<usize>c << 2);
      const gd = <f64>load<f32>(g + (<usize>c << 2)) * <f64>load<f32>(dn + e);
      s1 += gd;
      s2 += gd * <f64>load<f32>(xhat + e);
    }
    const k = <f64>load<f32>(invstd + (<usize>r << 2)) / units;
    for (let c = 0; c < C; c++) {
      const e = o + (<usize>c << 2);
      const gc = <f64>load<f32>(g + (<usize>c << 2));
      store<f32>(dz + e, <f32>(k * (units * gc * <f64>load<f32>(dn + e) - s1 - <f64>load<f32>(xhat + e) * s2)));
    }
  }
}

/**
 * One part of a norm pass, on the parameter block at p: `which` 0, batch norm forward on units
 * [i0, i1); 1, batch norm backward on units [i0, i1); 2, layer norm forward on rows [i0, i1);
 * 3, the gradient sums dgamma and dbeta alone on units [i0, i1); 4, layer norm's dz on rows
 * [i0, i1). Parts on disjoint ranges touch disjoint outputs, so threads may run them at once.
 */
export function normPass(which: i32, p: usize, i0: i32, i1: i32): void {
  if (which == 0) batchForward(p, i0, i1);
  else if (which == 1) unitsBackward(p, i0, i1, false);
  else if (which == 2) layerForward(p, i0, i1);
  else if (which == 3) unitsBackward(p, i0, i1, true);
  else layerBackward(p, i0, i1);
}
