/**
 * Spec builders for the remedies (normalization, residual connections): pure functions from
 * records and the summary's `remedyTheory` numbers to Vega-Lite specs, one per chart. Layer 0 is
 * next to the input; only hidden layers carry these fields.
 */
import type { MetricRecord } from '../../results/types.js';
import { AXIS, TIP } from '../text.js';
import { REMEDY_AXIS, REMEDY_CHARTS, REMEDY_SERIES } from '../text-remedies.js';
import { EXACT, HEIGHT, PANEL_HEIGHT, PANEL_WIDTH, WIDTH, jnum, layerColor, specHead, title, type Spec } from './common.js';

type Layer = MetricRecord['layers'][number];
type RemedyKey = 'gammaGradNorm' | 'betaGradNorm' | 'gammaUpdateRatio' | 'betaUpdateRatio' | 'normMean' | 'normStd' | 'branchRatio';

const LOG_FORMAT = '.0e';
const stepX = { field: 'step', type: 'quantitative' as const, title: AXIS.step };
const layerX = { field: 'layer', type: 'quantitative' as const, title: AXIS.layer, axis: { format: 'd', tickMinStep: 1 } };

/** Rows {step, layer, series, value} of the given fields (finite, and positive when `positive`). */
function long(records: readonly MetricRecord[], fields: readonly [RemedyKey, string][], positive: boolean): { step: number; layer: number; series: string; value: number }[] {
  const rows: { step: number; layer: number; series: string; value: number }[] = [];
  for (const r of records) {
    for (const l of r.layers) {
      for (const [k, series] of fields) {
        const v = jnum(l[k]);
        if (v !== null && (!positive || v > 0)) rows.push({ step: r.step, layer: l.layer, series, value: v });
      }
    }
  }
  return rows;
}

/** Lines of `value` against step, one colour per layer and one dash per series. */
function lines(name: string, yTitle: string, log: boolean, dashes: readonly string[]) {
  return {
    data: { name },
    mark: { type: 'line' as const, strokeWidth: 1.2 },
    encoding: {
      x: stepX,
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, ...(log ? { scale: { type: 'log' as const }, axis: { format: LOG_FORMAT } } : { scale: { zero: false } }) },
      color: layerColor(AXIS.layerColor),
      strokeDash: { field: 'series', type: 'nominal' as const, title: REMEDY_AXIS.parameter, scale: { domain: [...dashes], range: [[1, 0], [5, 3]] } },
      detail: [{ field: 'layer', type: 'quantitative' as const }, { field: 'series', type: 'nominal' as const }],
      tooltip: [
        { field: 'series', type: 'nominal' as const, title: REMEDY_AXIS.parameter },
        { field: 'layer', type: 'quantitative' as const, title: TIP.layer },
        { field: 'step', type: 'quantitative' as const, title: TIP.step },
        { field: 'value', type: 'quantitative' as const, title: TIP.value, format: EXACT },
      ],
    },
  };
}

/** ||dL/dgamma||, ||dL/dbeta|| (left) and their update ratios (right) per hidden layer against step. */
export function normParamsSpec(records: readonly MetricRecord[]): Spec {
  const dashes = [REMEDY_SERIES.gamma, REMEDY_SERIES.beta];
  const grads = long(records, [['gammaGradNorm', REMEDY_SERIES.gamma], ['betaGradNorm', REMEDY_SERIES.beta]], true);
  const ratios = long(records, [['gammaUpdateRatio', REMEDY_SERIES.gamma], ['betaUpdateRatio', REMEDY_SERIES.beta]], true);
  return {
    ...specHead(REMEDY_CHARTS.normParams.title, REMEDY_CHARTS.normParams.caption),
    datasets: { grads, ratios },
    hconcat: [
      { width: PANEL_WIDTH, height: PANEL_HEIGHT, ...lines('grads', REMEDY_AXIS.gradNorm, true, dashes) },
      { width: PANEL_WIDTH, height: PANEL_HEIGHT, ...lines('ratios', REMEDY_AXIS.updateRatio, true, dashes) },
    ],
  };
}

/** Mean and std of the normalised pre-activation per hidden layer against step. */
export function normStatsSpec(records: readonly MetricRecord[]): Spec {
  const rows = long(records, [['normMean', REMEDY_SERIES.normMean], ['normStd', REMEDY_SERIES.normStd]], false);
  return {
    ...specHead(REMEDY_CHARTS.normStats.title, REMEDY_CHARTS.normStats.caption),
    datasets: { stats: rows },
    width: WIDTH,
    height: PANEL_HEIGHT,
    ...lines('stats', REMEDY_AXIS.normValue, false, [REMEDY_SERIES.normMean, REMEDY_SERIES.normStd]),
  };
}

/** rms(alpha a_l) / rms(h_{l-1}) per residual layer against step. */
export function branchRatioSpec(records: readonly MetricRecord[]): Spec {
  const rows = long(records, [['branchRatio', REMEDY_AXIS.branchRatio]], true);
  return {
    ...specHead(REMEDY_CHARTS.branchRatio.title, REMEDY_CHARTS.branchRatio.caption),
    datasets: { ratio: rows },
    width: WIDTH,
    height: HEIGHT,
    data: { name: 'ratio' },
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: stepX,
      y: { field: 'value', type: 'quantitative', title: REMEDY_AXIS.branchRatio, scale: { type: 'log' }, axis: { format: LOG_FORMAT } },
      color: layerColor(AXIS.layerColor),
      detail: { field: 'layer', type: 'quantitative' },
      tooltip: [
        { field: 'layer', type: 'quantitative', title: TIP.layer },
        { field: 'step', type: 'quantitative', title: TIP.step },
        { field: 'value', type: 'quantitative', title: TIP.value, format: EXACT },
      ],
    },
  };
}

