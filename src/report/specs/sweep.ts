/**
 * Spec builders of a sweep's report with a point per cell or per group: pure functions from
 * rows (built by sweep-report.ts from each cell's files) to Vega-Lite specs. Cell ids, activation names and
 * axis values are data values only.
 */
import { AXIS, PHASE_METRIC, SERIES, SWEEP_CHARTS, TIP } from '../text.js';
import { EXACT, HEIGHT, PANEL_HEIGHT, WIDTH, jnum, specHead, title, type Spec } from './common.js';
import { hasLegend, highlight, panelFacet, pickParam, seriesColor, type PanelAxis, type SeriesScale } from './series.js';

/** What the sweep charts know about one cell. */
export interface CellRow {
  readonly cell: string;
  readonly activation: string;
  readonly init: string;
  readonly depth: number | null;
  readonly status: string;
  /** log10(||dL/dW|| layer 0 / layer depth-1) at step 0. */
  readonly vanishing: number | null;
  /** Per-layer factor of ||dL/dz||^2 toward the input at step 0 (measured chi_1). */
  readonly deltaGrowth: number | null;
  /** Per-layer factor of the activation RMS toward the output at step 0. */
  readonly actGrowth: number | null;
  /** Largest over layers of activation RMS at the end over at step 0. */
  readonly overTime: number | null;
}

/** One value of one cell on a chart with a point per cell. */
export interface ScalarRow {
  readonly cell: string;
  readonly series: string;
  readonly panel: string;
  /** The cell's label on the x axis. */
  readonly x: string;
  readonly value: number | null;
}

export interface ScalarOptions {
  readonly colour: SeriesScale;
  /**
   * The x axis: a swept key's title and its labels in order; `medianLines` joins each series'
   * medians across it (a numeric key that is not also the colour).
   */
  readonly x: { readonly title: string; readonly labels: readonly string[]; readonly medianLines: boolean };
  readonly panel: PanelAxis | null;
}

/** A dashed horizontal reference line at y (one per panel: the rows are counted down to one first). */
const referenceRule = (y: number) => ({
  transform: [{ aggregate: [{ op: 'count' as const, as: 'cells' }] }],
  mark: { type: 'rule' as const, color: '#555', strokeDash: [4, 3] },
  encoding: { y: { datum: y } },
});

const scalarX = (o: ScalarOptions) => ({
  field: 'x', type: 'ordinal' as const, title: o.x.title, scale: { domain: [...o.x.labels] }, axis: { labelAngle: 0 },
});

/**
 * Vanishing index at step 0, a point per cell at its swept value (x, evenly spaced design
 * points), coloured by series; with medianLines a line joins each series' medians; the rule at 0
 * is equal gradients at both ends. One panel per panel value when the sweep has one.
 */
export function vanishingSpec(rows: readonly ScalarRow[], o: ScalarOptions): Spec {
  const x = scalarX(o);
  const color = seriesColor(o.colour);
  const inner = {
    width: Math.min(WIDTH, Math.max(200, 90 * o.x.labels.length)),
    height: o.panel === null ? HEIGHT : PANEL_HEIGHT,
    layer: [
      ...(o.x.medianLines
        ? [{
            mark: { type: 'line' as const, strokeWidth: 2 },
            encoding: {
              x, color, opacity: highlight(0.8),
              y: { aggregate: 'median' as const, field: 'value', type: 'quantitative' as const, title: AXIS.vanishing },
            },
          }]
        : []),
      {
        params: [pickParam(hasLegend(o.colour))],
        mark: { type: 'point' as const, filled: true, size: 60 },
        encoding: {
          x, color, opacity: highlight(0.9),
          y: { field: 'value', type: 'quantitative' as const, title: AXIS.vanishing },
          tooltip: [
            { field: 'cell', type: 'nominal' as const, title: TIP.cell },
            { field: 'x', type: 'nominal' as const, title: o.x.title },
            { field: 'value', type: 'quantitative' as const, title: TIP.vanishing, format: EXACT },
          ],
        },
      },
      referenceRule(0),
    ],
  };
  const common = {
    ...specHead(SWEEP_CHARTS.vanishing.title, SWEEP_CHARTS.vanishing.caption),
    datasets: { cells: rows.filter((r) => r.value !== null).map((r) => ({ ...r, value: jnum(r.value!) })) },
    data: { name: 'cells' },
  };
  if (o.panel !== null) return { ...common, facet: panelFacet(o.panel), columns: Math.min(3, o.panel.labels.length), spec: inner };
  return { ...common, ...inner };
}

