/**
 * One line of metrics.ndjson from its parts: the step's frame (step, epoch, loss, evaluations),
 * the record-level factors over the hidden layers, and the per-layer records.
 */
import type { EvalValues } from './events.js';
import { growthFactor } from './reducers.js';
import type { LayerRecord, MetricRecord } from './types.js';

/** Record-level factors over the hidden layers 0..depth-1 (null where undefined). */
export interface Factors {
  readonly vanishing: number | null;
  readonly deltaGrowth: number | null;
  readonly actGrowth: number | null;
}

/** What a record says of its step besides the layers. */
export interface StepFrame {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly eval: EvalValues | null;
}

/**
 * Over the hidden layers 0..depth-1:
 *   vanishing   = log10(gradNorm[0] / gradNorm[depth-1])
 *   deltaGrowth = fitted per-layer factor of deltaNorm^2 going down, from layer depth-1 to 0
 *   actGrowth   = fitted per-layer factor of actRms going up, from layer 0 to depth-1
 */
export function recordFactors(layers: readonly LayerRecord[], depth: number): Factors {
  const h = Math.min(depth, layers.length);
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

/**
 * The record; keys in the order step, epoch, loss, evaluations, factors, layers (layers last for
 * readability). Null evaluations and factors are left out; `f` null: no factors (metrics off).
 */
export function metricRecord(p: StepFrame, f: Factors | null, layers: readonly LayerRecord[]): MetricRecord {
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
  const { layers: ls, ...rest } = r;
  return { ...rest, layers: ls };
}
