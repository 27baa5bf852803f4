/**
 * Normalization layers between a dense layer's linear map and its activation, as PyTorch's
 * `BatchNorm1d(units)` and `LayerNorm(units)`: z -> n -> a = f(n).
 *
 * Batch norm (Ioffe & Szegedy 2015), z: [rows, units], statistics per unit over the rows:
 *   mu_c = mean_r z_rc,  var_c = mean_r (z_rc - mu_c)^2        (biased: divide by rows)
 *   xhat_rc = (z_rc - mu_c) / sqrt(var_c + eps),  n_rc = gamma_c xhat_rc + beta_c
 *   running_mean <- (1 - m) running_mean + m mu;  running_var <- (1 - m) running_var + m var rows / (rows - 1)
 * backward (the batch couples the rows):
 *   dbeta_c = sum_r dn_rc,  dgamma_c = sum_r dn_rc xhat_rc
 *   dz_rc = gamma_c / (rows sqrt(var_c + eps)) (rows dn_rc - dbeta_c - xhat_rc dgamma_c)
 * In evaluation the running statistics replace mu and var, and dz = gamma dn / sqrt(running_var + eps).
 *
 * Layer norm (Ba et al. 2016), statistics per row over the units (no running statistics):
 *   mu_r = mean_c z_rc,  var_r = mean_c (z_rc - mu_r)^2,  xhat, n as above with gamma_c, beta_c
 *   dz_rc = 1 / (units sqrt(var_r + eps)) (units g_rc - sum_c g_rc - xhat_rc sum_c g_rc xhat_rc),  g = gamma dn
 *
 * Sums run in float64 whatever the buffers' dtype; the variance takes two passes (mean first).
 * A kernel with normForward / normBackward (the wasm kernel: assembly/norm.ts) runs these loops
 * with the same bits where its memory holds the buffers; the loops below are the reference.
 * Affine: gamma = 1 and beta = 0 at initialisation (PyTorch's); without affine they stay so and
 * are no parameters.
 */
import { entryParams, resolveName, type ParamValues, type ScalarSpec } from './params.js';
import type { FloatArray, Kernels } from './tensor.js';

/** Which statistics a forward pass normalises with. */
export type ForwardMode =
  /** Training: batch statistics; batch norm updates its running statistics. */
  | 'train'
  /** Evaluation: batch norm uses its running statistics. */
  | 'eval'
  /** The metrics' probe pass: batch statistics of the probe batch, running statistics untouched. */
  | 'probe';

export interface NormDef {
  readonly aliases: readonly string[];
  /** The formula and the paper, for `gradflow list`. */
  readonly doc: string;
  /** PyTorch's module, for docs and messages. */
  readonly torch: string;
  readonly params: Readonly<Record<string, ScalarSpec>>;
}

const EPS = { type: 'number', default: 1e-5, min: 0, doc: 'added to the variance before the square root' } as const satisfies ScalarSpec;
const AFFINE = { type: 'boolean', default: true, doc: 'learn a scale gamma (init 1) and a shift beta (init 0) per unit' } as const satisfies ScalarSpec;
const MOMENTUM = {
  type: 'number', default: 0.1, min: 0, max: 1, doc: 'weight of the newest batch in the running mean and variance',
} as const satisfies ScalarSpec;

/** The normalizations a hidden layer may have (`model.norm`). */
export const NORMS = {
  none: { aliases: [], doc: 'no normalization: n = z', torch: 'none', params: {} },
  batch: {
    aliases: ['batchnorm', 'batch_norm', 'bn'],
    doc: 'n = gamma (z - mean) / sqrt(var + eps) + beta per unit over the batch, running statistics in evaluation; Ioffe & Szegedy 2015, PyTorch BatchNorm1d',
    torch: 'BatchNorm1d',
    params: { momentum: MOMENTUM, eps: EPS, affine: AFFINE },
  },
  layer: {
    aliases: ['layernorm', 'layer_norm', 'ln'],
    doc: 'n = gamma (z - mean) / sqrt(var + eps) + beta per example over the units; Ba et al. 2016, PyTorch LayerNorm',
    torch: 'LayerNorm',
    params: { eps: EPS, affine: AFFINE },
  },
} as const satisfies Record<string, NormDef>;

export type NormName = keyof typeof NORMS;
export const NORM_NAMES = Object.keys(NORMS) as NormName[];

/** Canonical name for a name or alias (case-insensitive), or undefined. */
export function resolveNormName(name: string): NormName | undefined {
  return resolveName(NORMS, name);
}

/** A normalization with every parameter (defaults filled in). */
export interface NormSpec {
  readonly name: 'batch' | 'layer';
  readonly eps: number;
  readonly affine: boolean;
  /** Batch norm only (layer norm keeps batch norm's default, unused). */
  readonly momentum: number;
}

