/**
 * Every user-facing string of the reports: chart titles, axis titles, captions, notes and the
 * words of the HTML pages. Spec builders and page writers import from here and never write prose
 * of their own, so the wording is reviewed (and pinned by tests) in one place.
 *
 * Nothing here may contain text that came from a config or a results file: those reach the
 * page only through `escapeHtml` and reach Vega only as data values.
 */
import type { ActivationName } from '../net/activations.js';

/** Title (drawn in the chart) and caption (one sentence under it: how to read the chart). */
export interface ChartText {
  readonly title: string;
  readonly caption: string;
}

export const AXIS = {
  step: 'training step (updates applied)',
  layer: 'layer (0 = next to the input)',
  layerColor: 'layer (0 = input side)',
  gradNorm: '‖dL/dW‖ (Frobenius norm, log scale)',
  lossCrossEntropy: 'loss (mean cross-entropy, nats)',
  lossMse: 'loss (mean squared error)',
  lossGeneric: 'loss (mean over the batch)',
  lossLog: ' (log scale)',
  accuracy: 'accuracy (fraction correct)',
  series: 'series',
  activationValue: 'activation value a',
  histCount: 'probe values in bin (log colour)',
  statValue: 'value of the statistic (activation units)',
  statistic: 'statistic',
  fraction: 'fraction of units (0 to 1)',
  saturatedFraction: 'fraction of (example, unit) pairs (0 to 1)',
  diedAt: 'step at which the unit died',
  revived: 'units revived so far (count)',
  event: 'event',
  updateRatio: '‖ΔW‖ / ‖W‖ per step (log scale)',
  preluSlope: 'PReLU slope for x < 0 (dimensionless)',
  depth: 'depth (hidden layers)',
  vanishing: 'vanishing index log10(‖dL/dW‖ layer 0 / layer depth-1) at step 0',
  deadMean: 'dead fraction, mean over hidden layers (0 to 1)',
  activation: 'activation',
  initializer: 'initializer',
  blowup: 'growth factor (log scale)',
  factorKind: 'signal',
  cell: 'cell',
  x: 'x',
  fx: 'f(x)',
  dfx: "f'(x)",
  curve: 'curve',
  reference: 'customary 1e-3',
  proportionBornDead: 'share of seeds born dead (k/n, bars: Wilson 95% interval)',
  proportionDiverged: 'share of seeds that diverged (k/n, bars: Wilson 95% interval)',
  lossOverSeeds: 'final loss, mean over seeds (band: p5 to p95)',
  otherAxes: 'other swept values',
  allCells: 'all cells',
  lossSmoothed: 'training loss (batch, smoothed)',
  testLoss: 'test loss',
  evalLoss: 'training loss (evaluation)',
  testAcc: 'test accuracy',
  trainAccEval: 'training accuracy',
  deltaNorm: '‖dL/dz‖ (Frobenius norm, log scale)',
  fractionAtEnd: 'fraction (0 to 1)',
} as const;

/** Short tooltip keys (the tooltip box is narrow). */
export const TIP = {
  layer: 'layer',
  value: 'value',
  count: 'count',
  unit: 'unit',
  reference: 'reference',
  prediction: 'prediction',
  deadFraction: 'dead fraction',
  factor: 'factor per layer',
  vanishing: 'vanishing index',
  cells: 'cells (seeds)',
  divergedAt: 'diverged at step',
  step: 'step',
  gradNorm: '‖dL/dW‖',
  bin: 'bin',
  group: 'group',
  seeds: 'seeds (n)',
  successes: 'k (cells)',
  proportion: 'k / n',
  wilsonLo: 'Wilson 95% low',
  wilsonHi: 'Wilson 95% high',
  mean: 'mean',
  std: 'std',
  p5: 'p5',
  p95: 'p95',
  p25: 'p25',
  p75: 'p75',
  cell: 'cell',
  seedGroup: 'group (median over seeds)',
  cellGroup: 'group (median over cells)',
  cellsInLine: 'cells in the median',
  deltaNorm: '‖dL/dz‖',
  curve: 'curve',
  /** The bin of a histogram as its tooltip shows it: [from, to), or outside the fixed range. */
  binIn: (from: number, to: number, last: boolean): string => `[${exact(from)}, ${exact(to)}${last ? ']' : ')'}`,
  binUnder: (lo: number): string => `below the range (< ${exact(lo)})`,
  binOver: (hi: number): string => `above the range (> ${exact(hi)})`,
} as const;

