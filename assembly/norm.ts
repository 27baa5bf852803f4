// Batch and layer normalization over float32 buffers (src/net/norm.ts holds the TypeScript
// original, which runs where this does not apply: float64, the ts kernel, buffers outside a
// kernel memory; its header gives the formulas).
//
// Same bits as the original: every formula is evaluated in f64 on the float32 values, in the
// original's order, and rounded once to float32 where it stores; each sum keeps its order (a
// unit's rows from r = 0, a row's units from c = 0). Batch norm runs two units at a time, one
// in each f64x2 lane, and layer norm four rows (the lanes never mix); where the original reads
// back a float32 statistic (batch norm's mean and 1/std) this does too.
//
// The parameters live in memory as a block of 8-byte slots, NORM_* below (byte offsets): the
// pointers and counts as i32 in a slot's first 4 bytes (an f64 converted in a loop costs),
// eps and the momentum as f64. A thread handed a range of units or rows finds everything else
// there. Batch norm's per-unit f64 sums follow the block; threads on disjoint units write
// disjoint sums.

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
/** Batch norm's f64 sums per unit start here: units of them, then units more. */
// @ts-ignore: decorator
@inline const NORM_ACC: usize = 128;

/** Bytes of one array of per-unit f64 sums (rounded up to whole pairs, so each pair is 16-byte aligned). */
// @ts-ignore: decorator
@inline function accBytes(units: i32): usize {
  return <usize>((units + 1) & ~1) * 8;
}

/** Bytes of the parameter block and the two arrays of sums after it, for `units` units. */
export function normParamBytes(units: i32): usize {
  return NORM_ACC + 2 * accBytes(units);
}

