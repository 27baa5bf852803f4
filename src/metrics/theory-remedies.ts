/**
 * Mean-field theory of the remedies at initialisation, for the exact architecture of
 * src/net/mlp.ts (weights i.i.d. of variance sigma_w^2 / fan_in, biases of variance sigma_b^2,
 * gamma = 1 and beta = 0, width -> infinity; xi ~ N(0, 1) below).
 *
 * Normalised layers, z_l = W_l h_{l-1} + b_l, n_l = Norm(z_l), h_l = phi(n_l). Going down one
 * layer, dL/dz_l = Norm'(phi'(n_l) ⊙ W_{l+1}^T dL/dz_{l+1}). Norm' divides by the standard
 * deviation s_l of z_l and projects out two directions (of the batch, or of the units), which
 * costs O(1/B) or O(1/width) of the norm; E||W^T v||^2 = sigma_w^2 ||v||^2. So per layer
 *
 *   ||dL/dz_l||^2 / ||dL/dz_{l+1}||^2 -> sigma_w^2 E[phi'(n)^2] / s_l^2,   n ~ N(0, 1).
 *
 *  - Batch norm: s_l^2 is the variance of z over the batch, sigma_w^2 Var(phi(xi)) (the mean of
 *    phi is removed, unit by unit), so the factor is E[phi'(xi)^2] / Var(phi(xi)), whatever the
 *    initialisation. For relu: (1/2) / (1/2 - 1/(2 pi)) = pi / (pi - 1) ~ 1.467, the rate of
 *    Yang et al. 2019 ("A mean field theory of batch normalization") in the large-batch limit:
 *    gradients explode toward the input and no sigma_w removes it.
 *  - Layer norm: s_l^2 is the mean square over the units, sigma_w^2 E[phi(xi)^2] + sigma_b^2, so
 *    the factor is sigma_w^2 E[phi'(xi)^2] / (sigma_w^2 E[phi(xi)^2] + sigma_b^2) (1 for relu
 *    without bias variance: no explosion).
 *  - Layer 0 normalises the input's projection: its s_0^2 is sigma_w0^2 v_x (+ sigma_b0^2 for
 *    layer norm), with v_x the input's mean variance over the batch (batch) or mean square
 *    (layer), and sigma_w1^2 of layer 1 in the numerator.
 *
 * Residual layers without norm (Yang & Schoenholz 2017, "Mean field residual networks"),
 * h_0 = phi(z_0), h_l = h_{l-1} + alpha phi(z_l) for l >= 1. With p_l = E[h_l^2] and
 * m_l = E[h_l] (over units and inputs), q_l = Var(z_l) = sigma_w^2 p_{l-1} + sigma_b^2, and
 * since z_l is independent of any one coordinate of h_{l-1} in the wide limit,
 *
 *   m_l = m_{l-1} + alpha E[phi(sqrt(q_l) xi)]
 *   p_l = p_{l-1} + 2 alpha m_{l-1} E[phi(sqrt(q_l) xi)] + alpha^2 E[phi(sqrt(q_l) xi)^2]
 *
 * from p_0 = E[phi(sqrt(q_0) xi)^2], m_0 = E[phi(sqrt(q_0) xi)]. Nothing pulls p back: for an odd
 * phi (tanh) p grows by at most alpha^2 per layer (linearly in depth with alpha = 1, bounded by
 * p_0 + depth alpha^2 = p_0 + 1 with alpha = 1/sqrt(depth)); for relu, p_l grows geometrically
 * (the mean m_l feeds the cross term), and alpha ~ 1/sqrt(depth) slows it to exp(O(sqrt(depth))).
 */
import { ACTIVATIONS, type ActivationName, type ParamValues } from '../net/activations.js';
import type { InitializerName } from '../net/initializers.js';
import { growthFactor } from './reducers.js';
import { expectNormal, NARROW_WIDTH, scalarActivation } from './theory.js';

/** What the remedy theories need to know of a model and its initialisation. */
export interface RemedyTheoryInput {
  readonly activation: ActivationName;
  readonly activationParams: ParamValues;
  readonly depth: number;
  readonly width: number;
  /** sigma_w^2 and sigma_b^2 of the hidden-to-hidden layers, and of layer 0 (its own fans). */
  readonly sigmaW2: number;
  readonly sigmaB2: number;
  readonly sigmaW02: number;
  readonly sigmaB02: number;
  /** Input dimensions of the data. */
  readonly inputDim: number;
  /** Mean over the input dimensions of x^2 over the probe batch, and of the variance of x over it. */
  readonly inputMeanSquare: number;
  readonly inputVariance: number;
  readonly initName: InitializerName | null;
  /** Mean of a bias (a constant bias initializer). */
  readonly biasMean: number;
  /** Rows of the training batch (batch norm's theory is a large-batch limit). */
  readonly batch: number;
  readonly norm: 'batch' | 'layer' | null;
  readonly residualScale: number | null;
  /** The weights came from a file (model.initFrom). */
  readonly weightsFromFile: boolean;
}

