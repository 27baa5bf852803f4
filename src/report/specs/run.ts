/**
 * Spec builders of a run's report, one per chart: pure functions from records (already thinned
 * by the caller, see downsample.ts) to a Vega-Lite spec. Layer 0 is next to the input; the
 * output layer is the largest index (= depth).
 */
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { UnitSpec } from 'vega-lite/types_unstable/spec/index.js';
import type { DeadUnitEvent, HistogramRecord, MetricRecord } from '../../results/types.js';
import { AXIS, RUN_CHARTS, SERIES, TIP } from '../text.js';
import {
  EXACT, HEIGHT, LAYER_DATA, PANEL_HEIGHT, PANEL_WIDTH, WIDTH, depthOf, hasLayerField, jnum, layerColor, layerTable, spans,
  specHead, title, type LayerItem, type Panel, type Spec,
} from './common.js';

type Layer = MetricRecord['layers'][number];
type LayerKey = Exclude<keyof Layer, 'layer'>;

const stepX = { field: 'step', type: 'quantitative' as const, title: AXIS.step };
const DIVERGED_COLOR = '#d62728';
/** Log axes label powers of ten as 1e-6, not 0.000001. */
const LOG_FORMAT = '.0e';

/** A red dashed vertical rule at the divergence step (its own one-row data set). */
function divergenceRule(step: number | null | undefined): LayerItem[] {
  if (step === null || step === undefined || !Number.isFinite(step)) return [];
  return [{
    data: { values: [{ step }] },
    mark: { type: 'rule', color: DIVERGED_COLOR, strokeDash: [5, 3], strokeWidth: 1.5 },
    encoding: { x: { field: 'step', type: 'quantitative' }, tooltip: [{ field: 'step', type: 'quantitative', title: TIP.divergedAt }] },
  }];
}

/** True when every value is positive and they span more than two decades: draw on a log axis. */
function wantsLog(values: readonly number[]): boolean {
  if (values.length === 0) return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v <= 0) return false;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi / lo > 100;
}

export interface LossOptions {
  /** Axis title of the loss (see AXIS.loss*). */
  readonly lossTitle?: string;
  readonly divergedStep?: number | null;
}

/** Loss (batch, and evaluation losses when recorded) and accuracy (train, test) against step. */
export function lossSpec(records: readonly MetricRecord[], options: LossOptions = {}): Spec {
  const loss: { step: number; series: string; value: number }[] = [];
  const evalLoss: typeof loss = [];
  const acc: typeof loss = [];
  const add = (into: typeof loss, step: number, series: string, v: number | undefined): void => {
    const value = jnum(v);
    if (value !== null) into.push({ step, series, value });
  };
  for (const r of records) {
    add(loss, r.step, SERIES.trainLoss, r.loss);
    add(evalLoss, r.step, SERIES.evalTrainLoss, r.trainLoss);
    add(evalLoss, r.step, SERIES.testLoss, r.testLoss);
    add(acc, r.step, SERIES.trainAcc, r.trainAcc);
    add(acc, r.step, SERIES.testAcc, r.testAcc);
  }
  const log = wantsLog([...loss, ...evalLoss].map((d) => d.value));
  const lossDomain = [SERIES.trainLoss, ...new Set(evalLoss.map((d) => d.series))];
  const tooltip = [
    { field: 'series', type: 'nominal' as const, title: AXIS.series },
    { field: 'step', type: 'quantitative' as const, title: TIP.step },
    { field: 'value', type: 'quantitative' as const, title: TIP.value, format: EXACT },
  ];
  const lossY = {
    field: 'value', type: 'quantitative' as const,
    title: (options.lossTitle ?? AXIS.lossGeneric) + (log ? AXIS.lossLog : ''),
    scale: log ? { type: 'log' as const } : { zero: false },
  };
  const lossColor = {
    field: 'series', type: 'nominal' as const, title: AXIS.series,
    scale: { domain: lossDomain, range: ['#4c78a8', '#f58518', '#e45756'] },
    legend: { orient: 'bottom' as const, direction: 'vertical' as const },
  };
  const lossPanel: Panel = {
    width: acc.length ? PANEL_WIDTH : WIDTH,
    height: PANEL_HEIGHT,
    layer: [
      { data: { name: 'loss' }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x: stepX, y: lossY, color: lossColor, tooltip } },
      ...(evalLoss.length
        ? [{ data: { name: 'evalLoss' }, mark: { type: 'line' as const, point: true }, encoding: { x: stepX, y: lossY, color: lossColor, tooltip } }]
        : []),
      ...divergenceRule(options.divergedStep),
    ],
  };
  const accPanel: Panel = {
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    layer: [
      {
        data: { name: 'acc' },
        mark: { type: 'line', point: true },
        encoding: {
          x: stepX,
          y: { field: 'value', type: 'quantitative', title: AXIS.accuracy, scale: { domain: [0, 1] } },
          color: {
            field: 'series', type: 'nominal', title: AXIS.series,
            scale: { domain: [SERIES.trainAcc, SERIES.testAcc], range: ['#54a24b', '#b279a2'] },
            legend: { orient: 'bottom', direction: 'vertical' },
          },
          tooltip,
        },
      },
      ...divergenceRule(options.divergedStep),
    ],
  };
  return {
    ...specHead(RUN_CHARTS.loss.title, RUN_CHARTS.loss.caption),
    datasets: { loss, ...(evalLoss.length ? { evalLoss } : {}), ...(acc.length ? { acc } : {}) },
    hconcat: acc.length ? [lossPanel, accPanel] : [lossPanel],
    resolve: { scale: { color: 'independent' } },
  };
}

