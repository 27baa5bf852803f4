/**
 * The pure-TypeScript kernels: the reference implementation of `Kernels`, and the fallback
 * when WebAssembly is unavailable.
 *
 * All three products reduce to one packed matrix multiply C[m,n] = Â[m,k] · B̂[k,n], where the
 * packing routines read Â and B̂ out of the caller's row-major buffers in whichever layout the
 * product needs (x W^T, dz W, dz^T x). The structure is the Goto/BLIS one:
 *
 *   for each k-block of KC:            pack B̂[kc, n] into NR-column micro-panels (L2)
 *     for each m-block of MC:          pack Â[mc, kc] into MR-row micro-panels (L2)
 *       for each micro-panel of B̂:     (kc x 4, 8 KiB in float64: stays in L1)
 *         for each micro-panel of Â:   4x4 register tile, 16 accumulators, kc steps
 *
 * Packing copies into Float64Array scratch, so the inner loop is monomorphic (V8 optimises it
 * for one element kind whatever the caller's dtype) and reads unit-stride. Panels are
 * zero-padded to multiples of 4, and the tile accumulates into a padded float64 scratch C, so
 * the inner loop never branches on edges; one final pass writes C (plus the bias) in the
 * caller's dtype. Accumulating in doubles makes float32 results at least as accurate as a
 * float32 BLAS. The summation order depends only on (m, n, k), so results are bit-identical
 * run to run.
 *
 * Scratch is allocated lazily at first use and grows only when a larger product arrives; no
 * call allocates otherwise. JavaScript is single-threaded, so one module-level scratch is safe.
 */
import { alloc, type DType, type FloatArray, type Kernels } from './tensor.js';

/** Register tile: MR rows of Â by NR columns of B̂ (the 4x4 kernel below is written for these). */
const MR = 4;
const NR = 4;
/** k-block: a kc x 4 panel of B̂ is 8 KiB, well inside L1. */
const KC = 256;
/** m-block: the packed Â block is MC x KC doubles = 128 KiB, inside L2. */
const MC = 64;

let aPack = new Float64Array(0);
let bPack = new Float64Array(0);
let cAcc = new Float64Array(0);
let colAcc = new Float64Array(0);

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

function ensureScratch(mPad: number, nPad: number): void {
  if (aPack.length < MC * KC) aPack = new Float64Array(MC * KC);
  if (bPack.length < nPad * KC) bPack = new Float64Array(nPad * KC);
  if (cAcc.length < mPad * nPad) cAcc = new Float64Array(mPad * nPad);
  if (colAcc.length < mPad) colAcc = new Float64Array(mPad);
}

/**
 * Packs `count` consecutive rows of src (row-major, row stride `ld`), rows r0.. , columns
 * c0..c0+kc-1, into 4-row micro-panels: out[(g*kc + p)*4 + r] = src[(r0 + 4g + r)*ld + c0 + p],
 * rows past `count` as 0. Used for Â = x (forward) and Â = dz (input gradient), and for
 * B̂ = W^T in the forward pass (W's rows are B̂'s columns).
 */
function packRows(src: FloatArray, ld: number, r0: number, count: number, c0: number, kc: number, out: Float64Array): void {
  let o = 0;
  for (let g = 0; g < count; g += 4) {
    const left = count - g;
    const s0 = (r0 + g) * ld + c0;
    if (left >= 4) {
      const s1 = s0 + ld;
      const s2 = s1 + ld;
      const s3 = s2 + ld;
      for (let p = 0; p < kc; p++) {
        out[o] = src[s0 + p];
        out[o + 1] = src[s1 + p];
        out[o + 2] = src[s2 + p];
        out[o + 3] = src[s3 + p];
        o += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < 4; r++) out[o + r] = r < left ? src[s0 + r * ld + p] : 0;
        o += 4;
      }
    }
  }
}