export interface NormTheory {
  readonly name: 'batch' | 'layer';
  readonly applies: boolean;
  readonly reasons: readonly string[];
  readonly notes: readonly string[];
  /** E[phi'(xi)^2], E[phi(xi)], E[phi(xi)^2]: the moments the factors are made of. */
  readonly dphi2: number;
  readonly phiMean: number;
  readonly phi2: number;
  /** The per-layer factor of ||dL/dz||^2 toward the input, hidden layers 1..depth-1. */
  readonly predictedDeltaFactor: number;
  /** Predicted ||dL/dz_l||^2 / ||dL/dz_{l+1}||^2 for l = 0..depth-2 (layer 0 has its own). */
  readonly deltaFactorPerLayer: readonly number[];
}

export interface ResidualTheory {
  readonly scale: number;
  readonly applies: boolean;
  readonly reasons: readonly string[];
  readonly notes: readonly string[];
  /** Var(z_l), E[h_l] and E[h_l^2] for l = 0..depth-1. */
  readonly qPerLayer: readonly number[];
  readonly meanPerLayer: readonly number[];
  readonly meanSquarePerLayer: readonly number[];
  /** sqrt(E[h_l^2]): the predicted `hiddenRms` of each hidden layer. */
  readonly hiddenRmsPerLayer: readonly number[];
  /** E[h_{depth-1}^2] / E[h_0^2]: the growth of the forward signal over the network. */
  readonly meanSquareGrowth: number | null;
}

/** The `remedyTheory` block of summary.json (null parts where the model has no such remedy). */
export interface RemedyTheory {
  readonly norm: NormTheory | null;
  readonly residual: ResidualTheory | null;
}

/** Below this many rows a batch-norm layer's statistics are far from the population's. */
export const SMALL_BATCH = 32;

/** Reasons shared by both theories: the initialisation and the width. */
function commonReasons(i: RemedyTheoryInput, forwardOnly: boolean): { reasons: string[]; notes: string[] } {
  const reasons: string[] = [];
  const notes: string[] = [];
  if (i.weightsFromFile) reasons.push('the weights were loaded from a file (model.initFrom), not drawn by the initializer');
  if (i.initName === 'constant' || i.initName === 'zeros' || !(i.sigmaW2 > 0)) {
    reasons.push('weights are not random (constant or zero): every unit of a layer computes the same thing');
  } else if (i.initName === 'orthogonal') {
    if (forwardOnly) notes.push('orthogonal weights: at large width the forward statistics are those of i.i.d. weights of the same variance');
    else reasons.push('orthogonal weights: the backward pass does not follow the i.i.d. computation');
  }
  if (i.width < NARROW_WIDTH) reasons.push(`narrow layers (width ${i.width} < ${NARROW_WIDTH}): the theory is a large-width limit`);
  if (ACTIVATIONS[i.activation].widthFactor !== 1) reasons.push('crelu doubles the width; these maps are written for one output per unit');
  if (ACTIVATIONS[i.activation].learned) notes.push('prelu: the theory uses the initial slope; it changes in training');
  if (i.depth < 2) reasons.push('fewer than two hidden layers: there is no layer-to-layer factor to predict');
  return { reasons, notes };
}