/** The shared per-layer table as this spec's only data set. */
function layerData(records: readonly MetricRecord[]) {
  return { datasets: { [LAYER_DATA]: layerTable(records) }, data: { name: LAYER_DATA } };
}

/** Keeps the hidden layers (layer < depth): activation statistics mean nothing for the logits. */
const hiddenOnly = (records: readonly MetricRecord[]) => ({ filter: { field: 'layer', lt: depthOf(records) } });

export interface HeatmapOptions {
  readonly divergedStep?: number | null;
}

/**
 * ||dL/dW|| as a layer x step heat map, log colour. A column spans from its record to the next;
 * zero norms are left blank (log scale), non-finite ones drawn grey.
 */
export function gradHeatmapSpec(records: readonly MetricRecord[], options: HeatmapOptions = {}): Spec {
  const sp = spans(records.map((r) => r.step));
  const nonFinite = records.some((r) => r.layers.some((l) => !Number.isFinite(l.gradNorm)));
  const layers = depthOf(records) + 1;
  const x0 = sp.length ? sp[0].s0 : 0;
  const x1 = sp.length ? sp[sp.length - 1].s1 : 1;
  const x = { field: 'step', type: 'quantitative' as const, title: AXIS.step, scale: { domain: [x0, x1], nice: false, zero: false } };
  const y = { field: 'layer', type: 'ordinal' as const, title: AXIS.layer, sort: 'descending' as const, axis: { labelOverlap: true } };
  const tooltip = [
    { field: 'step', type: 'quantitative' as const, title: TIP.step },
    { field: 'layer', type: 'ordinal' as const, title: TIP.layer },
    { field: 'gradNorm', type: 'quantitative' as const, title: TIP.gradNorm, format: EXACT },
  ];
  return {
    ...specHead(RUN_CHARTS.gradHeatmap.title, RUN_CHARTS.gradHeatmap.caption),
    width: WIDTH,
    height: Math.min(420, Math.max(140, layers * 22)),
    ...layerData(records),
    layer: [
      {
        transform: [{ filter: { field: 'gradNorm', gt: 0 } }],
        mark: { type: 'rect', aria: false },
        encoding: {
          x, x2: { field: 's1' }, y,
          color: {
            field: 'gradNorm', type: 'quantitative', title: TIP.gradNorm,
            scale: { type: 'log', scheme: 'viridis' },
            legend: { format: '.0e', gradientLength: 200 },
          },
          tooltip,
        },
      },
      ...(nonFinite
        ? [{
            transform: [{ filter: { not: { field: 'gradNorm', valid: true } } }],
            mark: { type: 'rect' as const, aria: false, color: '#9e9e9e' },
            encoding: { x, x2: { field: 's1' }, y, tooltip },
          }]
        : []),
      ...divergenceRule(options.divergedStep),
    ],
  };
}

