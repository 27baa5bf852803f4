/**
 * The mean-field theory block of summary.json for a run (theory.ts), from the run's activation,
 * initializers, width, depth and probe inputs, with the measurement beside the prediction.
 *
 *   sigma_w^2 = fan_in Var(W), sigma_b^2 = Var(b) of the initializers at the hidden fan-in
 *   q0 = sigma_w^2(input fan-in) * mean(x^2 over the probe) + sigma_b^2(input fan-in)
 *   relativeError = measured deltaGrowth at step 0 / predictedDeltaFactor - 1
 */
import { ACTIVATIONS, type ActivationName, type ParamValues } from '../net/activations.js';
import { INITIALIZERS, initializerParams, resolveInitializerName } from '../net/initializers.js';
import type { FloatArray } from '../net/tensor.js';
import { sumSquares } from './reducers.js';
import { sigmaB2FromInit, sigmaW2FromInit, theoryFor, type TheoryBlock } from './theory.js';

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
}

/** The mean-field block for the run's activation and initializers; null for an unknown initializer. */
export function runTheory(o: TheoryRun): TheoryBlock | null {
  const wName = resolveInitializerName(o.init.name);
  const bName = resolveInitializerName(o.biasInit.name);
  if (wName === undefined || bName === undefined) return null;
  const wp = initializerParams(wName, o.init);
  const bp = initializerParams(bName, o.biasInit);
  const wf = ACTIVATIONS[o.activation].widthFactor;
  const fanIn = o.width * wf;
  const sigmaW2 = sigmaW2FromInit(wName, wp, fanIn, o.width);
  const sigmaB2 = sigmaB2FromInit(bName, bp, fanIn, o.width);
  // q0: the first hidden layer's pre-activation variance on the probe batch's inputs.
  const n = o.probeRows * o.inputDim;
  const x2 = n > 0 ? sumSquares(o.probeX, n) / n : 1;
  const q0 = sigmaW2FromInit(wName, wp, o.inputDim, o.width) * x2 + sigmaB2FromInit(bName, bp, o.inputDim, o.width);
  const block = theoryFor({
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
  });
  if (o.weightsFromFile) {
    return { ...block, applies: false, reasons: [...block.reasons, 'the weights were loaded from a file (model.initFrom), not drawn by the initializer'] };
  }
  return block;
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
