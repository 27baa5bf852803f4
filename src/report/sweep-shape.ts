/**
 * The shape of a sweep, from the cells' overrides alone: which swept keys vary, and what role
 * each plays in the comparison charts.
 *
 *   axes     swept keys (the seed excluded) that take two values or more; a key with one value
 *            is a constant of the sweep and never becomes an axis
 *   colour   the legend: the first categorical axis, else the first axis
 *   panel    small multiples: the next axis in index order (null with fewer than two axes)
 *   x        the x axis of the charts with one value per cell: a numeric axis (model.depth when
 *            it is one), else the colour axis as a category axis; null when nothing varies
 *
 * Lines of the curve and profile charts are drawn per cell; per group of seeds (median and
 * band over the seeds) when some group has several seeds; and per (colour, panel) group
 * (median and band over every cell in it) when a panel would hold more than MAX_LINES groups.
 * Labels are the values as the config wrote them: 20, not 20.000000.
 */
import { choiceLabel } from './read.js';
import { AXIS } from './text.js';

/** Lines one panel may hold before the charts switch to medians per (colour, panel) group. */
export const MAX_LINES = 12;

/** A key that counts as a seed (the seed repeat of `seeds`, or a swept `seed`). */
export const isSeedKey = (k: string): boolean => /(^|\.)seeds?$/i.test(k);

/** Keys that may be shown as titles: plain config paths (anything else is data, never a title). */
export const SAFE_KEY = /^[A-Za-z0-9_.[\]-]{1,80}$/;

/** A swept value as the config wrote it: registry choices by name (and parameters), numbers as JSON writes them. */
export const valueLabel = (v: unknown): string => choiceLabel(v ?? null) ?? JSON.stringify(v ?? null);

export interface Axis {
  readonly key: string;
  /** Legend, axis or header title: the key when it is a plain config path, else a generic word. */
  readonly title: string;
  /** Every value is a finite number. */
  readonly numeric: boolean;
  /** Distinct values as labels: ascending when numeric, else in the order the cells list them. */
  readonly labels: readonly string[];
}

export type LineMode = 'cells' | 'seeds' | 'groups';

/** Where one cell goes in the charts. */
export interface Place {
  readonly cell: string;
  /** The cell id without its seed part: the cells that differ only in seed share it. */
  readonly group: string;
  /** Colour label: the colour axis value (a fixed word when there is no axis). */
  readonly series: string;
  /** Panel label ('' without a panel axis). */
  readonly panel: string;
  /** Label on the x axis of the per-cell charts (null when x is null). */
  readonly x: string | null;
  /** Line this cell belongs to under the shape's line mode (a cell id, a group id, or colour and panel). */
  readonly line: string;
}

export interface SweepShape {
  readonly axes: readonly Axis[];
  readonly colour: Axis | null;
  readonly panel: Axis | null;
  readonly x: Axis | null;
  /** Panel axis of the per-cell charts: the panel axis unless it is x. */
  readonly xPanel: Axis | null;
  /** Colour domain in legend order. */
  readonly series: readonly string[];
  /** Panel labels in order ([''] without a panel axis). */
  readonly panels: readonly string[];
  readonly mode: LineMode;
  /** Lines per panel before aggregation: the largest count of groups (seeds merged) in one panel. */
  readonly groupsPerPanel: number;
  readonly places: readonly Place[];
}

export interface ShapeCell {
  readonly id: string;
  readonly overrides: Readonly<Record<string, unknown>>;
}

/** Swept keys in index order (seeds excluded). */
export function sweptKeys(cells: readonly ShapeCell[]): string[] {
  const keys: string[] = [];
  for (const c of cells) for (const k of Object.keys(c.overrides)) if (!isSeedKey(k) && !keys.includes(k)) keys.push(k);
  return keys;
}

/** The axis of one key, or null when it takes fewer than two values. */
export function axisOf(cells: readonly ShapeCell[], key: string): Axis | null {
  const values = cells.map((c) => c.overrides[key]);
  const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
  const labels: string[] = [];
  const order = numeric ? [...values].sort((a, b) => (a as number) - (b as number)) : values;
  for (const v of order) {
    const label = valueLabel(v);
    if (!labels.includes(label)) labels.push(label);
  }
  if (labels.length < 2) return null;
  return { key, title: SAFE_KEY.test(key) ? key : AXIS.otherAxes, numeric, labels };
}

/** The cell id without its `seed=S` part ('all' when nothing else is left). */
export function groupOf(id: string): string {
  const rest = id.split(',').filter((p) => !/^(.*\.)?seeds?=/.test(p));
  return rest.length ? rest.join(',') : AXIS.allCells;
}

/** Roles of the axes and the place of every cell (see the module comment). */
export function sweepShape(cells: readonly ShapeCell[]): SweepShape {
  const axes = sweptKeys(cells).map((k) => axisOf(cells, k)).filter((a): a is Axis => a !== null);
  const colour = axes.find((a) => !a.numeric) ?? axes[0] ?? null;
  const panel = axes.find((a) => a !== colour) ?? null;
  const numeric = axes.filter((a) => a.numeric);
  const x = numeric.find((a) => a.key === 'model.depth') ?? numeric[0] ?? colour;
  const label = (c: ShapeCell, a: Axis | null): string => (a === null ? '' : valueLabel(c.overrides[a.key]));
  const base = cells.map((c) => ({
    cell: c.id,
    group: groupOf(c.id),
    series: colour === null ? AXIS.allCells : label(c, colour),
    panel: label(c, panel),
    x: x === null ? null : label(c, x),
  }));
  const groupsIn = new Map<string, Set<string>>();
  const cellsIn = new Map<string, number>();
  for (const p of base) {
    (groupsIn.get(p.panel) ?? groupsIn.set(p.panel, new Set()).get(p.panel)!).add(p.group);
    cellsIn.set(p.group, (cellsIn.get(p.group) ?? 0) + 1);
  }
  const groupsPerPanel = Math.max(0, ...[...groupsIn.values()].map((s) => s.size));
  const mode: LineMode = groupsPerPanel > MAX_LINES ? 'groups' : [...cellsIn.values()].some((n) => n > 1) ? 'seeds' : 'cells';
  const places = base.map((p) => ({
    ...p,
    line: mode === 'cells' ? p.cell : mode === 'seeds' ? p.group : [p.series, p.panel].filter((s) => s !== '').join(', '),
  }));
  return {
    axes,
    colour,
    panel,
    x,
    xPanel: panel !== null && panel !== x ? panel : null,
    series: colour === null ? [AXIS.allCells] : colour.labels,
    panels: panel === null ? [''] : panel.labels,
    mode,
    groupsPerPanel,
    places,
  };
}
