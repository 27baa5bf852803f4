/**
 * The comparison charts of a sweep's report, chosen from the sweep's shape (sweep-shape.ts):
 * training curves, per-layer gradient profiles with the mean-field prediction, heat maps of
 * every cell (small sweeps), per-layer fractions at the end, and the per-cell charts at
 * initialisation. Each function returns the charts it could draw and a note for each it could
 * not, so the page says why a chart is missing.
 */
import { theoryOf } from './blocks.js';
import type { Chart } from './html.js';
import type { RunData } from './read.js';
import { depthOf } from './specs/common.js';
import type { PanelAxis, SeriesScale } from './specs/series.js';
import { blowupRows, blowupSpec, vanishingSpec, type CellRow, type ScalarRow } from './specs/sweep.js';
import { curvesSpec, fractionsSpec, heatmapsSpec, profileSpec, type LineChartOptions } from './specs/sweep-lines.js';
import {
  MAX_HEATMAPS, curveRows, deadMetric, fractionRows, heatBudget, heatRows, profileRows, trainingMetrics, zeroNormCells,
} from './sweep-rows.js';
import { MAX_LINES, type Axis, type SweepShape } from './sweep-shape.js';
import { AXIS, NOTES, SERIES, SWEEP_CHARTS, TIP } from './text.js';

export interface Part {
  readonly charts: Chart[];
  readonly notes: string[];
}

export function seriesScale(shape: SweepShape): SeriesScale {
  return { title: shape.colour?.title ?? AXIS.cell, domain: shape.series, numeric: shape.colour?.numeric ?? false };
}

const panelAxis = (a: Axis | null): PanelAxis | null => (a === null ? null : { title: a.title, labels: a.labels });

export function lineOptions(shape: SweepShape): LineChartOptions {
  return { colour: seriesScale(shape), panel: panelAxis(shape.panel), mode: shape.mode };
}

/** What one line of the curve and profile charts is. */
export function linesNote(shape: SweepShape): string {
  if (shape.mode === 'cells') return NOTES.linesCells;
  if (shape.mode === 'seeds') return NOTES.linesSeeds(new Set(shape.places.map((p) => p.group)).size);
  return NOTES.linesGroups(shape.places.length, shape.groupsPerPanel, MAX_LINES, shape.panel !== null);
}

/** Training loss (smoothed), test loss and test accuracy against step. */
export function curveCharts(shape: SweepShape, runs: readonly RunData[]): Part {
  const metrics = trainingMetrics(runs);
  if (metrics.length === 0) return { charts: [], notes: [NOTES.noCurves] };
  const rows = curveRows(shape, runs, metrics);
  return {
    charts: [{ id: 'curves', text: SWEEP_CHARTS.curves, spec: curvesSpec(rows, metrics, SWEEP_CHARTS.curves, lineOptions(shape)), notes: [linesNote(shape)] }],
    notes: [],
  };
}

/** Notes on the mean-field lines: none drawn, or drawn dotted for the cells where the theory does not apply. */
function theoryNotes(runs: readonly RunData[]): string[] {
  const theories = runs.map((r) => theoryOf(r.summary)).filter((t) => t !== null);
  if (theories.length === 0) return [NOTES.noTheorySweep];
  const caveats = theories.filter((t) => !t.applies);
  if (caveats.length === 0) return [NOTES.profileTheory];
  return [NOTES.profileTheory, NOTES.theoryCaveat(caveats.length, [...new Set(caveats.map((t) => t.reason).filter((r) => r !== ''))].join('; '))];
}

function zeroNotes(runs: readonly RunData[], key: 'gradNorm' | 'deltaNorm'): string[] {
  const n = zeroNormCells(runs, key);
  return n > 0 ? [NOTES.zeroNorms(n)] : [];
}