/** Up to four record steps to compare: the first, ~10% and ~50% of the way, the last. */
export function chooseSteps(records: readonly MetricRecord[]): number[] {
  const n = records.length;
  if (n === 0) return [];
  const idx = [0, Math.round((n - 1) * 0.1), Math.round((n - 1) * 0.5), n - 1];
  return [...new Set(idx.map((i) => records[i].step))];
}

export interface ProfileOptions {
  /** Steps to draw (default chooseSteps). */
  readonly steps?: readonly number[];
  /** chi_1 of mean-field theory (factor of ||dL/dz||^2 per layer toward the input); null or absent: no line. */
  readonly chi1?: number | null;
  /** chi_1(q_l) per hidden layer, the factor from layer l+1 to l; used instead of chi1 when it covers every layer. */
  readonly chi1PerLayer?: readonly number[] | null;
  /** False when an assumption of the theory fails: the line is drawn grey, for reference. */
  readonly applies?: boolean;
}

/**
 * ||dL/dW|| against layer at a few steps (points, log y), with the mean-field line
 *   pred(depth - 1) = g(depth - 1),  pred(l) = pred(l + 1) * sqrt(chi_1(q_l)),  l = depth-2 .. 0
 * (chi_1(q_l) = chi_1 at q* when no per-layer values are given), anchored at the first record's
 * last hidden layer: the theory describes the network at initialisation.
 */
export function gradProfileSpec(records: readonly MetricRecord[], options: ProfileOptions = {}): Spec {
  const steps = new Set(options.steps ?? chooseSteps(records));
  const measured: { layer: number; step: number; gradNorm: number }[] = [];
  for (const r of records) {
    if (!steps.has(r.step)) continue;
    for (const l of r.layers) if (Number.isFinite(l.gradNorm) && l.gradNorm > 0) measured.push({ layer: l.layer, step: r.step, gradNorm: jnum(l.gradNorm)! });
  }
  const depth = depthOf(records);
  const predicted: { layer: number; predicted: number; series: string }[] = [];
  const chi1 = options.chi1;
  const anchor = records[0]?.layers.find((l) => l.layer === depth - 1)?.gradNorm;
  const perLayer = options.chi1PerLayer && options.chi1PerLayer.length >= depth - 1 ? options.chi1PerLayer : null;
  if ((perLayer || (chi1 !== undefined && chi1 !== null && chi1 > 0)) && anchor !== undefined && Number.isFinite(anchor) && anchor > 0) {
    let g = anchor;
    const series = options.applies === false ? SERIES.predictedCaveat : SERIES.predicted;
    const out: typeof predicted = [{ layer: depth - 1, predicted: jnum(g)!, series }];
    for (let l = depth - 2; l >= 0; l--) {
      g *= Math.sqrt(perLayer ? perLayer[l] : chi1!);
      out.push({ layer: l, predicted: jnum(g)!, series });
    }
    predicted.push(...out.reverse());
  }
  const x = { field: 'layer', type: 'quantitative' as const, title: AXIS.layer, axis: { format: 'd', tickMinStep: 1 } };
  const color = { field: 'step', type: 'ordinal' as const, title: TIP.step, scale: { scheme: 'tableau10' } };
  const tooltip = [
    { field: 'step', type: 'quantitative' as const, title: TIP.step },
    { field: 'layer', type: 'quantitative' as const, title: TIP.layer },
    { field: 'gradNorm', type: 'quantitative' as const, title: TIP.gradNorm, format: EXACT },
  ];
  const y = { field: 'gradNorm', type: 'quantitative' as const, title: AXIS.gradNorm, scale: { type: 'log' as const }, axis: { format: LOG_FORMAT } };
  return {
    ...specHead(RUN_CHARTS.gradProfile.title, RUN_CHARTS.gradProfile.caption),
    datasets: { measured, ...(predicted.length ? { predicted } : {}) },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { name: 'measured' }, mark: { type: 'line', strokeWidth: 1, opacity: 0.45 }, encoding: { x, y, color, detail: { field: 'step', type: 'ordinal' } } },
      { data: { name: 'measured' }, mark: { type: 'point', filled: true, size: 45 }, encoding: { x, y, color, tooltip } },
      ...(predicted.length
        ? [{
            data: { name: 'predicted' },
            mark: { type: 'line' as const, color: options.applies === false ? '#888' : 'black', strokeWidth: 1.5 },
            encoding: {
              x,
              y: { field: 'predicted', type: 'quantitative' as const, scale: { type: 'log' as const } },
              strokeDash: { field: 'series', type: 'nominal' as const, title: null, scale: { range: [[6, 4]] } },
              tooltip: [
                { field: 'layer', type: 'quantitative' as const, title: TIP.layer },
                { field: 'predicted', type: 'quantitative' as const, title: TIP.prediction, format: EXACT },
              ],
            },
          }]
        : []),
    ],
    resolve: { scale: { strokeDash: 'independent' } },
  };
}

