/**
 * The per-layer scalars of a record (definitions in docs/metrics.md), in two passes:
 *  - `gradientMetrics`, from the training batch the layers hold after backward: gradNorm,
 *    biasGradNorm, deltaNorm, weightNorm, updateRatio, gradDataRatio (and a norm's gamma and
 *    beta fields, remedies.ts);
 *  - `ProbeMetrics.measure`, from one forward pass of the fixed probe batch in 'probe' mode
 *    (batch norm uses the probe's own statistics and leaves its running ones alone): act*,
 *    preact* (of z, before any norm), zeroFraction, deadFraction, saturatedFraction (of f'(n),
 *    the activation's input), revivedCount (and preluSlope, and the remedies' probe fields).
 * Buffers are allocated once, in the constructor.
 */
import { ACTIVATIONS } from '../net/activations.js';
import type { Dense } from '../net/dense.js';
import type { MLP } from '../net/mlp.js';
import { alloc, type FloatArray, type Kernels } from '../net/tensor.js';
import type { DeadTracker } from './dead.js';
import { normGradientFields, remedyProbeFields } from './remedies.js';
import { derivativeCounts, emptyDerivativeCounts, emptyStats, mean, norm, stats, type Stats } from './reducers.js';
import type { WeightSnapshots } from './snapshots.js';
import type { DivergenceInfo, LayerRecord } from './types.js';

/** Saturated: |f'(z)| below this share of the activation's max |f'| (see docs/metrics.md). */
export const SATURATION_SHARE = 0.05;

/** A layer's record while its two passes fill it in. */
export type MutableLayer = { -readonly [K in keyof LayerRecord]: LayerRecord[K] };

/**
 * Gradient-side metrics of every layer at `step`, from dW, db and the first `batchRows` rows of
 * dz (and dgamma, dbeta of a norm). One stats pass each over W and dW gives both the norm (rms sqrt(n)) and the std; one pass
 * over W and its snapshot gives updateRatio. `st` is scratch space.
 */
export function gradientMetrics(layers: readonly Dense[], snapshots: WeightSnapshots, step: number, batchRows: number, st: Stats, kernels: Kernels | null = null): MutableLayer[] {
  const out: MutableLayer[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const n = l.W.length;
    const updateRatio = snapshots.updateRatio(i, step);
    stats(l.W, n, st, kernels);
    const weightNorm = st.rms * Math.sqrt(n);
    const sW = st.std;
    stats(l.dW, n, st, kernels);
    const gradNorm = st.rms * Math.sqrt(n);
    const rec: MutableLayer = {
      layer: i,
      gradNorm,
      biasGradNorm: norm(l.db),
      deltaNorm: norm(l.dz, batchRows * l.fanOut),
      weightNorm,
      updateRatio,
      gradDataRatio: sW > 0 ? st.std / sW : st.std > 0 ? Infinity : 0,
    };
    if (l.norm !== null) normGradientFields(l, snapshots.normUpdateRatios(i, step), rec);
    out.push(rec);
  }
  return out;
}

export class ProbeMetrics {
  private readonly layers: readonly Dense[];
  /** f'(n) of the probe, [probeRows, max units * widthFactor]. */
  private readonly deriv: FloatArray;
  /** Per layer, 1 for each unit dead on the whole probe at the latest record. */
  private readonly masks: Uint8Array[];
  private readonly zerosPerUnit: Int32Array;
  private readonly stat = emptyStats();
  private readonly dcounts = emptyDerivativeCounts();

  /**
   * `probeX` [probeRows, inputDim]: the probe batch; `enabled` false allocates no derivative
   * buffer (metrics off).
   */
  constructor(
    private readonly mlp: MLP,
    private readonly probeX: FloatArray,
    private readonly probeRows: number,
    private readonly dead: DeadTracker,
    enabled: boolean,
  ) {
    if (probeRows > mlp.maxRows) {
      throw new RangeError(`Recorder: the probe batch has ${probeRows} rows, more than the model's maxRows ${mlp.maxRows}`);
    }
    this.layers = mlp.layers;
    let cols = 0;
    for (const l of this.layers) cols = Math.max(cols, l.fanOut * l.widthFactor);
    // From the model's kernel, so that its reducers can count the derivative in their memory.
    this.deriv = enabled && probeRows * cols > 0 ? mlp.kernels.allocBuffers(mlp.dtype, [probeRows * cols])[0] : alloc(mlp.dtype, 0);
    this.masks = this.layers.map((l) => new Uint8Array(l.fanOut));
    this.zerosPerUnit = new Int32Array(Math.max(0, ...this.layers.map((l) => l.fanOut)));
  }

  /**
   * One forward pass of the probe batch (it overwrites the forward caches x, z, n, a), then per
   * layer the statistics of a and z, the derivative counts, the dead-unit bookkeeping and the
   * remedies' fields, into `out[i]`. Returns a divergence when a probe activation is not finite.
   */
  measure(step: number, out: MutableLayer[]): DivergenceInfo | null {
    const rows = this.probeRows;
    this.mlp.forward(this.probeX, rows, 'probe');
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      const rec = out[i];
      const s = stats(l.a, rows * l.fanOut * l.widthFactor, this.stat, this.mlp.kernels);
      if (!Number.isFinite(s.rms) || !Number.isFinite(s.maxAbs)) return { step, layer: i, what: 'activation' };
      rec.actMean = s.mean;
      rec.actStd = s.std;
      rec.actRms = s.rms;
      rec.actMaxAbs = s.maxAbs;
      stats(l.z, rows * l.fanOut, this.stat, this.mlp.kernels);
      rec.preactMean = this.stat.mean;
      rec.preactStd = this.stat.std;
      this.derivativeFractions(i, rec);
      rec.revivedCount = this.dead.update(step, i, this.masks[i]);
      const learned = l.learned;
      if (learned !== null) rec.preluSlope = mean(learned.value);
      remedyProbeFields(this.mlp, i, rows, this.stat, rec);
    }
    return null;
  }

  /** zeroFraction, deadFraction and saturatedFraction of layer i from f'(n) of the probe (n = z without a norm). */
  private derivativeFractions(i: number, rec: MutableLayer): void {
    const l = this.layers[i];
    const rows = this.probeRows;
    const units = l.fanOut;
    const def = ACTIVATIONS[l.activation];
    def.derivative(l.n, l.a, this.deriv, rows, units, l.activationParams, l.learned);
    const threshold = SATURATION_SHARE * def.maxDerivative(l.activationParams);
    const dc = derivativeCounts(this.deriv, rows, units, l.widthFactor, threshold, this.masks[i], this.zerosPerUnit, this.dcounts, this.mlp.kernels);
    rec.zeroFraction = dc.pairs > 0 ? dc.zeroPairs / dc.pairs : 0;
    rec.deadFraction = units > 0 ? dc.deadUnits / units : 0;
    rec.saturatedFraction = dc.pairs > 0 ? dc.saturatedPairs / dc.pairs : 0;
  }
}
