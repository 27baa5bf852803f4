/**
 * Spec builders of a sweep's line charts: training curves against step, per-layer profiles at
 * initialisation and at the end (with the mean-field prediction), per-layer dead and saturated
 * fractions at the end, and the layer x step heat maps of every cell. Rows come from
 * sweep-rows.ts: one per (line, x) with `series` (colour), `panel`, `line`, `n`, `value` and,
 * for medians, the band `lo`..`hi`. Cell ids and swept values are data values only.
 */
import type { HeatRow, LineRow } from '../sweep-rows.js';
import type { LineMode } from '../sweep-shape.js';
import { AXIS, SERIES, SWEEP_CHARTS, TIP, type ChartText } from '../text.js';
import { EXACT, WIDTH, specHead, title, type LayerItem, type Spec } from './common.js';
import { hasLegend, highlight, lineTooltip, panelFacet, pickParam, seriesColor, type PanelAxis, type SeriesScale } from './series.js';

export interface LineChartOptions {
  readonly colour: SeriesScale;
  /** Small multiples over the panel axis; null draws one panel. */
  readonly panel: PanelAxis | null;
  readonly mode: LineMode;
}

/** Log axes of norms label powers of ten as 1e-6, not 0.000001. */
const LOG_FORMAT = '.0e';

/** Positive values spanning more than two decades: draw on a log axis. */
export function wantsLog(values: readonly number[]): boolean {
  if (values.length === 0 || values.some((v) => !(v > 0))) return false;
  return Math.max(...values) / Math.min(...values) > 100;
}

interface YAxis {
  readonly title: string;
  readonly log: boolean;
  /** Fixed [0, 1] domain. */
  readonly unit: boolean;
  /** Tooltip title of the value. */
  readonly tip: string;
  readonly format?: string;
}

interface XAxis {
  readonly field: 'step' | 'layer';
  readonly title: string;
}

const yScale = (y: YAxis) => (y.log ? { type: 'log' as const } : y.unit ? { domain: [0, 1] } : { zero: false });

/**
 * The band (medians only: 25th to 75th percentile) and the lines, one per `line`, coloured by
 * series, with points for hover (`points`: visible dots, or transparent ones on long curves).
 */
function lineLayers(x: XAxis, y: YAxis, o: LineChartOptions, points: 'dots' | 'hover'): LayerItem[] {
  const xEnc = { field: x.field, type: 'quantitative' as const, title: x.title, ...(x.field === 'layer' ? { axis: { format: 'd', tickMinStep: 1 } } : {}) };
  const axis = y.format ? { axis: { format: y.format } } : {};
  const yEnc = { field: 'value', type: 'quantitative' as const, title: y.title, scale: yScale(y), ...axis };
  const color = seriesColor(o.colour);
  const band: LayerItem[] = o.mode === 'cells'
    ? []
    : [{
        transform: [{ filter: y.log ? 'datum.lo > 0 && datum.hi > 0' : 'isValid(datum.lo) && isValid(datum.hi)' }],
        mark: { type: 'area', interpolate: 'linear' },
        encoding: {
          x: xEnc,
          y: { field: 'lo', type: 'quantitative', scale: yScale(y), ...axis, title: y.title },
          y2: { field: 'hi' },
          color,
          detail: { field: 'line', type: 'nominal' },
          opacity: highlight(0.2, 0.03),
        },
      }];
  const tooltip = [
    ...lineTooltip(o.mode),
    { field: x.field, type: 'quantitative' as const, title: x.field === 'step' ? TIP.step : TIP.layer },
    { field: 'value', type: 'quantitative' as const, title: y.tip, format: EXACT },
    ...(o.mode === 'cells' ? [] : [{ field: 'lo', type: 'quantitative' as const, title: TIP.p25, format: EXACT }, { field: 'hi', type: 'quantitative' as const, title: TIP.p75, format: EXACT }]),
  ];
  // Long curves get invisible points on top of the line, so that hover finds the value at a
  // step; the highlight then fades the stroke only (an opacity would show the points).
  const line: LayerItem = {
    params: [pickParam(hasLegend(o.colour))],
    mark: { type: 'line', strokeWidth: 1.6, point: points === 'dots' ? { filled: true, size: 18 } : 'transparent' },
    encoding: {
      x: xEnc, y: yEnc, color, detail: { field: 'line', type: 'nominal' }, tooltip,
      ...(points === 'dots' ? { opacity: highlight(1) } : { strokeOpacity: highlight(1) }),
    },
  };
  return [...band, line];
}