/** One growth factor of one cell (`kind`: backward, forward or over training). */
export interface BlowupRow {
  readonly cell: string;
  readonly series: string;
  readonly x: string;
  readonly kind: string;
  readonly factor: number;
}

/** The blow-up factors of each cell from its CellRow (positive ones only: the axis is log). */
export function blowupRows(cells: readonly { readonly row: CellRow; readonly series: string; readonly x: string }[]): BlowupRow[] {
  const out: BlowupRow[] = [];
  for (const { row, series, x } of cells) {
    const add = (kind: string, v: number | null): void => {
      if (v !== null && v > 0 && Number.isFinite(v)) out.push({ cell: row.cell, series, x, kind, factor: jnum(v)! });
    };
    add(SERIES.backward, row.deltaGrowth);
    add(SERIES.forward, row.actGrowth);
    add(SERIES.overTime, row.overTime);
  }
  return out;
}

/**
 * Blow-up factor, per cell, log y, with the neutral line at 1, one panel per kind: the fitted
 * per-layer growth at step 0 of the backward signal (deltaGrowth, ||dL/dz||^2 per layer toward
 * the input) and of the forward one (actGrowth), and the growth over training (activation RMS
 * end / start, largest layer). x is the sweep's x axis, colour its series.
 */
export function blowupSpec(rows: readonly BlowupRow[], o: Omit<ScalarOptions, 'panel'>): Spec {
  const x = scalarX({ ...o, panel: null });
  return {
    ...specHead(SWEEP_CHARTS.blowup.title, SWEEP_CHARTS.blowup.caption),
    datasets: { factors: rows.map((r) => ({ ...r })) },
    data: { name: 'factors' },
    facet: { column: { field: 'kind', type: 'nominal', title: AXIS.factorKind, sort: [SERIES.backward, SERIES.forward, SERIES.overTime] } },
    spec: {
      width: Math.max(160, Math.min(260, 60 * o.x.labels.length)),
      height: PANEL_HEIGHT,
      layer: [
        {
          params: [pickParam(hasLegend(o.colour))],
          mark: { type: 'point', filled: true, size: 70 },
          encoding: {
            x,
            y: { field: 'factor', type: 'quantitative', title: AXIS.blowup, scale: { type: 'log' } },
            color: seriesColor(o.colour),
            opacity: highlight(0.85),
            tooltip: [
              { field: 'cell', type: 'nominal', title: TIP.cell },
              { field: 'kind', type: 'nominal', title: AXIS.factorKind },
              { field: 'factor', type: 'quantitative', title: TIP.factor, format: EXACT },
            ],
          },
        },
        referenceRule(1),
      ],
    },
  };
}

/** One cell of a phase diagram (seeds repeat a cell; the chart averages them). */
export interface PhasePoint {
  readonly x: number;
  readonly y: number;
  readonly value: number | null;
  readonly cell: string;
  /** Other swept values of the cell ("model.activation=tanh"), one panel per distinct value. */
  readonly panel: string;
  readonly diverged: boolean;
}

export interface PhaseOptions {
  readonly chart: 'phaseTrainability' | 'phaseGradient';
  /** Axis titles: sweep keys (config paths). */
  readonly xTitle: string;
  readonly yTitle: string;
  readonly metric: keyof typeof PHASE_METRIC;
}

/**
 * Schoenholz-style phase diagram: x, y the two numeric sweep axes (one band per value), colour
 * the metric averaged over seeds; a diverging scale symmetric about 0 for the gradient ratio. A cross
 * marks cells where some seed diverged. Panels when other axes were swept too.
 */
