/**
 * The words of the report's charts for normalization and residual connections (titles,
 * captions, axes, series, notes). Spec builders in specs/remedies.ts and the section builder in
 * remedies.ts take every string from here.
 */
import { fmt, type ChartText } from './text.js';

export const REMEDY_CHARTS = {
  normTheory: {
    title: 'Backward signal against layer at initialisation, with the normalised network\'s theory',
    caption:
      'Points are the measured ‖dL/dz‖² of each hidden layer at step 0 (z before the norm); the dashed ' +
      'line multiplies the top layer\'s value by the predicted factor per layer going down. A line ' +
      'rising to the left is a gradient that grows toward the input.',
  },
  normParams: {
    title: 'Norm scale γ and shift β: gradient norms and update ratios',
    caption:
      'Left, ‖dL/dγ‖ (solid) and ‖dL/dβ‖ (dashed) per hidden layer; right, the size of each update ' +
      'relative to γ and β. One colour per layer.',
  },
  normStats: {
    title: 'Normalised pre-activation on the probe batch',
    caption:
      'Mean and standard deviation of n = Norm(z), the activation\'s input, per hidden layer; they start at ' +
      '0 and 1 and drift only as γ and β learn.',
  },
  residualTheory: {
    title: 'Forward signal of the residual stream against layer, with mean-field theory',
    caption:
      'Points are the measured mean square of h_l on the probe batch (at step 0 and at the last record); ' +
      'the dashed line is the mean-field recursion at initialisation. A line that keeps rising is a ' +
      'forward variance that grows with depth.',
  },
  branchRatio: {
    title: 'Residual branch against skip per layer over training',
    caption:
      'rms(α a_l) / rms(h_{l−1}): how much each residual layer changes the signal it is handed. Near 1 or ' +
      'above, the layer rewrites the stream; far below 1, the skip carries it unchanged.',
  },
} as const satisfies Record<string, ChartText>;

export const REMEDY_AXIS = {
  deltaSquared: '‖dL/dz‖² at step 0 (log scale)',
  gradNorm: 'gradient norm (log scale)',
  updateRatio: 'update ratio per step (log scale)',
  normValue: 'value (normalised units)',
  meanSquare: 'mean square of h_l (log scale)',
  branchRatio: 'rms(α a_l) / rms(h_{l−1}) (log scale)',
  parameter: 'parameter',
} as const;

export const REMEDY_SERIES = {
  measuredInit: 'measured, step 0',
  measuredEnd: (step: number): string => `measured, step ${step}`,
  predicted: 'mean-field prediction',
  predictedCaveat: 'mean-field prediction (assumptions not met)',
  gamma: 'γ (scale)',
  beta: 'β (shift)',
  normMean: 'mean of n',
  normStd: 'std of n',
} as const;

export const REMEDY_PAGE = {
  sectionNorm: 'Normalization',
  sectionResidual: 'Residual connections',
} as const;

export const REMEDY_NOTES = {
  normFactor: (name: 'batch' | 'layer', factor: number, measured: number | null): string =>
    `Prediction: ‖dL/dz‖² grows by ${fmt(factor)} per layer toward the input ` +
    (name === 'batch'
      ? "(E[φ'(ξ)²] / Var φ(ξ), the large-batch limit of Yang et al. 2019; π/(π−1) ≈ 1.467 for relu)"
      : "(σ_w² E[φ'(ξ)²] / (σ_w² E[φ(ξ)²] + σ_b²) for layer norm)") +
    (measured === null ? '.' : `; measured over layers 1 to depth−1 at step 0: ${fmt(measured)}.`),
  normFirstLayer: 'Layer 0 normalises the input\'s projection and has a factor of its own, from the input\'s statistics.',
  notCovered: (reasons: string): string => `The theory does not cover this model (${reasons}); its line is drawn grey, for reference only.`,
  residualGrowth: (predicted: number | null, measured: number | null): string =>
    `Mean square of h from layer 0 to the last hidden layer: predicted ×${predicted === null ? '?' : fmt(predicted)}` +
    (measured === null ? '.' : `, measured ×${fmt(measured)} at step 0.`),
  caveats: (notes: string): string => `Caveats: ${notes}.`,
  noNormParams: 'The norm has no learned scale and shift (affine: false), so their chart is omitted.',
  noTheory: 'summary.json has no remedyTheory block, so no prediction is drawn.',
} as const;
