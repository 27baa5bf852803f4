/**
 * The recorder: listens to the training events (`events.ts`), samples every layer of the MLP at
 * the record steps, and hands each record to a sink (the trainer streams them to
 * metrics.ndjson / histograms.ndjson; the recorder writes no files). At the end it gives the
 * metrics part of summary.json: the records at init and at the end, the vanishing and growth
 * factors, dead-unit counts and events, and the mean-field theory beside the measurement.
 *
 * What is measured where (definitions in docs/metrics.md):
 *  - from the training batch of the step (after backward): gradNorm, biasGradNorm, deltaNorm,
 *    weightNorm, gradDataRatio, updateRatio, and the dW / dz histograms;
 *  - from the fixed probe batch (one extra forward pass at each record): act*, preact*,
 *    zeroFraction, deadFraction, saturatedFraction, revivedCount, and the z / a histograms.
 *
 * Record steps: s % every == 0 (so always step 0), s % histogramsEvery == 0, and every step
 * that had an `eval` event. Buffers are allocated once, in the constructor.
 */
import { ACTIVATIONS, type ActivationName, type ParamValues } from '../net/activations.js';
import type { Dense } from '../net/dense.js';
import { INITIALIZERS, initializerParams, resolveInitializerName } from '../net/initializers.js';
import type { MLP } from '../net/mlp.js';
import { alloc, type FloatArray } from '../net/tensor.js';
import { DeadTracker, type DeadLayerSummary, type DeadUnitEvent } from './dead.js';
import type { EvalValues, TrainingEvent } from './events.js';
import {
  accumulate, emptyCounts, linearEdgesFor, resetCounts, symlogBins, toHistogram, type BinSpec, type Counts,
} from './histogram.js';
import {
  allFinite, derivativeCounts, emptyDerivativeCounts, emptyStats, growthFactor, mean, norm, relativeChange, stats, sumSquares,
} from './reducers.js';
import { RemedyProbe, remedyCaveats, type RemedySummary } from './remedies.js';
import { sigmaB2FromInit, sigmaW2FromInit, theoryFor, type TheoryBlock } from './theory.js';
import type { DivergenceInfo, HistogramRecord, LayerRecord, MetricRecord, RunStatus } from './types.js';

/** An initializer as a resolved config gives it: {"name": "he_normal", "gain": 1}. */
export interface InitRef {
  readonly name: string;
  readonly [param: string]: unknown;
}

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
  /** Record every `every` steps (and at step 0). */
  readonly every: number;
  /** Histograms every `histogramsEvery` steps (and at step 0); null: none. */
  readonly histogramsEvery: number | null;
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
}

/** What an event asks of the trainer: stop when `diverged` is set. */
export interface EventResult {
  readonly diverged?: DivergenceInfo;
}

/** The theory block of summary.json with the measurement beside it. */
export interface TheorySummary extends TheoryBlock {
  /** deltaGrowth of the step-0 record (the measured per-layer factor of deltaNorm^2). */
  readonly measuredDeltaFactor: number | null;
  /** measured / predicted - 1. */
  readonly relativeError: number | null;
}

/** One record in summary.json (at init or at the end), with totals over the hidden layers. */
export interface SummaryPoint {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly vanishing: number | null;
  readonly deltaGrowth: number | null;
  readonly actGrowth: number | null;
  /** Dead units over all hidden layers, and their share of the hidden units. */
  readonly deadUnits: number;
  readonly deadFraction: number;
  readonly layers: readonly LayerRecord[];
}