export const SERIES = {
  trainLoss: 'training loss (batch)',
  evalTrainLoss: 'training loss (evaluation)',
  testLoss: 'test loss',
  trainAcc: 'training accuracy',
  testAcc: 'test accuracy',
  measured: 'measured',
  predicted: 'mean-field prediction',
  predictedCaveat: 'mean-field prediction (assumptions not met)',
  dead: 'dead units',
  saturated: 'saturated pairs',
  actMean: 'mean',
  actStd: 'standard deviation',
  actRms: 'RMS',
  backward: 'backward, per layer (deltaGrowth)',
  forward: 'forward, per layer (actGrowth)',
  overTime: 'over training (act. RMS end / start)',
  negHalf: 'second output relu(-x)',
  posHalf: 'first output relu(x)',
  revived: 'units revived',
  died: 'died',
  revivedEvent: 'came back',
  divergedMark: '×',
  updateRatio: 'update ratio',
  slope: 'slope',
  atInit: 'step 0 (initialisation)',
  atEnd: 'end of training (last finite record)',
} as const;

export const RUN_CHARTS = {
  loss: {
    title: 'Loss and accuracy over training',
    caption:
      'Read left to right: a falling loss and a rising accuracy mean the network is learning; ' +
      'a flat loss from the start often means the gradient never reached the early layers.',
  },
  gradHeatmap: {
    title: 'Weight-gradient norm per layer over training',
    caption:
      'Each row is a layer (input at the bottom, output at the top) and each column a recorded ' +
      'step; dark rows near the bottom are layers whose gradient has faded away, uniform colour ' +
      'down the column is healthy flow.',
  },
  gradProfile: {
    title: 'Weight-gradient norm against layer at chosen steps',
    caption:
      'Points are measured norms (one colour per step) and the dashed line is the mean-field ' +
      'prediction at initialisation; a straight line sloping down to the left on this log axis ' +
      'is a gradient that shrinks by the same factor at every layer toward the input.',
  },
  actHist: {
    title: 'Activation distribution per layer over training',
    caption:
      'Each panel is one layer, time runs left to right and each column is a histogram of the ' +
      'activations on the probe batch (brighter = more values); bands pinned to the edges of the ' +
      'range are saturated units, a band stuck at zero is dead ReLU units, and the red-outlined ' +
      'strips just below and above the fixed bin range count the values that fell outside it.',
  },
  actStats: {
    title: 'Activation mean, standard deviation and RMS per layer',
    caption:
      'One line per layer (dark = near the input); lines that drift apart layer by layer show ' +
      'the forward signal growing or shrinking with depth.',
  },
  deadSat: {
    title: 'Dead and saturated units per layer over training',
    caption:
      'Dead: share of units whose derivative is exactly zero on every probe example; saturated: ' +
      "share of (example, unit) pairs with |f'| below 5% of its peak; a line climbing to 1 is a " +
      'layer that has stopped passing gradient.',
  },
  deathSteps: {
    title: 'When units died, and when they came back',
    caption:
      'One tick per event, one row per layer: red where a unit was first seen dead at that ' +
      'record, green where a dead unit passed gradient again; red ticks that never meet a ' +
      'green one are units lost for good.',
  },
  revived: {
    title: 'Dead units that came back to life',
    caption:
      'Cumulative count of units that were dead at an earlier record and pass gradient again; ' +
      'a flat line at zero means every death was permanent.',
  },
  updateRatio: {
    title: 'Update-to-weight ratio per layer',
    caption:
      'Size of each step relative to the weights, one line per layer; around the dashed 1e-3 ' +
      'line is the customary healthy rate, far below it a layer is barely learning and far ' +
      'above it the step is too large.',
  },
  prelu: {
    title: 'Learned PReLU slopes over training',
    caption:
      'The negative-side slope each layer has learned (mean over units when there is one per ' +
      'unit); 0 would be ReLU, 1 would be a linear layer.',
  },
} as const satisfies Record<string, ChartText>;