/**
 * A resolved `model.norm` ({"name", <params>}) as a NormSpec; null for "none". A parameter its
 * spec refuses throws a RangeError (params.ts).
 */
export function normSpec(name: string, given: ParamValues = {}): NormSpec | null {
  const n = resolveNormName(name);
  if (n === undefined) throw new Error(`unknown normalization "${name}"`);
  if (n === 'none') return null;
  const p = entryParams(n, NORMS[n].params, given);
  return {
    name: n,
    eps: p.eps as number,
    affine: p.affine as boolean,
    momentum: n === 'batch' ? (p.momentum as number) : MOMENTUM.default,
  };
}

/**
 * Element counts of a norm's buffers, in the order `NormLayer` takes them:
 * gamma, beta, dgamma, dbeta, running mean, running var, xhat [maxRows, units], invstd, mean.
 * Batch norm keeps invstd and mean per unit, layer norm per row.
 */
export function normBufferSizes(spec: NormSpec, units: number, maxRows: number): number[] {
  const running = spec.name === 'batch' ? units : 0;
  const stats = spec.name === 'batch' ? units : maxRows;
  return [units, units, units, units, running, running, maxRows * units, stats, stats];
}

/** What a kernel's normForward / normBackward read and write of a norm layer (Kernels, tensor.ts). */
export type NormBuffers = Pick<NormLayer, 'spec' | 'units' | 'weight' | 'bias' | 'weightGrad' | 'biasGrad' |
  'runningMean' | 'runningVar' | 'xhat' | 'invstd' | 'mean'>;

export class NormLayer {
  readonly spec: NormSpec;
  readonly units: number;
  readonly maxRows: number;
  /** gamma and beta [units] and their gradients of the last backward pass. */
  readonly weight: FloatArray;
  readonly bias: FloatArray;
  readonly weightGrad: FloatArray;
  readonly biasGrad: FloatArray;
  /** Batch norm's running estimates [units] (mean 0 and variance 1 at first); empty for layer norm. */
  readonly runningMean: FloatArray;
  readonly runningVar: FloatArray;
  /** xhat = (z - mean) / sqrt(var + eps) of the last forward pass, [rows, units]. */
  readonly xhat: FloatArray;
  /** 1 / sqrt(var + eps) of the last forward pass: [units] (batch) or [rows] (layer). */
  readonly invstd: FloatArray;
  /** The mean of the last forward pass: [units] (batch) or [rows] (layer). */
  readonly mean: FloatArray;
  /** Per-unit float64 sums of a pass (not kernel memory: only these loops read them). */
  private readonly acc: Float64Array;
  private readonly acc2: Float64Array;
  /** Mode and rows of the last forward pass. */
  lastMode: ForwardMode = 'train';
  lastRows = 0;
  /** `kernels`: the layer's kernel, whose norm passes (if it has them) run instead of the loops below. */
  constructor(spec: NormSpec, units: number, maxRows: number, buffers: readonly FloatArray[], private readonly kernels: Kernels | null = null) {
    const sizes = normBufferSizes(spec, units, maxRows);
    if (buffers.length !== sizes.length || buffers.some((b, i) => b.length !== sizes[i])) {
      throw new Error(`${spec.name} norm: expected buffers of sizes [${sizes}], got [${buffers.map((b) => b.length)}]`);
    }
    this.spec = spec;
    this.units = units;
    this.maxRows = maxRows;
    [this.weight, this.bias, this.weightGrad, this.biasGrad, this.runningMean, this.runningVar, this.xhat, this.invstd, this.mean] = buffers;
    this.acc = new Float64Array(units);
    this.acc2 = new Float64Array(units);
    this.reset();
  }

  /** gamma = 1, beta = 0, running mean 0, running variance 1 (PyTorch's initial state). */
  reset(): void {
    this.weight.fill(1);
    this.bias.fill(0);
    this.runningMean.fill(0);
    this.runningVar.fill(1);
  }

  /** n = Norm(z) for `rows` rows (z, n: [rows, units]). Changes xhat, invstd, lastMode, lastRows, and in 'train' batch norm's running statistics. */
  forward(z: FloatArray, n: FloatArray, rows: number, mode: ForwardMode): void {
    if (this.kernels?.normForward?.(this, z, n, rows, mode) !== true) {
      if (this.spec.name === 'batch') this.batchForward(z, n, rows, mode);
      else this.layerForward(z, n, rows);
    }
    this.lastMode = mode;
    this.lastRows = rows;
  }

