/**
 * What every chart of a sweep's report shares: one colour per series (the colour axis' values,
 * the same colour for the same value in every chart), and one selection, `pick`, over the field
 * `series`. Clicking a legend entry picks a series and fades the others; the page script copies
 * the selection into every other chart on the page (html.ts), so a pick highlights that series
 * everywhere. With nothing picked every mark is drawn at full strength, which is also what the
 * static SVG shows.
 */
import type { LineMode } from '../sweep-shape.js';
import { TIP } from '../text.js';

/** The selection's name; the page script looks for the data set `${PICK}_store` in each chart. */
export const PICK = 'pick';

/** Opacity of what is not picked while something is. */
const FADED = 0.15;

export interface SeriesScale {
  /** Legend title (a config path, or a fixed word). */
  readonly title: string;
  /** Series labels in legend order. */
  readonly domain: readonly string[];
  /** The values are numbers: a sequential scheme in ascending order. */
  readonly numeric: boolean;
}

/** Small multiples over a swept key: header title and the labels in order. */
export interface PanelAxis {
  readonly title: string;
  readonly labels: readonly string[];
}

/** True when the chart shows a legend for the series (more than one). */
export const hasLegend = (s: SeriesScale): boolean => s.domain.length > 1;

/** Colour by `series`: categorical colours, or viridis (without its palest yellow) for numbers. */
export function seriesColor(s: SeriesScale) {
  const scheme = s.numeric
    ? { name: 'viridis', extent: [0, 0.85] as [number, number] }
    : { name: s.domain.length > 10 ? 'category20' : 'tableau10' };
  return {
    field: 'series',
    type: s.numeric ? ('ordinal' as const) : ('nominal' as const),
    title: s.title,
    scale: { domain: [...s.domain], scheme },
    // Symbols at full strength whatever the first layer's opacity (a faint band would set it).
    legend: hasLegend(s) ? { symbolOpacity: 1 } : null,
  };
}

/**
 * The point selection over `series`: bound to the legend where the chart has one, else picked
 * by clicking a mark (the heat maps). Shift-click adds to the selection; a click on an empty
 * spot clears it.
 */
export function pickParam(legend: boolean) {
  return {
    name: PICK,
    select: { type: 'point' as const, fields: ['series'] },
    ...(legend ? { bind: 'legend' as const } : {}),
  };
}

/** Opacity `on` for the picked series (and for all while nothing is picked), `off` for the others. */
export function highlight(on: number, off = FADED) {
  return { condition: { param: PICK, empty: true, value: on }, value: off };
}

/** Title of the `line` field in tooltips: a cell, a group of seeds, or a group of cells. */
export function lineTitle(mode: LineMode): string {
  return mode === 'cells' ? TIP.cell : mode === 'seeds' ? TIP.seedGroup : TIP.cellGroup;
}

/** Tooltip entries naming the line (and, for a median, how many cells it has). */
export function lineTooltip(mode: LineMode) {
  return [
    { field: 'line', type: 'nominal' as const, title: lineTitle(mode) },
    ...(mode === 'cells' ? [] : [{ field: 'n', type: 'quantitative' as const, title: TIP.cellsInLine }]),
  ];
}

/** The facet field definition of the panels (header title the swept key, labels in sweep order). */
export function panelFacet(p: PanelAxis) {
  return { field: 'panel', type: 'ordinal' as const, title: p.title, sort: [...p.labels], header: { labelFontWeight: 'bold' as const } };
}
