/**
 * Pieces the checks share: param schemas, the per-seed pairing of arms, and the figures that
 * several families draw (curves averaged over seeds, per-layer profiles).
 */
import { z } from 'zod';
import type { LayerRecord, MetricRecord } from '../../metrics/types.js';
import { ACTIVATION_NAMES, type ActivationName } from '../../net/activations.js';
import { lineChart, type LineRow } from '../../report/specs/claims.js';
import { hidden, meanOver } from '../predicates.js';
import * as prose from '../prose.js';
import type { Cell } from '../runs.js';
import { mean } from '../stats.js';
import { AXES } from '../text.js';
import type { Figure, Sample } from '../types.js';

export const activationName = z.enum(ACTIVATION_NAMES as [ActivationName, ...ActivationName[]]);
export const gridParams = { lo: z.number(), hi: z.number(), step: z.number().positive() };
export const none = z.strictObject({});

/** A per-run value with the reason it is missing. */
export interface Valued {
  readonly value: number | null;
  readonly note?: string;
}

/** The sample of each evaluation seed: `f` of that seed's cells, or the note of a missing one. */
export function perSeed(seeds: readonly number[], f: (seed: number) => Valued): Sample[] {
  return seeds.map((seed) => {
    try {
      const v = f(seed);
      return v.value === null || !Number.isFinite(v.value) ? { seed, value: null, note: v.note ?? 'not measured' } : { seed, value: v.value };
    } catch (err) {
      return { seed, value: null, note: err instanceof Error ? err.message : String(err) };
    }
  });
}

/** Status note of a cell that is not ok. */
export const statusNote = (c: Cell): string => `${c.ref} ${c.summary?.status ?? 'has no summary'}`;

/** Per-step mean over seeds of a per-record quantity, one series per arm. */
export function meanCurves(arms: readonly { readonly name: string; readonly cells: readonly Cell[] }[], f: (r: MetricRecord, c: Cell) => number | null): LineRow[] {
  const rows: LineRow[] = [];
  for (const a of arms) {
    const steps = [...new Set(a.cells.flatMap((c) => c.records.map((r) => r.step)))].sort((x, y) => x - y);
    for (const step of steps) {
      const vals = a.cells.map((c) => {
        const r = c.records.find((x) => x.step === step);
        return r === undefined ? NaN : f(r, c) ?? NaN;
      });
      rows.push({ series: a.name, x: step, y: mean(vals) });
    }
  }
  return rows;
}

/** A figure of a per-record quantity over training, mean over seeds per arm. */
export function curvesFigure(o: {
  readonly title: string;
  readonly what: string;
  readonly yTitle: string;
  readonly arms: readonly { readonly name: string; readonly cells: readonly Cell[] }[];
  readonly f: (r: MetricRecord, c: Cell) => number | null;
  readonly logY?: boolean;
}): Figure {
  const rows = meanCurves(o.arms, o.f);
  const ends = o.arms.map((a) => {
    const own = rows.filter((r) => r.series === a.name);
    return { name: a.name, end: own.length ? own[own.length - 1].y : null };
  });
  return {
    spec: lineChart({ title: o.title, description: o.what, rows, xTitle: AXES.step, yTitle: o.yTitle, seriesTitle: AXES.arm, logY: o.logY }),
    caption: prose.curvesCaption(o.what, ends, Math.max(0, ...o.arms.map((a) => a.cells.length))),
  };
}

/** Mean over hidden layers of a per-layer field of a record. */
export function recordMean(r: MetricRecord, c: Cell, f: (l: LayerRecord) => number | undefined): number | null {
  return meanOver(hidden(r.layers, c.depth), f);
}

/** Per-layer profile rows (layer on x) of one series. */
export function profileRows(series: string, layers: readonly LayerRecord[], f: (l: LayerRecord) => number | undefined): LineRow[] {
  return layers.map((l) => ({ series, x: l.layer, y: f(l) ?? null }));
}

/** A per-layer profile figure of several series, captioned with each series' first and last layer. */
export function profileFigure(o: {
  readonly title: string;
  readonly what: string;
  readonly yTitle: string;
  readonly series: readonly { readonly name: string; readonly layers: readonly LayerRecord[] }[];
  readonly f: (l: LayerRecord) => number | undefined;
  readonly logY?: boolean;
  readonly band?: { readonly y0: number; readonly y1: number; readonly label: string };
  readonly rules?: readonly { readonly y: number; readonly label: string }[];
}): Figure {
  const rows = o.series.flatMap((s) => profileRows(s.name, s.layers, o.f));
  const ends = o.series.map((s) => ({
    name: s.name,
    first: s.layers.length ? o.f(s.layers[0]) ?? null : null,
    last: s.layers.length ? o.f(s.layers[s.layers.length - 1]) ?? null : null,
  }));
  return {
    spec: lineChart({
      title: o.title, description: o.what, rows, xTitle: AXES.layer, xIntegers: true, yTitle: o.yTitle, seriesTitle: AXES.series,
      logY: o.logY, points: true, band: o.band, rules: o.rules,
    }),
    caption: prose.profileCaption(o.what, ends),
  };
}
