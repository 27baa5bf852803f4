/**
 * Spec builders of the claims report: pure functions from rows (built by each check from its
 * evidence) to Vega-Lite specs, in the look of src/report (same CONFIG, sizes, title style).
 * Lines over a numeric axis (per-layer profiles, curves over steps or x), bars per group,
 * strips of points per group (timing rounds), the effect of a claim per seed with its interval
 * (`intervalChart`) and a measured quantity over width beside its mean-field value
 * (`sweepChart`). Thresholds are dashed rules or a shaded band. Names are data values only.
 */
import { CONFIG, EXACT, HEIGHT, WIDTH, specHead, title, type LayerItem, type Spec } from './common.js';

/** The head every claims chart shares: schema, title, description, config, size and its data sets. */
function frame(o: { readonly title: string; readonly description: string }, datasets: NonNullable<Spec['datasets']>, width: number = WIDTH) {
  return { ...specHead(o.title, o.description), width, height: HEIGHT, datasets };
}

/** One point of a line: its series, x and y (null: a gap). */
export interface LineRow {
  readonly series: string;
  readonly x: number;
  readonly y: number | null;
}

/** A dashed reference line at y (or at x) with a label. */
export interface Rule {
  readonly y?: number;
  readonly x?: number;
  readonly label: string;
}

/** A shaded horizontal band, e.g. the accepted interval. */
export interface Band {
  readonly y0: number;
  readonly y1: number;
  readonly label: string;
}

export interface LineOptions {
  readonly title: string;
  readonly description: string;
  readonly rows: readonly LineRow[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly seriesTitle: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** x takes integer values only (layers, iterations): integer ticks. */
  readonly xIntegers?: boolean;
  /** Draw a point at every row (short series, per-layer profiles). */
  readonly points?: boolean;
  readonly rules?: readonly Rule[];
  readonly band?: Band;
  /** Series drawn dashed (a theory beside the measurement it is drawn over). */
  readonly dashed?: readonly string[];
}

/** Keeps 6 significant digits (the tooltip precision) and drops non-finite values to null. */
const j = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? Number(x.toPrecision(6)) : null);

function ruleLayers(rules: readonly Rule[], yLog: boolean, xLog: boolean): LayerItem[] {
  const ys = rules.filter((r) => r.y !== undefined && (!yLog || r.y > 0)).map((r) => ({ y: r.y!, label: r.label }));
  const xs = rules.filter((r) => r.x !== undefined && (!xLog || r.x > 0)).map((r) => ({ x: r.x!, label: r.label }));
  const out: LayerItem[] = [];
  if (ys.length) {
    out.push(
      { data: { values: ys }, mark: { type: 'rule', strokeDash: [5, 4], color: '#555' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: ys },
        mark: { type: 'text', align: 'right', baseline: 'bottom', x: 'width', dx: -3, dy: -2, fontSize: 10, color: '#555' },
        encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
      },
    );
  }
  if (xs.length) {
    out.push(
      { data: { values: xs }, mark: { type: 'rule', strokeDash: [5, 4], color: '#555' }, encoding: { x: { field: 'x', type: 'quantitative' } } },
      {
        data: { values: xs },
        mark: { type: 'text', align: 'left', baseline: 'top', y: 0, dx: 3, fontSize: 10, color: '#555' },
        encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
      },
    );
  }
  return out;
}

function bandLayers(band: Band | undefined): LayerItem[] {
  if (band === undefined) return [];
  return [
    {
      data: { values: [{ y0: band.y0, y1: band.y1, label: band.label }] },
      mark: { type: 'rect', color: '#2e7d32', opacity: 0.1 },
      encoding: { y: { field: 'y0', type: 'quantitative' }, y2: { field: 'y1' } },
    },
  ];
}

/** strokeDash by series: the listed series dashed, the others solid. */
function dashEncoding(dashed: readonly string[] | undefined): { strokeDash?: { condition: { test: string; value: number[] }; value: number[] } } {
  if (dashed === undefined || dashed.length === 0) return {};
  return { strokeDash: { condition: { test: `indexof(${JSON.stringify(dashed)}, datum.series) >= 0`, value: [6, 4] }, value: [1, 0] } };
}

