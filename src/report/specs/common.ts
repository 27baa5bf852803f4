/**
 * Pieces shared by the spec builders: sizes, the look, the layer colour scale and small
 * row helpers. Builders are pure functions `records -> Vega-Lite spec`; they put strings from
 * results files only into data values, never into field names, expressions or titles.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { LayerSpec, NonNormalizedSpec, UnitSpec } from 'vega-lite/types_unstable/spec/index.js';
import type { LayerField } from '../../results/read.js';
import type { MetricRecord } from '../../results/types.js';

export type Spec = TopLevelSpec;
/** One entry of a `layer` array. */
export type LayerItem = LayerSpec<Field> | UnitSpec<Field>;
/** A panel of a concat or the inner spec of a facet. */
export type Panel = NonNormalizedSpec;

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Plot area of a single full-width chart, px. */
export const WIDTH = 640;
export const HEIGHT = 260;
/** A panel of an hconcat of two or three. */
export const PANEL_WIDTH = 300;
export const PANEL_HEIGHT = 220;

/** Look shared by every chart: readable on a projector, no chart border. */
export const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null },
  // Per-item aria labels on thousands of rects and points bloat the SVG; each chart keeps its description.
  mark: { aria: false },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridOpacity: 0.6 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 280 },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal' },
  title: { fontSize: 15, anchor: 'start', offset: 12, frame: 'group' },
  concat: { spacing: 28 },
} as const;

/** The chart title, in the spec so an exported PNG/SVG carries it. */
export function title(text: string): { text: string; anchor: 'start' } {
  return { text, anchor: 'start' };
}

/** Number format of every tooltip: the recorded value to 6 significant digits. */
/** The head every chart's spec starts with: schema, title, description (its caption) and the house config. */
export function specHead(
  text: string,
  description: string,
): { $schema: string; title: { text: string; anchor: 'start' }; description: string; config: typeof CONFIG } {
  return { $schema: SCHEMA, title: title(text), description, config: CONFIG };
}

export const EXACT = '.6~g';

/** Layer colour: sequential, dark at the input and bright at the output. */
export function layerColor(legendTitle: string) {
  return {
    field: 'layer',
    type: 'quantitative' as const,
    scale: { scheme: 'viridis' },
    legend: { title: legendTitle, format: 'd', tickMinStep: 1 },
  };
}

/** Hidden-layer count of a run: the output layer is the largest layer index (= depth). */
export function depthOf(records: readonly MetricRecord[]): number {
  let max = -1;
  for (const r of records) for (const l of r.layers) if (l.layer > max) max = l.layer;
  return max;
}

/**
 * A JSON-safe number for chart data: non-finite becomes null (what JSON would write anyway) and
 * finite values keep 6 significant digits, the precision every tooltip shows.
 */
export const jnum = (x: number | undefined): number | null =>
  x !== undefined && Number.isFinite(x) ? Number(x.toPrecision(6)) : null;

/** The per-layer fields (of results' LAYER_FIELDS) that a run chart draws, and so the page stores. */
export const CHARTED_LAYER_FIELDS = [
  'gradNorm', 'updateRatio', 'actMean', 'actStd', 'actRms', 'deadFraction', 'saturatedFraction', 'revivedCount', 'preluSlope',
] as const satisfies readonly LayerField[];

/** The name under which every per-layer chart of a run finds `layerTable` in `datasets`. */
export const LAYER_DATA = 'layers';

/**
 * One row per (record, layer): step, the end s1 of the span [step, s1) the record covers in a
 * heat map, layer,
 * the LayerRecord fields present in any record (null where a record lacks one or it is not
 * finite). Every per-layer chart of a run reads this same table, so a page stores it once.
 */
export function layerTable(records: readonly MetricRecord[]): Record<string, number | null>[] {
  const fields = CHARTED_LAYER_FIELDS.filter((k) => hasLayerField(records, k));
  const sp = spans(records.map((r) => r.step));
  const rows: Record<string, number | null>[] = [];
  records.forEach((r, i) => {
    for (const l of r.layers) {
      const row: Record<string, number | null> = { step: r.step, s1: sp[i].s1, layer: l.layer };
      for (const k of fields) row[k] = jnum(l[k]);
      rows.push(row);
    }
  });
  return rows;
}

/** True when the field is present with any value (finite or not) in some layer of some record. */
export function hasLayerField(records: readonly MetricRecord[], key: string): boolean {
  for (const r of records) for (const l of r.layers) if ((l as unknown as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

/** [start, end) of each column when record i is drawn until record i + 1; the last takes the previous gap. */
export function spans(steps: readonly number[]): { s0: number; s1: number }[] {
  return steps.map((s, i) => {
    const next = i + 1 < steps.length ? steps[i + 1] : steps.length > 1 ? s + (s - steps[i - 1]) : s + 1;
    return { s0: s, s1: next };
  });
}