/** What the recorder adds to summary.json. */
export interface RecorderSummary {
  readonly initial: SummaryPoint | null;
  readonly final: SummaryPoint | null;
  /** Some hidden layer had deadFraction 1 at step 0: the network's output is constant. */
  readonly bornDead: boolean;
  readonly bornDeadLayers: readonly number[];
  readonly measuredDeltaFactorAtInit: number | null;
  /** Per layer, actRms at the end over actRms at init (blow-up over time); null if undefined. */
  readonly actRmsGrowthOverTime: readonly (number | null)[];
  readonly deadUnits: readonly DeadLayerSummary[];
  readonly deadUnitEvents: readonly DeadUnitEvent[];
  readonly deadUnitEventsDropped: number;
  /** PReLU slopes per layer at init and at the end (PReLU only). */
  readonly preluSlopes?: { readonly initial: readonly (readonly number[])[]; readonly final: readonly (readonly number[])[] };
  readonly theory: TheorySummary | null;
  /** Models with a norm or residual connections: their theory beside the step-0 measurement. */
  readonly remedyTheory?: RemedySummary;
}

/** Saturated: |f'(z)| below this share of the activation's max |f'| (see docs/metrics.md). */
export const SATURATION_SHARE = 0.05;

type MutableLayer = { -readonly [K in keyof LayerRecord]: LayerRecord[K] };

interface Pending {
  step: number;
  epoch: number;
  loss: number;
  /** Rows of the training batch whose dz the layers hold. */
  batchRows: number;
  eval: EvalValues | null;
}

export class Recorder {
  private readonly o: RecorderOptions;
  private readonly mlp: MLP;
  private readonly layers: readonly Dense[];
  private readonly enabled: boolean;
  private readonly every: number;
  private readonly histEvery: number | null;
  private readonly bins: number;
  /** W before the latest update, per layer, and the step of that update (-1: none yet). */
  private readonly prevW: FloatArray[];
  private snapshotStep = -1;
  /** f'(z) of the probe, [probeRows, max units * widthFactor]. */
  private readonly deriv: FloatArray;
  private readonly masks: Uint8Array[];
  private readonly zerosPerUnit: Int32Array;
  private readonly dead: DeadTracker;
  private readonly gradBins: BinSpec;
  private zBins: BinSpec[] | null = null;
  private aBins: BinSpec[] | null = null;
  private readonly counts: { z: Counts | null; a: Counts | null; dW: Counts; dz: Counts }[];
  private readonly stat = emptyStats();
  private readonly dcounts = emptyDerivativeCounts();
  /** Norm and residual metrics (null for a plain MLP, or with metrics off). */
  private readonly remedies: RemedyProbe | null;

  private pending: Pending | null = null;
  /** eval values that arrived before their step's gradients event. */
  private earlyEval: { step: number; values: EvalValues } | null = null;
  private initial: SummaryPoint | null = null;
  private latest: SummaryPoint | null = null;
  private initialSlopes: number[][] | null = null;
  private bornDeadLayers: number[] = [];
  private theory: TheoryBlock | null = null;
  private ended = false;
  /** The first non-finite value the recorder saw. */
  diverged: DivergenceInfo | null = null;

  constructor(options: RecorderOptions) {
    this.o = options;
    this.mlp = options.mlp;
    this.layers = options.mlp.layers;
    this.enabled = options.enabled ?? true;
    if (!(Number.isInteger(options.every) && options.every >= 1)) throw new RangeError(`Recorder: every must be an integer >= 1, got ${options.every}`);
    this.every = options.every;
    this.histEvery = options.histogramsEvery;
    this.bins = options.histogramBins ?? 40;
    if (options.probeRows > options.mlp.maxRows) {
      throw new RangeError(`Recorder: the probe batch has ${options.probeRows} rows, more than the model's maxRows ${options.mlp.maxRows}`);
    }
    const on = this.enabled;
    this.prevW = this.layers.map((l) => alloc(this.mlp.dtype, on ? l.W.length : 0));
    let cols = 0;
    for (const l of this.layers) cols = Math.max(cols, l.fanOut * l.widthFactor);
    this.deriv = alloc(this.mlp.dtype, on ? options.probeRows * cols : 0);
    this.masks = this.layers.map((l) => new Uint8Array(l.fanOut));
    this.zerosPerUnit = new Int32Array(Math.max(0, ...this.layers.map((l) => l.fanOut)));
    this.dead = new DeadTracker(this.layers.map((l) => l.fanOut));
    this.gradBins = symlogBins();
    this.counts = this.layers.map(() => ({ z: null, a: null, dW: emptyCounts(this.gradBins), dz: emptyCounts(this.gradBins) }));
    this.remedies = on ? RemedyProbe.for(options.mlp) : null;
  }