/** Lines per series over a numeric x, with optional points, rules and an accepted band. */
export function lineChart(o: LineOptions): Spec {
  const rows = o.rows
    .map((r) => ({ series: r.series, x: j(r.x), y: j(r.y) }))
    .filter((r) => r.x !== null && (!o.logX || r.x > 0))
    .map((r) => ({ ...r, y: o.logY && r.y !== null && r.y <= 0 ? null : r.y }));
  const x = {
    field: 'x', type: 'quantitative' as const, title: o.xTitle, scale: o.logX ? { type: 'log' as const } : { zero: false },
    ...(o.xIntegers ? { axis: { format: 'd', tickMinStep: 1 } } : {}),
  };
  const y = { field: 'y', type: 'quantitative' as const, title: o.yTitle, scale: o.logY ? { type: 'log' as const } : { zero: false } };
  const color = { field: 'series', type: 'nominal' as const, title: o.seriesTitle, scale: { scheme: 'tableau10' } };
  const tooltip = [
    { field: 'series', type: 'nominal' as const, title: o.seriesTitle },
    { field: 'x', type: 'quantitative' as const, title: o.xTitle, format: EXACT },
    { field: 'y', type: 'quantitative' as const, title: o.yTitle, format: EXACT },
  ];
  return {
    ...frame(o, { rows }),
    data: { name: 'rows' },
    layer: [
      ...bandLayers(o.band),
      { mark: { type: 'line', strokeWidth: 2, point: o.points === true }, encoding: { x, y, color, tooltip, ...dashEncoding(o.dashed) } },
      ...ruleLayers(o.rules ?? [], o.logY === true, o.logX === true),
    ],
  };
}

/** One bar: its group (x category), series (colour, bars side by side) and value. */
export interface BarRow {
  readonly group: string;
  readonly series: string;
  readonly value: number | null;
}

export interface BarOptions {
  readonly title: string;
  readonly description: string;
  readonly rows: readonly BarRow[];
  readonly groupTitle: string;
  readonly seriesTitle: string;
  readonly yTitle: string;
  readonly logY?: boolean;
  readonly rules?: readonly Rule[];
}

/** Grouped bars (series side by side within each group), with threshold rules. */
export function barChart(o: BarOptions): Spec {
  const rows = o.rows.map((r) => ({ group: r.group, series: r.series, value: o.logY && r.value !== null && r.value <= 0 ? null : j(r.value) }));
  const groups = [...new Set(o.rows.map((r) => r.group))];
  const series = [...new Set(o.rows.map((r) => r.series))];
  const y = { field: 'value', type: 'quantitative' as const, title: o.yTitle, scale: o.logY ? { type: 'log' as const } : {} };
  return {
    ...frame(o, { rows }),
    layer: [
      {
        data: { name: 'rows' },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'group', type: 'nominal', title: o.groupTitle, sort: groups, axis: { labelAngle: 0 } },
          xOffset: { field: 'series', type: 'nominal', sort: series },
          y,
          color: { field: 'series', type: 'nominal', title: o.seriesTitle, sort: series, scale: { scheme: 'tableau10' } },
          tooltip: [
            { field: 'group', type: 'nominal', title: o.groupTitle },
            { field: 'series', type: 'nominal', title: o.seriesTitle },
            { field: 'value', type: 'quantitative', title: o.yTitle, format: EXACT },
          ],
        },
      },
      ...ruleLayers(o.rules ?? [], o.logY === true, false),
    ],
  };
}

/** One point of a strip: its group (x category) and value; `mark` rows are drawn as ticks (medians). */
export interface StripRow {
  readonly group: string;
  readonly value: number;
}

export interface StripOptions {
  readonly title: string;
  readonly description: string;
  readonly rows: readonly StripRow[];
  readonly ticks: readonly StripRow[];
  readonly groupTitle: string;
  readonly yTitle: string;
  readonly logY?: boolean;
  readonly rules?: readonly Rule[];
}

/** Points per group (every round) with a tick at a summary value (the median) and rules. */
export function stripChart(o: StripOptions): Spec {
  const groups = [...new Set(o.rows.map((r) => r.group))];
  const x = { field: 'group', type: 'nominal' as const, title: o.groupTitle, sort: groups, axis: { labelAngle: 0 } };
  const y = { field: 'value', type: 'quantitative' as const, title: o.yTitle, scale: o.logY ? { type: 'log' as const } : { zero: false } };
  return {
    ...frame(o, { rows: o.rows.map((r) => ({ group: r.group, value: j(r.value) })), ticks: o.ticks.map((r) => ({ group: r.group, value: j(r.value) })) }),
    layer: [
      {
        data: { name: 'rows' },
        mark: { type: 'point', opacity: 0.6, filled: true },
        encoding: { x, y, tooltip: [{ field: 'group', type: 'nominal', title: o.groupTitle }, { field: 'value', type: 'quantitative', title: o.yTitle, format: EXACT }] },
      },
      {
        data: { name: 'ticks' },
        mark: { type: 'tick', color: '#d1495b', thickness: 3, size: 40 },
        encoding: { x, y, tooltip: [{ field: 'value', type: 'quantitative', title: o.yTitle, format: EXACT }] },
      },
      ...ruleLayers(o.rules ?? [], o.logY === true, false),
    ],
  };
}