// @ts-ignore: decorator
@inline function ptr(p: usize, slot: usize): usize {
  return <usize>load<u32>(p + slot);
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

// Per-pair steps of the row-by-row passes below, at units c, c+1 (only c when `single`): each
// pass runs them over the whole pairs and then, with `single` a constant true, over an odd last
// unit, so the inner loops have no branch.

/** Stores f64x2 v at a (units c, c+1), or only its lane 0 when `single`: nothing past the range's last unit. */
// @ts-ignore: decorator
@inline function stAcc(a: usize, v: v128, single: bool): void {
  if (single) v128.store64_lane(a, v, 0);
  else v128.store(a, v);
}

/** acc[c] += z[c] */
// @ts-ignore: decorator
@inline function sumStep(acc: usize, row: usize, c: i32, single: bool): void {
  const a = acc + <usize>c * 8;
  stAcc(a, f64x2.add(v128.load(a), ld2(row + <usize>c * 4, single)), single);
}

/** acc2[c] += (z[c] - acc[c])^2 */
// @ts-ignore: decorator
@inline function squareStep(acc: usize, acc2: usize, row: usize, c: i32, single: bool): void {
  const a2 = acc2 + <usize>c * 8;
  const d = f64x2.sub(ld2(row + <usize>c * 4, single), v128.load(acc + <usize>c * 8));
  stAcc(a2, f64x2.add(v128.load(a2), f64x2.mul(d, d)), single);
}

/** xhat = (z - mean[c]) invstd[c], n = gamma[c] xhat + beta[c] (o: the row's byte offset) */
// @ts-ignore: decorator
@inline function normalizeStep(z: usize, n: usize, xhat: usize, mean: usize, invstd: usize, g: usize, b: usize, o: usize, c: i32, single: bool): void {
  const off = <usize>c * 4;
  const x = f64x2.mul(f64x2.sub(ld2(z + o + off, single), ld2(mean + off, single)), ld2(invstd + off, single));
  st2(xhat + o + off, x, single);
  st2(n + o + off, f64x2.add(f64x2.mul(ld2(g + off, single), x), ld2(b + off, single)), single);
}

/** acc[c] += dn[c], acc2[c] += dn[c] xhat[c] */
// @ts-ignore: decorator
@inline function gradSumStep(acc: usize, acc2: usize, dn: usize, xhat: usize, o: usize, c: i32, single: bool): void {
  const e = o + <usize>c * 4;
  const a = acc + <usize>c * 8;
  const a2 = acc2 + <usize>c * 8;
  const d = ld2(dn + e, single);
  stAcc(a, f64x2.add(v128.load(a), d), single);
  stAcc(a2, f64x2.add(v128.load(a2), f64x2.mul(d, ld2(xhat + e, single))), single);
}

/** Batch norm's dz[c]: gamma (1/std) dn (eval), or (gamma (1/std) / rows) (rows dn - acc - xhat acc2). */
// @ts-ignore: decorator
@inline function batchDzStep(dn: usize, dz: usize, xhat: usize, g: usize, invstd: usize, acc: usize, acc2: usize,
  rowsV: v128, evalMode: bool, o: usize, c: i32, single: bool): void {
  const off = <usize>c * 4;
  const gi = f64x2.mul(ld2(g + off, single), ld2(invstd + off, single));
  const d = ld2(dn + o + off, single);
  if (evalMode) {
    st2(dz + o + off, f64x2.mul(gi, d), single);
  } else {
    const t = f64x2.sub(f64x2.sub(f64x2.mul(rowsV, d), v128.load(acc + <usize>c * 8)),
      f64x2.mul(ld2(xhat + o + off, single), v128.load(acc2 + <usize>c * 8)));
    st2(dz + o + off, f64x2.mul(f64x2.div(gi, rowsV), t), single);
  }
}

/**
 * Batch norm forward on units [c0, c1): mean and 1/std per unit over the rows (train, probe)
 * or from the running statistics (eval), the running statistics' update (train, rows > 1),
 * then xhat = (z - mean) (1/std) and n = gamma xhat + beta with mean and 1/std as stored.
 * The passes go row by row (a unit's rows in order into its f64 sum at NORM_ACC), which reads
 * memory in order; a unit at a time would stride by a whole row.
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
  const rows = load<i32>(p + NORM_ROWS);
  const C = load<i32>(p + NORM_UNITS);
  const stride = <usize>C * 4;
  const mode = load<i32>(p + NORM_MODE);
  const m = load<f64>(p + NORM_MOMENTUM);
  const acc = p + NORM_ACC;
  const acc2 = acc + accBytes(C);
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const eps = f64x2.splat(load<f64>(p + NORM_EPS));
  const rowsV = f64x2.splat(<f64>rows);
  const keep = f64x2.splat(1 - m);
  const mV = f64x2.splat(m);
  const bessel = f64x2.splat(<f64>(rows - 1));
  const pairsEnd = c1 - ((c1 - c0) & 1);
  if (mode == 1) {
    for (let c = c0; c < c1; c += 2) {
      const single = c1 - c == 1;
      const off = <usize>c * 4;
      st2(mean + off, ld2(rm + off, single), single);
      st2(invstd + off, f64x2.div(one, f64x2.sqrt(f64x2.add(ld2(rv + off, single), eps))), single);
    }
  } else {
    for (let c = c0; c < c1; c += 2) {
      stAcc(acc + <usize>c * 8, zero, c1 - c == 1);
      stAcc(acc2 + <usize>c * 8, zero, c1 - c == 1);
    }
    for (let r = 0; r < rows; r++) {
      const row = z + <usize>r * stride;
      for (let c = c0; c < pairsEnd; c += 2) sumStep(acc, row, c, false);
      if (pairsEnd < c1) sumStep(acc, row, pairsEnd, true);
    }
    for (let c = c0; c < c1; c += 2) {
      const a = acc + <usize>c * 8;
      stAcc(a, rows > 0 ? f64x2.div(v128.load(a), rowsV) : zero, c1 - c == 1);
    }
    for (let r = 0; r < rows; r++) {
      const row = z + <usize>r * stride;
      for (let c = c0; c < pairsEnd; c += 2) squareStep(acc, acc2, row, c, false);
      if (pairsEnd < c1) squareStep(acc, acc2, row, pairsEnd, true);
    }
    for (let c = c0; c < c1; c += 2) {
      const single = c1 - c == 1;
      const off = <usize>c * 4;
      const mu = v128.load(acc + <usize>c * 8);
      const s2 = v128.load(acc2 + <usize>c * 8);
      st2(mean + off, mu, single);
      const v = rows > 0 ? f64x2.div(s2, rowsV) : zero;
      st2(invstd + off, f64x2.div(one, f64x2.sqrt(f64x2.add(v, eps))), single);
      if (mode == 0 && rows > 1) {
        // running <- (1 - m) running + m mu;  running var <- (1 - m) running var + (m sum d^2) / (rows - 1)
        st2(rm + off, f64x2.add(f64x2.mul(keep, ld2(rm + off, single)), f64x2.mul(mV, mu)), single);
        st2(rv + off, f64x2.add(f64x2.mul(keep, ld2(rv + off, single)), f64x2.div(f64x2.mul(mV, s2), bessel)), single);
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * stride;
    for (let c = c0; c < pairsEnd; c += 2) normalizeStep(z, n, xhat, mean, invstd, g, b, o, c, false);
    if (pairsEnd < c1) normalizeStep(z, n, xhat, mean, invstd, g, b, o, pairsEnd, true);
  }
}

/**
 * On units [c0, c1): dbeta = sum_r dn, dgamma = sum_r dn xhat (both norms); then, unless
 * `sumsOnly` (layer norm), batch norm's dz = gamma (1/std) dn (eval) or
 * (gamma (1/std) / rows) (rows dn - dbeta - xhat dgamma), with the sums unrounded. Row by row,
 * as batchForward.
 */
function unitsBackward(p: usize, c0: i32, c1: i32, sumsOnly: bool): void {
  const dn = ptr(p, NORM_X);
  const dz = ptr(p, NORM_Y);
  const xhat = ptr(p, NORM_XHAT);
  const invstd = ptr(p, NORM_INVSTD);
  const g = ptr(p, NORM_GAMMA);
  const dg = ptr(p, NORM_DGAMMA);
  const db = ptr(p, NORM_DBETA);
  const rows = load<i32>(p + NORM_ROWS);
  const C = load<i32>(p + NORM_UNITS);
  const stride = <usize>C * 4;
  const evalMode = load<i32>(p + NORM_MODE) == 1;
  const acc = p + NORM_ACC;
  const acc2 = acc + accBytes(C);
  const zero = f64x2.splat(0);
  const rowsV = f64x2.splat(<f64>rows);
  const pairsEnd = c1 - ((c1 - c0) & 1);
  for (let c = c0; c < c1; c += 2) {
    stAcc(acc + <usize>c * 8, zero, c1 - c == 1);
    stAcc(acc2 + <usize>c * 8, zero, c1 - c == 1);
  }
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * stride;
    for (let c = c0; c < pairsEnd; c += 2) gradSumStep(acc, acc2, dn, xhat, o, c, false);
    if (pairsEnd < c1) gradSumStep(acc, acc2, dn, xhat, o, pairsEnd, true);
  }
  for (let c = c0; c < c1; c += 2) {
    const single = c1 - c == 1;
    st2(db + <usize>c * 4, v128.load(acc + <usize>c * 8), single);
    st2(dg + <usize>c * 4, v128.load(acc2 + <usize>c * 8), single);
  }
  if (sumsOnly) return;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * stride;
    if (evalMode) {
      for (let c = c0; c < pairsEnd; c += 2) batchDzStep(dn, dz, xhat, g, invstd, acc, acc2, rowsV, true, o, c, false);
      if (pairsEnd < c1) batchDzStep(dn, dz, xhat, g, invstd, acc, acc2, rowsV, true, o, pairsEnd, true);
    } else {
      for (let c = c0; c < pairsEnd; c += 2) batchDzStep(dn, dz, xhat, g, invstd, acc, acc2, rowsV, false, o, c, false);
      if (pairsEnd < c1) batchDzStep(dn, dz, xhat, g, invstd, acc, acc2, rowsV, false, o, pairsEnd, true);
    }
  }
}

