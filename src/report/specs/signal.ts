/**
 * Spec builders of the signal-propagation charts: pure functions from spectra lines, measured
 * and predicted correlations, and per-cell numbers to Vega-Lite specs. Theory curves arrive
 * as data (computed by the caller from src/metrics); cell ids and labels are data values only.
 */
import { SIGNAL_AXIS, SIGNAL_CHARTS, SIGNAL_SERIES } from '../text-signal.js';
import { EXACT, HEIGHT, WIDTH, jnum, specHead, title, type Spec } from './common.js';

/** A spectra.ndjson line as the charts need it. */
export interface SpectrumInput {
  readonly step: number;
  readonly singularValues: readonly number[];
}

/** Singular values below this share of the example's largest are left out of a log density. */
export const ZERO_SHARE = 1e-12;
/** Steps drawn at most in one run's spectrum chart. */
export const MAX_SPECTRUM_STEPS = 6;

/** Up to `max` of the sorted distinct steps: the first, the last and evenly spaced between. */
export function pickSteps(steps: readonly number[], max = MAX_SPECTRUM_STEPS): number[] {
  const all = [...new Set(steps)].sort((a, b) => a - b);
  if (all.length <= max) return all;
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(all[Math.round((i * (all.length - 1)) / (max - 1))]);
  return [...out];
}

/** {series, log10s} per singular value of the given lines, without the numerical zeros (counted). */
export function log10Rows<T extends SpectrumInput>(lines: readonly T[], series: (line: T) => string): { rows: { series: string; log10s: number }[]; zeros: number; total: number } {
  const rows: { series: string; log10s: number }[] = [];
  let zeros = 0;
  let total = 0;
  for (const line of lines) {
    const top = line.singularValues.length ? Math.max(...line.singularValues) : 0;
    for (const s of line.singularValues) {
      total++;
      if (!(s > ZERO_SHARE * top) || !Number.isFinite(s)) {
        zeros++;
        continue;
      }
      rows.push({ series: series(line), log10s: Number(Math.log10(s).toPrecision(6)) });
    }
  }
  return { rows, zeros, total };
}

function densitySpec(chart: 'spectrum' | 'spectraSweep', rows: readonly { series: string; log10s: number }[], seriesTitle: string, order: readonly string[]): Spec {
  const text = SIGNAL_CHARTS[chart];
  return {
    ...specHead(text.title, text.caption),
    width: WIDTH,
    height: HEIGHT,
    datasets: { spectra: rows.map((r) => ({ ...r })) },
    data: { name: 'spectra' },
    transform: [{ density: 'log10s', groupby: ['series'], as: ['log10s', 'density'] }],
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 'log10s', type: 'quantitative', title: SIGNAL_AXIS.log10s },
      // Square root: a concentrated spectrum peaks ~100 times higher than a spread one; both stay readable.
      y: chart === 'spectraSweep'
        ? { field: 'density', type: 'quantitative', title: SIGNAL_AXIS.densitySqrt, scale: { type: 'sqrt' } }
        : { field: 'density', type: 'quantitative', title: SIGNAL_AXIS.density },
      color: {
        field: 'series', type: 'nominal', title: seriesTitle, sort: [...order],
        scale: chart === 'spectrum' ? { scheme: 'viridis' } : { scheme: 'tableau10' },
      },
      tooltip: [
        { field: 'series', type: 'nominal', title: seriesTitle },
        { field: 'log10s', type: 'quantitative', title: SIGNAL_AXIS.log10s, format: EXACT },
        { field: 'density', type: 'quantitative', title: SIGNAL_AXIS.density, format: EXACT },
      ],
    },
  };
}

/** One run: density of log10 s per step (the steps given, in order), every example of a step pooled. */
export function spectrumSpec(lines: readonly SpectrumInput[], steps: readonly number[]): Spec {
  const keep = new Set(steps);
  const { rows } = log10Rows(lines.filter((l) => keep.has(l.step)), (l) => String(l.step));
  return densitySpec('spectrum', rows, SIGNAL_AXIS.step, steps.map(String));
}

/** A sweep: density of log10 s per series (a cell, or a group of seeds). */
export function spectraSweepSpec(rows: readonly { series: string; log10s: number }[]): Spec {
  return densitySpec('spectraSweep', rows, SIGNAL_AXIS.cell, [...new Set(rows.map((r) => r.series))]);
}