/** One metric of the curve chart: its label (row filter and y title) and axis. */
export interface CurveInfo {
  readonly label: string;
  readonly positive: boolean;
  readonly unit: boolean;
}

/**
 * Training curves against step, one row per metric (its own y axis). Without a panel axis the
 * metrics sit side by side; with one, each metric is a row of panels, one per panel value,
 * sharing the y axis so the panels compare.
 */
export function curvesSpec(rows: readonly LineRow[], metrics: readonly CurveInfo[], text: ChartText, o: LineChartOptions): Spec {
  const x: XAxis = { field: 'step', title: AXIS.step };
  const panels = o.panel?.labels.length ?? 1;
  const width = o.panel === null ? (metrics.length === 1 ? WIDTH : metrics.length === 2 ? 320 : 250) : panels <= 2 ? 300 : 220;
  const views = metrics.map((m) => {
    const values = rows.filter((r) => r.metric === m.label).map((r) => r.value).filter((v): v is number => typeof v === 'number');
    const y: YAxis = { title: m.label, log: m.positive && wantsLog(values), unit: m.unit, tip: TIP.value };
    const transform = [{ filter: { field: 'metric', equal: m.label } }, ...(y.log ? [{ filter: 'datum.value > 0' }] : [])];
    const unit = { width, height: 190, layer: lineLayers(x, y, o, 'hover') };
    return o.panel === null
      ? { transform, ...unit }
      : { transform, facet: panelFacet(o.panel), columns: Math.min(4, panels), spec: unit };
  });
  return {
    ...specHead(text.title, text.caption),
    datasets: { curves: rows.map((r) => ({ ...r })) },
    data: { name: 'curves' },
    ...(o.panel === null ? { hconcat: views } : { vconcat: views }),
  };
}

export interface ProfileOptions extends LineChartOptions {
  readonly text: ChartText;
  /** y title and tooltip title of the norm. */
  readonly yTitle: string;
  readonly tip: string;
}

const WHEN = { field: 'when', type: 'ordinal' as const, title: null, sort: [SERIES.atInit, SERIES.atEnd], header: { labelFontWeight: 'bold' as const } };

/**
 * A norm against layer (log y), one column at step 0 and one at the end, a row per panel value:
 * measured lines solid, the mean-field prediction at step 0 dashed (dotted where an assumption
 * of the theory fails), both coloured by series.
 */
