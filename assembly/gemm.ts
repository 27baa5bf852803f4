// float32 matrix products for gradflow's `wasm` kernel (AssemblyScript, 128-bit SIMD).
//
// Every product is C[m,n] (+)= a(i,p) b(p,j) summed over p < k, with a and b read from
// row-major storage in one of two orientations:
//   gemmABt  z  = x W^T + b   a(i,p) = A[i*k + p] (x: [m,k]),  b(p,j) = B[j*k + p] (W: [n,k])
//   gemmAB   dx = dz W        a(i,p) = A[i*k + p] (dz: [m,k]), b(p,j) = B[p*n + j] (W: [k,n])
//   gemmAtB  dW = dz^T x      a(i,p) = A[p*m + i] (dz: [k,m]), b(p,j) = B[p*n + j] (x: [k,n])
//
// Blocking follows Goto & van de Geijn (BLIS): the k range is cut into KC-deep slabs; for each
// slab a [KC x NC] block of b is packed into NR-wide column panels and, inside it, an [MC x KC]
// block of a into MR-high row panels, so the micro-kernel reads both operands with unit stride.
// One b panel (KC*NR*4 = 8 KiB) stays in L1 while one call of the micro-kernel (microColumn)
// walks down every a panel of the packed a block (MC*KC*4 = 128 KiB, resident in L2).
//
// The MR x NR = 4 x 8 register tile is 8 f32x4 accumulators; with two b vectors, one broadcast
// of a and one product temporary that is 12 of the 15 xmm registers V8 allocates on x64 (a
// 6 x 8 or 5 x 8 tile spills and measured 20-45% slower). Products use f32x4.mul then
// f32x4.add: relaxed-simd's fused multiply-add is not available everywhere, and a fixed
// mul-then-add keeps results the same on every machine (build/gemm-fma.wasm, an opt-in
// kernel, uses it: see madd).
//
// Determinism: the summation order of every element is fixed by k alone: the first slab's
// accumulator starts at the bias (or 0) and adds the products for p = 0, 1, ...; each later
// slab sums its products from 0 in the same way and is then added to C. Which tile, panel of C
// (gemmBlock) or thread computes an element does not change its bits; no data-dependent order.

// @ts-ignore: decorator
@inline const MR: i32 = 4;
// @ts-ignore: decorator
@inline const NR: i32 = 8;
// @ts-ignore: decorator
@inline const KC: i32 = 256;
// @ts-ignore: decorator
@inline const MC: i32 = 128;
// @ts-ignore: decorator
@inline const NC: i32 = 2048;

// Scratch layout (bytes from the scratch base the caller passes): packed a block, packed b
// block, an MR x NR edge tile, 8 zeros, a padded copy of 8 bias values.
// @ts-ignore: decorator
@inline const PACK_A: usize = <usize>(MC * KC * 4);
// @ts-ignore: decorator
@inline const PACK_B: usize = <usize>(KC * NC * 4);
// @ts-ignore: decorator
@inline const TILE: usize = <usize>(MR * NR * 4);

/** End of the module's own static data (its constants); the caller's buffers must start above. */
export function staticEnd(): usize {
  return __heap_base;
}

/** Bytes of scratch memory a product needs (the caller reserves them once per instance). */
export function gemmScratchBytes(): usize {
  return PACK_A + PACK_B + TILE + 64;
}

/** The same 4x4 transpose for every packing routine: rows r0..r3 in, columns out to d, d+16, ... */
// @ts-ignore: decorator
@inline function transpose4Store(r0: v128, r1: v128, r2: v128, r3: v128, d: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(d + stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs a(i, p) = A[i*lda + p], i in [i0, i0+mc), p in [p0, p0+kc), into MR-row panels:
 * panel q holds a(i0+q*MR+r, p0+p) at (q*kc + p)*MR + r; rows past mc are zero.
 */
function packRowsA(A: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let q = 0; q < mc; q += MR) {
    const rows = min(MR, mc - q);
    const d = dst + <usize>(q * kc * 4);
    const s0 = A + (<usize>(i0 + q) * <usize>lda + <usize>p0) * 4;
    const ld = <usize>lda * 4;
    if (rows == MR) {
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p * 4;
        transpose4Store(
          v128.load(s0 + o), v128.load(s0 + ld + o), v128.load(s0 + 2 * ld + o), v128.load(s0 + 3 * ld + o),
          d + <usize>p * 16, 16,
        );
      }
      for (; p < kc; p++) {
        const o = <usize>p * 4;
        const e = d + <usize>p * 16;
        store<f32>(e, load<f32>(s0 + o));
        store<f32>(e, load<f32>(s0 + ld + o), 4);
        store<f32>(e, load<f32>(s0 + 2 * ld + o), 8);
        store<f32>(e, load<f32>(s0 + 3 * ld + o), 12);
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          const v: f32 = r < rows ? load<f32>(s0 + <usize>r * ld + <usize>p * 4) : 0;
          store<f32>(d + <usize>(p * MR + r) * 4, v);
        }
      }
    }
  }
}