export type RunChartId = keyof typeof RUN_CHARTS;

export const SWEEP_CHARTS = {
  curves: {
    title: 'Training curves across cells',
    caption:
      'The batch loss smoothed as TensorBoard smooths it (moving average over the records, weight ' +
      '0.6, debiased), the loss and the accuracy on the held-out split, against step; one colour per ' +
      'swept value. Click a legend entry to pick it out in every chart (shift-click adds one, a ' +
      'click on an empty spot clears); hover for the cell and the value. A loss flat from the start is a ' +
      'network whose gradient never reached its early layers.',
  },
  profileGrad: {
    title: 'Weight-gradient norm against layer, at initialisation and at the end',
    caption:
      'Solid lines are measured, dashed lines the mean-field prediction at initialisation (dotted ' +
      'where an assumption of the theory is not met); on this log axis a line that falls toward ' +
      'layer 0 is a gradient that vanishes on its way to the input, one that rises explodes.',
  },
  profileDelta: {
    title: 'Backpropagated signal ‖dL/dz‖ against layer, at initialisation and at the end',
    caption:
      'The error signal each layer passes down before it meets the layer’s input; mean-field ' +
      'theory predicts a factor √χ₁ per layer toward the input (dashed), so a straight falling ' +
      'line is the ordered phase, a rising one the chaotic phase, a flat one the edge of chaos.',
  },
  heatmaps: {
    title: 'Weight-gradient norm per layer over training, every cell',
    caption:
      'One panel per cell on one shared log colour scale: each row a layer (input at the bottom), ' +
      'each column a recorded step; dark rows at the bottom are layers whose gradient has died, ' +
      'and a panel darker than another had less gradient everywhere.',
  },
  fractionsEnd: {
    title: 'Dead and saturated units per layer at the end of training',
    caption:
      'Dead: share of a layer’s units whose derivative is zero on every probe example; ' +
      "saturated: share of (example, unit) pairs with |f'| below 5% of its peak; both from the " +
      'last record with finite values, hidden layers only.',
  },
  deadOverTime: {
    title: 'Dead units over training',
    caption:
      'Dead fraction averaged over the hidden layers, against step; lines that rise during ' +
      'training are networks losing units for good.',
  },
  vanishing: {
    title: 'Vanishing index at initialisation',
    caption:
      'One point per cell; 0 means the first and last hidden layers get gradients of the same ' +
      'size, each step of -1 is ten times less gradient at the input.',
  },
  blowup: {
    title: 'Blow-up factor: per-layer growth of the signal at initialisation',
    caption:
      'Above the line at 1 the signal grows at every layer (explodes with depth), below it the ' +
      'signal fades; backward: ‖dL/dz‖² per layer toward the input, forward: activation RMS per ' +
      'layer toward the output, over training: activation RMS at the end over at step 0 (largest layer).',
  },
  phaseTrainability: {
    title: 'Phase diagram: trainability',
    caption:
      'Each square is one cell of the sweep (mean over seeds); bright squares trained, dark ' +
      'squares did not, and the border between them is the edge of trainability.',
  },
  phaseGradient: {
    title: 'Phase diagram: gradient ratio at initialisation',
    caption:
      'Colour is the vanishing index at step 0 (mean over seeds); the white band near 0 is ' +
      'where gradients neither vanish nor explode, the critical line of mean-field theory.',
  },
  seedsBornDead: {
    title: 'Networks born dead, over seeds',
    caption:
      'Each point is the share of seeds whose network had a hidden layer with every unit dead at ' +
      'step 0 (so its output ignored its input), with the Wilson 95% interval as a bar; a bar ' +
      'reaching from 0 to well above 0 means no seed was born dead but the sample is too small ' +
      'to rule it out.',
  },
  seedsDiverged: {
    title: 'Runs that diverged, over seeds',
    caption:
      'Each point is the share of seeds whose run hit a non-finite value, with the Wilson 95% ' +
      'interval as a bar; a bar reaching from 0 to well above 0 means no seed diverged but the ' +
      'sample is too small to rule it out.',
  },
  seedsLoss: {
    title: 'Final loss over seeds',
    caption:
      'The line joins the mean final loss over the seeds of each group and the shaded band spans ' +
      'their 5th to 95th percentile, so a wide band is a setting whose outcome depends on the seed.',
  },
} as const satisfies Record<string, ChartText>;

