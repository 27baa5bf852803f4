/**
 * The words of the signal-propagation charts (Jacobian spectra, correlation decay, phase
 * diagram, finite-width spread): titles, captions, axes, series and notes. Spec builders in
 * specs/signal.ts and the section builders take every string from here.
 */
import { fmt, type ChartText } from './text.js';

/** The heading of the signal-propagation section of run and sweep reports. */
export const SIGNAL_HEADING = 'Signal propagation';

export const SIGNAL_CHARTS = {
  spectrum: {
    title: 'Singular values of the input-output Jacobian',
    caption:
      'Density of log10 s over the singular values of J = ∂h_{depth−1}/∂h_0 for the chosen examples, one ' +
      'line per step. A narrow peak at 0 is dynamical isometry (every direction passes unchanged); a ' +
      'wide spread means some directions are amplified and others crushed.',
  },
  correlation: {
    title: 'Correlation of two inputs against layer at initialisation, with mean-field theory',
    caption:
      'Points are the correlation of the pre-activations of pairs of probe inputs, averaged over the pairs ' +
      '(bars: ±2 standard errors); the line iterates the mean-field correlation map from the measured ' +
      'first layer. The dashed rule is its fixed point c*; the layers it takes to get there is ξ_c.',
  },
  spectraSweep: {
    title: 'Jacobian spectra across the cells at initialisation',
    caption:
      'Density of log10 s for each cell\'s Jacobian at its first recorded step (seeds pooled). At ' +
      'criticality, orthogonal weights keep tanh\'s spectrum concentrated at depth while Gaussian ' +
      'weights spread it (Pennington et al. 2017); for ReLU neither can.',
  },
  phase: {
    title: 'Phase diagram with the mean-field curves',
    caption:
      'Each rectangle is one (σ_w², depth) of the sweep, coloured by the chosen metric (mean over seeds). ' +
      'The vertical line is the edge of chaos χ₁ = 1; the curve is 6 ξ_c, the depth beyond which ' +
      'Schoenholz et al. (2017) found networks untrainable.',
  },
  finiteWidth: {
    title: 'Spread of log-norms over seeds against the sum of inverse widths',
    caption:
      'Variance over seeds (and examples) of ln ‖J e₁‖² at initialisation against β = Σ 1/n_l, one colour ' +
      'per activation and initializer. Mean-field theory says 0 at any width; Hanin & Nica (2019) show it ' +
      'grows with β, as 5β for ReLU with Gaussian weights of variance 2/fan_in (the dashed line).',
  },
} as const satisfies Record<string, ChartText>;

export const SIGNAL_AXIS = {
  log10s: 'log10 s (singular value of J)',
  density: 'density',
  densitySqrt: 'density (square-root scale)',
  step: 'step',
  layer: 'hidden layer l (0 = next to the input)',
  correlation: 'correlation c_l of two inputs\' pre-activations',
  cell: 'cell',
  sigmaW2: 'σ_w² (weight variance × fan-in)',
  depth: 'depth (hidden layers)',
  beta: 'β = Σ 1/n_l over the Jacobian\'s layers',
  logNormVariance: 'variance of ln ‖J e₁‖² over seeds and examples',
  series: 'series',
  curve: 'theory',
  value: 'value',
  count: 'cells (seeds)',
} as const;

export const SIGNAL_SERIES = {
  measured: 'measured (pair mean ± 2 s.e.)',
  predicted: 'correlation map from the measured c_0',
  cStar: 'fixed point c*',
  critical: 'χ₁ = 1 (edge of chaos)',
  trainable: '6 ξ_c (trainable depth)',
  haninNica: 'Hanin & Nica: 5β (ReLU, Gaussian 2/fan_in)',
} as const;

/** The metric a phase diagram colours by, as the colour legend says it. */
export const SIGNAL_PHASE_METRIC = {
  testAcc: 'test accuracy at the end',
  trainAcc: 'train accuracy at the end',
  vanishing: 'log10(‖dL/dW‖ layer 0 / layer depth−1) at step 0',
} as const;

export const SIGNAL_NOTES = {
  noSpectra: 'No spectra.ndjson in this folder (metrics.jacobian was off), so the Jacobian\'s spectrum is not drawn.',
  noCorrelation: 'summary.json has no measured correlation (theory.measuredCorrelation), so the correlation chart is omitted.',
  spectrumStep: (
    step: number, meanS2: number, predicted: number | null, varS2: number, max: number, min: number, condition: number | null, examples: number,
  ): string =>
    `Step ${step}: mean s² = ${fmt(meanS2)}${predicted !== null ? ` (theory ${fmt(predicted)})` : ''}, ` +
    `variance of s² = ${fmt(varS2)}, largest s = ${fmt(max)}, smallest s = ${fmt(min)}, ` +
    `condition number ${condition === null ? 'infinite (some s = 0)' : fmt(condition)} (median over ${examples} examples).`,
  theoryMeanS2: 'The theory value is the product of χ₁(q_l) over the Jacobian\'s layers at the predicted q_l; it holds at initialisation only.',
  zeroSingular: (n: number, total: number): string =>
    `${n} of ${total} singular values are below 1e-12 of the largest (directions the network maps to zero, e.g. through dead ReLUs) and are left out of the density.`,
  stepsShown: (shown: number, total: number): string => `${shown} of the ${total} steps with spectra are drawn (first, last and evenly between).`,
  xiC: (theory: number | null, measured: number | null, predictedFit: number | null, layers: number): string =>
    `Theory ξ_c = ${theory === null ? '∞ (χ_c ≥ 1)' : fmt(theory, 3)}, measured ${measured === null ? 'not fitted' : fmt(measured, 3)}` +
    `${predictedFit !== null ? ` (the map's own curve fitted over the same layers: ${fmt(predictedFit, 3)})` : ''}; ` +
    `fit of ln |c_l − c*| over layers 0–${Math.max(0, layers - 1)}.`,
  noPhase: 'No phase diagram: the cells do not span two values of σ_w² and two depths of one activation with a theory block.',
  phaseCurvesCaveat: 'The curves are computed at the panel\'s σ_b² for the activation at large width; the theory assumes i.i.d. weights.',
  noFiniteWidth: 'No finite-width chart: it needs spectra at step 0 for groups of two seeds or more.',
} as const;