/**
 * Packs a(i, p) = A[p*lda + i] (A stored transposed) the same way as packRowsA, and when
 * colSum != 0 adds sum over p of a(i, p) into colSum[i] (the fused bias gradient).
 */
function packColsA(A: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize, colSum: usize): void {
  const ld = <usize>lda * 4;
  for (let q = 0; q < mc; q += MR) {
    const rows = min(MR, mc - q);
    const d = dst + <usize>(q * kc * 4);
    const s = A + (<usize>p0 * <usize>lda + <usize>(i0 + q)) * 4;
    if (rows == MR) {
      if (colSum != 0) {
        const cs = colSum + <usize>(i0 + q) * 4;
        let acc = v128.load(cs);
        for (let p = 0; p < kc; p++) {
          const v = v128.load(s + <usize>p * ld);
          v128.store(d + <usize>p * 16, v);
          acc = f32x4.add(acc, v);
        }
        v128.store(cs, acc);
      } else {
        for (let p = 0; p < kc; p++) v128.store(d + <usize>p * 16, v128.load(s + <usize>p * ld));
      }
    } else {
      for (let r = 0; r < MR; r++) {
        if (r < rows) {
          let acc: f32 = colSum != 0 ? load<f32>(colSum + <usize>(i0 + q + r) * 4) : 0;
          for (let p = 0; p < kc; p++) {
            const v = load<f32>(s + <usize>p * ld + <usize>r * 4);
            store<f32>(d + <usize>(p * MR + r) * 4, v);
            acc += v;
          }
          if (colSum != 0) store<f32>(colSum + <usize>(i0 + q + r) * 4, acc);
        } else {
          for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p * MR + r) * 4, 0);
        }
      }
    }
  }
}

/**
 * Packs b(p, j) = B[p*ldb + j], p in [p0, p0+kc), j in [j0, j0+nc), into NR-column panels:
 * panel t holds b(p0+p, j0+t*NR+c) at (t*kc + p)*NR + c; columns past nc are zero.
 */
function packRowsB(B: usize, ldb: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const ld = <usize>ldb * 4;
  for (let t = 0; t < nc; t += NR) {
    const cols = min(NR, nc - t);
    const d = dst + <usize>(t * kc * 4);
    const s = B + (<usize>p0 * <usize>ldb + <usize>(j0 + t)) * 4;
    if (cols == NR) {
      for (let p = 0; p < kc; p++) {
        const e = s + <usize>p * ld;
        const o = d + <usize>p * 32;
        v128.store(o, v128.load(e));
        v128.store(o, v128.load(e, 16), 16);
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          const v: f32 = c < cols ? load<f32>(s + <usize>p * ld + <usize>c * 4) : 0;
          store<f32>(d + <usize>(p * NR + c) * 4, v);
        }
      }
    }
  }
}