/**
 * Rows r and r + off / stride of a float32 matrix at column q (off: bytes to the second row,
 * 0 for row r alone, whose lane 1 then repeats lane 0), as f64x2.
 */
// @ts-ignore: decorator
@inline function ldRows(q: usize, off: usize): v128 {
  return f64x2.replace_lane(f64x2.splat(<f64>load<f32>(q)), 1, <f64>load<f32>(q + off));
}

/** Stores lane 0 of v at q and lane 1 at q + off, rounded to float32 (off 0: both lanes hold the same value). */
// @ts-ignore: decorator
@inline function stRows(q: usize, off: usize, v: v128): void {
  store<f32>(q + off, <f32>f64x2.extract_lane(v, 1));
  store<f32>(q, <f32>f64x2.extract_lane(v, 0));
}

// Layer norm takes four rows at a time, r .. r+3 in the lanes of two f64x2 (lo: r and r + o1,
// hi: r + o2 and r + o3, offsets in rows): four independent sums, where one row's sum is a
// chain of dependent adds. A last group of fewer rows repeats its last row in the spare lanes,
// which then compute and store that row's values again, the same bits at the same place.

/** Layer norm forward on rows [r0, r1): mean and 1/std over the row's units, xhat, n = gamma xhat + beta. */
function layerForward(p: usize, r0: i32, r1: i32): void {
  const z = ptr(p, NORM_X);
  const n = ptr(p, NORM_Y);
  const xhat = ptr(p, NORM_XHAT);
  const mean = ptr(p, NORM_MEAN);
  const invstd = ptr(p, NORM_INVSTD);
  const g = ptr(p, NORM_GAMMA);
  const b = ptr(p, NORM_BETA);
  const C = load<i32>(p + NORM_UNITS);
  const stride = <usize>C * 4;
  const units = f64x2.splat(<f64>C);
  const eps = f64x2.splat(load<f64>(p + NORM_EPS));
  const one = f64x2.splat(1);
  for (let r = r0; r < r1; r += 4) {
    const last = <usize>min(3, r1 - r - 1);
    const o1 = min<usize>(1, last);
    const o2 = min<usize>(2, last);
    const o3 = last;
    const lo = z + <usize>r * stride;
    const hi = lo + o2 * stride;
    let s = f64x2.splat(0);
    let t = f64x2.splat(0);
    for (let c = 0; c < C; c++) {
      const e = <usize>c << 2;
      s = f64x2.add(s, ldRows(lo + e, o1 * stride));
      t = f64x2.add(t, ldRows(hi + e, (o3 - o2) * stride));
    }
    const muLo = f64x2.div(s, units);
    const muHi = f64x2.div(t, units);
    s = f64x2.splat(0);
    t = f64x2.splat(0);
    for (let c = 0; c < C; c++) {
      const e = <usize>c << 2;
      const d = f64x2.sub(ldRows(lo + e, o1 * stride), muLo);
      const f = f64x2.sub(ldRows(hi + e, (o3 - o2) * stride), muHi);
      s = f64x2.add(s, f64x2.mul(d, d));
      t = f64x2.add(t, f64x2.mul(f, f));
    }
    const isLo = f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(s, units), eps)));
    const isHi = f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(t, units), eps)));
    const m = mean + (<usize>r << 2);
    const v = invstd + (<usize>r << 2);
    stRows(m, o1 * 4, muLo);
    stRows(m + o2 * 4, (o3 - o2) * 4, muHi);
    stRows(v, o1 * 4, isLo);
    stRows(v + o2 * 4, (o3 - o2) * 4, isHi);
    const rowLo = <usize>r * stride;
    const rowHi = rowLo + o2 * stride;
    for (let c = 0; c < C; c++) {
      const e = <usize>c << 2;
      const gc = f64x2.splat(<f64>load<f32>(g + e));
      const bc = f64x2.splat(<f64>load<f32>(b + e));
      const x = f64x2.mul(f64x2.sub(ldRows(z + rowLo + e, o1 * stride), muLo), isLo);
      const y = f64x2.mul(f64x2.sub(ldRows(z + rowHi + e, (o3 - o2) * stride), muHi), isHi);
      stRows(xhat + rowLo + e, o1 * stride, x);
      stRows(xhat + rowHi + e, (o3 - o2) * stride, y);
      stRows(n + rowLo + e, o1 * stride, f64x2.add(f64x2.mul(gc, x), bc));
      stRows(n + rowHi + e, (o3 - o2) * stride, f64x2.add(f64x2.mul(gc, y), bc));
    }
  }
}

