/**
 * The hidden stack's input-output Jacobian at a step, from the network's weights and one forward
 * pass of the probe batch, and its singular values (Pennington, Schoenholz & Ganguli 2017):
 *
 *   J(x) = dh_{depth-1} / dh_0 = prod_{l=depth-1}^{1} (diag f'(n_l(x)) N_l W_l [+ I / alpha])     [n, n], n = width * widthFactor
 *
 * with N_l the norm's Jacobian: batch norm with the probe batch's statistics held fixed,
 * diag(gamma / sigma); layer norm per example, (gamma / sigma_x) (I - 11^T / n - xhat xhat^T / n);
 * none: I. With residual connections each layer l >= 1 is I + alpha diag f'(n_l) N_l W_l.
 *
 * (jacobian.ts multiplies it out in forward mode, svd.ts takes its singular values). One line of
 * spectra.ndjson per example; per step, the numbers users quote, pooled over the examples:
 * mean and variance of s^2, the largest and smallest s, the median condition number, and
 * ln ||J e_1||^2 per example (the log-norm whose spread over seeds grows with sum 1/n_l).
 *
 * The examples are the first rows of the probe batch, passed forward with it ('probe' mode: batch
 * statistics of the probe batch, running statistics untouched).
 */
import { ACTIVATIONS } from '../net/activations.js';
import type { MLP } from '../net/mlp.js';
import type { NormLayer } from '../net/norm.js';
import type { FloatArray } from '../net/tensor.js';
import { stackJacobian, type JacobianLayer } from './jacobian.js';
import { singularValues, summarizeSpectrum } from './svd.js';

/** One line of spectra.ndjson. */
export interface SpectrumLine {
  readonly step: number;
  /** Row index of the example in the training split. */
  readonly example: number;
  /** s_1 >= s_2 >= ... >= 0. */
  readonly singularValues: readonly number[];
}

/** The spectra of one step, pooled over its examples (summary.json `spectra.steps[]`). */
export interface SpectrumStep {
  readonly step: number;
  readonly examples: number;
  /** Mean of s^2 over every singular value of every example: mean over examples of ||J||_F^2 / n. */
  readonly meanS2: number;
  /** Variance of s^2 over the pooled singular values. */
  readonly varS2: number;
  /** Largest and smallest singular value over the examples. */
  readonly max: number;
  readonly min: number;
  /** Median over examples of s_1 / s_n (null when some s_n is 0: JSON has no Infinity). */
  readonly condition: number | null;
  /** ln ||J e_1||^2 per example, in example order (null where J e_1 = 0). */
  readonly logJv2: readonly (number | null)[];
}

/** Singular values are written to this many significant digits (float32 weights hold ~7). */
const DIGITS = 10;

/** N [units, units] of a norm at row `row` of its last forward pass (see the module comment). */
function normJacobian(norm: NormLayer, row: number): Float64Array {
  const C = norm.units;
  const N = new Float64Array(C * C);
  const g = norm.weight;
  if (norm.spec.name === 'batch') {
    for (let c = 0; c < C; c++) N[c * C + c] = g[c] * norm.invstd[c];
    return N;
  }
  const s = norm.invstd[row];
  const xh = norm.xhat.subarray(row * C, (row + 1) * C);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < C; k++) N[c * C + k] = g[c] * s * ((c === k ? 1 : 0) - 1 / C - (xh[c] * xh[k]) / C);
  }
  return N;
}

/**
 * J of row `row` of the model's last forward pass: hidden layers 1 .. depth-1, each from its
 * weights, its norm and f' at the cached activation input n_l of that row, with the skip when the
 * layer has one. depth <= 1 gives the identity.
 */
export function hiddenJacobian(mlp: MLP, row: number): { J: Float64Array; rows: number; cols: number } {
  if (!(Number.isInteger(row) && row >= 0 && row < mlp.lastRows)) {
    throw new RangeError(`hiddenJacobian: row ${row} is not one of the ${mlp.lastRows} rows of the last forward pass`);
  }
  const hidden = mlp.layers.slice(0, mlp.depth);
  const first = hidden[0];
  const inDim = first === undefined ? mlp.inputDim : first.fanOut * first.widthFactor;
  const layers: JacobianLayer[] = hidden.slice(1).map((l) => {
    const units = l.fanOut;
    const wf = l.widthFactor;
    const d = new Float64Array(units * wf);
    const n = l.n.subarray(row * units, (row + 1) * units);
    const a = l.a.subarray(row * units * wf, (row + 1) * units * wf);
    ACTIVATIONS[l.activation].derivative(n, a, d, 1, units, l.activationParams, l.learned);
    return {
      W: l.W, fanIn: l.fanIn, fanOut: units, widthFactor: wf, d,
      norm: l.norm === null ? null : normJacobian(l.norm, row),
      residualScale: mlp.hasSkip(l.index) ? mlp.residualScale : null,
    };
  });
  return stackJacobian(layers, inDim);
}

const round = (x: number): number => Number(x.toPrecision(DIGITS));

/**
 * Forward pass of the `rows` rows of x ([rows, inputDim], 'probe' mode), then J and its singular
 * values for each of the first `examples.length` rows; `examples[r]` names row r (its index in
 * the training split). Changes the model's forward caches, never its running statistics.
 */
export function measureSpectra(
  mlp: MLP, x: FloatArray, rows: number, examples: readonly number[], step: number,
): { lines: SpectrumLine[]; summary: SpectrumStep } {
  if (examples.length > rows) throw new RangeError(`measureSpectra: ${examples.length} example ids for ${rows} rows`);
  mlp.forward(x, rows, 'probe');
  const lines: SpectrumLine[] = [];
  const pooled: number[] = [];
  const conditions: number[] = [];
  const logJv2: (number | null)[] = [];
  for (let r = 0; r < examples.length; r++) {
    const { J, rows: m, cols: n } = hiddenJacobian(mlp, r);
    const s = singularValues(J, m, n);
    let col = 0;
    for (let i = 0; i < m; i++) col += J[i * n] * J[i * n];
    logJv2.push(col > 0 && Number.isFinite(col) ? Math.log(col) : null);
    const one = summarizeSpectrum(s);
    conditions.push(one.condition);
    for (const v of s) pooled.push(v);
    lines.push({ step, example: examples[r], singularValues: Array.from(s, round) });
  }
  const all = summarizeSpectrum(pooled);
  conditions.sort((a, b) => a - b);
  const mid = conditions.length >> 1;
  const median = conditions.length === 0 ? NaN : conditions.length % 2 ? conditions[mid] : 0.5 * (conditions[mid - 1] + conditions[mid]);
  return {
    lines,
    summary: {
      step,
      examples: examples.length,
      meanS2: all.meanS2,
      varS2: all.varS2,
      max: all.max,
      min: all.min,
      condition: Number.isFinite(median) ? median : null,
      logJv2,
    },
  };
}
