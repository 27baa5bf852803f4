/**
 * Per-layer metrics of the remedies (batch / layer norm and residual connections), added to a
 * hidden layer's record only when the model has them, so the records of a plain MLP keep their
 * bytes. Definitions in docs/metrics.md ("Normalization and residual connections").
 *
 *  - from the training batch's backward pass: gammaGradNorm = ||dL/dgamma||, betaGradNorm, and
 *    gammaUpdateRatio = ||gamma_s - gamma_{s-1}|| / ||gamma_{s-1}|| (betaUpdateRatio likewise;
 *    Infinity, written null, while beta_{s-1} is 0), gammaMean, betaMean;
 *  - from the probe pass: normMean, normStd of n = Norm(z) (the activation's input); for residual
 *    nets hiddenRms = rms(h_l), and for layers with a skip branchRms = rms(alpha a_l),
 *    skipRms = rms(h_{l-1}) and branchRatio = branchRms / skipRms (how much the layer changes the
 *    signal it is handed).
 *
 * The recorder owns the cadence: `snapshot` before an update whose result is recorded, `fill`
 * once per hidden layer after the probe pass (dgamma and dbeta are the training batch's still:
 * a forward pass does not touch them).
 */
import type { ActivationName, ParamValues } from '../net/activations.js';
import { INITIALIZERS, initializerParams, resolveInitializerName } from '../net/initializers.js';
import type { MLP } from '../net/mlp.js';
import { alloc, type FloatArray } from '../net/tensor.js';
import { emptyStats, mean, norm, relativeChange, stats } from './reducers.js';
import { sigmaB2FromInit, sigmaW2FromInit, type TheoryBlock } from './theory.js';
import { deltaFactorAbove, remedyTheory, type NormTheory, type RemedyTheory, type RemedyTheoryInput, type ResidualTheory } from './theory-remedies.js';
import type { LayerRecord } from './types.js';

/** What the remedy theory reads of the recorder's options. */
export interface RemedyContext {
  readonly mlp: MLP;
  readonly activation: ActivationName;
  readonly activationParams: ParamValues;
  readonly init: { readonly name: string };
  readonly biasInit: { readonly name: string };
  readonly probeX: FloatArray;
  readonly probeRows: number;
  readonly weightsFromFile?: boolean;
}

/** summary.json's `remedyTheory`: the predictions with the step-0 measurement beside them. */
export interface RemedySummary {
  readonly norm: (NormTheory & {
    /** Fitted per-layer factor of deltaNorm^2 over hidden layers 1..depth-1 at step 0. */
    readonly measuredDeltaFactor: number | null;
    readonly relativeError: number | null;
  }) | null;
  readonly residual: (ResidualTheory & {
    /** hiddenRms of each hidden layer at step 0 (probe batch). */
    readonly measuredHiddenRms: readonly (number | null)[];
    /** (hiddenRms[depth-1] / hiddenRms[0])^2 at step 0. */
    readonly measuredMeanSquareGrowth: number | null;
  }) | null;
}

/** The names of the remedy fields, in the order a record holds them. */
export const REMEDY_LAYER_FIELDS = [
  'gammaGradNorm', 'betaGradNorm', 'gammaUpdateRatio', 'betaUpdateRatio', 'gammaMean', 'betaMean', 'normMean', 'normStd',
  'hiddenRms', 'branchRms', 'skipRms', 'branchRatio',
] as const satisfies readonly (keyof LayerRecord)[];

/** The remedy fields of a layer record (all optional on LayerRecord). */
export interface RemedyFields {
  gammaGradNorm?: number;
  betaGradNorm?: number;
  gammaUpdateRatio?: number;
  betaUpdateRatio?: number;
  gammaMean?: number;
  betaMean?: number;
  normMean?: number;
  normStd?: number;
  hiddenRms?: number;
  branchRms?: number;
  skipRms?: number;
  branchRatio?: number;
}

