/**
 * The histograms of every layer at a histogram step, one line of histograms.ndjson:
 *  - dW [fanOut, fanIn] and dz [batch, units] of the training batch, on the shared symmetric
 *    log bins (`symlogBins`);
 *  - z [probe, units] and a [probe, units * widthFactor] of the probe batch, on linear bins per
 *    layer fixed at the first histogram record (`linearEdgesFor`: the activation's range, else
 *    5 rms of those first values).
 * Counts are allocated once and reset at each histogram step.
 */
import { ACTIVATIONS } from '../net/activations.js';
import type { Dense } from '../net/dense.js';
import type { Kernels } from '../net/tensor.js';
import { accumulate, emptyCounts, linearEdgesFor, resetCounts, symlogBins, toHistogram, type BinSpec, type Counts } from './histogram.js';
import { sumSquares } from './reducers.js';
import type { HistogramRecord } from './types.js';

/** Linear bins of the z and a histograms by default. */
export const DEFAULT_HISTOGRAM_BINS = 40;

interface ProbeBins {
  readonly z: BinSpec;
  readonly a: BinSpec;
  readonly zCounts: Counts;
  readonly aCounts: Counts;
}

export class LayerHistograms {
  private readonly gradBins = symlogBins();
  private readonly dW: Counts[];
  private readonly dz: Counts[];
  /** Per layer, from the first histogram record on. */
  private probeBins: ProbeBins[] | null = null;

  /** `kernels`: the model's, whose reducers count its own buffers (null: the TypeScript loops). */
  constructor(private readonly layers: readonly Dense[], private readonly bins: number = DEFAULT_HISTOGRAM_BINS, private readonly kernels: Kernels | null = null) {
    this.dW = layers.map(() => emptyCounts(this.gradBins));
    this.dz = layers.map(() => emptyCounts(this.gradBins));
  }

  /** Counts dW and dz of the training batch (`batchRows` rows of dz). */
  countGradients(batchRows: number): void {
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      resetCounts(this.dW[i]);
      accumulate(this.gradBins, this.dW[i], l.dW, l.dW.length, this.kernels);
      resetCounts(this.dz[i]);
      accumulate(this.gradBins, this.dz[i], l.dz, batchRows * l.fanOut, this.kernels);
    }
  }

  /** Counts z and a of the probe batch the layers hold (`rows` rows); fixes the bins the first time. */
  countProbe(rows: number): void {
    const bins = this.probeBins ?? (this.probeBins = this.makeProbeBins(rows));
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      const nZ = rows * l.fanOut;
      const b = bins[i];
      resetCounts(b.zCounts);
      accumulate(b.z, b.zCounts, l.z, nZ, this.kernels);
      resetCounts(b.aCounts);
      accumulate(b.a, b.aCounts, l.a, nZ * l.widthFactor, this.kernels);
    }
  }

  /** Linear bins of z and a per layer, from the spread of the values the layers hold now. */
  private makeProbeBins(rows: number): ProbeBins[] {
    return this.layers.map((l) => {
      const nZ = rows * l.fanOut;
      const nA = nZ * l.widthFactor;
      const zRms = Math.sqrt(sumSquares(l.z, nZ) / Math.max(nZ, 1));
      const aRms = Math.sqrt(sumSquares(l.a, nA) / Math.max(nA, 1));
      const z = linearEdgesFor(null, zRms, this.bins);
      const a = linearEdgesFor(ACTIVATIONS[l.activation].range(l.activationParams), aRms, this.bins);
      return { z, a, zCounts: emptyCounts(z), aCounts: emptyCounts(a) };
    });
  }

  /** The line of histograms.ndjson for `step`, from the latest counts; null before any probe count. */
  record(step: number): HistogramRecord | null {
    const bins = this.probeBins;
    if (bins === null) return null;
    return {
      step,
      layers: this.layers.map((_, i) => ({
        layer: i,
        z: toHistogram(bins[i].z, bins[i].zCounts),
        a: toHistogram(bins[i].a, bins[i].aCounts),
        dW: toHistogram(this.gradBins, this.dW[i]),
        dz: toHistogram(this.gradBins, this.dz[i]),
      })),
    };
  }
}