export type SweepChartId = keyof typeof SWEEP_CHARTS;

export const PHASE_METRIC = {
  trainAcc: 'final training accuracy',
  lossRatio: 'log10(final loss / initial loss)',
  vanishing: 'vanishing index at step 0',
} as const;

export const FIGURES = {
  pageTitle: 'gradflow: activation functions and their derivatives',
  heading: 'Activation functions and their derivatives',
  intro:
    'Every curve on this page is computed from the activation entries of gradflow’s own ' +
    'engine (src/net/activations.ts), the same code that trains the networks, so the ' +
    'pictures and the engine cannot disagree. The first group are the activations of the ' +
    'post “Some Basic Activation Functions”; the second group are the others gradflow has.',
  postGroup: 'Activations from the post',
  otherGroup: 'Other activations in gradflow',
  annotationRule:
    'Shaded bands mark where |f′| is below 5% of its peak (the same threshold the run reports ' +
    'use for “saturated”); a dot marks the peak of f′; dashed lines are the bounds of the range; ' +
    'a hollow ring marks a kink, where the engine uses the value shown by the filled dot.',
  caption: (formula: string, range: string): string =>
    `f(x) = ${formula}; range ${range}. Left: the function; right: its derivative.`,
  saturates: 'saturates',
  deadZone: "dead: f' = 0",
  peak: (x: number, v: number): string => `peak f'(${fmt(x)}) = ${fmt(v)}`,
  bound: (kind: 'asymptote' | 'bound', y: number): string => `${kind} y = ${fmt(y)}`,
  kink: (x: number, v: number): string => `kink: f'(${fmt(x)}) := ${fmt(v)}`,
  leak: (slope: number): string => `leak: slope ${fmt(slope)}`,
  kinkNote: (kink: string): string => `At the kink the engine uses ${kink}.`,
  chartTitle: (name: string): string => `${name}: function and derivative`,
  fPanel: 'the function f(x)',
  dfPanel: "its derivative f'(x)",
  paramsNote: (params: string): string => `Drawn with ${params}.`,
  fromPost: 'in the post',
} as const;

/**
 * Where the post's code or pictures differ from its own formulas; the gallery draws the
 * formula (the engine's curve) and shows these notes beside it.
 */
export const POST_NOTES: Partial<Record<ActivationName, readonly string[]>> = {
  selu: [
    'The post’s SELU code multiplies only the negative branch by λ and returns plain x for ' +
      'x ≥ 0; its own formula (and Klambauer et al. 2017) scale both branches, so the slope for ' +
      'x > 0 is λ ≈ 1.0507, as drawn here.',
    'The post’s SELU figure marks the lower asymptote at -1; with both constants it is ' +
      '-λα ≈ -1.7581, the dashed line drawn here.',
  ],
  relu6: [
    'The post’s ReLU-6 code plots plain ReLU instead of its relu_6 function, so its figure ' +
      'never flattens; the real curve is capped at 6 from x = 6 on, as drawn here over [-5, 20].',
  ],
  relu: [
    'The post’s text says the derivative of ReLU is undefined at 0 (the one-sided limits are 0 ' +
      'and 1), yet its derivative code returns 1 there. Mathematically there is no value; ' +
      'gradflow, like PyTorch, uses 0, drawn as the filled dot.',
  ],
  leaky_relu: [
    'Drawn with α = 0.05, the value the post uses in its figure so the leak is visible; ' +
      'the default (and the post’s text) is 0.01.',
  ],
};

