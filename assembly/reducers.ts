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

/**
 * Adds the histogram of x[0 .. n) to counts (i32: bins, then under, over, NaN). edges: f64,
 * bins + 1 of them, strictly increasing; symlog 0: linear bins (invWidth = 1 / bin width), the
 * estimate floor((v - lo) * invWidth); 1: symmetric log bins, `perDecade` a decade from
 * 10^minExp out on each side of the zero bin `side`, the estimate from log10 |v| (a cheap one
 * from the exponent bits, within 0.03 decades). The estimate is settled against the edges.
 */
export function binCounts(x: usize, n: i32, edges: usize, bins: i32, symlog: i32, invWidth: f64, side: i32, minExp: f64, perDecade: f64, counts: usize): void {
  const lo = load<f64>(edges);
  const hi = load<f64>(edges + (<usize>bins << 3));
  const small = symlog != 0 ? load<f64>(edges + (<usize>(side + 1) << 3)) : 0.0;
  const top = bins - 1;
  let under = 0;
  let over = 0;
  let nan = 0;
  const end = x + (<usize>n << 2);
  for (let p = x; p < end; p += 4) {
    const v = <f64>load<f32>(p);
    if (v >= lo && v <= hi) {
      let i: i32;
      if (symlog == 0) {
        i = <i32>Math.floor((v - lo) * invWidth);
      } else {
        const av = abs<f64>(v);
        if (av < small) {
          i = side;
        } else {
          const bits = reinterpret<u64>(av);
          const e = <f64>(<i32>(bits >> 52) - 1023);
          const mant = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
          const k = <i32>Math.floor(((e + mant - 1.0) * LOG10_2 - minExp) * perDecade);
          i = v > 0 ? side + 1 + k : side - 1 - k;
        }
      }
      if (i < 0) i = 0;
      if (i > top) i = top;
      while (i > 0 && v < load<f64>(edges + (<usize>i << 3))) i--;
      while (i < top && v >= load<f64>(edges + (<usize>(i + 1) << 3))) i++;
      const c = counts + (<usize>i << 2);
      store<i32>(c, load<i32>(c) + 1);
    } else if (v < lo) under++;
    else if (v > hi) over++;
    else nan++;
  }
  const tail = counts + (<usize>bins << 2);
  store<i32>(tail, load<i32>(tail) + under);
  store<i32>(tail, load<i32>(tail, 4) + over, 4);
  store<i32>(tail, load<i32>(tail, 8) + nan, 8);
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
      if (g == 0) {
        zeroPairs++;
        const z = zeros + (<usize>j << 2);
        store<i32>(z, load<i32>(z) + 1);
      }
      if (g < threshold) saturated++;
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
