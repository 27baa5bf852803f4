/**
 * Singular values of a dense real matrix by one-sided Jacobi rotations (Hestenes 1958; Demmel &
 * Veselic 1992): plane rotations orthogonalise the columns of A V in place until every pair is
 * orthogonal to working precision; the singular values are then the column norms. Unlike the
 * eigenvalues of A^T A it keeps small singular values to high relative accuracy, which the
 * spectra of deep networks need (condition numbers of 1e8 are common at init).
 *
 *   A: [m, n] row-major, float64 (copied; the input is not changed)
 *   returns s: [min(m, n)], s_1 >= s_2 >= ... >= 0
 *
 * Cost: about 6 m n^2 flops per sweep, 6-12 sweeps.
 */

/** Relative orthogonality at which a column pair is left alone. */
const TOLERANCE = 1e-15;
const MAX_SWEEPS = 60;

export function singularValues(a: ArrayLike<number>, m: number, n: number): Float64Array {
  if (a.length !== m * n) throw new RangeError(`singularValues: ${a.length} entries for a ${m} x ${n} matrix`);
  // Work on the wide side's transpose so the rotated columns are the longer ones: columns of
  // length `rows`, `cols` of them, cols <= rows.
  const tall = m >= n;
  const rows = tall ? m : n;
  const cols = tall ? n : m;
  // Column-major copy: column j is u[j * rows .. (j + 1) * rows).
  const u = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = a[i * n + j];
      if (tall) u[j * rows + i] = v;
      else u[i * rows + j] = v;
    }
  }
  const norm2 = new Float64Array(cols);
  for (let j = 0; j < cols; j++) norm2[j] = dot(u, j * rows, j * rows, rows);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < cols - 1; p++) {
      for (let q = p + 1; q < cols; q++) {
        const alpha = norm2[p];
        const beta = norm2[q];
        if (alpha === 0 || beta === 0) continue;
        const gamma = dot(u, p * rows, q * rows, rows);
        if (Math.abs(gamma) <= TOLERANCE * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // The rotation that zeroes the (p, q) entry of U^T U: tan(2 theta) = 2 gamma / (beta - alpha).
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        const op = p * rows;
        const oq = q * rows;
        for (let i = 0; i < rows; i++) {
          const x = u[op + i];
          const y = u[oq + i];
          u[op + i] = c * x - s * y;
          u[oq + i] = s * x + c * y;
        }
        // Recomputed rather than updated: the update alpha - t gamma loses accuracy for tiny columns.
        norm2[p] = dot(u, op, op, rows);
        norm2[q] = dot(u, oq, oq, rows);
      }
    }
    if (!rotated) break;
  }
  const s = Float64Array.from(norm2, (v) => Math.sqrt(v));
  return s.sort().reverse();
}

function dot(u: Float64Array, a: number, b: number, len: number): number {
  let acc = 0;
  for (let i = 0; i < len; i++) acc += u[a + i] * u[b + i];
  return acc;
}

/** The numbers users quote about a spectrum s (singular values, descending). */
export interface SpectrumSummary {
  /** Mean of s^2: (1/n) ||J||_F^2; mean-field theory predicts the product of the layers' chi_1. */
  readonly meanS2: number;
  /** Variance of s^2 over the n values. */
  readonly varS2: number;
  readonly max: number;
  readonly min: number;
  /** max / min (Infinity when min is 0). */
  readonly condition: number;
}

export function summarizeSpectrum(s: ArrayLike<number>): SpectrumSummary {
  const n = s.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += s[i] * s[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (s[i] * s[i] - m) ** 2;
  v /= n;
  let max = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    if (s[i] > max) max = s[i];
    if (s[i] < min) min = s[i];
  }
  return { meanS2: m, varS2: v, max, min, condition: min > 0 ? max / min : Infinity };
}