  private batchForward(z: FloatArray, n: FloatArray, rows: number, mode: ForwardMode): void {
    const C = this.units;
    const { xhat, invstd, mean, spec, acc, acc2, weight: g, bias: b } = this;
    if (mode === 'eval') {
      for (let c = 0; c < C; c++) {
        mean[c] = this.runningMean[c];
        invstd[c] = 1 / Math.sqrt(this.runningVar[c] + spec.eps);
      }
    } else {
      // Row-major passes with per-unit float64 sums (each unit's rows are added in order r = 0, 1, ...).
      acc.fill(0);
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        for (let c = 0; c < C; c++) acc[c] += z[o + c];
      }
      for (let c = 0; c < C; c++) acc[c] = rows > 0 ? acc[c] / rows : 0;
      acc2.fill(0);
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        for (let c = 0; c < C; c++) {
          const d = z[o + c] - acc[c];
          acc2[c] += d * d;
        }
      }
      const m = spec.momentum;
      for (let c = 0; c < C; c++) {
        mean[c] = acc[c];
        invstd[c] = 1 / Math.sqrt((rows > 0 ? acc2[c] / rows : 0) + spec.eps);
        if (mode === 'train' && rows > 1) {
          this.runningMean[c] = (1 - m) * this.runningMean[c] + m * acc[c];
          this.runningVar[c] = (1 - m) * this.runningVar[c] + (m * acc2[c]) / (rows - 1);
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      for (let c = 0; c < C; c++) {
        const x = (z[o + c] - mean[c]) * invstd[c];
        xhat[o + c] = x;
        n[o + c] = g[c] * x + b[c];
      }
    }
  }

  private layerForward(z: FloatArray, n: FloatArray, rows: number): void {
    const C = this.units;
    const { xhat, invstd, mean, spec, weight: g, bias: b } = this;
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      let s = 0;
      for (let c = 0; c < C; c++) s += z[o + c];
      const mu = s / C;
      let ss = 0;
      for (let c = 0; c < C; c++) {
        const d = z[o + c] - mu;
        ss += d * d;
      }
      const is = 1 / Math.sqrt(ss / C + spec.eps);
      mean[r] = mu;
      invstd[r] = is;
      for (let c = 0; c < C; c++) {
        const x = (z[o + c] - mu) * is;
        xhat[o + c] = x;
        n[o + c] = g[c] * x + b[c];
      }
    }
  }

  /**
   * From dn = dL/dn ([rows, units], rows of the last forward pass): dgamma, dbeta (this pass
   * only, also without affine) and dz = dL/dz ([rows, units]) through the statistics the
   * forward pass used. Changes weightGrad, biasGrad, dz.
   */
  backward(dn: FloatArray, dz: FloatArray, rows: number): void {
    if (rows !== this.lastRows) throw new Error(`${this.spec.name} norm: backward over ${rows} rows after a forward pass over ${this.lastRows}`);
    if (this.kernels?.normBackward?.(this, dn, dz, rows, this.lastMode) === true) return;
    const C = this.units;
    const { xhat, acc, acc2, weightGrad: dg, biasGrad: db } = this;
    acc.fill(0);
    acc2.fill(0);
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      for (let c = 0; c < C; c++) {
        const d = dn[o + c];
        acc[c] += d;
        acc2[c] += d * xhat[o + c];
      }
    }
    for (let c = 0; c < C; c++) {
      db[c] = acc[c];
      dg[c] = acc2[c];
    }
    if (this.spec.name === 'batch') this.batchBackward(dn, dz, rows);
    else this.layerBackward(dn, dz, rows);
  }

  /** dz from dn, with acc = dbeta and acc2 = dgamma of this pass (float64). */
  private batchBackward(dn: FloatArray, dz: FloatArray, rows: number): void {
    const C = this.units;
    const { xhat, invstd, weight: g, acc, acc2 } = this;
    if (this.lastMode === 'eval') {
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        for (let c = 0; c < C; c++) dz[o + c] = g[c] * invstd[c] * dn[o + c];
      }
      return;
    }
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      for (let c = 0; c < C; c++) {
        const i = o + c;
        dz[i] = ((g[c] * invstd[c]) / rows) * (rows * dn[i] - acc[c] - xhat[i] * acc2[c]);
      }
    }
  }

  private layerBackward(dn: FloatArray, dz: FloatArray, rows: number): void {
    const C = this.units;
    const { xhat, invstd, weight: g } = this;
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      let s1 = 0;
      let s2 = 0;
      for (let c = 0; c < C; c++) {
        const gd = g[c] * dn[o + c];
        s1 += gd;
        s2 += gd * xhat[o + c];
      }
      const k = invstd[r] / C;
      for (let c = 0; c < C; c++) dz[o + c] = k * (C * g[c] * dn[o + c] - s1 - xhat[o + c] * s2);
    }
  }
}
