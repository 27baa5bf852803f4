// Reducers of the metrics pass over float32 buffers (src/metrics/reducers.ts and histogram.ts
// hold the TypeScript originals, which run where these do not apply: float64, the ts kernel,
// buffers outside a kernel memory).
//
// Each gives the bits of its original:
// - shiftedSums keeps the original's summation order (one f64 chain per sum, element 0 first),
//   so its sums are the same doubles; the max |x| is order-free.
// - binCounts and derivativeCounts count integers, where order does not matter. binCounts
//   finds each value's bin from an estimate settled against the exact edges, so any estimate
//   gives the bin the original gives: the one with edges[i] <= v < edges[i + 1].

// @ts-ignore: decorator
@inline const LOG10_2: f64 = 0.30102999566398120;

/**
 * Around K = x[0]: out[0] = sum (x[i] - K), out[1] = sum (x[i] - K)^2, out[2] = max |x[i]|
 * (NaN once a NaN is seen), over i < n (n >= 1), summed in f64 in index order.
 */
export function shiftedSums(x: usize, n: i32, out: usize): void {
  const k = <f64>load<f32>(x);
  let sk: f64 = 0;
  let sk2: f64 = 0;
  let m: f64 = 0;
  const end = x + (<usize>n << 2);
  for (let p = x; p < end; p += 4) {
    const v = <f64>load<f32>(p);
    const d = v - k;
    sk += d;
    sk2 += d * d;
    const av = abs<f64>(v);
    if (av > m || av != av) m = av;
  }
  store<f64>(out, sk);
  store<f64>(out, sk2, 8);
  store<f64>(out, m, 16);
}

/** Copies of the counts binCounts keeps, element i going to copy i % COPIES (see there). */
// @ts-ignore: decorator
@inline const COPIES: i32 = 4;

/**
 * The bin of v: -1 under, -2 over, -3 NaN, else the i with edges[i] <= v < edges[i + 1] (the
 * last bin closed). The estimate (floor((v - lo) * invWidth), or from log10 |v| for symmetric
 * log bins) is settled against the edges, so only its speed depends on it: the log10 is a cheap
 * one from the exponent bits (within 0.03 decades).
 */
// @ts-ignore: decorator
@inline function binOf(v: f64, edges: usize, top: i32, lo: f64, hi: f64, symlog: i32, invWidth: f64, side: i32, small: f64, minExp: f64, perDecade: f64): i32 {
  if (!(v >= lo && v <= hi)) return v < lo ? -1 : v > hi ? -2 : -3;
  let i: i32;
  if (symlog == 0) {
    i = <i32>Math.floor((v - lo) * invWidth);
  } else {
    const av = abs<f64>(v);
    const bits = reinterpret<u64>(av);
    const e = <f64>(<i32>(bits >> 52) - 1023);
    const mant = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
    const k = <i32>Math.floor(((e + mant - 1.0) * LOG10_2 - minExp) * perDecade);
    // Selects, not branches: the sign of a gradient is a coin toss.
    i = select<i32>(select<i32>(side + 1 + k, side - 1 - k, v > 0), side, av >= small);
  }
  if (i < 0) i = 0;
  if (i > top) i = top;
  while (i > 0 && v < load<f64>(edges + (<usize>i << 3))) i--;
  while (i < top && v >= load<f64>(edges + (<usize>(i + 1) << 3))) i++;
  return i;
}

/**
 * Adds the histogram of x[0 .. n) to counts (i32: bins, then under, over, NaN). edges: f64,
 * bins + 1 of them, strictly increasing; symlog 0: linear bins (invWidth = 1 / bin width),
 * 1: symmetric log bins, `perDecade` a decade from 10^minExp out on each side of the zero bin
 * `side`. counts must have room for COPIES * (bins + 3) i32, zeroed: runs of values in one bin
 * (a saturated layer) would otherwise chain every increment through one memory word.
 */
export function binCounts(x: usize, n: i32, edges: usize, bins: i32, symlog: i32, invWidth: f64, side: i32, minExp: f64, perDecade: f64, counts: usize): void {
  const lo = load<f64>(edges);
  const hi = load<f64>(edges + (<usize>bins << 3));
  const small = symlog != 0 ? load<f64>(edges + (<usize>(side + 1) << 3)) : 0.0;
  const top = bins - 1;
  const stride = <usize>(bins + 3) << 2;
  // slot of bin b in copy c: counts + c * stride + b * 4; under, over, NaN: bins, bins + 1, bins + 2
  const end = x + (<usize>n << 2);
  let p = x;
  for (; p + 16 <= end; p += 16) {
    for (let c = 0; c < COPIES; c++) {
      let i = binOf(<f64>load<f32>(p + (<usize>c << 2)), edges, top, lo, hi, symlog, invWidth, side, small, minExp, perDecade);
      if (i < 0) i = bins - 1 - i;
      const a = counts + <usize>c * stride + (<usize>i << 2);
      store<i32>(a, load<i32>(a) + 1);
    }
  }
  for (; p < end; p += 4) {
    let i = binOf(<f64>load<f32>(p), edges, top, lo, hi, symlog, invWidth, side, small, minExp, perDecade);
    if (i < 0) i = bins - 1 - i;
    const a = counts + (<usize>i << 2);
    store<i32>(a, load<i32>(a) + 1);
  }
  for (let c = 1; c < COPIES; c++) {
    for (let b = 0; b < bins + 3; b++) {
      const a = counts + (<usize>b << 2);
      store<i32>(a, load<i32>(a) + load<i32>(counts + <usize>c * stride + (<usize>b << 2)));
    }
  }
}

/**
 * Counts over d = f'(n) [rows, units * widthFactor] (see derivativeCounts in
 * src/metrics/reducers.ts): per (row, unit) g = max over the unit's widthFactor columns of |d|;
 * out[0] = pairs with g == 0, out[1] = pairs with g < threshold, out[2] = units with g == 0 on
 * every row; mask[j] (u8) = 1 for those units, else 0. zeros: i32 scratch, units long.
 */
export function derivativeCounts(d: usize, rows: i32, units: i32, widthFactor: i32, threshold: f64, mask: usize, zeros: usize, out: usize): void {
  memory.fill(zeros, 0, <usize>units << 2);
  const cols = units * widthFactor;
  let zeroPairs = 0;
  let saturated = 0;
  for (let r = 0; r < rows; r++) {
    const row = d + (<usize>(r * cols) << 2);
    for (let j = 0; j < units; j++) {
      let g: f64 = 0;
      for (let c = 0; c < widthFactor; c++) {
        const av = abs<f64>(<f64>load<f32>(row + (<usize>(c * units + j) << 2)));
        if (av > g || av != av) g = av;
      }
      // Adds of comparisons, not branches: whether a unit passes gradient is a coin toss (relu).
      const zero = <i32>(g == 0);
      zeroPairs += zero;
      const z = zeros + (<usize>j << 2);
      store<i32>(z, load<i32>(z) + zero);
      saturated += <i32>(g < threshold);
    }
  }
  let dead = 0;
  for (let j = 0; j < units; j++) {
    const all = rows > 0 && load<i32>(zeros + (<usize>j << 2)) == rows;
    if (all) dead++;
    store<u8>(mask + <usize>j, all ? 1 : 0);
  }
  store<i32>(out, zeroPairs);
  store<i32>(out, saturated, 4);
  store<i32>(out, dead, 8);
}