  /** The one entry point: every training event goes through this exhaustive switch. */
  handle(e: TrainingEvent): EventResult {
    switch (e.type) {
      case 'start':
        this.onStart();
        return {};
      case 'gradients':
        return this.onGradients(e.step, e.epoch, e.loss);
      case 'eval':
        this.onEval(e.step, e);
        return {};
      case 'flush':
        return this.onFlush(e.step);
      case 'beforeUpdate':
        this.onBeforeUpdate(e.step, e.nextRecorded ?? true);
        return {};
      case 'updated':
        return this.onUpdated(e.step);
      case 'end':
        this.onEnd();
        return {};
      default: {
        const never: never = e;
        throw new Error(`Recorder: unknown event ${JSON.stringify(never)}`);
      }
    }
  }

  // Method forms of the events, for a trainer that prefers calls to objects.
  start(): void {
    this.handle({ type: 'start' });
  }
  gradients(step: number, epoch: number, loss: number): EventResult {
    return this.handle({ type: 'gradients', step, epoch, loss });
  }
  eval(step: number, values: EvalValues): void {
    this.handle({ type: 'eval', step, ...values });
  }
  flush(step: number): EventResult {
    return this.handle({ type: 'flush', step });
  }
  beforeUpdate(step: number, nextRecorded = true): void {
    this.handle({ type: 'beforeUpdate', step, nextRecorded });
  }
  updated(step: number): EventResult {
    return this.handle({ type: 'updated', step });
  }
  end(status: RunStatus): void {
    this.handle({ type: 'end', status });
  }

  /** Whether step s is recorded by cadence (eval steps are recorded too). */
  isRecordStep(s: number): boolean {
    return s % this.every === 0 || this.isHistogramStep(s);
  }

  isHistogramStep(s: number): boolean {
    return this.enabled && this.histEvery !== null && this.o.onHistogram !== undefined && s % this.histEvery === 0;
  }

  private onStart(): void {
    this.theory = this.computeTheory();
  }

  /**
   * Checks the step for non-finite values, in the order they arise: activations of the training
   * batch layer by layer (forward), the loss, then dz, dW, db from the output layer down
   * (backward). Remembers the step for its record.
   */
  private onGradients(step: number, epoch: number, loss: number): EventResult {
    // A record left pending (no flush, no update) cannot be computed any more: this step's
    // backward has overwritten its gradients. It is dropped rather than filled with this step's.
    this.pending = null;
    const rows = this.layers.length > 0 ? this.layers[0].lastRows : 0;
    const bad = this.checkStep(step, loss, rows);
    if (bad !== null) {
      this.pending = null;
      if (this.diverged === null) this.diverged = bad;
      return { diverged: bad };
    }
    this.pending = { step, epoch, loss, batchRows: rows, eval: null };
    if (this.earlyEval !== null && this.earlyEval.step === step) this.pending.eval = this.earlyEval.values;
    this.earlyEval = null;
    return {};
  }