/** The measured and predicted correlation per hidden layer. */
export interface CorrelationInput {
  readonly measured: readonly (number | null)[];
  readonly stdErr: readonly (number | null)[];
  /** The map iterated from measured[0]; null when the theory has no trajectory. */
  readonly predicted: readonly (number | null)[] | null;
  readonly cStar: number | null;
}

/** c_l against layer: measured points with ±2 s.e. bars, the predicted line, the rule at c*. */
export function correlationSpec(c: CorrelationInput): Spec {
  const measured = c.measured.flatMap((v, layer) => {
    const m = jnum(v ?? undefined);
    if (m === null) return [];
    const se = c.stdErr[layer] ?? 0;
    return [{ layer, series: SIGNAL_SERIES.measured, c: m, lo: jnum(m - 2 * se), hi: jnum(m + 2 * se) }];
  });
  const predicted = (c.predicted ?? []).flatMap((v, layer) => {
    const p = jnum(v ?? undefined);
    return p === null ? [] : [{ layer, series: SIGNAL_SERIES.predicted, c: p }];
  });
  const x = { field: 'layer', type: 'quantitative' as const, title: SIGNAL_AXIS.layer, axis: { format: 'd', tickMinStep: 1 } };
  const y = { type: 'quantitative' as const, title: SIGNAL_AXIS.correlation, scale: { zero: false } };
  const color = {
    field: 'series', type: 'nominal' as const, title: SIGNAL_AXIS.series,
    scale: { domain: [SIGNAL_SERIES.measured, SIGNAL_SERIES.predicted], range: ['#4c78a8', '#e45756'] },
    legend: { orient: 'bottom' as const, direction: 'vertical' as const },
  };
  const tooltip = [
    { field: 'series', type: 'nominal' as const, title: SIGNAL_AXIS.series },
    { field: 'layer', type: 'quantitative' as const, title: SIGNAL_AXIS.layer },
    { field: 'c', type: 'quantitative' as const, title: SIGNAL_AXIS.correlation, format: EXACT },
  ];
  const cStar = jnum(c.cStar ?? undefined);
  return {
    ...specHead(SIGNAL_CHARTS.correlation.title, SIGNAL_CHARTS.correlation.caption),
    width: WIDTH,
    height: HEIGHT,
    datasets: { measured, predicted },
    layer: [
      ...(cStar !== null
        ? [{
            data: { values: [{ cStar, label: SIGNAL_SERIES.cStar }] },
            mark: { type: 'rule' as const, color: '#555', strokeDash: [4, 3] },
            encoding: { y: { field: 'cStar', type: 'quantitative' as const }, tooltip: [{ field: 'cStar', type: 'quantitative' as const, title: SIGNAL_SERIES.cStar, format: EXACT }] },
          }]
        : []),
      { data: { name: 'predicted' }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { ...y, field: 'c' }, color, tooltip } },
      { data: { name: 'measured' }, mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
      { data: { name: 'measured' }, mark: { type: 'point', filled: true, size: 50, opacity: 1 }, encoding: { x, y: { ...y, field: 'c' }, color, tooltip } },
    ],
  };
}

/** One cell of a phase diagram. */
export interface SignalPhaseCell {
  readonly sigmaW2: number;
  readonly depth: number;
  readonly value: number | null;
  readonly cell: string;
  readonly diverged: boolean;
}

/** The theory's curves of one panel (one activation and sigma_b^2). */
export interface SignalPhaseCurves {
  readonly criticalSigmaW2: number | null;
  /** (sigma_w^2, 6 xi_c) along a grid; xi_c null where it diverges. */
  readonly trainable: readonly { readonly sigmaW2: number; readonly depth: number | null }[];
}

export interface SignalPhaseOptions {
  /** Colour legend title (SIGNAL_PHASE_METRIC). */
  readonly metricTitle: string;
  /** Diverging colours about 0 (a gradient ratio) instead of sequential (an accuracy). */
  readonly diverging: boolean;
}

/** Band edges of sorted distinct values: midpoints between neighbours, the ends mirrored. */
export function bandEdges(values: readonly number[]): Map<number, [number, number]> {
  const v = [...new Set(values)].sort((a, b) => a - b);
  const out = new Map<number, [number, number]>();
  v.forEach((x, i) => {
    const lo = i > 0 ? (v[i - 1] + x) / 2 : v.length > 1 ? x - (v[1] - x) / 2 : x - 0.5;
    const hi = i + 1 < v.length ? (x + v[i + 1]) / 2 : v.length > 1 ? x + (x - v[i - 1]) / 2 : x + 0.5;
    out.set(x, [lo, hi]);
  });
  return out;
}

