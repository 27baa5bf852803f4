/**
 * The recorder: driven by the training events (`events.ts`) through `handle`, it keeps the
 * run's schedule (`cadence.ts`), samples every layer of the MLP at the record steps and hands
 * each record to a sink (the trainer streams them to metrics.ndjson / histograms.ndjson; the
 * recorder writes no files). Its answers tell the trainer when to evaluate and when to stop. At
 * the end `summary()` gives the metrics part of summary.json.
 *
 * The jobs live in their own modules; this one routes the events to them:
 *  - divergence.ts: non-finite values, every step;
 *  - snapshots.ts: W before an update, for updateRatio, before recorded steps only;
 *  - layer-metrics.ts: the per-layer scalars, from the training batch and the probe batch
 *    (remedies.ts: those of a norm or residual connections);
 *  - layer-histograms.ts: dW, dz, z and a histograms at histogram steps;
 *  - dead.ts: dead units across records;
 *  - signal-probe.ts: pair correlations at the first record, the Jacobian's spectra at its steps;
 *  - record.ts, summary.ts, theory-summary.ts: the lines and the summary block (with the
 *    remedies' theory for a model with a norm or residual connections).
 *
 * Record steps: s % every == 0 (so always step 0), s % histogramsEvery == 0, and every step
 * that had an `eval` event. Buffers are allocated once, in the constructor.
 */
import type { ActivationName, ParamValues } from '../net/activations.js';
import type { Dense } from '../net/dense.js';
import type { MLP } from '../net/mlp.js';
import type { FloatArray } from '../net/tensor.js';
import { Cadence } from './cadence.js';
import { DeadTracker } from './dead.js';
import { lossDivergence, stepDivergence } from './divergence.js';
import { EVALUATE, NOTHING, type EvalValues, type EventResult, type TrainingEvent } from './events.js';
import { LayerHistograms } from './layer-histograms.js';
import { gradientMetrics, ProbeMetrics } from './layer-metrics.js';
import { metricRecord, recordFactors, type StepFrame } from './record.js';
import { emptyStats } from './reducers.js';
import { WeightSnapshots } from './snapshots.js';
import type { SignalProbe } from './signal-probe.js';
import { SummaryTracker, type RecorderSummary } from './summary.js';
import type { RemedyTheory } from './theory-remedies.js';
import { runRemedyTheory, runTheory, type InitRef, type TheoryRun } from './theory-summary.js';
import type { TheoryBlock } from './theory.js';
import type { DivergenceInfo, HistogramRecord, MetricRecord } from './types.js';

// The types of what `summary()` returns belong to the recorder's interface.
export type { RecorderSummary, SummaryPoint } from './summary.js';
export type { InitRef, RemedyTheorySummary, TheorySummary } from './theory-summary.js';

export interface RecorderOptions {
  readonly mlp: MLP;
  /** The hidden layers' activation and its parameters (the output layer is identity). */
  readonly activation: ActivationName;
  readonly activationParams: ParamValues;
  /** Weight and bias initializers, for the theory block. */
  readonly init: InitRef;
  readonly biasInit: InitRef;
  /** Hidden layers and their width. */
  readonly depth: number;
  readonly width: number;
  /** The probe batch [probeRows, inputDim], drawn once from the training set by its own stream. */
  readonly probeX: FloatArray;
  readonly probeRows: number;
  /**
   * Rows of a training batch (train.batchSize, at most the training rows): batch norm's theory
   * is a large-batch limit. Default probeRows.
   */
  readonly batchRows?: number;
  /** Record every `every` steps (and at step 0). */
  readonly every: number;
  /** Histograms every `histogramsEvery` steps (and at step 0); null: none. */
  readonly histogramsEvery: number | null;
  /**
   * The run's last step N: the recorder asks for an evaluation every `evalEvery` steps and at
   * step N. Absent: it asks for none (an `eval` event still makes a record).
   */
  readonly steps?: number;
  /** Steps between evaluations; null or absent: max(every, ceil(steps / 20)). */
  readonly evalEvery?: number | null;
  /**
   * false: records hold step, epoch, loss and evaluations only (`layers: []`), at the same
   * cadence, with no probe pass; the non-finite checks still run. Default true.
   */
  readonly enabled?: boolean;
  readonly onRecord: (r: MetricRecord) => void;
  readonly onHistogram?: (h: HistogramRecord) => void;
  /** Linear bins of the z and a histograms (default 40). */
  readonly histogramBins?: number;
  /** The weights were imported (model.initFrom): the initializer says nothing about them. */
  readonly weightsFromFile?: boolean;
  /** Pair correlations and Jacobian spectra (signal-probe.ts); absent: neither. */
  readonly signal?: SignalProbe;
}