/** Up to `max` layers spread evenly over `available` (sorted), always the first and the last. */
export function chooseLayers(available: readonly number[], max = 6): number[] {
  const a = [...new Set(available)].sort((p, q) => p - q);
  if (a.length <= max) return a;
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(a[Math.round((i * (a.length - 1)) / (max - 1))]);
  return [...out];
}

export interface HistogramOptions {
  /** Layers to draw (default: up to six hidden layers, see chooseLayers). */
  readonly layers?: readonly number[];
  /** Which histogram (default 'a', the activation). */
  readonly quantity?: 'a' | 'z' | 'dz' | 'dW';
  /** Output layer index; layers >= it are left out by default. */
  readonly depth?: number;
}

/** The layers a histogram chart draws by default. */
export function histogramLayers(histograms: readonly HistogramRecord[], depth?: number): number[] {
  const present = histograms.flatMap((h) => h.layers.map((l) => l.layer));
  const hidden = depth === undefined ? present : present.filter((l) => l < depth);
  return chooseLayers(hidden.length ? hidden : present);
}

/** Height of the strip that counts the values outside a histogram's range, as a share of the range. */
const OUTSIDE_STRIP = 0.08;

/**
 * "Colorful dimension" heat maps: one panel per chosen layer, x = step, y = value bins of the
 * quantity, colour = count in the bin (log). Empty bins are left out. Values outside the fixed
 * edges (Histogram.under / .over) get a strip of height OUTSIDE_STRIP * (hi - lo) just below lo
 * and just above hi, outlined in red, so a distribution that outgrew its range stays visible.
 */