export function phaseSpec(points: readonly PhasePoint[], options: PhaseOptions): Spec {
  const diverging = options.metric === 'vanishing';
  const metricTitle = PHASE_METRIC[options.metric];
  const panels = new Set(points.map((p) => p.panel)).size;
  // Diverging colours are symmetric about 0 so white means 0 whatever the sign of the data.
  const extent = Math.max(1e-12, ...points.map((p) => (p.value !== null && Number.isFinite(p.value) ? Math.abs(p.value) : 0)));
  const x = { field: 'x', type: 'ordinal' as const, title: options.xTitle, sort: 'ascending' as const, axis: { labelAngle: 0 } };
  const y = { field: 'y', type: 'ordinal' as const, title: options.yTitle, sort: 'descending' as const };
  const inner = {
    width: { step: 44 },
    height: { step: 36 },
    layer: [
      {
        mark: { type: 'rect' as const, stroke: 'white', strokeWidth: 1 },
        encoding: {
          x, y,
          color: {
            aggregate: 'mean' as const, field: 'value', type: 'quantitative' as const, title: metricTitle,
            scale: diverging
              ? { scheme: 'redblue', domain: [-extent, extent], domainMid: 0 }
              // Bright = trained: high accuracy, or a loss ratio far below 0 (reversed).
              : { scheme: 'viridis', reverse: options.metric === 'lossRatio' },
          },
          tooltip: [
            { field: 'x', type: 'quantitative' as const, title: options.xTitle },
            { field: 'y', type: 'quantitative' as const, title: options.yTitle },
            { aggregate: 'mean' as const, field: 'value', type: 'quantitative' as const, title: metricTitle, format: EXACT },
            { aggregate: 'count' as const, type: 'quantitative' as const, title: TIP.cells },
          ],
        },
      },
      {
        transform: [{ filter: { field: 'diverged', equal: true } }],
        mark: { type: 'text' as const, text: SERIES.divergedMark, fontSize: 18, color: 'black' },
        encoding: { x, y },
      },
    ],
  };
  const common = {
    ...specHead(SWEEP_CHARTS[options.chart].title, SWEEP_CHARTS[options.chart].caption),
    datasets: { phase: points.map((p) => ({ ...p })) },
    data: { name: 'phase' },
  };
  if (panels > 1) {
    return { ...common, facet: { field: 'panel', type: 'nominal', title: null }, columns: 3, spec: inner };
  }
  return { ...common, ...inner };
}

/** One group of cells that differ only in seed, placed on the charts over seeds. */
export interface SeedPoint {
  /** The group label of sweep-summary.json (the cell id without `seed=`). */
  readonly group: string;
  /** Value of the numeric swept axis. */
  readonly x: number;
  /** The group's other swept values ('' when only the x axis was swept): one colour each. */
  readonly series: string;
  /** Cells (seeds) in the group. */
  readonly n: number;
}

/** A yes/no outcome of a group: k of n seeds, p = k/n, Wilson 95% interval [lo, hi]. */
export interface ProportionPoint extends SeedPoint {
  readonly k: number;
  readonly p: number | null;
  readonly lo: number | null;
  readonly hi: number | null;
}

/** Final loss of a group over its seeds (over the seeds where it is finite). */
export interface LossPoint extends SeedPoint {
  readonly mean: number | null;
  readonly std: number | null;
  readonly p5: number | null;
  readonly p95: number | null;
}

export interface SeedChartOptions {
  /** Title of the x axis (a sweep key). */
  readonly xTitle: string;
  /** Legend title of the series (the other sweep keys); null when there is one series. */
  readonly seriesTitle: string | null;
}

export interface ProportionOptions extends SeedChartOptions {
  readonly outcome: 'bornDead' | 'diverged';
}

/** Swept values are design points: one evenly spaced position per value, ascending. */
const seedX = (xTitle: string) => ({ field: 'x', type: 'ordinal' as const, title: xTitle, sort: 'ascending' as const, axis: { labelAngle: 0 } });
const seedSeriesColor = (seriesTitle: string) => ({ field: 'series', type: 'nominal' as const, title: seriesTitle, scale: { scheme: 'tableau10' } });
const SINGLE_COLOR = '#4c78a8';

/**
 * Share of seeds with a yes/no outcome (born dead or diverged) against a numeric swept axis:
 * a point at p = k/n and a bar over the Wilson 95% interval per group; series (the other swept
 * values) are coloured and set side by side at each x. No line joins the points: the offset
 * that keeps the bars apart splits a line at every x, and each group is its own estimate.
 */