export class RemedyProbe {
  private readonly mlp: MLP;
  private readonly prevGamma: FloatArray[];
  private readonly prevBeta: FloatArray[];
  private snapshotStep = -1;
  private readonly st = emptyStats();
  /** The training batch's rows and the layers of the first record. */
  private batchRows = 0;
  private initialLayers: readonly LayerRecord[] | null = null;

  private constructor(mlp: MLP) {
    this.mlp = mlp;
    const affine = (i: number): boolean => mlp.layers[i].norm?.spec.affine === true;
    this.prevGamma = mlp.layers.map((l, i) => alloc(mlp.dtype, affine(i) ? l.fanOut : 0));
    this.prevBeta = mlp.layers.map((l, i) => alloc(mlp.dtype, affine(i) ? l.fanOut : 0));
  }

  /** The probe of a model with a norm or residual connections; null for a plain MLP. */
  static for(mlp: MLP): RemedyProbe | null {
    return mlp.norm === null && mlp.residualScale === null ? null : new RemedyProbe(mlp);
  }

  /** Copies gamma and beta before update `step` (for the next record's update ratios). */
  snapshot(step: number): void {
    this.mlp.layers.forEach((l, i) => {
      if (this.prevGamma[i].length === 0 || l.norm === null) return;
      this.prevGamma[i].set(l.norm.weight);
      this.prevBeta[i].set(l.norm.bias);
    });
    this.snapshotStep = step;
  }

  /**
   * Adds hidden layer i's remedy fields to `rec` for the record of `step`, after the probe pass
   * (the forward caches hold the probe batch of `rows` rows).
   */
  fill(i: number, rec: RemedyFields, step: number, rows: number): void {
    const mlp = this.mlp;
    if (i >= mlp.depth) return;
    const l = mlp.layers[i];
    const nl = l.norm;
    if (nl !== null) {
      if (nl.spec.affine) {
        const fresh = this.snapshotStep === step - 1 && step > 0;
        rec.gammaGradNorm = norm(nl.weightGrad);
        rec.betaGradNorm = norm(nl.biasGrad);
        rec.gammaUpdateRatio = fresh ? relativeChange(nl.weight, this.prevGamma[i]) : 0;
        rec.betaUpdateRatio = fresh ? relativeChange(nl.bias, this.prevBeta[i]) : 0;
        rec.gammaMean = mean(nl.weight);
        rec.betaMean = mean(nl.bias);
      }
      stats(l.n, rows * l.fanOut, this.st);
      rec.normMean = this.st.mean;
      rec.normStd = this.st.std;
    }
    if (mlp.residualScale === null) return;
    const cols = l.fanOut * l.widthFactor;
    const n = rows * cols;
    rec.hiddenRms = rms(mlp.hidden[i], n);
    if (!mlp.hasSkip(i)) return;
    const branch = Math.abs(mlp.residualScale) * rms(l.a, n);
    const skip = rms(mlp.hidden[i - 1], n);
    rec.branchRms = branch;
    rec.skipRms = skip;
    rec.branchRatio = skip > 0 ? branch / skip : branch > 0 ? Infinity : 0;
  }

  /** Remembers the first record (step 0) and the training batch's rows, for the summary. */
  atInit(batchRows: number, layers: readonly LayerRecord[]): void {
    this.batchRows = batchRows;
    this.initialLayers = layers;
  }

  /** The `remedyTheory` block of summary.json, or null when the initializers are unknown. */
  summary(ctx: RemedyContext): RemedySummary | null {
    const input = theoryInput(ctx, this.batchRows);
    const t = input === null ? null : remedyTheory(input);
    if (t === null) return null;
    return measured(t, this.initialLayers?.slice(0, this.mlp.depth) ?? null);
  }
}