  /**
   * Detection is cheap: a non-finite activation reaches the logits (and the loss), a non-finite
   * dz reaches every db below it (0 * inf is NaN, so even relu's zero derivative passes it on).
   * dW = dz^T x can also overflow on its own; scanning it whole every step cost ~4% of a step,
   * so it is scanned at record steps, and between them an overflowed dW shows up one step later
   * as a non-finite weight (reported as such, with its layer). Only when one of those is bad
   * are all buffers scanned, in computation order (weights, activations, loss, then gradients
   * from the output layer down), to name the first bad one.
   */
  private checkStep(step: number, loss: number, rows: number): DivergenceInfo | null {
    const L = this.layers;
    if (L.length === 0) return Number.isFinite(loss) ? null : { step, layer: null, what: 'loss' };
    const top = L[L.length - 1];
    let suspect = !Number.isFinite(loss) || !allFinite(top.a, rows * top.fanOut * top.widthFactor);
    const fullScan = this.isRecordStep(step);
    for (let i = 0; !suspect && i < L.length; i++) suspect = !allFinite(L[i].db) || (fullScan && !allFinite(L[i].dW));
    if (!suspect) return null;
    // The weights of this step (made by the previous update) come first in computation order.
    for (let i = 0; i < L.length; i++) {
      if (!allFinite(L[i].W) || !allFinite(L[i].b)) return { step, layer: i, what: 'weight' };
    }
    for (let i = 0; i < L.length; i++) {
      if (!allFinite(L[i].a, rows * L[i].fanOut * L[i].widthFactor)) return { step, layer: i, what: 'activation' };
    }
    if (!Number.isFinite(loss)) return { step, layer: null, what: 'loss' };
    for (let i = L.length - 1; i >= 0; i--) {
      const l = L[i];
      if (!allFinite(l.dz, rows * l.fanOut) || !allFinite(l.dW) || !allFinite(l.db)) return { step, layer: i, what: 'gradient' };
    }
    return null;
  }

  private onEval(step: number, values: EvalValues): void {
    const v: EvalValues = { trainAcc: values.trainAcc, testAcc: values.testAcc, trainLoss: values.trainLoss, testLoss: values.testLoss };
    if (this.pending !== null && this.pending.step === step) this.pending.eval = v;
    else this.earlyEval = { step, values: v };
  }

  private onBeforeUpdate(step: number, nextRecorded: boolean): void {
    if (this.pending !== null && this.pending.step === step) this.onFlush(step);
    if (!this.enabled || !nextRecorded) return;
    for (let i = 0; i < this.layers.length; i++) this.prevW[i].set(this.layers[i].W);
    this.snapshotStep = step;
    this.remedies?.snapshot(step);
  }

  /**
   * Nothing to scan here: a weight the update made non-finite shows at the next step's forward
   * pass, where `checkStep` names it ('weight'), which saves a pass over every weight per step.
   */
  private onUpdated(_step: number): EventResult {
    return {};
  }

  private onEnd(): void {
    if (this.pending !== null) this.onFlush(this.pending.step);
    this.ended = true;
  }

  /** Computes and emits the record of `step` if it is a record step. */
  private onFlush(step: number): EventResult {
    const p = this.pending;
    if (p === null || p.step !== step) return {};
    this.pending = null;
    if (!(this.isRecordStep(step) || p.eval !== null)) return {};
    if (!this.enabled) {
      this.o.onRecord(this.frame(p, null, []));
      return {};
    }
    const layers = this.gradientMetrics(p);
    const hist = this.isHistogramStep(step);
    if (hist) this.gradientHistograms(p);
    const bad = this.probeMetrics(step, layers, hist);
    if (bad !== null) {
      if (this.diverged === null) this.diverged = bad;
      return { diverged: bad };
    }
    const records: readonly LayerRecord[] = layers;
    const factors = this.factors(records);
    const record = this.frame(p, factors, records);
    this.o.onRecord(record);
    if (hist) this.emitHistograms(step);

    const point = this.summaryPoint(record, factors);
    if (this.initial === null) {
      this.initial = point;
      for (let i = 0; i < this.o.depth && i < records.length; i++) {
        if (records[i].deadFraction === 1) this.bornDeadLayers.push(i);
      }
      this.initialSlopes = this.slopes();
      this.remedies?.atInit(p.batchRows, records);
    }
    this.latest = point;
    return {};
  }