/** A measured profile against layer (points joined by a thin line) and a dashed predicted line, on a log axis. */
function profileSpec(
  text: { title: string; caption: string },
  yTitle: string,
  measured: readonly { layer: number; series: string; value: number }[],
  predicted: readonly { layer: number; value: number }[],
  applies: boolean,
): Spec {
  const y = { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { type: 'log' as const }, axis: { format: LOG_FORMAT } };
  const tooltip = [
    { field: 'series', type: 'nominal' as const, title: TIP.step },
    { field: 'layer', type: 'quantitative' as const, title: TIP.layer },
    { field: 'value', type: 'quantitative' as const, title: TIP.value, format: EXACT },
  ];
  const series = applies ? REMEDY_SERIES.predicted : REMEDY_SERIES.predictedCaveat;
  const color = { field: 'series', type: 'nominal' as const, title: TIP.step, scale: { scheme: 'tableau10' } };
  return {
    ...specHead(text.title, text.caption),
    datasets: { measured: [...measured], ...(predicted.length ? { predicted: predicted.map((p) => ({ ...p, series })) } : {}) },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { name: 'measured' }, mark: { type: 'line', strokeWidth: 1, opacity: 0.45 }, encoding: { x: layerX, y, color: { ...color, legend: null }, detail: { field: 'series', type: 'nominal' } } },
      { data: { name: 'measured' }, mark: { type: 'point', filled: true, size: 45 }, encoding: { x: layerX, y, color, tooltip } },
      ...(predicted.length
        ? [{
            data: { name: 'predicted' },
            mark: { type: 'line' as const, color: applies ? 'black' : '#888', strokeWidth: 1.5 },
            encoding: {
              x: layerX,
              y,
              strokeDash: { field: 'series', type: 'nominal' as const, title: null, scale: { range: [[6, 4]] } },
              tooltip: [
                { field: 'layer', type: 'quantitative' as const, title: TIP.layer },
                { field: 'value', type: 'quantitative' as const, title: TIP.prediction, format: EXACT },
              ],
            },
          }]
        : []),
    ],
    resolve: { scale: { strokeDash: 'independent', color: 'independent' } },
  };
}

export interface NormTheoryLine {
  /** Predicted ||dL/dz_l||^2 / ||dL/dz_{l+1}||^2, l = 0..depth-2. */
  readonly deltaFactorPerLayer: readonly number[];
  readonly applies: boolean;
}

/**
 * Step-0 ||dL/dz||^2 per hidden layer, and the prediction anchored at the top hidden layer
 * (layer depth-1) and multiplied by the predicted factor of each layer going down.
 */
export function normTheorySpec(step0: MetricRecord, depth: number, theory: NormTheoryLine | null): Spec {
  const hidden = step0.layers.filter((l: Layer) => l.layer < depth);
  const measured = hidden
    .map((l) => ({ layer: l.layer, series: REMEDY_SERIES.measuredInit as string, value: jnum(l.deltaNorm ** 2) }))
    .filter((d): d is { layer: number; series: string; value: number } => d.value !== null && d.value > 0);
  const predicted: { layer: number; value: number }[] = [];
  const top = hidden.find((l) => l.layer === depth - 1)?.deltaNorm;
  const f = theory?.deltaFactorPerLayer ?? [];
  if (theory !== null && top !== undefined && Number.isFinite(top) && top > 0 && f.length >= depth - 1 && f.every((v) => v > 0)) {
    let v = top ** 2;
    predicted.push({ layer: depth - 1, value: jnum(v)! });
    for (let l = depth - 2; l >= 0; l--) {
      v *= f[l];
      const j = jnum(v);
      if (j === null || j <= 0) break;
      predicted.push({ layer: l, value: j });
    }
    predicted.reverse();
  }
  return profileSpec(REMEDY_CHARTS.normTheory, REMEDY_AXIS.deltaSquared, measured, predicted, theory?.applies ?? false);
}

export interface ResidualTheoryLine {
  /** Predicted E[h_l^2], l = 0..depth-1. */
  readonly meanSquarePerLayer: readonly number[];
  readonly applies: boolean;
}

/** hiddenRms^2 per hidden layer at the first and the last record, and the predicted E[h_l^2]. */
export function residualTheorySpec(first: MetricRecord, last: MetricRecord | null, theory: ResidualTheoryLine | null): Spec {
  const measured: { layer: number; series: string; value: number }[] = [];
  const add = (r: MetricRecord, series: string): void => {
    for (const l of r.layers) {
      const v = l.hiddenRms === undefined ? null : jnum(l.hiddenRms ** 2);
      if (v !== null && v > 0) measured.push({ layer: l.layer, series, value: v });
    }
  };
  add(first, REMEDY_SERIES.measuredInit);
  if (last !== null && last.step !== first.step) add(last, REMEDY_SERIES.measuredEnd(last.step));
  const predicted = (theory?.meanSquarePerLayer ?? [])
    .map((v, layer) => ({ layer, value: jnum(v) }))
    .filter((d): d is { layer: number; value: number } => d.value !== null && d.value > 0);
  return profileSpec(REMEDY_CHARTS.residualTheory, REMEDY_AXIS.meanSquare, measured, predicted, theory?.applies ?? false);
}