/** The inputs of the remedy theory for the recorder's model, initializers and probe batch. */
export function theoryInput(ctx: RemedyContext, batch: number): RemedyTheoryInput | null {
  const mlp = ctx.mlp;
  const wName = resolveInitializerName(ctx.init.name);
  const bName = resolveInitializerName(ctx.biasInit.name);
  if (wName === undefined || bName === undefined) return null;
  const wp = initializerParams(wName, ctx.init);
  const bp = initializerParams(bName, ctx.biasInit);
  const fanIn = mlp.width * (mlp.layers[0]?.widthFactor ?? 1);
  const d = mlp.inputDim;
  const rows = ctx.probeRows;
  // Input moments over the probe batch: mean over the dimensions of mean(x^2) and of the variance.
  let ms = 0;
  let v = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < rows; r++) {
      const x = ctx.probeX[r * d + j];
      s += x;
      s2 += x * x;
    }
    if (rows > 0) {
      ms += s2 / rows;
      v += s2 / rows - (s / rows) ** 2;
    }
  }
  return {
    activation: ctx.activation,
    activationParams: ctx.activationParams,
    depth: mlp.depth,
    width: mlp.width,
    sigmaW2: sigmaW2FromInit(wName, wp, fanIn, mlp.width),
    sigmaB2: sigmaB2FromInit(bName, bp, fanIn, mlp.width),
    sigmaW02: sigmaW2FromInit(wName, wp, d, mlp.width),
    sigmaB02: sigmaB2FromInit(bName, bp, d, mlp.width),
    inputDim: d,
    inputMeanSquare: d > 0 ? ms / d : 1,
    inputVariance: d > 0 ? v / d : 1,
    initName: wName,
    biasMean: INITIALIZERS[bName].weightMean(fanIn, mlp.width, bp),
    batch,
    norm: mlp.norm?.name ?? null,
    residualScale: mlp.residualScale,
    weightsFromFile: ctx.weightsFromFile === true,
  };
}

function measured(t: RemedyTheory, layers: readonly LayerRecord[] | null): RemedySummary {
  let norm: RemedySummary['norm'] = null;
  if (t.norm !== null) {
    const m = layers === null ? null : deltaFactorAbove(layers.map((l) => l.deltaNorm));
    const p = t.norm.predictedDeltaFactor;
    norm = { ...t.norm, measuredDeltaFactor: m, relativeError: m !== null && p > 0 ? m / p - 1 : null };
  }
  let residual: RemedySummary['residual'] = null;
  if (t.residual !== null) {
    const rms = (layers ?? []).map((l) => (l.hiddenRms !== undefined && Number.isFinite(l.hiddenRms) ? l.hiddenRms : null));
    const first = rms[0];
    const last = rms[rms.length - 1];
    const growth = rms.length >= 2 && first !== null && last !== null && first > 0 ? (last / first) ** 2 : null;
    residual = { ...t.residual, measuredHiddenRms: rms, measuredMeanSquareGrowth: growth !== null && Number.isFinite(growth) ? growth : null };
  }
  return { norm, residual };
}

/**
 * The plain mean-field block of a model with a norm or residual connections: its maps describe
 * a plain MLP, so it is marked as not applying (the numbers stay, for comparison), with the
 * reason; `remedyTheory` holds the theory of this model.
 */
export function remedyCaveats<T extends TheoryBlock>(block: T, mlp: MLP): T {
  const reasons: string[] = [];
  if (mlp.norm !== null) reasons.push(`${mlp.norm.name} norm rescales every hidden pre-activation: the plain length map and chi_1 do not describe this model (see remedyTheory)`);
  if (mlp.residualScale !== null) reasons.push('residual connections add each layer\'s input back: the plain length map and chi_1 do not describe this model (see remedyTheory)');
  return reasons.length === 0 ? block : { ...block, applies: false, reasons: [...block.reasons, ...reasons] };
}

function rms(x: FloatArray, n: number): number {
  return n > 0 ? norm(x, n) / Math.sqrt(n) : 0;
}
