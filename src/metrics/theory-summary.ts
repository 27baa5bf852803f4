/**
 * The theory blocks of summary.json for a run, from the run's activation, initializers, width,
 * depth and probe inputs, with the measurement beside the prediction:
 *
 *   sigma_w^2 = fan_in Var(W), sigma_b^2 = Var(b) of the initializers at the hidden fan-in
 *   q0 = sigma_w^2(input fan-in) * mean(x^2 over the probe) + sigma_b^2(input fan-in)
 *   relativeError = measured deltaGrowth at step 0 / predictedDeltaFactor - 1
 *
 * `theory` is the plain MLP's mean-field block (theory.ts); a model with a norm or residual
 * connections also gets `remedyTheory` (theory-remedies.ts), and its plain block is marked as
 * not applying, with the reason (its numbers stay, for comparison).
 */
import { ACTIVATIONS, type ActivationName, type ParamValues } from '../net/activations.js';
import { INITIALIZERS, initializerParams, resolveInitializerName, type InitializerName } from '../net/initializers.js';
import type { FloatArray } from '../net/tensor.js';
import { sumSquares } from './reducers.js';
import { sigmaB2FromInit, sigmaW2FromInit, theoryFor, type TheoryBlock } from './theory.js';
import { deltaFactorAbove, remedyTheory, type NormTheory, type RemedyTheory, type ResidualTheory } from './theory-remedies.js';
import type { LayerRecord } from './types.js';

/** An initializer as a resolved config gives it: {"name": "he_normal", "gain": 1}. */
export interface InitRef {
  readonly name: string;
  readonly [param: string]: unknown;
}

/** The theory block of summary.json with the measurement beside it. */
export interface TheorySummary extends TheoryBlock {
  /** deltaGrowth of the step-0 record (the measured per-layer factor of deltaNorm^2). */
  readonly measuredDeltaFactor: number | null;
  /** measured / predicted - 1. */
  readonly relativeError: number | null;
}

/** summary.json's `remedyTheory`: the remedies' predictions with the step-0 measurement beside them. */
export interface RemedyTheorySummary {
  readonly norm: (NormTheory & {
    /** Fitted per-layer factor of deltaNorm^2 over hidden layers 1..depth-1 at step 0. */
    readonly measuredDeltaFactor: number | null;
    /** measured / predicted - 1. */
    readonly relativeError: number | null;
  }) | null;
  readonly residual: (ResidualTheory & {
    /** hiddenRms of each hidden layer at step 0 (probe batch). */
    readonly measuredHiddenRms: readonly (number | null)[];
    /** (hiddenRms[depth-1] / hiddenRms[0])^2 at step 0. */
    readonly measuredMeanSquareGrowth: number | null;
  }) | null;
}

/** What the theory of a run depends on. */
export interface TheoryRun {
  readonly activation: ActivationName;
  readonly activationParams: ParamValues;
  readonly init: InitRef;
  readonly biasInit: InitRef;
  readonly depth: number;
  readonly width: number;
  readonly inputDim: number;
  /** The probe batch [probeRows, inputDim]. */
  readonly probeX: FloatArray;
  readonly probeRows: number;
  /** The weights were imported (model.initFrom): the initializer says nothing about them. */
  readonly weightsFromFile: boolean;
  /** The hidden layers' norm and the residual scale alpha; null: none. */
  readonly norm: 'batch' | 'layer' | null;
  readonly residualScale: number | null;
}

/** The initializers' variances at the hidden fan-in and at the input's (layer 0). */
interface InitVariances {
  readonly wName: InitializerName;
  readonly sigmaW2: number;
  readonly sigmaB2: number;
  readonly sigmaW02: number;
  readonly sigmaB02: number;
  readonly biasMean: number;
}

/** Null for an initializer the registry does not know. */
function initVariances(o: TheoryRun): InitVariances | null {
  const wName = resolveInitializerName(o.init.name);
  const bName = resolveInitializerName(o.biasInit.name);
  if (wName === undefined || bName === undefined) return null;
  const wp = initializerParams(wName, o.init);
  const bp = initializerParams(bName, o.biasInit);
  const fanIn = o.width * ACTIVATIONS[o.activation].widthFactor;
  return {
    wName,
    sigmaW2: sigmaW2FromInit(wName, wp, fanIn, o.width),
    sigmaB2: sigmaB2FromInit(bName, bp, fanIn, o.width),
    sigmaW02: sigmaW2FromInit(wName, wp, o.inputDim, o.width),
    sigmaB02: sigmaB2FromInit(bName, bp, o.inputDim, o.width),
    biasMean: INITIALIZERS[bName].weightMean(fanIn, o.width, bp),
  };
}