export function proportionSpec(points: readonly ProportionPoint[], options: ProportionOptions): Spec {
  const rows = points
    .filter((r) => r.p !== null && r.lo !== null && r.hi !== null && r.n > 0)
    .map((r) => ({ group: r.group, x: r.x, series: r.series, n: r.n, k: r.k, p: jnum(r.p!), lo: jnum(r.lo!), hi: jnum(r.hi!) }));
  const text = options.outcome === 'bornDead' ? SWEEP_CHARTS.seedsBornDead : SWEEP_CHARTS.seedsDiverged;
  const yTitle = options.outcome === 'bornDead' ? AXIS.proportionBornDead : AXIS.proportionDiverged;
  const series = options.seriesTitle === null
    ? {}
    : { color: seedSeriesColor(options.seriesTitle), xOffset: { field: 'series', type: 'nominal' as const } };
  const fixed = options.seriesTitle === null ? { color: SINGLE_COLOR } : {};
  const y = { type: 'quantitative' as const, scale: { domain: [0, 1] } };
  return {
    ...specHead(text.title, text.caption),
    width: WIDTH,
    height: HEIGHT,
    datasets: { proportions: rows },
    data: { name: 'proportions' },
    encoding: { x: seedX(options.xTitle), ...series },
    layer: [
      {
        mark: { type: 'errorbar', ticks: true, size: 12, thickness: 1.5, ...fixed },
        encoding: { y: { ...y, field: 'lo', title: yTitle }, y2: { field: 'hi' } },
      },
      {
        mark: { type: 'point', filled: true, size: 60, opacity: 1, ...fixed },
        encoding: {
          y: { ...y, field: 'p' },
          tooltip: [
            { field: 'group', type: 'nominal', title: TIP.group },
            { field: 'k', type: 'quantitative', title: TIP.successes },
            { field: 'n', type: 'quantitative', title: TIP.seeds },
            { field: 'p', type: 'quantitative', title: TIP.proportion, format: EXACT },
            { field: 'lo', type: 'quantitative', title: TIP.wilsonLo, format: EXACT },
            { field: 'hi', type: 'quantitative', title: TIP.wilsonHi, format: EXACT },
          ],
        },
      },
    ],
  };
}

/**
 * Mean final loss over seeds against a numeric swept axis: a line through the means and a band
 * from the 5th to the 95th percentile of the seeds, one colour per series.
 */
export function lossBandSpec(points: readonly LossPoint[], options: SeedChartOptions): Spec {
  const rows = points
    .filter((r) => r.mean !== null)
    .map((r) => ({
      group: r.group, x: r.x, series: r.series, n: r.n, mean: jnum(r.mean!),
      std: r.std === null ? null : jnum(r.std), p5: r.p5 === null ? null : jnum(r.p5), p95: r.p95 === null ? null : jnum(r.p95),
    }));
  const color = options.seriesTitle === null ? {} : { color: seedSeriesColor(options.seriesTitle) };
  const fixed = options.seriesTitle === null ? { color: SINGLE_COLOR } : {};
  const y = { type: 'quantitative' as const, scale: { zero: false } };
  return {
    ...specHead(SWEEP_CHARTS.seedsLoss.title, SWEEP_CHARTS.seedsLoss.caption),
    width: WIDTH,
    height: HEIGHT,
    datasets: { losses: rows },
    data: { name: 'losses' },
    encoding: { x: seedX(options.xTitle), ...color },
    layer: [
      {
        transform: [{ filter: 'isValid(datum.p5) && isValid(datum.p95)' }],
        mark: { type: 'area', opacity: 0.2, ...fixed },
        encoding: { y: { ...y, field: 'p5', title: AXIS.lossOverSeeds }, y2: { field: 'p95' } },
      },
      {
        mark: { type: 'line', strokeWidth: 2, ...fixed },
        encoding: { y: { ...y, field: 'mean' } },
      },
      {
        mark: { type: 'point', filled: true, size: 50, opacity: 1, ...fixed },
        encoding: {
          y: { ...y, field: 'mean' },
          tooltip: [
            { field: 'group', type: 'nominal', title: TIP.group },
            { field: 'n', type: 'quantitative', title: TIP.seeds },
            { field: 'mean', type: 'quantitative', title: TIP.mean, format: EXACT },
            { field: 'std', type: 'quantitative', title: TIP.std, format: EXACT },
            { field: 'p5', type: 'quantitative', title: TIP.p5, format: EXACT },
            { field: 'p95', type: 'quantitative', title: TIP.p95, format: EXACT },
          ],
        },
      },
    ],
  };
}