  /**
   * Gradient-side metrics of every layer, from the training batch's dW, db, dz. One stats pass
   * each over W and dW gives both norm (rms sqrt(n)) and std; one pass over W and its snapshot
   * gives updateRatio.
   */
  private gradientMetrics(p: Pending): MutableLayer[] {
    const out: MutableLayer[] = [];
    const st = this.stat;
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      const n = l.W.length;
      const updateRatio = this.snapshotStep === p.step - 1 && p.step > 0 ? relativeChange(l.W, this.prevW[i]) : 0;
      stats(l.W, n, st);
      const weightNorm = st.rms * Math.sqrt(n);
      const sW = st.std;
      stats(l.dW, n, st);
      const gradNorm = st.rms * Math.sqrt(n);
      out.push({
        layer: i,
        gradNorm,
        biasGradNorm: norm(l.db),
        deltaNorm: norm(l.dz, p.batchRows * l.fanOut),
        weightNorm,
        updateRatio,
        gradDataRatio: sW > 0 ? st.std / sW : st.std > 0 ? Infinity : 0,
      });
    }
    return out;
  }

  private gradientHistograms(p: Pending): void {
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      const c = this.counts[i];
      resetCounts(c.dW);
      accumulate(this.gradBins, c.dW, l.dW);
      resetCounts(c.dz);
      accumulate(this.gradBins, c.dz, l.dz, p.batchRows * l.fanOut);
    }
  }

  /**
   * One forward pass of the probe batch, then per layer the statistics of a and z, the
   * derivative counts (zero, saturated, dead) and the dead-unit bookkeeping; z and a histograms
   * on histogram steps. Returns a divergence when a probe activation is not finite.
   */
  private probeMetrics(step: number, out: MutableLayer[], hist: boolean): DivergenceInfo | null {
    const rows = this.o.probeRows;
    this.mlp.forward(this.o.probeX, rows, 'probe');
    if (hist && this.zBins === null) this.makeLinearBins(rows);
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      const units = l.fanOut;
      const nA = rows * units * l.widthFactor;
      const nZ = rows * units;
      const rec = out[i];
      const s = stats(l.a, nA, this.stat);
      if (!Number.isFinite(s.rms) || !Number.isFinite(s.maxAbs)) return { step, layer: i, what: 'activation' };
      rec.actMean = s.mean;
      rec.actStd = s.std;
      rec.actRms = s.rms;
      rec.actMaxAbs = s.maxAbs;
      stats(l.z, nZ, this.stat);
      rec.preactMean = this.stat.mean;
      rec.preactStd = this.stat.std;
      const def = ACTIVATIONS[l.activation];
      def.derivative(l.n, l.a, this.deriv, rows, units, l.activationParams, l.learned);
      const threshold = SATURATION_SHARE * def.maxDerivative(l.activationParams);
      const dc = derivativeCounts(this.deriv, rows, units, l.widthFactor, threshold, this.masks[i], this.zerosPerUnit, this.dcounts);
      rec.zeroFraction = dc.pairs > 0 ? dc.zeroPairs / dc.pairs : 0;
      rec.deadFraction = units > 0 ? dc.deadUnits / units : 0;
      rec.saturatedFraction = dc.pairs > 0 ? dc.saturatedPairs / dc.pairs : 0;
      rec.revivedCount = this.dead.update(step, i, this.masks[i]);
      const learned = l.learned;
      if (learned !== null) rec.preluSlope = mean(learned.value);
      if (hist) {
        const c = this.counts[i];
        resetCounts(c.z!);
        accumulate(this.zBins![i], c.z!, l.z, nZ);
        resetCounts(c.a!);
        accumulate(this.aBins![i], c.a!, l.a, nA);
      }
      this.remedies?.fill(i, rec, step, rows);
    }
    return null;
  }

  /** Linear bins of z and a per layer, fixed for the run from the first histogram record. */
  private makeLinearBins(rows: number): void {
    this.zBins = [];
    this.aBins = [];
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      const nZ = rows * l.fanOut;
      const nA = nZ * l.widthFactor;
      const zRms = Math.sqrt(sumSquares(l.z, nZ) / Math.max(nZ, 1));
      const aRms = Math.sqrt(sumSquares(l.a, nA) / Math.max(nA, 1));
      const range = ACTIVATIONS[l.activation].range(l.activationParams);
      this.zBins.push(linearEdgesFor(null, zRms, this.bins));
      this.aBins.push(linearEdgesFor(range, aRms, this.bins));
      this.counts[i].z = emptyCounts(this.zBins[i]);
      this.counts[i].a = emptyCounts(this.aBins[i]);
    }
  }

  private emitHistograms(step: number): void {
    const sink = this.o.onHistogram;
    if (sink === undefined || this.zBins === null || this.aBins === null) return;
    sink({
      step,
      layers: this.layers.map((_, i) => {
        const c = this.counts[i];
        return {
          layer: i,
          z: toHistogram(this.zBins![i], c.z!),
          a: toHistogram(this.aBins![i], c.a!),
          dW: toHistogram(this.gradBins, c.dW),
          dz: toHistogram(this.gradBins, c.dz),
        };
      }),
    });
  }

  /**
   * Record-level factors over the hidden layers 0..depth-1:
   *   vanishing   = log10(gradNorm[0] / gradNorm[depth-1])
   *   deltaGrowth = fitted per-layer factor of deltaNorm^2 going down, from layer depth-1 to 0
   *   actGrowth   = fitted per-layer factor of actRms going up, from layer 0 to depth-1
   */
  private factors(layers: readonly LayerRecord[]): { vanishing: number | null; deltaGrowth: number | null; actGrowth: number | null } {
    const h = Math.min(this.o.depth, layers.length);
    let vanishing: number | null = null;
    if (h >= 1) {
      const r = layers[0].gradNorm / layers[h - 1].gradNorm;
      vanishing = r > 0 && Number.isFinite(r) ? Math.log10(r) : null;
    }
    const down = new Float64Array(h);
    const up = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      down[k] = layers[h - 1 - k].deltaNorm ** 2;
      up[k] = layers[k].actRms ?? NaN;
    }
    return { vanishing, deltaGrowth: h >= 2 ? growthFactor(down) : null, actGrowth: h >= 2 ? growthFactor(up) : null };
  }

  private frame(
    p: Pending,
    f: { vanishing: number | null; deltaGrowth: number | null; actGrowth: number | null } | null,
    layers: readonly LayerRecord[],
  ): MetricRecord {
    const r: { -readonly [K in keyof MetricRecord]: MetricRecord[K] } = { step: p.step, epoch: p.epoch, loss: p.loss, layers };
    const e = p.eval;
    if (e !== null) {
      if (e.trainAcc !== null) r.trainAcc = e.trainAcc;
      if (e.testAcc !== null) r.testAcc = e.testAcc;
      if (e.trainLoss !== null) r.trainLoss = e.trainLoss;
      if (e.testLoss !== null) r.testLoss = e.testLoss;
    }
    if (f !== null) {
      if (f.vanishing !== null) r.vanishing = f.vanishing;
      if (f.deltaGrowth !== null) r.deltaGrowth = f.deltaGrowth;
      if (f.actGrowth !== null) r.actGrowth = f.actGrowth;
    }
    // Key order: step, epoch, loss, evaluations, factors, layers (layers last for readability).
    const { layers: ls, ...rest } = r;
    return { ...rest, layers: ls };
  }

  private summaryPoint(
    r: MetricRecord,
    f: { vanishing: number | null; deltaGrowth: number | null; actGrowth: number | null },
  ): SummaryPoint {
    let dead = 0;
    let units = 0;
    for (let i = 0; i < this.o.depth && i < r.layers.length; i++) {
      dead += Math.round((r.layers[i].deadFraction ?? 0) * this.layers[i].fanOut);
      units += this.layers[i].fanOut;
    }
    return {
      step: r.step,
      epoch: r.epoch,
      loss: r.loss,
      vanishing: f.vanishing,
      deltaGrowth: f.deltaGrowth,
      actGrowth: f.actGrowth,
      deadUnits: dead,
      deadFraction: units > 0 ? dead / units : 0,
      layers: r.layers,
    };
  }

  private slopes(): number[][] | null {
    if (!ACTIVATIONS[this.o.activation].learned) return null;
    return this.layers.filter((l) => l.learned !== null).map((l) => Array.from(l.learned!.value));
  }

  /** The mean-field block for the run's activation and initializers (see theory.ts). */
  private computeTheory(): TheoryBlock | null {
    const o = this.o;
    const wName = resolveInitializerName(o.init.name);
    const bName = resolveInitializerName(o.biasInit.name);
    if (wName === undefined || bName === undefined) return null;
    const wp = initializerParams(wName, o.init);
    const bp = initializerParams(bName, o.biasInit);
    const wf = ACTIVATIONS[o.activation].widthFactor;
    const fanIn = o.width * wf;
    const inputDim = this.mlp.inputDim;
    const sigmaW2 = sigmaW2FromInit(wName, wp, fanIn, o.width);
    const sigmaB2 = sigmaB2FromInit(bName, bp, fanIn, o.width);
    // q0: the first hidden layer's pre-activation variance on the probe batch's inputs.
    const n = o.probeRows * inputDim;
    const x2 = n > 0 ? sumSquares(o.probeX, n) / n : 1;
    const q0 = sigmaW2FromInit(wName, wp, inputDim, o.width) * x2 + sigmaB2FromInit(bName, bp, inputDim, o.width);
    const block = remedyCaveats(theoryFor({
      activation: o.activation,
      activationParams: o.activationParams,
      sigmaW2,
      sigmaB2,
      width: o.width,
      depth: o.depth,
      initGaussian: INITIALIZERS[wName].gaussian,
      widthFactor: wf,
      initName: wName,
      biasMean: INITIALIZERS[bName].weightMean(fanIn, o.width, bp),
      q0,
    }), this.mlp);
    if (o.weightsFromFile) {
      return { ...block, applies: false, reasons: [...block.reasons, 'the weights were loaded from a file (model.initFrom), not drawn by the initializer'] };
    }
    return block;
  }

  /** The metrics part of summary.json; flushes a pending record first. */
  summaryBlock(status?: RunStatus): RecorderSummary {
    if (!this.ended) this.end(status ?? 'ok');
    if (this.theory === null) this.theory = this.computeTheory();
    const measured = this.initial?.deltaGrowth ?? null;
    const theory: TheorySummary | null = this.theory === null ? null : {
      ...this.theory,
      measuredDeltaFactor: measured,
      relativeError: measured !== null && this.theory.predictedDeltaFactor !== null && this.theory.predictedDeltaFactor !== 0
        ? measured / this.theory.predictedDeltaFactor - 1
        : null,
    };
    const init = this.initial;
    const fin = this.latest;
    const actRmsGrowthOverTime = (fin?.layers ?? []).map((l, i) => {
      const a0 = init?.layers[i]?.actRms;
      const a1 = l.actRms;
      return a0 !== undefined && a1 !== undefined && a0 > 0 && Number.isFinite(a1 / a0) ? a1 / a0 : null;
    });
    const out: { -readonly [K in keyof RecorderSummary]: RecorderSummary[K] } = {
      initial: init,
      final: fin,
      bornDead: this.bornDeadLayers.length > 0,
      bornDeadLayers: this.bornDeadLayers,
      measuredDeltaFactorAtInit: measured,
      actRmsGrowthOverTime,
      deadUnits: this.enabled && init !== null ? this.dead.summary() : [],
      deadUnitEvents: this.dead.events,
      deadUnitEventsDropped: this.dead.droppedEvents,
      theory,
    };
    const s0 = this.initialSlopes;
    const s1 = this.slopes();
    if (s0 !== null && s1 !== null) out.preluSlopes = { initial: s0, final: s1 };
    const remedy = this.remedies?.summary(this.o) ?? null;
    if (remedy !== null) out.remedyTheory = remedy;
    return out;
  }
}