/** One rectangle per (sigma_w^2, depth): its band, the mean of its seeds' values, whether one diverged. */
function phaseRects(cells: readonly SignalPhaseCell[]) {
  const xs = bandEdges(cells.map((c) => c.sigmaW2));
  const ys = bandEdges(cells.map((c) => c.depth));
  const groups = new Map<string, { sigmaW2: number; depth: number; values: number[]; n: number; diverged: boolean; cell: string }>();
  for (const c of cells) {
    const key = `${c.sigmaW2}|${c.depth}`;
    const g = groups.get(key) ?? { sigmaW2: c.sigmaW2, depth: c.depth, values: [], n: 0, diverged: false, cell: c.cell };
    g.n++;
    if (c.value !== null && Number.isFinite(c.value)) g.values.push(c.value);
    g.diverged ||= c.diverged;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    sigmaW2: g.sigmaW2, depth: g.depth,
    x0: jnum(xs.get(g.sigmaW2)![0]), x1: jnum(xs.get(g.sigmaW2)![1]),
    y0: jnum(ys.get(g.depth)![0]), y1: jnum(ys.get(g.depth)![1]),
    value: g.values.length ? jnum(g.values.reduce((a, v) => a + v, 0) / g.values.length) : null,
    n: g.n, diverged: g.diverged, cell: g.cell,
  }));
}

/**
 * Heat map over (sigma_w^2, depth) on continuous axes, each sweep value a band around it,
 * coloured by the metric averaged over seeds (grey: no value), with the chi_1 = 1 rule and the
 * 6 xi_c curve on the same axes. A cross marks cells where some seed diverged.
 */