/** The mean-field block for the run's activation and initializers; null for an unknown initializer. */
export function runTheory(o: TheoryRun): TheoryBlock | null {
  const v = initVariances(o);
  if (v === null) return null;
  // q0: the first hidden layer's pre-activation variance on the probe batch's inputs.
  const n = o.probeRows * o.inputDim;
  const x2 = n > 0 ? sumSquares(o.probeX, n) / n : 1;
  const block = theoryFor({
    activation: o.activation,
    activationParams: o.activationParams,
    sigmaW2: v.sigmaW2,
    sigmaB2: v.sigmaB2,
    width: o.width,
    depth: o.depth,
    initGaussian: INITIALIZERS[v.wName].gaussian,
    widthFactor: ACTIVATIONS[o.activation].widthFactor,
    initName: v.wName,
    biasMean: v.biasMean,
    q0: v.sigmaW02 * x2 + v.sigmaB02,
  });
  const reasons = [...block.reasons, ...remedyReasons(o)];
  if (o.weightsFromFile) reasons.push('the weights were loaded from a file (model.initFrom), not drawn by the initializer');
  return reasons.length === block.reasons.length ? block : { ...block, applies: false, reasons };
}

/** Why the plain block does not describe a model with a norm or residual connections. */
function remedyReasons(o: TheoryRun): string[] {
  const reasons: string[] = [];
  if (o.norm !== null) reasons.push(`${o.norm} norm rescales every hidden pre-activation: the plain length map and chi_1 do not describe this model (see remedyTheory)`);
  if (o.residualScale !== null) reasons.push('residual connections add each layer\'s input back: the plain length map and chi_1 do not describe this model (see remedyTheory)');
  return reasons;
}

/** `theory` with the measured step-0 deltaGrowth beside its prediction. */
export function withMeasurement(theory: TheoryBlock | null, measured: number | null): TheorySummary | null {
  if (theory === null) return null;
  const predicted = theory.predictedDeltaFactor;
  return {
    ...theory,
    measuredDeltaFactor: measured,
    relativeError: measured !== null && predicted !== null && predicted !== 0 ? measured / predicted - 1 : null,
  };
}

/**
 * The remedies' theory for a run with a norm or residual connections, `batch` rows a training
 * step; null for a plain MLP or an unknown initializer. The input moments are means over the
 * input dimensions of mean(x^2) and of the variance of x over the probe batch.
 */
export function runRemedyTheory(o: TheoryRun, batch: number): RemedyTheory | null {
  if (o.norm === null && o.residualScale === null) return null;
  const v = initVariances(o);
  if (v === null) return null;
  const d = o.inputDim;
  const rows = o.probeRows;
  let ms = 0;
  let variance = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < rows; r++) {
      const x = o.probeX[r * d + j];
      s += x;
      s2 += x * x;
    }
    if (rows > 0) {
      ms += s2 / rows;
      variance += s2 / rows - (s / rows) ** 2;
    }
  }
  return remedyTheory({
    activation: o.activation,
    activationParams: o.activationParams,
    depth: o.depth,
    width: o.width,
    sigmaW2: v.sigmaW2,
    sigmaB2: v.sigmaB2,
    sigmaW02: v.sigmaW02,
    sigmaB02: v.sigmaB02,
    inputDim: d,
    inputMeanSquare: d > 0 ? ms / d : 1,
    inputVariance: d > 0 ? variance / d : 1,
    initName: v.wName,
    biasMean: v.biasMean,
    batch,
    norm: o.norm,
    residualScale: o.residualScale,
    weightsFromFile: o.weightsFromFile,
  });
}

/**
 * `t` with the step-0 measurement beside it: `layers` the hidden layers of the step-0 record
 * (null: nothing recorded). The measured factor is `deltaFactorAbove` of their deltaNorm.
 */
export function withRemedyMeasurement(t: RemedyTheory | null, layers: readonly LayerRecord[] | null): RemedyTheorySummary | null {
  if (t === null) return null;
  let norm: RemedyTheorySummary['norm'] = null;
  if (t.norm !== null) {
    const m = layers === null ? null : deltaFactorAbove(layers.map((l) => l.deltaNorm));
    const p = t.norm.predictedDeltaFactor;
    norm = { ...t.norm, measuredDeltaFactor: m, relativeError: m !== null && p > 0 ? m / p - 1 : null };
  }
  let residual: RemedyTheorySummary['residual'] = null;
  if (t.residual !== null) {
    const rms = (layers ?? []).map((l) => (l.hiddenRms !== undefined && Number.isFinite(l.hiddenRms) ? l.hiddenRms : null));
    const first = rms[0];
    const last = rms[rms.length - 1];
    const growth = rms.length >= 2 && first !== null && last !== null && first > 0 ? (last / first) ** 2 : null;
    residual = { ...t.residual, measuredHiddenRms: rms, measuredMeanSquareGrowth: growth !== null && Number.isFinite(growth) ? growth : null };
  }
  return { norm, residual };
}