/** Packs b(p, j) = B[j*ldb + p] (B stored transposed, W in z = x W^T) as packRowsB. */
function packColsB(B: usize, ldb: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const ld = <usize>ldb * 4;
  for (let t = 0; t < nc; t += NR) {
    const cols = min(NR, nc - t);
    const d = dst + <usize>(t * kc * 4);
    const s = B + (<usize>(j0 + t) * <usize>ldb + <usize>p0) * 4;
    if (cols == NR) {
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p * 4;
        const e = d + <usize>p * 32;
        transpose4Store(v128.load(s + o), v128.load(s + ld + o), v128.load(s + 2 * ld + o), v128.load(s + 3 * ld + o), e, 32);
        const s4 = s + 4 * ld;
        transpose4Store(v128.load(s4 + o), v128.load(s4 + ld + o), v128.load(s4 + 2 * ld + o), v128.load(s4 + 3 * ld + o), e + 16, 32);
      }
      for (; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          store<f32>(d + <usize>(p * NR + c) * 4, load<f32>(s + <usize>c * ld + <usize>p * 4));
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          const v: f32 = c < cols ? load<f32>(s + <usize>c * ld + <usize>p * 4) : 0;
          store<f32>(d + <usize>(p * NR + c) * 4, v);
        }
      }
    }
  }
}

/**
 * acc + a b per lane: f32x4.mul then f32x4.add (two roundings, the same on every machine), or,
 * in the module built with relaxed SIMD (build/gemm-fma.wasm), f32x4.relaxed_madd, which the
 * engine may compile to a fused multiply-add (one rounding) or to mul then add, by machine.
 */
// @ts-ignore: decorator
@inline function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * The 4 x 8 micro-kernel, run down `tiles` consecutive a panels against one b panel: for each
 * tile, s[r, 0..8) = src[0..8) + sum_p pa[p*4 + r] * pb[p*8 + 0..8) for r < 4 (src: the bias
 * or zeros), then c[r] = s[r], or c[r] += s[r] when `accumulate` (a later k-slab), and the
 * next tile is 4 rows of C further down. Reading C only after the k loop keeps its likely
 * cache miss off the accumulators' start; looping over the tiles here rather than calling
 * once per tile measured ~15% faster (V8's call and loop entry cost is paid once per panel).
 */
function microColumn(kc: i32, pa: usize, pb: usize, src: usize, c: usize, ldc: usize, tiles: i32, accumulate: bool): void {
  for (let t = 0; t < tiles; t++) {
    let c00 = v128.load(src), c01 = v128.load(src, 16);
    let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
    // The k loop runs 16 steps an iteration, each step one p:
    //   s[r, 0..8) += pa[p*4 + r] * pb[p*8 + 0..8), r = 0..3.
    // Why 16: V8 puts a stack check (two loads, a compare and a branch) at the head of every
    // loop iteration; with one step an iteration (which V8 unrolls to two) it cost ~8% of a
    // product (128 x 256 x 256: 378 -> 340 us with --no-wasm-stack-checks); 4, 8 and 16 steps
    // an iteration took 373, 357 and 350 us (bench: docs/performance.md "Fifth pass").
    // Why the exit test after every step: the test handles any kc >= 1, and the branch keeps
    // each step's loads beside its arithmetic (in one straight block V8 schedules all the loads
    // first, and the live values spill). Bottom-tested on an end pointer: V8 keeps the bound
    // in a register (~10% over a counted loop). Every sum runs p = 0, 1, ..., however unrolled.
    // The steps are written out: a helper cannot update eight accumulators (no multiple
    // returns), and an inner loop would bring its own check back.
    let p = pb;
    const end = pa + <usize>kc * 16;
    let a: v128, b0: v128, b1: v128;
    do {
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
      if (pa >= end) break;
      b0 = v128.load(p); b1 = v128.load(p, 16);
      a = v128.load32_splat(pa);     c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
      a = v128.load32_splat(pa, 4);  c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
      a = v128.load32_splat(pa, 8);  c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
      a = v128.load32_splat(pa, 12); c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
      pa += 16; p += 32;
    } while (pa < end);
    if (accumulate) {
      c00 = f32x4.add(v128.load(c), c00);
      c01 = f32x4.add(v128.load(c, 16), c01);
      c10 = f32x4.add(v128.load(c + ldc), c10);
      c11 = f32x4.add(v128.load(c + ldc, 16), c11);
      c20 = f32x4.add(v128.load(c + 2 * ldc), c20);
      c21 = f32x4.add(v128.load(c + 2 * ldc, 16), c21);
      c30 = f32x4.add(v128.load(c + 3 * ldc), c30);
      c31 = f32x4.add(v128.load(c + 3 * ldc, 16), c31);
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + ldc, c10);
    v128.store(c + ldc, c11, 16);
    v128.store(c + 2 * ldc, c20);
    v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30);
    v128.store(c + 3 * ldc, c31, 16);
    c += 4 * ldc;
  }
}

