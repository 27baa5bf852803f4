/**
 * Spec builders of a sweep's report: pure functions from per-cell rows (built by
 * sweep-report.ts from each cell's files) to Vega-Lite specs. Cell ids, activation names and
 * axis values are data values only.
 */
import { AXIS, PHASE_METRIC, SERIES, SWEEP_CHARTS, TIP } from '../text.js';
import { CONFIG, EXACT, HEIGHT, PANEL_HEIGHT, SCHEMA, WIDTH, jnum, title, type Spec } from './common.js';

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

/** Vanishing index at step 0 against depth: points per cell, a line per (activation, initializer) through the means. */
export function vanishingDepthSpec(cells: readonly CellRow[]): Spec {
  const rows = cells
    .filter((c) => c.depth !== null && c.vanishing !== null)
    .map((c) => ({ cell: c.cell, depth: c.depth, vanishing: c.vanishing, activation: c.activation, init: c.init }));
  const x = { field: 'depth', type: 'quantitative' as const, title: AXIS.depth, scale: { zero: false } };
  const color = { field: 'activation', type: 'nominal' as const, title: AXIS.activation, scale: { scheme: 'tableau10' } };
  return {
    $schema: SCHEMA,
    title: title(SWEEP_CHARTS.vanishingDepth.title),
    description: SWEEP_CHARTS.vanishingDepth.caption,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    datasets: { cells: rows },
    data: { name: 'cells' },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x,
          y: { aggregate: 'mean', field: 'vanishing', type: 'quantitative', title: AXIS.vanishing },
          color,
          strokeDash: { field: 'init', type: 'nominal', title: AXIS.initializer },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y: { field: 'vanishing', type: 'quantitative' },
          color,
          shape: { field: 'init', type: 'nominal', title: AXIS.initializer },
          tooltip: [
            { field: 'cell', type: 'nominal', title: AXIS.cell },
            { field: 'activation', type: 'nominal', title: AXIS.activation },
            { field: 'init', type: 'nominal', title: AXIS.initializer },
            { field: 'depth', type: 'quantitative', title: AXIS.depth },
            { field: 'vanishing', type: 'quantitative', title: TIP.vanishing, format: EXACT },
          ],
        },
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: '#555', strokeDash: [4, 3] },
        encoding: { y: { field: 'zero', type: 'quantitative' } },
      },
    ],
  };
}

/** One point of a dead-fraction series: the mean over hidden layers at one record of one cell. */
export interface DeadRow {
  readonly cell: string;
  readonly activation: string;
  readonly step: number;
  readonly dead: number;
}

/** Mean dead fraction against step, one line per cell, coloured by activation. */
export function deadByActivationSpec(rows: readonly DeadRow[]): Spec {
  return {
    $schema: SCHEMA,
    title: title(SWEEP_CHARTS.deadByActivation.title),
    description: SWEEP_CHARTS.deadByActivation.caption,
    config: CONFIG,
    width: WIDTH,
    height: PANEL_HEIGHT,
    datasets: { dead: rows.map((r) => ({ ...r })) },
    data: { name: 'dead' },
    mark: { type: 'line', strokeWidth: 1.5, opacity: 0.85 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: AXIS.step },
      y: { field: 'dead', type: 'quantitative', title: AXIS.deadMean, scale: { domain: [0, 1] } },
      color: { field: 'activation', type: 'nominal', title: AXIS.activation, scale: { scheme: 'tableau10' } },
      detail: { field: 'cell', type: 'nominal' },
      tooltip: [
        { field: 'cell', type: 'nominal', title: AXIS.cell },
        { field: 'step', type: 'quantitative', title: TIP.step },
        { field: 'dead', type: 'quantitative', title: TIP.deadFraction, format: EXACT },
      ],
    },
  };
}

/**
 * Blow-up factor, per cell, log y, with the neutral line at 1: the fitted per-layer growth at
 * step 0 of the backward signal (deltaGrowth, ||dL/dz||^2 per layer toward the input) and of the
 * forward one (actGrowth), and the growth over training (activation RMS end / start, largest layer).
 */
export function blowupSpec(cells: readonly CellRow[]): Spec {
  const rows: Record<string, string | number | null>[] = [];
  for (const c of cells) {
    const base = { cell: c.cell, activation: c.activation, init: c.init, depth: c.depth };
    if (c.deltaGrowth !== null && c.deltaGrowth > 0) rows.push({ ...base, kind: SERIES.backward, factor: c.deltaGrowth });
    if (c.actGrowth !== null && c.actGrowth > 0) rows.push({ ...base, kind: SERIES.forward, factor: c.actGrowth });
    if (c.overTime !== null && c.overTime > 0) rows.push({ ...base, kind: SERIES.overTime, factor: c.overTime });
  }
  return {
    $schema: SCHEMA,
    title: title(SWEEP_CHARTS.blowup.title),
    description: SWEEP_CHARTS.blowup.caption,
    config: CONFIG,
    datasets: { factors: rows.map((r) => ({ ...r, factor: r.factor === null ? null : Number(Number(r.factor).toPrecision(6)) })) },
    data: { name: 'factors' },
    facet: { column: { field: 'kind', type: 'nominal', title: AXIS.factorKind, sort: [SERIES.backward, SERIES.forward, SERIES.overTime] } },
    spec: {
      width: 220,
      height: PANEL_HEIGHT,
      layer: [
        {
          mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
          encoding: {
            x: { field: 'activation', type: 'nominal', title: AXIS.activation, axis: { labelAngle: 0 } },
            xOffset: { field: 'init', type: 'nominal' },
            y: { field: 'factor', type: 'quantitative', title: AXIS.blowup, scale: { type: 'log' } },
            color: { field: 'init', type: 'nominal', title: AXIS.initializer, scale: { scheme: 'dark2' } },
            tooltip: [
              { field: 'cell', type: 'nominal', title: AXIS.cell },
              { field: 'kind', type: 'nominal', title: AXIS.factorKind },
              { field: 'depth', type: 'quantitative', title: AXIS.depth },
              { field: 'factor', type: 'quantitative', title: TIP.factor, format: EXACT },
            ],
          },
        },
        {
          data: { values: [{ one: 1 }] },
          mark: { type: 'rule', color: '#555', strokeDash: [4, 3] },
          encoding: { y: { field: 'one', type: 'quantitative' } },
        },
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
    $schema: SCHEMA,
    title: title(SWEEP_CHARTS[options.chart].title),
    description: SWEEP_CHARTS[options.chart].caption,
    config: CONFIG,
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
const seriesColor = (seriesTitle: string) => ({ field: 'series', type: 'nominal' as const, title: seriesTitle, scale: { scheme: 'tableau10' } });
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
    : { color: seriesColor(options.seriesTitle), xOffset: { field: 'series', type: 'nominal' as const } };
  const fixed = options.seriesTitle === null ? { color: SINGLE_COLOR } : {};
  const y = { type: 'quantitative' as const, scale: { domain: [0, 1] } };
  return {
    $schema: SCHEMA,
    title: title(text.title),
    description: text.caption,
    config: CONFIG,
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
  const color = options.seriesTitle === null ? {} : { color: seriesColor(options.seriesTitle) };
  const fixed = options.seriesTitle === null ? { color: SINGLE_COLOR } : {};
  const y = { type: 'quantitative' as const, scale: { zero: false } };
  return {
    $schema: SCHEMA,
    title: title(SWEEP_CHARTS.seedsLoss.title),
    description: SWEEP_CHARTS.seedsLoss.caption,
    config: CONFIG,
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
