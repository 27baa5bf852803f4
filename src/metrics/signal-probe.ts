/**
 * The recorder's signal-propagation job: the pair correlation of the probe batch at the first
 * record (correlation-probe.ts) and, when `metrics.jacobian` is set, the Jacobian's spectra at
 * its steps (spectra.ts), streamed line by line to a sink (spectra.ndjson) and summed up for
 * summary.json.
 *
 * The recorder calls, for each step it flushes:
 *   afterProbe(step)           right after the probe batch's forward pass of a record, while
 *                              the layers' caches hold it (the first call measures correlations);
 *   atStep(step, recorded)     after everything else of the step; at a Jacobian step it runs its
 *                              own forward pass of the examples (overwriting the forward caches,
 *                              never dW, db, dz: safe before the optimizer step).
 * Nothing here changes metrics.ndjson: runs without `metrics.jacobian` add only the theory
 * block's `measuredCorrelation`.
 */
import type { MLP } from '../net/mlp.js';
import type { FloatArray } from '../net/tensor.js';
import { fitDecayLength, measureCorrelation, type MeasuredCorrelation } from './correlation-probe.js';
import { measureSpectra, type SpectrumLine, type SpectrumStep } from './spectra.js';
import type { TheoryBlock } from './theory.js';
import { finiteWidthBeta, predictedJacobianMeanS2 } from './theory-signal.js';

/** `metrics.jacobian` as resolved. */
export interface JacobianConfig {
  readonly steps: readonly number[] | 'records';
  readonly examples: number;
}

export interface SignalProbeOptions {
  readonly mlp: MLP;
  /** The probe batch [probeRows, inputDim] and each row's index in the training split. */
  readonly probeX: FloatArray;
  readonly probeRows: number;
  readonly probeIds: ArrayLike<number>;
  /** null: no Jacobian. */
  readonly jacobian: JacobianConfig | null;
  readonly onSpectrum?: (line: SpectrumLine) => void;
}

/** The measured correlations in the theory block of summary.json. */
export interface CorrelationSummary extends MeasuredCorrelation {
  /** The step they were measured at (the first record: 0). */
  readonly step: number;
  /** Decay length of |c_l - c*| fitted over the first `fitLayers` layers (c* from the theory). */
  readonly xiC: number | null;
  readonly fitLayers: number;
}

/** summary.json `spectra`, present when `metrics.jacobian` is set. */
export interface SpectraSummary {
  /** Training-split rows of the examples, in the order of each step's lines. */
  readonly examples: readonly number[];
  /** Mean-field mean of s^2 at initialisation: prod over J's layers of chi_1(q_l). */
  readonly predictedMeanS2: number | null;
  /** sum over J's layers of 1 / width: the finite-width scale of ln ||J v||^2's spread. */
  readonly beta: number;
  readonly steps: readonly SpectrumStep[];
}

export class SignalProbe {
  private readonly o: SignalProbeOptions;
  private readonly examples: number[];
  private readonly steps: ReadonlySet<number> | null;
  private correlation: (MeasuredCorrelation & { step: number }) | null = null;
  private readonly spectra: SpectrumStep[] = [];
  private lastSpectrumStep = -1;

  constructor(o: SignalProbeOptions) {
    this.o = o;
    const k = o.jacobian === null ? 0 : Math.min(o.jacobian.examples, o.probeRows);
    this.examples = Array.from({ length: k }, (_, i) => o.probeIds[i]);
    this.steps = o.jacobian === null || o.jacobian.steps === 'records' ? null : new Set(o.jacobian.steps);
  }

  /** Whether `step` takes the Jacobian, given whether it made a record. */
  jacobianAt(step: number, recorded: boolean): boolean {
    if (this.o.jacobian === null || this.examples.length === 0) return false;
    return this.steps === null ? recorded : this.steps.has(step);
  }

  /** After a record's probe pass: the first one measures the pair correlations. */
  afterProbe(step: number): void {
    if (this.correlation !== null) return;
    const hidden = this.o.mlp.layers.slice(0, this.o.mlp.depth);
    this.correlation = { step, ...measureCorrelation(hidden, this.o.probeRows) };
  }

  /** At the end of a step's flush: the Jacobian's spectra if this step takes them. */
  atStep(step: number, recorded: boolean): void {
    if (!this.jacobianAt(step, recorded) || step === this.lastSpectrumStep) return;
    this.lastSpectrumStep = step;
    const { mlp, probeX, probeRows } = this.o;
    const { lines, summary } = measureSpectra(mlp, probeX, probeRows, this.examples, step);
    for (const line of lines) this.o.onSpectrum?.(line);
    this.spectra.push(summary);
  }

  /** The theory block's `measuredCorrelation` (null before any record). */
  correlationSummary(theory: TheoryBlock | null): CorrelationSummary | null {
    const c = this.correlation;
    if (c === null) return null;
    const fit = theory?.cStar != null ? fitDecayLength(c.perLayer, c.stdErr, theory.cStar) : { xi: null, layers: 0 };
    return { ...c, xiC: fit.xi, fitLayers: fit.layers };
  }

  /**
   * summary.json's `spectra`, or null when `metrics.jacobian` is off. The mean-field prediction
   * is the plain MLP's (null with a norm or residual connections).
   */
  spectraSummary(theory: TheoryBlock | null): SpectraSummary | null {
    if (this.o.jacobian === null) return null;
    const { depth, width, norm, residualScale } = this.o.mlp;
    const plain = norm === null && residualScale === null;
    return {
      examples: this.examples,
      predictedMeanS2: theory === null || !plain ? null : predictedJacobianMeanS2(theory.chi1PerLayer),
      beta: finiteWidthBeta(depth, width),
      steps: this.spectra,
    };
  }
}