/** The step whose gradients the layers hold, until its record is made or dropped. */
interface Pending extends StepFrame {
  /** Rows of the training batch whose dz the layers hold. */
  readonly batchRows: number;
  eval: EvalValues | null;
}

export class Recorder {
  private readonly o: RecorderOptions;
  private readonly layers: readonly Dense[];
  private readonly enabled: boolean;
  private readonly cadence: Cadence;
  private readonly snapshots: WeightSnapshots;
  private readonly probe: ProbeMetrics;
  private readonly histograms: LayerHistograms;
  private readonly dead: DeadTracker;
  private readonly tracker: SummaryTracker;
  private readonly stat = emptyStats();

  private pending: Pending | null = null;
  /** eval values that arrived before their step's gradients event. */
  private earlyEval: { step: number; values: EvalValues } | null = null;
  /** The plain mean-field block and the remedies' theory (null for a plain MLP), from `start`. */
  private theories: { readonly plain: TheoryBlock | null; readonly remedy: RemedyTheory | null } | null = null;
  private ended = false;
  /** The first non-finite value the recorder saw. */
  diverged: DivergenceInfo | null = null;

  constructor(options: RecorderOptions) {
    this.o = options;
    this.layers = options.mlp.layers;
    this.enabled = options.enabled ?? true;
    this.cadence = new Cadence({
      every: options.every,
      histogramsEvery: options.histogramsEvery,
      histograms: this.enabled && options.onHistogram !== undefined,
      steps: options.steps ?? null,
      evalEvery: options.evalEvery ?? null,
    });
    const units = this.layers.map((l) => l.fanOut);
    this.dead = new DeadTracker(units);
    this.snapshots = new WeightSnapshots(this.layers, options.mlp.dtype, this.enabled);
    this.probe = new ProbeMetrics(options.mlp, options.probeX, options.probeRows, this.dead, this.enabled);
    this.histograms = new LayerHistograms(this.layers, options.histogramBins, options.mlp.kernels);
    this.tracker = new SummaryTracker(this.layers, options.depth, options.activation);
  }

  /** The one entry point: every training event goes through this exhaustive switch. */
  handle(e: TrainingEvent): EventResult {
    switch (e.type) {
      case 'start':
        this.theories = this.computeTheories();
        return NOTHING;
      case 'loss': {
        const bad = lossDivergence(this.layers, e.step, e.loss);
        return bad === null ? NOTHING : this.diverge(bad);
      }
      case 'gradients':
        return this.onGradients(e.step, e.epoch, e.loss);
      case 'eval':
        this.onEval(e.step, e);
        return NOTHING;
      case 'flush':
        return this.onFlush(e.step);
      case 'beforeUpdate':
        return this.onBeforeUpdate(e.step);
      case 'updated':
        // A weight the update made non-finite shows at the next step's forward pass, where the
        // step check names it ('weight'): no pass over every weight per step here.
        return NOTHING;
      case 'end':
        return this.onEnd();
      default: {
        const never: never = e;
        throw new Error(`Recorder: unknown event ${JSON.stringify(never)}`);
      }
    }
  }

  /** The metrics part of summary.json; ends the run first if no `end` event came. */
  summary(): RecorderSummary {
    if (!this.ended) this.handle({ type: 'end', status: 'ok' });
    const t = (this.theories ??= this.computeTheories());
    const out = this.tracker.build(t.plain, t.remedy, this.dead, this.enabled);
    const signal = this.o.signal;
    if (signal === undefined) return out;
    const correlation = signal.correlationSummary(t.plain);
    const spectra = signal.spectraSummary(t.plain);
    return {
      ...out,
      ...(out.theory !== null && correlation !== null ? { theory: { ...out.theory, measuredCorrelation: correlation } } : {}),
      ...(spectra !== null ? { spectra } : {}),
    };
  }