/**
 * The blocked driver shared by the three products (see the top of the file), on sub-matrices:
 * a, b and C are read and written with leading dimensions lda, ldb, ldc (in elements), so a
 * panel of rows or columns of a larger product is one call with offset pointers.
 */
function gemm(aTrans: bool, bTrans: bool, A: usize, lda: i32, B: usize, ldb: i32, bias: usize,
  C: usize, ldc_: i32, m: i32, n: i32, k: i32, colSum: usize, scratch: usize, packedA: usize): void {
  let packA = scratch;
  const packB = packA + PACK_A;
  const tile = packB + PACK_B;
  const zero8 = tile + TILE;
  const bias8 = zero8 + 32;
  const ldc = <usize>ldc_ * 4;
  memory.fill(zero8, 0, 32);
  if (colSum != 0) memory.fill(colSum, 0, <usize>m * 4);
  if (n == 0 && colSum != 0) {
    // No columns to pack a against, so sum the bias gradient directly, rows in order.
    for (let p = 0; p < k; p++) {
      for (let i = 0; i < m; i++) {
        const cs = colSum + <usize>i * 4;
        store<f32>(cs, load<f32>(cs) + load<f32>(A + (<usize>p * <usize>lda + <usize>i) * 4));
      }
    }
    return;
  }
  if (k == 0) {
    for (let i = 0; i < m; i++) {
      const row = C + <usize>i * ldc;
      if (bias != 0) memory.copy(row, bias, <usize>n * 4);
      else memory.fill(row, 0, <usize>n * 4);
    }
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      if (bTrans) packColsB(B, ldb, pc, kc, jc, nc, packB);
      else packRowsB(B, ldb, pc, kc, jc, nc, packB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (packedA != 0) packA = packedA + packedOffset(m, pc, ic, kc);
        else if (aTrans) packColsA(A, lda, ic, mc, pc, kc, packA, jc == 0 ? colSum : 0);
        else packRowsA(A, lda, ic, mc, pc, kc, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nv = min(NR, nc - jr);
          const pb = packB + <usize>(jr * kc * 4);
          const j = jc + jr;
          const c0 = C + <usize>ic * ldc + <usize>j * 4;
          // The first slab starts from the bias (or 0); later slabs add into C.
          const src = pc == 0 && bias != 0 ? bias + <usize>j * 4 : zero8;
          // Whole tiles in one call; the rest (a partial panel of rows or of columns) as edge tiles.
          const full = nv == NR ? mc / MR : 0;
          if (full > 0) microColumn(kc, packA, pb, src, c0, ldc, full, pc > 0);
          for (let ir = full * MR; ir < mc; ir += MR) {
            const mv = min(MR, mc - ir);
            const c = c0 + <usize>ir * ldc;
            // Edge tile: the full 4 x 8 kernel into a scratch tile (bias padded with zeros),
            // then its mv x nv corner written or added to C, with the same sums as whole tiles.
            let esrc = zero8;
            if (pc == 0 && bias != 0) {
              memory.fill(bias8, 0, 32);
              memory.copy(bias8, bias + <usize>j * 4, <usize>nv * 4);
              esrc = bias8;
            }
            microColumn(kc, packA + <usize>(ir * kc * 4), pb, esrc, tile, 32, 1, false);
            for (let r = 0; r < mv; r++) {
              const cr = c + <usize>r * ldc;
              const tr = tile + <usize>r * 32;
              if (pc > 0) {
                for (let q = 0; q < nv; q++) {
                  const o = <usize>q * 4;
                  store<f32>(cr + o, load<f32>(cr + o) + load<f32>(tr + o));
                }
              } else {
                memory.copy(cr, tr, <usize>nv * 4);
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Byte offset of the packed block of rows [ic, ic + MC) of k-slab pc in a whole packed a
 * (packWholeA): slab pc holds ceil(m / MR) row panels of kc rows each, as packRowsA lays out
 * one block, so a block of it is exactly what gemm packs into scratch for (pc, ic).
 */
// @ts-ignore: decorator
@inline function packedOffset(m: i32, pc: i32, ic: i32, kc: i32): usize {
  const mPad = (m + MR - 1) / MR * MR;
  return <usize>pc * <usize>mPad * 4 + <usize>ic * <usize>kc * 4;
}

/** Bytes packWholeA writes for an m x k a. */
export function packedBytes(m: i32, k: i32): usize {
  return <usize>((m + MR - 1) / MR * MR) * <usize>k * 4;
}

/**
 * Packs the whole a of product `op` (gemmBlock's numbering) once, slab by slab, for gemmBlock's
 * `packedA`: the threads then share it instead of each packing it again for its panel of
 * columns. With colSum != 0 (gemmAtB), sets colSum[i] = sum over p of a(i, p), in the order
 * gemm sums it (slab by slab, p ascending), so the bias gradient has the same bits.
 */
export function packWholeA(op: i32, A: usize, lda: i32, m: i32, k: i32, colSum: usize, dst: usize): void {
  packRangeA(op, A, lda, m, k, 0, m, colSum, dst);
}

/**
 * Rows [i0, i1) of packWholeA's work (i0 a multiple of MR; i1 too, or m): those rows' panels of
 * every slab, at the places packWholeA puts them, and their colSum. Threads packing disjoint
 * ranges build the same packed a, with the same bits, as one packWholeA.
 */
export function packRangeA(op: i32, A: usize, lda: i32, m: i32, k: i32, i0: i32, i1: i32, colSum: usize, dst: usize): void {
  const rows = i1 - i0;
  if (colSum != 0) memory.fill(colSum + <usize>i0 * 4, 0, <usize>rows * 4);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const d = dst + packedOffset(m, pc, i0, kc);
    if (op == 2) packColsA(A, lda, i0, rows, pc, kc, d, colSum);
    else packRowsA(A, lda, i0, rows, pc, kc, d);
  }
}

/** z[m,n] = x[m,k] W[n,k]^T + b[n]; bias = 0 for none. Pointers are byte offsets. */
export function gemmABt(A: usize, B: usize, bias: usize, C: usize, m: i32, n: i32, k: i32, scratch: usize): void {
  gemm(false, true, A, k, B, k, bias, C, n, m, n, k, 0, scratch, 0);
}

/** dx[m,n] = dz[m,k] W[k,n]. */
export function gemmAB(A: usize, B: usize, C: usize, m: i32, n: i32, k: i32, scratch: usize): void {
  gemm(false, false, A, k, B, n, 0, C, n, m, n, k, 0, scratch, 0);
}

/** dW[m,n] = dz[k,m]^T x[k,n]; colSum[i] = sum_r dz[r,i] when colSum != 0 (db). */
export function gemmAtB(A: usize, B: usize, C: usize, m: i32, n: i32, k: i32, colSum: usize, scratch: usize): void {
  gemm(true, false, A, m, B, n, 0, C, n, m, n, k, colSum, scratch, 0);
}

/**
 * Any of the three products on a block of a larger one, as the threaded kernel splits them:
 * op 0 is gemmABt, 1 gemmAB, 2 gemmAtB; lda, ldb, ldc are the leading dimensions (elements)
 * of the full operands, the pointers already offset to the block. Each element of C gets the
 * same sum, in the same order, as in the whole product: the order depends on k alone.
 * packedA != 0: a was packed whole by packWholeA (A is then not read, colSum must be 0).
 */
export function gemmBlock(op: i32, A: usize, lda: i32, B: usize, ldb: i32, bias: usize, C: usize, ldc: i32,
  m: i32, n: i32, k: i32, colSum: usize, scratch: usize, packedA: usize): void {
  if (op == 0) gemm(false, true, A, lda, B, ldb, bias, C, ldc, m, n, k, 0, scratch, packedA);
  else if (op == 1) gemm(false, false, A, lda, B, ldb, 0, C, ldc, m, n, k, 0, scratch, packedA);
  else gemm(true, false, A, lda, B, ldb, 0, C, ldc, m, n, k, colSum, scratch, packedA);
}

export { activationForward, activationBackward, sgdStep, axpy, scale, adamStep, momentumStep } from './elementwise';
export { shiftedSums, binCounts, derivativeCounts } from './reducers';
export { normPass, normParamBytes } from './norm';