export function profileSpec(rows: readonly LineRow[], o: ProfileOptions): Spec {
  const kinds = [SERIES.predicted, SERIES.predictedCaveat].filter((k) => rows.some((r) => r.kind === k));
  const x: XAxis = { field: 'layer', title: AXIS.layer };
  const y: YAxis = { title: o.yTitle, log: true, unit: false, tip: o.tip, format: LOG_FORMAT };
  const predicted: LayerItem[] = kinds.length
    ? [{
        transform: [{ filter: { field: 'kind', oneOf: kinds } }],
        mark: { type: 'line', strokeWidth: 1.4 },
        encoding: {
          x: { field: 'layer', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', scale: { type: 'log' } },
          color: seriesColor(o.colour),
          detail: { field: 'line', type: 'nominal' },
          strokeDash: {
            field: 'kind', type: 'nominal', title: TIP.curve,
            scale: { domain: kinds, range: kinds.map((k) => (k === SERIES.predicted ? [6, 4] : [2, 3])) },
          },
          opacity: highlight(0.9),
          tooltip: [...lineTooltip(o.mode), { field: 'layer', type: 'quantitative', title: TIP.layer }, { field: 'value', type: 'quantitative', title: TIP.prediction, format: EXACT }],
        },
      }]
    : [];
  const measured = { transform: [{ filter: { field: 'kind', equal: SERIES.measured } }], layer: lineLayers(x, y, o, 'dots') };
  return {
    ...specHead(o.text.title, o.text.caption),
    datasets: { profile: rows.map((r) => ({ ...r })) },
    data: { name: 'profile' },
    transform: [{ filter: 'datum.value > 0' }],
    facet: { ...(o.panel ? { row: panelFacet(o.panel) } : {}), column: WHEN },
    spec: { width: 300, height: 190, layer: [measured, ...predicted] },
  };
}

export interface FractionOptions extends LineChartOptions {
  readonly text: ChartText;
}

/** Dead and saturated fraction against hidden layer at the end: a column each, a row per panel value. */
export function fractionsSpec(rows: readonly LineRow[], o: FractionOptions): Spec {
  const quantities = [SERIES.dead, SERIES.saturated].filter((q) => rows.some((r) => r.quantity === q));
  const y: YAxis = { title: AXIS.fractionAtEnd, log: false, unit: true, tip: TIP.value };
  return {
    ...specHead(o.text.title, o.text.caption),
    datasets: { fractions: rows.map((r) => ({ ...r })) },
    data: { name: 'fractions' },
    facet: {
      ...(o.panel ? { row: panelFacet(o.panel) } : {}),
      column: { field: 'quantity', type: 'ordinal', title: null, sort: quantities, header: { labelFontWeight: 'bold' } },
    },
    spec: { width: 300, height: 170, layer: lineLayers({ field: 'layer', title: AXIS.layer }, y, o, 'dots') },
  };
}

/** Heat-map cells whose norm is not finite, and those whose norm is exactly 0 (below any log colour). */
export const NON_FINITE_COLOR = '#9e9e9e';
export const ZERO_COLOR = '#000000';

export interface HeatmapOptions {
  /** Cell ids in panel order. */
  readonly cells: readonly string[];
  readonly colour: SeriesScale;
}

/**
 * ||dL/dW|| as a layer x step heat map per cell, wrapped in rows, on one log colour scale shared
 * by every panel; non-finite norms grey, norms of exactly 0 black. Clicking a panel picks its series.
 */
export function heatmapsSpec(rows: readonly HeatRow[], o: HeatmapOptions): Spec {
  const x = { field: 'step', type: 'quantitative' as const, title: AXIS.step, scale: { nice: false, zero: false }, axis: { tickCount: 4 } };
  const y = { field: 'layer', type: 'ordinal' as const, title: AXIS.layer, sort: 'descending' as const, axis: { labelOverlap: true } };
  const tooltip = [
    { field: 'cell', type: 'nominal' as const, title: TIP.cell },
    { field: 'step', type: 'quantitative' as const, title: TIP.step },
    { field: 'layer', type: 'ordinal' as const, title: TIP.layer },
    { field: 'gradNorm', type: 'quantitative' as const, title: TIP.gradNorm, format: EXACT },
  ];
  const nonFinite = rows.some((r) => r.gradNorm === null);
  const zero = rows.some((r) => r.gradNorm === 0);
  const n = o.cells.length;
  return {
    ...specHead(SWEEP_CHARTS.heatmaps.title, SWEEP_CHARTS.heatmaps.caption),
    datasets: { heat: rows.map((r) => ({ ...r })) },
    data: { name: 'heat' },
    facet: { field: 'cell', type: 'ordinal', title: null, sort: [...o.cells], header: { labelLimit: 280, labelFontSize: 11 } },
    columns: n <= 4 ? n : n <= 9 ? 3 : 4,
    spec: {
      width: n <= 2 ? 300 : 220,
      height: 130,
      layer: [
        {
          params: [pickParam(false)],
          // The colour scale sees positive norms only (log); 0 and non-finite ones get fixed colours.
          transform: [{ calculate: 'datum.gradNorm > 0 ? datum.gradNorm : null', as: 'positive' }],
          mark: { type: 'rect', invalid: null },
          encoding: {
            x, x2: { field: 's1' }, y,
            color: {
              condition: [
                ...(zero ? [{ test: 'datum.gradNorm === 0', value: ZERO_COLOR }] : []),
                ...(nonFinite ? [{ test: '!isValid(datum.gradNorm)', value: NON_FINITE_COLOR }] : []),
              ],
              field: 'positive', type: 'quantitative', title: TIP.gradNorm,
              scale: { type: 'log', scheme: 'viridis' }, legend: { format: LOG_FORMAT, gradientLength: 180 },
            },
            opacity: highlight(1, 0.25),
            tooltip,
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}
