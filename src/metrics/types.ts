/**
 * The records the recorder produces: a line of metrics.ndjson or histograms.ndjson, a run's
 * status and what made it diverge. src/results re-exports them as part of the files' contract;
 * names follow DESIGN.md (the contract); fields may be added, never renamed.
 *
 * Layer indexing: layer 0 is the first hidden layer (next to the input); layer `depth` is the
 * output layer.
 */

/** Per-layer scalars of one record (one line of metrics.ndjson). */
export interface LayerRecord {
  readonly layer: number;
  /** ||dL/dW||_F, L the mean loss over the batch. */
  readonly gradNorm: number;
  /** ||dL/db||_2. */
  readonly biasGradNorm: number;
  /** ||dL/dz||_F over the batch (z = pre-activation, [batch, units]). */
  readonly deltaNorm: number;
  /** ||W||_F. */
  readonly weightNorm: number;
  /**
   * ||W_s - W_{s-1}||_F / ||W_{s-1}||_F: the update that made this record's weights (0 at step 0
   * and when the previous step made no update; Infinity, written null, when W_{s-1} was 0).
   */
  readonly updateRatio: number;
  /** std(dL/dW) / std(W). */
  readonly gradDataRatio?: number;
  /** Statistics of the activation a on the probe batch. */
  readonly actMean?: number;
  readonly actStd?: number;
  readonly actRms?: number;
  readonly actMaxAbs?: number;
  /** Statistics of the pre-activation z on the probe batch. */
  readonly preactMean?: number;
  readonly preactStd?: number;
  /** Share of (example, unit) probe pairs where f'(z) is exactly 0. */
  readonly zeroFraction?: number;
  /** Share of units with f'(z) exactly 0 on every probe example. */
  readonly deadFraction?: number;
  /** Share of probe pairs with |f'(z)| < 5% of the activation's max |f'|. */
  readonly saturatedFraction?: number;
  /** Number of units that were dead at some earlier record and are alive now, cumulative. */
  readonly revivedCount?: number;
  /** PReLU: the learned slopes' mean (and the slopes when per unit). */
  readonly preluSlope?: number;
}

/** One line of metrics.ndjson. Step 0 is always recorded, before any update. */
export interface MetricRecord {
  readonly step: number;
  readonly epoch: number;
  /** Mean training loss of the batch at this step (before the update). */
  readonly loss: number;
  /** At evaluation points only. */
  readonly trainAcc?: number;
  readonly testAcc?: number;
  readonly trainLoss?: number;
  readonly testLoss?: number;
  /** log10(gradNorm[0] / gradNorm[depth - 1]): negative when gradients vanish toward the input. */
  readonly vanishing?: number;
  /** Fitted per-layer factor of deltaNorm^2 over the hidden layers (exp of the slope of ln). */
  readonly deltaGrowth?: number;
  /** Fitted per-layer factor of actRms over the hidden layers. */
  readonly actGrowth?: number;
  readonly layers: readonly LayerRecord[];
}

/** One histogram of a quantity in one layer; `edges.length === counts.length + 1`. */
export interface Histogram {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** Values below the first edge / above the last one. */
  readonly under?: number;
  readonly over?: number;
  /** NaN values (present only when non-zero); sum(counts) + under + over + nan = values. */
  readonly nan?: number;
}

/** One line of histograms.ndjson. Edges are fixed for the whole run. */
export interface HistogramRecord {
  readonly step: number;
  readonly layers: readonly {
    readonly layer: number;
    readonly z: Histogram;
    readonly a: Histogram;
    readonly dW: Histogram;
    readonly dz: Histogram;
  }[];
}

export type RunStatus = 'ok' | 'diverged' | 'interrupted' | 'failed';

export interface DivergenceInfo {
  readonly step: number;
  /** The first layer where a non-finite value appeared, or null when only the loss was. */
  readonly layer: number | null;
  readonly what: 'loss' | 'activation' | 'gradient' | 'weight';
}