export interface IntervalOptions {
  readonly title: string;
  readonly description: string;
  /** One effect value per seed (or timing round). */
  readonly samples: readonly { readonly seed: number; readonly value: number | null }[];
  /** The point estimate and its 95% interval, or null when unmeasured. */
  readonly estimate: { readonly value: number; readonly lo: number; readonly hi: number } | null;
  readonly threshold: number;
  readonly yTitle: string;
  readonly seedTitle: string;
}

/**
 * The effect of a claim: a point per seed (x jittered by seed rank), the point estimate as a
 * tick, its 95% interval as a bar, and the threshold as a dashed rule.
 */
export function intervalChart(o: IntervalOptions): Spec {
  const rows = o.samples.map((s, i) => ({ seed: s.seed, rank: i, value: j(s.value) }));
  const est = o.estimate === null || !Number.isFinite(o.estimate.value)
    ? []
    : [{ value: j(o.estimate.value), lo: j(Number.isFinite(o.estimate.lo) ? o.estimate.lo : null), hi: j(Number.isFinite(o.estimate.hi) ? o.estimate.hi : null) }];
  const y = { field: 'value', type: 'quantitative' as const, title: o.yTitle, scale: { zero: false } };
  return {
    ...frame(o, { rows, estimate: est }, 260),
    layer: [
      {
        data: { name: 'rows' },
        mark: { type: 'point', filled: true, opacity: 0.7, size: 50 },
        encoding: {
          x: { field: 'rank', type: 'quantitative', title: o.seedTitle, axis: null, scale: { domain: [-1, Math.max(1, rows.length)] } },
          y,
          tooltip: [
            { field: 'seed', type: 'quantitative', title: o.seedTitle },
            { field: 'value', type: 'quantitative', title: o.yTitle, format: EXACT },
          ],
        },
      },
      {
        data: { name: 'estimate' },
        mark: { type: 'rule', strokeWidth: 3, color: '#d1495b' },
        encoding: { x: { datum: (rows.length - 1) / 2, type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        data: { name: 'estimate' },
        mark: { type: 'tick', color: '#d1495b', thickness: 3, size: 40, orient: 'horizontal' },
        encoding: {
          x: { datum: (rows.length - 1) / 2, type: 'quantitative' },
          y: { field: 'value', type: 'quantitative' },
          tooltip: [
            { field: 'value', type: 'quantitative', title: 'estimate', format: EXACT },
            { field: 'lo', type: 'quantitative', title: '95% low', format: EXACT },
            { field: 'hi', type: 'quantitative', title: '95% high', format: EXACT },
          ],
        },
      },
      ...ruleLayers([{ y: o.threshold, label: `threshold ${o.threshold}` }], false, false),
    ],
  };
}

export interface SweepOptions {
  readonly title: string;
  readonly description: string;
  /** Measured values, one per (width, seed). */
  readonly points: readonly { readonly width: number; readonly seed: number; readonly value: number | null }[];
  /** The mean-field value per width (a line). */
  readonly theory: readonly { readonly width: number; readonly value: number | null }[];
  readonly yTitle: string;
  readonly logY?: boolean;
  readonly rules?: readonly Rule[];
}

/** A measured quantity per width (points per seed, log2 width axis) with the mean-field prediction as a line. */
export function sweepChart(o: SweepOptions): Spec {
  const x = { field: 'width', type: 'quantitative' as const, title: 'width (units per hidden layer, log scale)', scale: { type: 'log' as const, base: 2 } };
  const y = { field: 'value', type: 'quantitative' as const, title: o.yTitle, scale: o.logY ? { type: 'log' as const } : { zero: false } };
  const keep = (v: number | null): number | null => (v !== null && o.logY && v <= 0 ? null : j(v));
  return {
    ...frame(o, {
      points: o.points.map((p) => ({ width: p.width, seed: p.seed, value: keep(p.value) })),
      theory: o.theory.map((p) => ({ width: p.width, value: keep(p.value) })),
    }),
    layer: [
      {
        data: { name: 'theory' },
        mark: { type: 'line', strokeWidth: 2, color: '#555', strokeDash: [6, 3] },
        encoding: { x, y, tooltip: [{ field: 'width', type: 'quantitative', title: 'width' }, { field: 'value', type: 'quantitative', title: 'mean field', format: EXACT }] },
      },
      {
        data: { name: 'points' },
        mark: { type: 'point', filled: true, opacity: 0.7 },
        encoding: {
          x,
          y,
          tooltip: [
            { field: 'width', type: 'quantitative', title: 'width' },
            { field: 'seed', type: 'quantitative', title: 'seed' },
            { field: 'value', type: 'quantitative', title: o.yTitle, format: EXACT },
          ],
        },
      },
      ...ruleLayers(o.rules ?? [], o.logY === true, false),
    ],
  };
}