/**
 * Layer norm's dz on rows [r0, r1), four at a time: with gd = gamma dn, s1 = sum_c gd and
 * s2 = sum_c gd xhat, dz = ((1/std) / C) (C gamma dn - s1 - xhat s2).
 */
function layerBackward(p: usize, r0: i32, r1: i32): void {
  const dn = ptr(p, NORM_X);
  const dz = ptr(p, NORM_Y);
  const xhat = ptr(p, NORM_XHAT);
  const invstd = ptr(p, NORM_INVSTD);
  const g = ptr(p, NORM_GAMMA);
  const C = load<i32>(p + NORM_UNITS);
  const stride = <usize>C * 4;
  const units = f64x2.splat(<f64>C);
  for (let r = r0; r < r1; r += 4) {
    const last = <usize>min(3, r1 - r - 1);
    const o1 = min<usize>(1, last);
    const o2 = min<usize>(2, last);
    const o3 = last;
    const lo = <usize>r * stride;
    const hi = lo + o2 * stride;
    const dLo = o1 * stride;
    const dHi = (o3 - o2) * stride;
    let s1 = f64x2.splat(0);
    let s2 = f64x2.splat(0);
    let t1 = f64x2.splat(0);
    let t2 = f64x2.splat(0);
    for (let c = 0; c < C; c++) {
      const e = <usize>c << 2;
      const gc = f64x2.splat(<f64>load<f32>(g + e));
      const gd = f64x2.mul(gc, ldRows(dn + lo + e, dLo));
      const ge = f64x2.mul(gc, ldRows(dn + hi + e, dHi));
      s1 = f64x2.add(s1, gd);
      t1 = f64x2.add(t1, ge);
      s2 = f64x2.add(s2, f64x2.mul(gd, ldRows(xhat + lo + e, dLo)));
      t2 = f64x2.add(t2, f64x2.mul(ge, ldRows(xhat + hi + e, dHi)));
    }
    const v = invstd + (<usize>r << 2);
    const kLo = f64x2.div(ldRows(v, o1 * 4), units);
    const kHi = f64x2.div(ldRows(v + o2 * 4, (o3 - o2) * 4), units);
    for (let c = 0; c < C; c++) {
      const e = <usize>c << 2;
      const cg = f64x2.mul(units, f64x2.splat(<f64>load<f32>(g + e)));
      const x = f64x2.sub(f64x2.sub(f64x2.mul(cg, ldRows(dn + lo + e, dLo)), s1), f64x2.mul(ldRows(xhat + lo + e, dLo), s2));
      const y = f64x2.sub(f64x2.sub(f64x2.mul(cg, ldRows(dn + hi + e, dHi)), t1), f64x2.mul(ldRows(xhat + hi + e, dHi), t2));
      stRows(dz + lo + e, dLo, f64x2.mul(kLo, x));
      stRows(dz + hi + e, dHi, f64x2.mul(kHi, y));
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