/** ‖dL/dW‖ and ‖dL/dz‖ against layer at step 0 and at the end, and the heat maps of small sweeps. */
export function profileCharts(shape: SweepShape, runs: readonly RunData[]): Part {
  const charts: Chart[] = [];
  const notes: string[] = [];
  const o = lineOptions(shape);
  const grad = profileRows(shape, runs, 'gradNorm');
  if (grad.some((r) => r.kind === SERIES.measured)) {
    charts.push({
      id: 'profile-grad', text: SWEEP_CHARTS.profileGrad, notes: [linesNote(shape), ...theoryNotes(runs), ...zeroNotes(runs, 'gradNorm')],
      spec: profileSpec(grad, { ...o, text: SWEEP_CHARTS.profileGrad, yTitle: AXIS.gradNorm, tip: TIP.gradNorm }),
    });
  } else notes.push(NOTES.noProfiles);
  const delta = profileRows(shape, runs, 'deltaNorm');
  if (delta.some((r) => r.kind === SERIES.measured)) {
    charts.push({
      id: 'profile-delta', text: SWEEP_CHARTS.profileDelta, notes: zeroNotes(runs, 'deltaNorm'),
      spec: profileSpec(delta, { ...o, text: SWEEP_CHARTS.profileDelta, yTitle: AXIS.deltaNorm, tip: TIP.deltaNorm }),
    });
  }
  if (runs.length > MAX_HEATMAPS) notes.push(NOTES.heatmapsOmitted(runs.length, MAX_HEATMAPS));
  else if (runs.some((r) => r.records.length > 0)) {
    const layers = Math.max(1, ...runs.map((r) => depthOf(r.records) + 1));
    const heat = heatRows(shape, runs);
    const colours = NOTES.heatColours(heat.some((r) => r.gradNorm === 0), heat.some((r) => r.gradNorm === null));
    charts.push({
      id: 'heatmaps', text: SWEEP_CHARTS.heatmaps,
      notes: [NOTES.heatmapThinned(heatBudget(runs.length, layers)), ...(colours ? [colours] : [])],
      spec: heatmapsSpec(heat, { cells: shape.places.map((p) => p.cell), colour: seriesScale(shape) }),
    });
  }
  return { charts, notes };
}

/** Dead and saturated fractions per layer at the end, and the mean dead fraction over training. */
export function unitCharts(shape: SweepShape, runs: readonly RunData[]): Part {
  const charts: Chart[] = [];
  const notes: string[] = [];
  const fractions = fractionRows(shape, runs);
  if (fractions.length) {
    charts.push({
      id: 'fractions-end', text: SWEEP_CHARTS.fractionsEnd,
      spec: fractionsSpec(fractions, { ...lineOptions(shape), text: SWEEP_CHARTS.fractionsEnd }),
    });
  } else notes.push(NOTES.noFractions);
  const dead = deadMetric(runs);
  if (dead !== null) {
    charts.push({
      id: 'dead-over-time', text: SWEEP_CHARTS.deadOverTime,
      spec: curvesSpec(curveRows(shape, runs, [dead]), [dead], SWEEP_CHARTS.deadOverTime, lineOptions(shape)),
    });
  } else notes.push(NOTES.noDeadSweep);
  return { charts, notes };
}

/** The per-cell charts at initialisation: vanishing index and blow-up factors against the sweep's x axis. */
export function scalarCharts(shape: SweepShape, rows: readonly CellRow[]): Part {
  const x = shape.x;
  if (x === null) return { charts: [], notes: [NOTES.noScalarAxis] };
  const charts: Chart[] = [];
  const notes: string[] = [];
  const xAxis = { title: x.title, labels: x.labels, medianLines: x.numeric && x !== shape.colour };
  const colour = seriesScale(shape);
  const vanishing: ScalarRow[] = rows.map((r, i) => {
    const p = shape.places[i];
    return { cell: p.cell, series: p.series, panel: shape.xPanel === null ? '' : p.panel, x: p.x!, value: r.vanishing };
  });
  if (vanishing.some((r) => r.value !== null)) {
    charts.push({
      id: 'vanishing', text: SWEEP_CHARTS.vanishing, notes: xAxis.medianLines ? [NOTES.medianLine] : [],
      spec: vanishingSpec(vanishing, { colour, x: xAxis, panel: panelAxis(shape.xPanel) }),
    });
  } else notes.push(NOTES.noVanishing);
  const factors = blowupRows(rows.map((row, i) => ({ row, series: shape.places[i].series, x: shape.places[i].x! })));
  if (factors.length) charts.push({ id: 'blowup', text: SWEEP_CHARTS.blowup, spec: blowupSpec(factors, { colour, x: xAxis }) });
  else notes.push(NOTES.noBlowup);
  return { charts, notes };
}