/**
 * Packs rows r0..r0+kc-1 of src (row stride `ld`), columns c0..c0+count-1, into 4-column
 * micro-panels: out[(g*kc + p)*4 + c] = src[(r0 + p)*ld + c0 + 4g + c], columns past `count`
 * as 0. Used for B̂ = W and B̂ = x (backward) and for Â = dz^T in the weight gradient; with
 * `sums` it also adds each column's total into sums[c0 + j] (the fused bias gradient).
 */
function packCols(
  src: FloatArray, ld: number, r0: number, kc: number, c0: number, count: number, out: Float64Array,
  sums: Float64Array | null,
): void {
  let o = 0;
  for (let g = 0; g < count; g += 4) {
    const left = count - g;
    const s = r0 * ld + c0 + g;
    if (left >= 4) {
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let p = 0, q = s; p < kc; p++, q += ld) {
        const v0 = src[q], v1 = src[q + 1], v2 = src[q + 2], v3 = src[q + 3];
        out[o] = v0;
        out[o + 1] = v1;
        out[o + 2] = v2;
        out[o + 3] = v3;
        t0 += v0;
        t1 += v1;
        t2 += v2;
        t3 += v3;
        o += 4;
      }
      if (sums !== null) {
        const j = c0 + g;
        sums[j] += t0;
        sums[j + 1] += t1;
        sums[j + 2] += t2;
        sums[j + 3] += t3;
      }
    } else {
      for (let p = 0, q = s; p < kc; p++, q += ld) {
        for (let c = 0; c < 4; c++) out[o + c] = c < left ? src[q + c] : 0;
        o += 4;
      }
      if (sums !== null) {
        for (let c = 0; c < left; c++) {
          let t = 0;
          for (let p = 0, q = s + c; p < kc; p++, q += ld) t += src[q];
          sums[c0 + g + c] += t;
        }
      }
    }
  }
}

/**
 * The 4x4 register tile: C[c.., ldc] (+)= Â-panel[kc x 4]^T · B̂-panel[kc x 4], reading the
 * panels at offsets a and b. `first` overwrites (the first k-block) instead of accumulating.
 */
function tile4x4(kc: number, A: Float64Array, a: number, B: Float64Array, b: number, C: Float64Array, c: number, ldc: number, first: boolean): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = A[a], a1 = A[a + 1], a2 = A[a + 2], a3 = A[a + 3];
    const b0 = B[b], b1 = B[b + 1], b2 = B[b + 2], b3 = B[b + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    a += 4;
    b += 4;
  }
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  if (first) {
    C[c] = c00; C[c + 1] = c01; C[c + 2] = c02; C[c + 3] = c03;
    C[c1] = c10; C[c1 + 1] = c11; C[c1 + 2] = c12; C[c1 + 3] = c13;
    C[c2] = c20; C[c2 + 1] = c21; C[c2 + 2] = c22; C[c2 + 3] = c23;
    C[c3] = c30; C[c3 + 1] = c31; C[c3 + 2] = c32; C[c3 + 3] = c33;
  } else {
    C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03;
    C[c1] += c10; C[c1 + 1] += c11; C[c1 + 2] += c12; C[c1 + 3] += c13;
    C[c2] += c20; C[c2 + 1] += c21; C[c2 + 2] += c22; C[c2 + 3] += c23;
    C[c3] += c30; C[c3 + 1] += c31; C[c3 + 2] += c32; C[c3 + 3] += c33;
  }
}

/** How Â[i,p] and B̂[p,j] are read from the caller's buffers. */
type Layout = 'ARows' | 'ACols' | 'BRows' | 'BCols';
// ARows: Â[i,p] = A[i*k + p] (A: [m, k]);  ACols: Â[i,p] = A[p*m + i] (A: [k, m], transposed).
// BRows: B̂[p,j] = B[j*k + p] (B: [n, k], transposed);  BCols: B̂[p,j] = B[p*n + j] (B: [k, n]).