export function activationHistogramSpec(histograms: readonly HistogramRecord[], options: HistogramOptions = {}): Spec {
  const q = options.quantity ?? 'a';
  const chosen = new Set(options.layers ?? histogramLayers(histograms, options.depth));
  const sp = spans(histograms.map((h) => h.step));
  const rows: { layer: number; step: number; s1: number; y0: number; y1: number; n: number; bin: string; outside: boolean }[] = [];
  histograms.forEach((h, i) => {
    for (const l of h.layers) {
      if (!chosen.has(l.layer)) continue;
      const hist = l[q];
      if (!hist) continue;
      const base = { layer: l.layer, step: h.step, s1: sp[i].s1 };
      const last = hist.counts.length - 1;
      for (let b = 0; b <= last; b++) {
        const n = hist.counts[b];
        if (!(n > 0) || !Number.isFinite(hist.edges[b]) || !Number.isFinite(hist.edges[b + 1])) continue;
        rows.push({ ...base, y0: jnum(hist.edges[b]) ?? 0, y1: jnum(hist.edges[b + 1]) ?? 0, n, bin: TIP.binIn(hist.edges[b], hist.edges[b + 1], b === last), outside: false });
      }
      const lo = hist.edges[0];
      const hi = hist.edges[last + 1];
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) continue;
      const strip = OUTSIDE_STRIP * (hi - lo);
      if ((hist.under ?? 0) > 0) rows.push({ ...base, y0: jnum(lo - strip) ?? 0, y1: jnum(lo) ?? 0, n: hist.under!, bin: TIP.binUnder(lo), outside: true });
      if ((hist.over ?? 0) > 0) rows.push({ ...base, y0: jnum(hi) ?? 0, y1: jnum(hi + strip) ?? 0, n: hist.over!, bin: TIP.binOver(hi), outside: true });
    }
  });
  const panels = new Set(rows.map((r) => r.layer)).size;
  const x0 = sp.length ? sp[0].s0 : 0;
  const x1 = sp.length ? sp[sp.length - 1].s1 : 1;
  const outlined = { test: 'datum.outside' };
  return {
    ...specHead(RUN_CHARTS.actHist.title, RUN_CHARTS.actHist.caption),
    datasets: { hist: rows },
    data: { name: 'hist' },
    columns: Math.max(1, Math.min(3, panels)),
    facet: { field: 'layer', type: 'ordinal', title: AXIS.layer, header: { labelFontWeight: 'bold' } },
    spec: {
      width: 190,
      height: 140,
      mark: { type: 'rect', aria: false },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: AXIS.step, scale: { domain: [x0, x1], nice: false, zero: false }, axis: { tickCount: 4 } },
        x2: { field: 's1' },
        y: { field: 'y0', type: 'quantitative', title: AXIS.activationValue, scale: { zero: false, nice: false } },
        y2: { field: 'y1' },
        color: { field: 'n', type: 'quantitative', title: AXIS.histCount, scale: { type: 'log', scheme: 'viridis' }, legend: { format: '~s' } },
        stroke: { condition: { ...outlined, value: DIVERGED_COLOR }, value: null },
        strokeWidth: { condition: { ...outlined, value: 1 }, value: 0 },
        tooltip: [
          { field: 'layer', type: 'ordinal', title: TIP.layer },
          { field: 'step', type: 'quantitative', title: TIP.step },
          { field: 'bin', type: 'nominal', title: TIP.bin },
          { field: 'n', type: 'quantitative', title: TIP.count },
        ],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** y scale options the line charts use. */
interface LineScale {
  readonly type?: 'log';
  readonly domain?: [number, number];
}

/** Lines of `field` against step, one per layer, coloured by layer (no size, no title). */
function layerLines(field: string, label: string, yTitle: string, yScale: LineScale = {}): Required<Pick<UnitSpec<Field>, 'mark' | 'encoding'>> {
  return {
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: stepX,
      y: { field, type: 'quantitative', title: yTitle, scale: { ...yScale }, ...(yScale.type === 'log' ? { axis: { format: LOG_FORMAT } } : {}) },
      color: layerColor(AXIS.layerColor),
      detail: { field: 'layer', type: 'quantitative' },
      tooltip: [
        { field: 'layer', type: 'quantitative', title: TIP.layer },
        { field: 'step', type: 'quantitative', title: TIP.step },
        { field, type: 'quantitative', title: label, format: EXACT },
      ],
    },
  };
}

/** actMean, actStd, actRms of the hidden layers against step: one panel per statistic present. */
export function activationStatsSpec(records: readonly MetricRecord[]): Spec {
  const stats = ([['actMean', SERIES.actMean], ['actStd', SERIES.actStd], ['actRms', SERIES.actRms]] as const)
    .filter(([k]) => hasLayerField(records, k));
  return {
    ...specHead(RUN_CHARTS.actStats.title, RUN_CHARTS.actStats.caption),
    ...layerData(records),
    transform: [hiddenOnly(records)],
    hconcat: stats.map(([k, label]) => ({ title: label, width: 200, height: 200, ...layerLines(k, label, AXIS.statValue) })),
  };
}

/** deadFraction and saturatedFraction of the hidden layers against step. */
export function deadSaturatedSpec(records: readonly MetricRecord[]): Spec {
  const fields = ([
    ['deadFraction', SERIES.dead, AXIS.fraction],
    ['saturatedFraction', SERIES.saturated, AXIS.saturatedFraction],
  ] as const).filter(([k]) => hasLayerField(records, k));
  return {
    ...specHead(RUN_CHARTS.deadSat.title, RUN_CHARTS.deadSat.caption),
    ...layerData(records),
    transform: [hiddenOnly(records)],
    hconcat: fields.map(([k, label, yTitle]) => ({ title: label, width: PANEL_WIDTH, height: 200, ...layerLines(k, label, yTitle, { domain: [0, 1] }) })),
  };
}