/** Words of the run and sweep pages. */
export const PAGE = {
  runTitle: 'gradflow run report',
  sweepTitle: 'gradflow sweep report',
  noDescription: 'No description.',
  cell: 'cell',
  config: {
    data: 'data',
    shape: 'depth × width',
    activation: 'activation',
    init: 'initializer',
    optimizer: 'optimizer',
    lr: 'learning rate',
    steps: 'steps',
    batch: 'batch size',
    seed: 'seed',
    params: 'parameters',
    kernel: 'kernel',
  },
  unknown: '—',
  status: 'status',
  runtime: 'run time',
  runtimeValue: (sec: number, stepsPerSec: number): string =>
    `${fmt(sec)} s (${fmt(stepsPerSec)} steps/s)`,
  statusOk: (steps: number): string => `ok: finished ${steps} steps`,
  statusDiverged: (step: number, layer: number | null, what: string): string =>
    layer === null
      ? `diverged at step ${step} (non-finite ${what})`
      : `diverged at step ${step} in layer ${layer} (non-finite ${what})`,
  statusInterrupted: (steps: number): string => `interrupted after ${steps} steps`,
  statusFailed: (error: string): string => `failed: ${error}`,
  statusMissing: (records: number): string =>
    `no summary.json: the run is still going or was killed; showing the ${records} records written so far`,
  sectionTraining: 'Training',
  sectionGradients: 'Gradient flow',
  sectionActivations: 'Activations',
  sectionDead: 'Dead and saturated units',
  sectionUpdates: 'Updates',
  sectionPrelu: 'Learned slopes',
  sectionCompare: 'Comparison across cells',
  sectionCurves: 'Training curves',
  sectionProfiles: 'Gradient flow across layers',
  sectionUnits: 'Dead and saturated units',
  sectionPhase: 'Phase diagrams',
  sectionTable: 'All cells',
  sectionSeeds: 'Over seeds',
  seedsCaption:
    'One row per group of cells that differ only in their seed (from sweep-summary.json): ' +
    'mean ± sample standard deviation with [p5, p95] over the seeds where the value is finite, ' +
    'and k/n with the Wilson 95% interval [lo, hi]; click a heading to sort.',
  seedHeads: {
    group: 'group',
    n: 'n',
    finalLoss: 'final loss',
    testAcc: 'test acc.',
    vanishing: 'vanishing index p50 (step 0)',
    ok: 'ok',
    diverged: 'diverged',
    bornDead: 'born dead',
  },
  /** mean ± std [p5, p95] of a numeric outcome over seeds. */
  meanStd: (mean: number, std: number | null, p5: number | null, p95: number | null): string =>
    `${fmt(mean, 3)}${std === null ? '' : ` ± ${fmt(std, 3)}`}${p5 === null || p95 === null ? '' : ` [${fmt(p5, 3)}, ${fmt(p95, 3)}]`}`,
  /** k/n [lo, hi] of a yes/no outcome over seeds. */
  proportion: (k: number, n: number, lo: number | null, hi: number | null): string =>
    `${k}/${n}${lo === null || hi === null ? '' : ` [${lo.toFixed(2)}, ${hi.toFixed(2)}]`}`,
  tableCaption: 'Click a column heading to sort; each cell id links to that cell’s own report.',
  tableHeads: {
    cell: 'cell',
    status: 'status',
    activation: 'activation',
    init: 'initializer',
    depth: 'depth',
    width: 'width',
    vanishing: 'vanishing index (step 0)',
    blowup: 'deltaGrowth (step 0)',
    overTime: 'act. RMS end / start (max)',
    trainAcc: 'final train acc.',
    testAcc: 'final test acc.',
    loss: 'final loss',
    stepsPerSec: 'steps/s',
  },
  noRecords: 'metrics.ndjson holds no complete record yet; there is nothing to draw.',
  fallbackNote: 'Static picture; with JavaScript on, the chart is interactive (hover for exact values).',
  downsampleRule: (maxLayer: number, maxScalar: number): string =>
    `Long series are thinned by one rule: a per-layer chart keeps at most ${maxLayer} records ` +
    `and a loss or accuracy chart at most ${maxScalar}, by keeping every k-th record ` +
    `(k = ceil((n - 1) / (max - 1))) and always the first and the last record and every ` +
    `evaluation record; hover values are the recorded ones.`,
  downsampled: (kept: number, total: number, k: number): string =>
    `${kept} of ${total} records drawn (every ${k}th, plus the first and last).`,
  partialLine: 'The last line of metrics.ndjson was incomplete (the run was writing) and was skipped.',
  badLines: (n: number): string => `${n} line(s) of metrics.ndjson could not be parsed and were skipped.`,
  longLines: (n: number, limitMiB: number): string =>
    `${n} line(s) of metrics.ndjson were longer than ${limitMiB} MiB, far beyond any record a run writes, and were skipped unread.`,
  footer: 'Written by gradflow from the files in this folder; re-render with `gradflow report <dir>`.',
  figuresFooter: 'Written by `gradflow figures` from src/net/activations.ts.',
  sweepCells: (n: number, axes: string): string => `${n} cells over ${axes}.`,
  noSweepAxes: 'no swept parameter',
  axisX: 'first numeric sweep axis',
  axisY: 'second numeric sweep axis',
  missingCell: (id: string): string => `cell ${id}: no metrics.ndjson`,
} as const;

