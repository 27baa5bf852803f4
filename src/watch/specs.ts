/**
 * The live charts of a cell page: Vega-Lite specs over named data sets that start empty and grow
 * as the page script inserts rows (`view.insert(name, rows)`), so a chart never reloads its data.
 *
 *   loss    rows {step, value, series}: the batch loss of every record, and the evaluation losses
 *   layers  rows {step, layer, gradNorm, actStd}: one row per record and layer
 *
 * Pure data, compiled in the tests like the static reports' specs.
 */
import { CONFIG, EXACT, HEIGHT, layerColor, SCHEMA, title, WIDTH, type Spec } from '../report/specs/common.js';
import { SERIES } from '../report/text.js';
import { WATCH } from './text.js';

/** The named data sets the page script fills. */
export const LIVE_DATA = { loss: 'loss', layers: 'layers' } as const;
export type LiveData = (typeof LIVE_DATA)[keyof typeof LIVE_DATA];

/** Series names of the loss rows, as the static run report names them. */
export const LOSS_SERIES = { batch: SERIES.trainLoss, train: SERIES.evalTrainLoss, test: SERIES.testLoss } as const;

const stepX = { field: 'step', type: 'quantitative' as const, title: WATCH.axis.step };

export function liveLossSpec(): Spec {
  const x = stepX;
  const y = { field: 'value', type: 'quantitative' as const, title: WATCH.axis.value, scale: { zero: false } };
  const color = {
    field: 'series', type: 'nominal' as const, title: WATCH.axis.series,
    scale: { domain: [LOSS_SERIES.batch, LOSS_SERIES.train, LOSS_SERIES.test], range: ['#4c78a8', '#f58518', '#e45756'] },
    legend: { orient: 'bottom' as const, direction: 'vertical' as const },
  };
  const tooltip = [
    { field: 'series', type: 'nominal' as const, title: WATCH.axis.series },
    { field: 'step', type: 'quantitative' as const, title: WATCH.axis.step },
    { field: 'value', type: 'quantitative' as const, title: WATCH.axis.value, format: EXACT },
  ];
  return {
    $schema: SCHEMA,
    title: title(WATCH.charts.loss.title),
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { name: LIVE_DATA.loss },
    layer: [
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, tooltip } },
      // Evaluations are sparse: each one also as a point, so a single one is visible.
      { transform: [{ filter: { not: { field: 'series', equal: LOSS_SERIES.batch } } }], mark: { type: 'point', filled: true, size: 30 }, encoding: { x, y, color, tooltip } },
    ],
  };
}

function perLayer(field: 'gradNorm' | 'actStd', chart: { title: string }, yTitle: string, log: boolean): Spec {
  return {
    $schema: SCHEMA,
    title: title(chart.title),
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { name: LIVE_DATA.layers },
    transform: [{ filter: log ? `isValid(datum.${field}) && datum.${field} > 0` : `isValid(datum.${field})` }],
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: stepX,
      y: { field, type: 'quantitative', title: yTitle, scale: log ? { type: 'log' } : { zero: false } },
      color: layerColor(WATCH.axis.layer),
      detail: { field: 'layer', type: 'nominal' },
      tooltip: [
        { field: 'layer', type: 'quantitative', title: WATCH.axis.layer },
        { field: 'step', type: 'quantitative', title: WATCH.axis.step },
        { field, type: 'quantitative', title: yTitle, format: EXACT },
      ],
    },
  };
}

export const liveGradSpec = (): Spec => perLayer('gradNorm', WATCH.charts.grad, WATCH.axis.gradNorm, true);
export const liveActSpec = (): Spec => perLayer('actStd', WATCH.charts.act, WATCH.axis.actStd, false);

/** The charts of a cell page, in page order: id, the data set it reads, the spec. */
export function liveCharts(): readonly { readonly id: 'loss' | 'grad' | 'act'; readonly data: LiveData; readonly spec: Spec }[] {
  return [
    { id: 'loss', data: LIVE_DATA.loss, spec: liveLossSpec() },
    { id: 'grad', data: LIVE_DATA.layers, spec: liveGradSpec() },
    { id: 'act', data: LIVE_DATA.layers, spec: liveActSpec() },
  ];
}