/** One tick per dead-unit event at its step, one row per layer: red when a unit died, green when it came back. */
export function deathStepsSpec(events: readonly DeadUnitEvent[]): Spec {
  const layers = new Set(events.map((d) => d.layer)).size;
  return {
    ...specHead(RUN_CHARTS.deathSteps.title, RUN_CHARTS.deathSteps.caption),
    width: WIDTH,
    height: Math.min(360, Math.max(80, layers * 24)),
    datasets: { events: events.map((d) => ({ layer: d.layer, unit: d.unit, step: d.step, kind: d.kind === 'died' ? SERIES.died : SERIES.revivedEvent })) },
    data: { name: 'events' },
    mark: { type: 'tick', orient: 'vertical', thickness: 2, opacity: 0.75 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: AXIS.diedAt },
      y: { field: 'layer', type: 'ordinal', title: AXIS.layer, sort: 'descending' },
      color: { field: 'kind', type: 'nominal', title: AXIS.event, scale: { domain: [SERIES.died, SERIES.revivedEvent], range: ['#d62728', '#2ca02c'] } },
      tooltip: [
        { field: 'kind', type: 'nominal', title: AXIS.event },
        { field: 'layer', type: 'ordinal', title: TIP.layer },
        { field: 'unit', type: 'quantitative', title: TIP.unit },
        { field: 'step', type: 'quantitative', title: TIP.step },
      ],
    },
  };
}

/** Cumulative revived units per hidden layer against step. */
export function revivedSpec(records: readonly MetricRecord[]): Spec {
  let max = 1;
  for (const r of records) for (const l of r.layers) if (l.revivedCount !== undefined && l.revivedCount > max) max = l.revivedCount;
  const lines = layerLines('revivedCount', SERIES.revived, AXIS.revived, { domain: [0, max] });
  return {
    ...specHead(RUN_CHARTS.revived.title, RUN_CHARTS.revived.caption),
    width: WIDTH,
    height: PANEL_HEIGHT,
    ...layerData(records),
    transform: [hiddenOnly(records), { filter: { field: 'revivedCount', valid: true } }],
    mark: lines.mark,
    encoding: { ...lines.encoding, y: { field: 'revivedCount', type: 'quantitative', title: AXIS.revived, scale: { domain: [0, max] }, axis: { format: 'd', tickMinStep: 1 } } },
  };
}

/** ||dW|| / ||W|| per layer against step (log y), with the customary 1e-3 reference. */
export function updateRatioSpec(records: readonly MetricRecord[]): Spec {
  return {
    ...specHead(RUN_CHARTS.updateRatio.title, RUN_CHARTS.updateRatio.caption),
    width: WIDTH,
    height: HEIGHT,
    ...layerData(records),
    layer: [
      {
        transform: [{ filter: { field: 'updateRatio', gt: 0 } }],
        ...layerLines('updateRatio', SERIES.updateRatio, AXIS.updateRatio, { type: 'log' }),
      },
      {
        data: { values: [{ ref: 1e-3, label: AXIS.reference }] },
        layer: [
          {
            mark: { type: 'rule', color: 'black', strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: { y: { field: 'ref', type: 'quantitative' }, tooltip: [{ field: 'ref', type: 'quantitative', title: TIP.reference }] },
          },
          {
            mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -4, dy: -3, x: 'width', fontSize: 11 },
            encoding: { y: { field: 'ref', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
          },
        ],
      },
    ],
  };
}

/** Learned PReLU slope of each hidden layer against step. */
export function preluSpec(records: readonly MetricRecord[]): Spec {
  return {
    ...specHead(RUN_CHARTS.prelu.title, RUN_CHARTS.prelu.caption),
    width: WIDTH,
    height: PANEL_HEIGHT,
    ...layerData(records),
    transform: [hiddenOnly(records), { filter: { field: 'preluSlope', valid: true } }],
    ...layerLines('preluSlope', SERIES.slope, AXIS.preluSlope),
  };
}