/** Notes shown in place of, or under, a chart when its data are absent or partial. */
export const NOTES = {
  noHistograms: 'No histograms.ndjson in this folder (metrics.histogramsEvery was off), so the activation distributions are not drawn.',
  noActStats: 'The records carry no actMean/actStd/actRms, so this chart is omitted.',
  noDeadSat: 'The records carry no deadFraction/saturatedFraction, so this chart is omitted.',
  noDeadUnits: 'summary.json has no deadUnitEvents block, so the step each unit died is not known.',
  noDeadUnitsFound: 'No unit died in this run.',
  droppedEvents: (n: number): string => `${n} more event(s) happened but were not stored (the recorder keeps the first 1000).`,
  bornDead: (n: number): string => `${n} unit(s) were dead at initialisation (born dead).`,
  bornDeadLayers: (layers: readonly number[]): string =>
    `Every unit of layer(s) ${layers.join(', ')} was dead at step 0: the network's output did not depend on its input.`,
  noRevived: 'The records carry no revivedCount, so revivals are not drawn.',
  noUpdate: 'No step with a positive update ratio was recorded yet.',
  noTheory: 'summary.json has no theory block, so the mean-field prediction is not drawn.',
  theoryNotApplicable: (reason: string): string =>
    `An assumption of mean-field theory fails for this configuration${reason ? ` (${reason})` : ''}; ` +
    'its prediction is drawn grey, for reference only.',
  theoryLine: (chi1: number, perLayer: boolean): string =>
    `Prediction: ‖dL/dW‖ changes by √χ₁ = ${fmt(Math.sqrt(chi1))} per layer toward the input ` +
    `(χ₁ = ${fmt(chi1)} at the fixed point q*${perLayer ? '; the line uses χ₁(q_l) of each layer' : ''}), ` +
    `anchored at the measured value of the last hidden layer at step 0.`,
  nonFinite: (n: number): string =>
    `${n} value(s) were not finite (NaN or infinite, written as null) and are drawn in grey.`,
  nonPositive: 'Zero gradients cannot be drawn on a log scale and are left blank.',
  divergedMarker: (step: number): string => `The red rule marks step ${step}, where the run diverged.`,
  noPhase: 'A phase diagram needs two numeric sweep axes (for example model.depth and model.init.gain); this sweep has fewer.',
  noVanishing: 'No cell has a vanishing index at step 0.',
  linesCells: 'Each line is one cell.',
  linesSeeds: (groups: number): string =>
    `Each line is the median over the seeds of one of ${groups} group(s) (cells that differ only in their seed); ` +
    'the band spans the 25th to the 75th percentile of the seeds.',
  linesGroups: (cells: number, perPanel: number, max: number, panels: boolean): string =>
    `${cells} cells would draw up to ${perPanel} lines in one panel (more than ${max}), so each line is the ` +
    `median over every cell of one colour${panels ? ' in one panel' : ''}, with a band from the 25th to the ` +
    '75th percentile of those cells; hover for how many cells a point has, and see each cell’s own report.',
  medianLine: 'Lines join the median over the cells of each colour at each value of the x axis.',
  noCurves: 'No cell recorded a loss yet, so the training curves are not drawn.',
  noProfiles: 'No cell recorded per-layer gradient norms, so the profiles are not drawn.',
  noFractions: 'The records carry no deadFraction/saturatedFraction, so the per-layer fractions are not drawn.',
  noTheorySweep: 'No cell’s summary.json has a theory block, so no mean-field prediction is drawn.',
  theoryCaveat: (cells: number, reason: string): string =>
    `For ${cells} cell(s) an assumption of mean-field theory fails${reason ? ` (${reason})` : ''}; ` +
    'their prediction is drawn dotted, for reference only.',
  profileTheory:
    'The prediction starts from the measured value of the last hidden layer at step 0 and, layer by layer ' +
    'toward the input, multiplies ‖dL/dz‖ by √χ₁(q_l) and ‖dL/dW‖ also by the change in size of the layer’s ' +
    'input, √((q_l − σ_b²) / (q_{l+1} − σ_b²)), down to layer 1 (layer 0’s input is the data); it leaves out ' +
    'the correlation between the examples of a batch, worth up to about 30% over a dozen layers.',
  zeroNorms: (cells: number): string =>
    `In ${cells} cell(s) some layer had a norm of exactly 0 (no gradient at all: dead units); a log axis ` +
    'cannot show 0, so those points are missing here and black in the heat maps.',
  heatColours: (zero: boolean, nonFinite: boolean): string =>
    [zero ? 'Black: a gradient of exactly 0 (the layer passes nothing back).' : '', nonFinite ? 'Grey: not finite (the run diverged).' : '']
      .filter((t) => t !== '').join(' '),
  heatmapsOmitted: (cells: number, max: number): string =>
    `The per-cell heat maps are drawn for sweeps of up to ${max} cells; this one has ${cells}, so see each cell’s own report.`,
  heatmapThinned: (kept: number): string =>
    `Each heat map keeps at most ${kept} records of its cell (every k-th, plus the first and the last).`,
  noScalarAxis:
    'Charts with one point per cell need a swept value that takes two values or more; this sweep has none.',
  noDeadSweep: 'No cell recorded deadFraction.',
  noBlowup: 'No cell recorded deltaGrowth or actGrowth.',
  noSeedAxis:
    'The charts over seeds need a numeric swept axis (for example model.depth); this sweep has none, so only the table is shown.',
  seedsDrawn: (outcome: 'bornDead' | 'diverged', why: 'varies' | 'happened' | 'default'): string =>
    `The chart shows the share ${outcome === 'bornDead' ? 'born dead' : 'that diverged'}: ` +
    (why === 'varies'
      ? 'it is the outcome that differs between groups.'
      : why === 'happened'
        ? 'it is the outcome that happened at all.'
        : 'neither outcome happened in any group, so the bars are upper bounds.'),
  histLayers: (shown: readonly number[], total: number): string =>
    `Showing layers ${shown.join(', ')} of ${total} hidden layers.`,
} as const;

/** Tooltip precision (6 significant digits, as EXACT in the specs), for values built into text. */
function exact(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/** Short number format for prose: `digits` significant digits (default 4), no trailing zeros. */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(digits)));
}