export function signalPhaseSpec(cells: readonly SignalPhaseCell[], curves: SignalPhaseCurves, options: SignalPhaseOptions): Spec {
  const rects = phaseRects(cells);
  const xDomain = [Math.min(...rects.map((r) => r.x0 ?? 0)), Math.max(...rects.map((r) => r.x1 ?? 0))];
  const yDomain = [Math.min(...rects.map((r) => r.y0 ?? 0)), Math.max(...rects.map((r) => r.y1 ?? 0))];
  const extent = Math.max(1e-12, ...rects.map((r) => Math.abs(r.value ?? 0)));
  const x = { type: 'quantitative' as const, title: SIGNAL_AXIS.sigmaW2, scale: { domain: xDomain, nice: false, zero: false } };
  const y = { type: 'quantitative' as const, title: SIGNAL_AXIS.depth, scale: { domain: yDomain, nice: false, zero: false } };
  const trainable = curves.trainable
    .filter((p) => p.depth !== null && p.sigmaW2 >= xDomain[0] && p.sigmaW2 <= xDomain[1])
    .map((p) => ({ sigmaW2: jnum(p.sigmaW2), depth: jnum(Math.min(p.depth!, yDomain[1] * 1.05)), curve: SIGNAL_SERIES.trainable }));
  const critical = curves.criticalSigmaW2 !== null && curves.criticalSigmaW2 >= xDomain[0] && curves.criticalSigmaW2 <= xDomain[1]
    ? [{ sigmaW2: jnum(curves.criticalSigmaW2), curve: SIGNAL_SERIES.critical }]
    : [];
  const curveDash = {
    field: 'curve', type: 'nominal' as const, title: SIGNAL_AXIS.curve,
    scale: { domain: [SIGNAL_SERIES.critical, SIGNAL_SERIES.trainable], range: [[6, 3], [1, 0]] },
    // The curves are white on the heat map; their legend symbols are drawn dark on the page.
    legend: { orient: 'bottom' as const, direction: 'vertical' as const, symbolStrokeColor: '#333', symbolStrokeWidth: 2 },
  };
  return {
    ...specHead(SIGNAL_CHARTS.phase.title, SIGNAL_CHARTS.phase.caption),
    width: WIDTH,
    height: HEIGHT + 60,
    datasets: { rects, trainable, critical },
    layer: [
      {
        data: { name: 'rects' },
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          x: { ...x, field: 'x0' }, x2: { field: 'x1' },
          y: { ...y, field: 'y0' }, y2: { field: 'y1' },
          color: {
            field: 'value', type: 'quantitative', title: options.metricTitle,
            scale: options.diverging ? { scheme: 'redblue', domain: [-extent, extent], domainMid: 0 } : { scheme: 'viridis' },
          },
          tooltip: [
            { field: 'sigmaW2', type: 'quantitative', title: SIGNAL_AXIS.sigmaW2, format: EXACT },
            { field: 'depth', type: 'quantitative', title: SIGNAL_AXIS.depth },
            { field: 'value', type: 'quantitative', title: options.metricTitle, format: EXACT },
            { field: 'n', type: 'quantitative', title: SIGNAL_AXIS.count },
          ],
        },
      },
      {
        // Cells without a value (every seed failed to give one) in grey, so a gap is not read as a low value.
        data: { name: 'rects' },
        transform: [{ filter: 'datum.value === null' }],
        mark: { type: 'rect', color: '#d9d9d9', stroke: 'white', strokeWidth: 1 },
        encoding: { x: { ...x, field: 'x0' }, x2: { field: 'x1' }, y: { ...y, field: 'y0' }, y2: { field: 'y1' } },
      },
      {
        data: { name: 'rects' },
        transform: [{ filter: { field: 'diverged', equal: true } }, { calculate: '(datum.x0 + datum.x1) / 2', as: 'xm' }, { calculate: '(datum.y0 + datum.y1) / 2', as: 'ym' }],
        mark: { type: 'text', text: '×', fontSize: 16, color: 'black' },
        encoding: { x: { ...x, field: 'xm' }, y: { ...y, field: 'ym' } },
      },
      {
        data: { name: 'trainable' },
        mark: { type: 'line', color: 'white', strokeWidth: 2.5, clip: true },
        encoding: { x: { ...x, field: 'sigmaW2' }, y: { ...y, field: 'depth' }, strokeDash: curveDash, detail: { field: 'curve', type: 'nominal' } },
      },
      {
        data: { name: 'critical' },
        mark: { type: 'rule', color: 'white', strokeWidth: 2.5 },
        encoding: { x: { ...x, field: 'sigmaW2' }, strokeDash: curveDash },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

/** One group of seeds on the finite-width chart. */
export interface FiniteWidthPoint {
  readonly group: string;
  /** Activation and initializer, one colour each. */
  readonly series: string;
  readonly beta: number;
  /** Variance of ln ||J e_1||^2 over the group's seeds and examples. */
  readonly variance: number;
  /** Values the variance is over. */
  readonly n: number;
}

/** Variance of ln ||J e_1||^2 against beta per group, with the ReLU/He theory line when given. */
export function finiteWidthSpec(points: readonly FiniteWidthPoint[], theory: readonly { beta: number; variance: number }[] | null): Spec {
  const rows = points.map((p) => ({ ...p, beta: jnum(p.beta), variance: jnum(p.variance) }));
  const x = { field: 'beta', type: 'quantitative' as const, title: SIGNAL_AXIS.beta };
  const y = { field: 'variance', type: 'quantitative' as const, title: SIGNAL_AXIS.logNormVariance };
  return {
    ...specHead(SIGNAL_CHARTS.finiteWidth.title, SIGNAL_CHARTS.finiteWidth.caption),
    width: WIDTH,
    height: HEIGHT,
    datasets: { groups: rows, theory: (theory ?? []).map((t) => ({ beta: jnum(t.beta), variance: jnum(t.variance), curve: SIGNAL_SERIES.haninNica })) },
    layer: [
      ...(theory !== null && theory.length
        ? [{
            data: { name: 'theory' },
            mark: { type: 'line' as const, color: '#555', strokeDash: [5, 3] },
            encoding: { x, y, tooltip: [{ field: 'curve', type: 'nominal' as const, title: SIGNAL_AXIS.curve }] },
          }]
        : []),
      {
        data: { name: 'groups' },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
        encoding: {
          x, y,
          color: { field: 'series', type: 'nominal', title: SIGNAL_AXIS.series, scale: { scheme: 'tableau10' }, legend: { orient: 'bottom', direction: 'vertical' } },
          tooltip: [
            { field: 'group', type: 'nominal', title: SIGNAL_AXIS.cell },
            { field: 'beta', type: 'quantitative', title: SIGNAL_AXIS.beta, format: EXACT },
            { field: 'variance', type: 'quantitative', title: SIGNAL_AXIS.logNormVariance, format: EXACT },
            { field: 'n', type: 'quantitative', title: SIGNAL_AXIS.count },
          ],
        },
      },
    ],
  };
}