/**
 * cAcc[i*nPad + j] = sum_p Â[i,p] B̂[p,j] for i < m, j < n (padding rows/columns hold junk).
 * With `sums` (only for 'ACols') also colAcc[i] = sum_p Â[i,p]. Requires k > 0.
 */
function packedProduct(
  A: FloatArray, aLayout: Layout, B: FloatArray, bLayout: Layout, m: number, n: number, k: number, sums: boolean,
): void {
  const mPad = roundUp(m, MR);
  const nPad = roundUp(n, NR);
  ensureScratch(mPad, nPad);
  const Ap = aPack, Bp = bPack, Cs = cAcc;
  if (sums) colAcc.fill(0, 0, mPad);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    const first = p0 === 0;
    if (bLayout === 'BRows') packRows(B, k, 0, n, p0, kc, Bp);
    else packCols(B, n, p0, kc, 0, n, Bp, null);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0);
      if (aLayout === 'ARows') packRows(A, k, i0, mc, p0, kc, Ap);
      else packCols(A, m, p0, kc, i0, mc, Ap, sums ? colAcc : null);
      for (let j = 0; j < n; j += NR) {
        const b = j * kc;
        for (let i = 0; i < mc; i += MR) {
          tile4x4(kc, Ap, i * kc, Bp, b, Cs, (i0 + i) * nPad + j, nPad, first);
        }
      }
    }
  }
}

/** C[i*n + j] = cAcc[i*nPad + j] + bias[j] (bias may be null). */
function writeOut(C: FloatArray, bias: FloatArray | null, m: number, n: number): void {
  const nPad = roundUp(n, NR);
  const Cs = cAcc;
  for (let i = 0; i < m; i++) {
    const s = i * nPad;
    const d = i * n;
    if (bias === null) for (let j = 0; j < n; j++) C[d + j] = Cs[s + j];
    else for (let j = 0; j < n; j++) C[d + j] = Cs[s + j] + bias[j];
  }
}

function checkSizes(what: string, m: number, n: number, k: number): void {
  if (!(Number.isInteger(m) && Number.isInteger(n) && Number.isInteger(k) && m >= 0 && n >= 0 && k >= 0)) {
    throw new RangeError(`${what}: sizes must be integers >= 0, got m=${m} n=${n} k=${k}`);
  }
}

export const tsKernels: Kernels = {
  name: 'ts',

  allocBuffers(dtype: DType, sizes: readonly number[]): FloatArray[] {
    return sizes.map((n) => alloc(dtype, n));
  },

  gemmABt(A, B, bias, C, m, n, k) {
    checkSizes('gemmABt', m, n, k);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] = bias === null ? 0 : bias[j];
      return;
    }
    packedProduct(A, 'ARows', B, 'BRows', m, n, k, false);
    writeOut(C, bias, m, n);
  },

  gemmAB(A, B, C, m, n, k) {
    checkSizes('gemmAB', m, n, k);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      C.fill(0, 0, m * n);
      return;
    }
    packedProduct(A, 'ARows', B, 'BCols', m, n, k, false);
    writeOut(C, null, m, n);
  },

  gemmAtB(A, B, C, m, n, k, colSum) {
    checkSizes('gemmAtB', m, n, k);
    if (m === 0) return;
    if (k === 0 || n === 0) {
      // No products to form; column sums still have their m entries (all 0 when k = 0).
      C.fill(0, 0, m * n);
      if (colSum !== null) {
        for (let i = 0; i < m; i++) {
          let t = 0;
          for (let p = 0; p < k; p++) t += A[p * m + i];
          colSum[i] = t;
        }
      }
      return;
    }
    packedProduct(A, 'ACols', B, 'BCols', m, n, k, colSum !== null);
    writeOut(C, null, m, n);
    if (colSum !== null) for (let i = 0; i < m; i++) colSum[i] = colAcc[i];
  },
};