  private diverge(bad: DivergenceInfo): EventResult {
    if (this.diverged === null) this.diverged = bad;
    return { diverged: bad };
  }

  /**
   * Checks the step for non-finite values and remembers it for its record. A record left
   * pending (no flush, no update) cannot be computed any more: this step's backward has
   * overwritten its gradients, so it is dropped rather than filled with this step's.
   */
  private onGradients(step: number, epoch: number, loss: number): EventResult {
    this.pending = null;
    const rows = this.layers.length > 0 ? this.layers[0].lastRows : 0;
    const bad = stepDivergence(this.layers, step, loss, rows, this.cadence.sampled(step));
    if (bad !== null) return this.diverge(bad);
    const early = this.earlyEval !== null && this.earlyEval.step === step ? this.earlyEval.values : null;
    this.earlyEval = null;
    this.pending = { step, epoch, loss, batchRows: rows, eval: early };
    return early === null && this.cadence.evaluation(step) ? EVALUATE : NOTHING;
  }

  private onEval(step: number, values: EvalValues): void {
    const v: EvalValues = { trainAcc: values.trainAcc, testAcc: values.testAcc, trainLoss: values.trainLoss, testLoss: values.testLoss };
    if (this.pending !== null && this.pending.step === step) this.pending.eval = v;
    else this.earlyEval = { step, values: v };
  }

  /** Flushes the step's record if still pending, then snapshots W if step + 1 is recorded. */
  private onBeforeUpdate(step: number): EventResult {
    const flushed = this.pending !== null && this.pending.step === step ? this.onFlush(step) : NOTHING;
    if (this.enabled && this.cadence.recorded(step + 1)) this.snapshots.take(step);
    return flushed;
  }

  private onEnd(): EventResult {
    const flushed = this.pending !== null ? this.onFlush(this.pending.step) : NOTHING;
    this.ended = true;
    return flushed;
  }

  /** Computes and emits the record of `step` if it is a record step. */
  private onFlush(step: number): EventResult {
    const p = this.pending;
    if (p === null || p.step !== step) return NOTHING;
    this.pending = null;
    if (!(this.cadence.sampled(step) || p.eval !== null)) {
      this.o.signal?.atStep(step, false);
      return NOTHING;
    }
    if (!this.enabled) {
      this.o.onRecord(metricRecord(p, null, []));
      this.o.signal?.atStep(step, true);
      return NOTHING;
    }
    const layers = gradientMetrics(this.layers, this.snapshots, step, p.batchRows, this.stat, this.o.mlp.kernels);
    const hist = this.cadence.histogram(step);
    if (hist) this.histograms.countGradients(p.batchRows);
    const bad = this.probe.measure(step, layers);
    if (bad !== null) return this.diverge(bad);
    this.o.signal?.afterProbe(step);
    if (hist) this.histograms.countProbe(this.o.probeRows);
    const factors = recordFactors(layers, this.o.depth);
    const record = metricRecord(p, factors, layers);
    this.o.onRecord(record);
    const h = hist ? this.histograms.record(step) : null;
    if (h !== null) this.o.onHistogram?.(h);
    this.tracker.observe(record, factors);
    this.o.signal?.atStep(step, true);
    return NOTHING;
  }

  private computeTheories(): { plain: TheoryBlock | null; remedy: RemedyTheory | null } {
    const o = this.o;
    const run: TheoryRun = {
      activation: o.activation,
      activationParams: o.activationParams,
      init: o.init,
      biasInit: o.biasInit,
      depth: o.depth,
      width: o.width,
      inputDim: o.mlp.inputDim,
      probeX: o.probeX,
      probeRows: o.probeRows,
      weightsFromFile: o.weightsFromFile ?? false,
      norm: o.mlp.norm?.name ?? null,
      residualScale: o.mlp.residualScale,
    };
    return { plain: runTheory(run), remedy: runRemedyTheory(run, o.batchRows ?? o.probeRows) };
  }
}
