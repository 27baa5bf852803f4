/**
 * Per-layer metrics of the remedies (batch / layer norm and residual connections), added to a
 * hidden layer's record only when the model has them, so the records of a plain MLP keep their
 * bytes. Definitions in docs/metrics.md ("Normalization and residual connections"); the
 * layer-metrics passes call these:
 *
 *  - `normGradientFields`, training batch: gammaGradNorm = ||dL/dgamma||, betaGradNorm,
 *    gammaUpdateRatio = ||gamma_s - gamma_{s-1}|| / ||gamma_{s-1}|| (betaUpdateRatio likewise;
 *    Infinity, written null, while beta_{s-1} is 0), gammaMean, betaMean (affine norms only);
 *  - `remedyProbeFields`, probe pass: normMean, normStd of n = Norm(z) (the activation's input);
 *    for residual nets hiddenRms = rms(h_l), and for layers with a skip branchRms = rms(alpha a_l),
 *    skipRms = rms(h_{l-1}) and branchRatio = branchRms / skipRms (how much the layer changes the
 *    signal it is handed).
 */
import type { Dense } from '../net/dense.js';
import type { MLP } from '../net/mlp.js';
import type { FloatArray } from '../net/tensor.js';
import { mean, norm, stats, type Stats } from './reducers.js';
import type { LayerRecord } from './types.js';

/** The optional fields of a layer record while a pass fills them in. */
type LayerFields = { -readonly [K in keyof LayerRecord]?: LayerRecord[K] };

/**
 * Layer l's affine norm after backward on the training batch (dgamma, dbeta of that batch),
 * with the update ratios of WeightSnapshots.normUpdateRatios. Adds nothing without an affine norm.
 */
export function normGradientFields(l: Dense, ratios: { readonly gamma: number; readonly beta: number }, rec: LayerFields): void {
  const nl = l.norm;
  if (nl === null || !nl.spec.affine) return;
  rec.gammaGradNorm = norm(nl.weightGrad);
  rec.betaGradNorm = norm(nl.biasGrad);
  rec.gammaUpdateRatio = ratios.gamma;
  rec.betaUpdateRatio = ratios.beta;
  rec.gammaMean = mean(nl.weight);
  rec.betaMean = mean(nl.bias);
}

/**
 * Hidden layer i's probe-side remedy fields, after the probe pass over `rows` rows (the forward
 * caches n, a and mlp.hidden hold the probe batch); `st` is scratch space. Adds nothing to the
 * output layer or to a plain MLP's layers.
 */
export function remedyProbeFields(mlp: MLP, i: number, rows: number, st: Stats, rec: LayerFields): void {
  if (i >= mlp.depth) return;
  const l = mlp.layers[i];
  if (l.norm !== null) {
    stats(l.n, rows * l.fanOut, st, mlp.kernels);
    rec.normMean = st.mean;
    rec.normStd = st.std;
  }
  const alpha = mlp.residualScale;
  if (alpha === null) return;
  const n = rows * l.fanOut * l.widthFactor;
  rec.hiddenRms = rms(mlp.hidden[i], n);
  if (!mlp.hasSkip(i)) return;
  const branch = Math.abs(alpha) * rms(l.a, n);
  const skip = rms(mlp.hidden[i - 1], n);
  rec.branchRms = branch;
  rec.skipRms = skip;
  rec.branchRatio = skip > 0 ? branch / skip : branch > 0 ? Infinity : 0;
}

function rms(x: FloatArray, n: number): number {
  return n > 0 ? norm(x, n) / Math.sqrt(n) : 0;
}