/** The normalised network's gradient factors (see the module comment). */
export function normTheory(i: RemedyTheoryInput): NormTheory | null {
  if (i.norm === null) return null;
  const act = scalarActivation(i.activation, i.activationParams);
  const dphi2 = expectNormal((x) => act.dphi(x) ** 2, 1, act.kinks);
  const phiMean = expectNormal(act.phi, 1, act.kinks);
  const phi2 = expectNormal((x) => act.phi(x) ** 2, 1, act.kinks);
  const { reasons, notes } = commonReasons(i, false);
  if (i.residualScale !== null) reasons.push('residual connections add the unnormalised input back: these factors are for plain normalised layers');
  let factor: number;
  let first: number;
  if (i.norm === 'batch') {
    const v = phi2 - phiMean * phiMean;
    factor = dphi2 / v;
    first = (i.sigmaW2 * dphi2) / (i.sigmaW02 * i.inputVariance);
    if (i.inputDim < NARROW_WIDTH) {
      notes.push(
        `the inputs have ${i.inputDim} dimension(s): the batch's representations in the first layers are far from ` +
          "batch norm's fixed point, where units see many independent directions, so the layers next to the input show larger factors",
      );
    }
    if (i.batch < SMALL_BATCH) reasons.push(`batch of ${i.batch} rows: the theory is the large-batch limit, and a small batch adds O(1/batch) corrections`);
    else notes.push(`the large-batch limit; a batch of ${i.batch} rows adds corrections of order 1/${i.batch}`);
    notes.push('the biases do not matter: batch norm removes them');
  } else {
    factor = (i.sigmaW2 * dphi2) / (i.sigmaW2 * phi2 + i.sigmaB2);
    first = (i.sigmaW2 * dphi2) / (i.sigmaW02 * i.inputMeanSquare + i.sigmaB02);
    if (i.biasMean !== 0) reasons.push(`biases start at the constant ${i.biasMean}; the theory assumes zero-mean biases`);
  }
  const perLayer = i.depth >= 2 ? [first, ...Array<number>(i.depth - 2).fill(factor)] : [];
  return {
    name: i.norm,
    applies: reasons.length === 0,
    reasons,
    notes,
    dphi2,
    phiMean,
    phi2,
    predictedDeltaFactor: factor,
    deltaFactorPerLayer: perLayer.map((f) => (Number.isFinite(f) ? f : NaN)),
  };
}

/** The residual network's forward recursion (see the module comment). */
export function residualTheory(i: RemedyTheoryInput): ResidualTheory | null {
  if (i.residualScale === null) return null;
  const alpha = i.residualScale;
  const act = scalarActivation(i.activation, i.activationParams);
  const { reasons, notes } = commonReasons(i, true);
  if (i.norm !== null) reasons.push(`${i.norm} norm rescales every layer's pre-activation; the recursion is for residual layers without norm`);
  if (i.biasMean !== 0) reasons.push(`biases start at the constant ${i.biasMean}; the theory assumes zero-mean biases`);
  notes.push('q_0 uses the probe inputs\' mean square; inputs of very different norms spread around it');
  const E = (q: number): [number, number] => [expectNormal(act.phi, q, act.kinks), expectNormal((x) => act.phi(x) ** 2, q, act.kinks)];
  const qs: number[] = [];
  const ms: number[] = [];
  const ps: number[] = [];
  let q = i.sigmaW02 * i.inputMeanSquare + i.sigmaB02;
  for (let l = 0; l < i.depth; l++) {
    if (l > 0) q = i.sigmaW2 * ps[l - 1] + i.sigmaB2;
    const [e1, e2] = E(q);
    qs.push(q);
    if (l === 0) {
      ms.push(e1);
      ps.push(e2);
    } else {
      ms.push(ms[l - 1] + alpha * e1);
      ps.push(ps[l - 1] + 2 * alpha * ms[l - 1] * e1 + alpha * alpha * e2);
    }
  }
  const growth = ps.length >= 2 && ps[0] > 0 ? ps[ps.length - 1] / ps[0] : null;
  return {
    scale: alpha,
    applies: reasons.length === 0,
    reasons,
    notes,
    qPerLayer: qs,
    meanPerLayer: ms,
    meanSquarePerLayer: ps,
    hiddenRmsPerLayer: ps.map(Math.sqrt),
    meanSquareGrowth: growth !== null && Number.isFinite(growth) ? growth : null,
  };
}

export function remedyTheory(i: RemedyTheoryInput): RemedyTheory | null {
  if (i.norm === null && i.residualScale === null) return null;
  return { norm: normTheory(i), residual: residualTheory(i) };
}

/**
 * The measured counterpart of `predictedDeltaFactor`: exp of the least-squares slope of
 * ln deltaNorm[l]^2 against the distance from the top hidden layer, over hidden layers
 * 1..depth-1 (layer 0 normalises the input and has a factor of its own). Null below 3 layers.
 */
export function deltaFactorAbove(deltaNorms: readonly number[]): number | null {
  const h = deltaNorms.length;
  if (h < 3) return null;
  const down = Float64Array.from({ length: h - 1 }, (_, j) => deltaNorms[h - 1 - j] ** 2);
  return growthFactor(down);
}
