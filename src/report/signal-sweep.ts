/**
 * The "Signal propagation" section of a sweep's report:
 *  - the Jacobian spectra of the cells side by side (first step with spectra, seeds pooled);
 *  - the phase diagram on (sigma_w^2, depth), sigma_w^2 read from each cell's theory block so
 *    any way of setting it (an initializer's gain, a std) lands on one axis, coloured by
 *    trainability (test accuracy at the end) and by the gradient ratio at initialisation, with
 *    the theory's chi_1 = 1 line and 6 xi_c curve (Schoenholz et al. 2017) for the panel's
 *    activation and sigma_b^2;
 *  - the finite-width chart: variance over seeds of ln ||J e_1||^2 at step 0 against
 *    beta = sum 1/n_l, with Hanin & Nica's 5 beta where it applies (ReLU, Gaussian weights of
 *    variance 2 / fan_in, zero biases).
 */
import { ACTIVATION_NAMES, activationParams, type ActivationName } from '../net/activations.js';
import { INITIALIZERS, resolveInitializerName } from '../net/initializers.js';
import { scalarActivation } from '../metrics/theory.js';
import { RELU_HE_LOG_NORM_SLOPE, TRAINABLE_DEPTH_XI, phaseCurves } from '../metrics/theory-signal.js';
import type { Chart, Section } from './html.js';
import { runInfo, type SweepCell } from './read.js';
import { isSeedKey } from './sweep-shape.js';
import type { SpectrumLine } from '../results/read-signal.js';
import { activationOf, theoryNumbersOf } from './read-signal.js';
import {
  bandEdges, finiteWidthSpec, log10Rows, signalPhaseSpec, spectraSweepSpec, type FiniteWidthPoint, type SignalPhaseCell,
} from './specs/signal.js';
import { SIGNAL_CHARTS, SIGNAL_HEADING, SIGNAL_NOTES, SIGNAL_PHASE_METRIC } from './text-signal.js';

/** Points of the theory curves across a panel's sigma_w^2 range. */
export const PHASE_CURVE_POINTS = 25;
/** Panels (activation, sigma_b^2) drawn at most. */
const MAX_PANELS = 3;

/** A cell's group: its id without the seed part ("init=orthogonal,seed=2" -> "init=orthogonal"). */
export function groupLabel(id: string): string {
  const g = id.split(',').filter((part) => !/^seed=/.test(part)).join(',');
  return g === '' ? 'run' : g;
}

function resolvedActivation(cell: SweepCell): { name: ActivationName; params: ReturnType<typeof activationParams> } | null {
  const a = activationOf(cell.run.config);
  if (a === null || !(ACTIVATION_NAMES as readonly string[]).includes(a.name)) return null;
  try {
    return { name: a.name as ActivationName, params: activationParams(a.name as ActivationName, a.params) };
  } catch {
    return null;
  }
}

function spectraChart(cells: readonly SweepCell[], spectra: ReadonlyMap<string, readonly SpectrumLine[]>): Chart | null {
  const first: { series: string; step: number; singularValues: readonly number[] }[] = [];
  for (const c of cells) {
    const lines = spectra.get(c.id) ?? [];
    if (!lines.length) continue;
    const step0 = Math.min(...lines.map((l) => l.step));
    for (const l of lines) if (l.step === step0) first.push({ series: groupLabel(c.id), step: l.step, singularValues: l.singularValues });
  }
  if (!first.length) return null;
  const { rows, zeros, total } = log10Rows(first, (l) => l.series);
  return {
    id: 'spectra-cells', text: SIGNAL_CHARTS.spectraSweep, spec: spectraSweepSpec(rows),
    notes: zeros > 0 ? [SIGNAL_NOTES.zeroSingular(zeros, total)] : [],
  };
}

interface PhaseInput {
  readonly key: string;
  readonly act: { name: ActivationName; params: ReturnType<typeof activationParams> };
  readonly sigmaB2: number;
  readonly cells: { cell: SweepCell; sigmaW2: number; depth: number }[];
}

/** Cells grouped by (activation, sigma_b^2), kept when they span two sigma_w^2 and two depths. */
function phasePanels(cells: readonly SweepCell[]): PhaseInput[] {
  const panels = new Map<string, PhaseInput>();
  for (const cell of cells) {
    const t = theoryNumbersOf(cell.run.summary);
    const act = resolvedActivation(cell);
    const depth = runInfo(cell.run.config).depth;
    if (t === null || act === null || depth === null) continue;
    const sb = Number(t.sigmaB2.toPrecision(6));
    const key = `${act.name}|${sb}`;
    const p = panels.get(key) ?? { key, act, sigmaB2: t.sigmaB2, cells: [] };
    p.cells.push({ cell, sigmaW2: Number(t.sigmaW2.toPrecision(6)), depth });
    panels.set(key, p);
  }
  return [...panels.values()]
    .filter((p) => new Set(p.cells.map((c) => c.sigmaW2)).size >= 2 && new Set(p.cells.map((c) => c.depth)).size >= 2)
    .sort((a, b) => b.cells.length - a.cells.length)
    .slice(0, MAX_PANELS);
}

function vanishingAtInit(cell: SweepCell): number | null {
  const r = cell.run.records[0];
  if (r === undefined) return null;
  if (r.vanishing !== undefined && Number.isFinite(r.vanishing)) return r.vanishing;
  return null;
}

function phaseCharts(cells: readonly SweepCell[]): Chart[] {
  const charts: Chart[] = [];
  for (const panel of phasePanels(cells)) {
    const edges = bandEdges(panel.cells.map((c) => c.sigmaW2));
    const spans = [...edges.values()];
    const lo = Math.max(1e-3, Math.min(...spans.map((e) => e[0])));
    const hi = Math.max(...spans.map((e) => e[1]));
    const curves = phaseCurves(scalarActivation(panel.act.name, panel.act.params), panel.sigmaB2, lo, hi, PHASE_CURVE_POINTS);
    const theory = {
      criticalSigmaW2: curves.criticalSigmaW2,
      trainable: curves.points.map((p) => ({ sigmaW2: p.sigmaW2, depth: p.xiC === null ? null : TRAINABLE_DEPTH_XI * p.xiC })),
    };
    const points = (value: (c: SweepCell) => number | null): SignalPhaseCell[] =>
      panel.cells.map(({ cell, sigmaW2, depth }) => ({
        sigmaW2, depth, value: value(cell), cell: cell.id, diverged: (cell.run.summary?.status ?? cell.status) === 'diverged',
      }));
    const trained = panel.cells.some(({ cell }) => (cell.run.summary?.steps ?? 0) > 0 && (cell.run.summary?.testAcc ?? cell.run.summary?.trainAcc) != null);
    const notes = [SIGNAL_NOTES.phaseCurvesCaveat];
    const suffix = `${panel.act.name}-${charts.length}`;
    if (trained) {
      const test = panel.cells.some(({ cell }) => cell.run.summary?.testAcc != null);
      charts.push({
        id: `signal-phase-trainability-${suffix}`, text: SIGNAL_CHARTS.phase, notes,
        spec: signalPhaseSpec(points((c) => (test ? c.run.summary?.testAcc : c.run.summary?.trainAcc) ?? null), theory, {
          metricTitle: test ? SIGNAL_PHASE_METRIC.testAcc : SIGNAL_PHASE_METRIC.trainAcc, diverging: false,
        }),
      });
    }
    charts.push({
      id: `signal-phase-gradient-${suffix}`, text: SIGNAL_CHARTS.phase, notes,
      spec: signalPhaseSpec(points(vanishingAtInit), theory, { metricTitle: SIGNAL_PHASE_METRIC.vanishing, diverging: true }),
    });
  }
  return charts;
}

/** The Hanin-Nica line applies: ReLU, i.i.d. Gaussian weights with sigma_w^2 = 2, zero biases. */
function haninNicaApplies(cell: SweepCell): boolean {
  const info = runInfo(cell.run.config);
  const t = theoryNumbersOf(cell.run.summary);
  const init = info.initName === null ? undefined : resolveInitializerName(info.initName);
  return info.activationName === 'relu' && init !== undefined && INITIALIZERS[init].gaussian && t !== null &&
    Math.abs(t.sigmaW2 - 2) < 1e-9 && t.sigmaB2 === 0;
}

/** Variance of ln ||J e_1||^2 at the first spectra step over each group's seeds and examples. */
export function finiteWidthPoints(cells: readonly SweepCell[]): { points: FiniteWidthPoint[]; maxBetaWithTheory: number | null } {
  const groups = new Map<string, { cells: SweepCell[]; values: number[]; beta: number | null }>();
  for (const cell of cells) {
    const block = cell.run.summary?.spectra;
    const first = block?.steps[0];
    if (block === undefined || first === undefined || first.step !== 0) continue;
    const key = JSON.stringify(Object.entries(cell.overrides).filter(([k]) => !isSeedKey(k)).sort());
    const g = groups.get(key) ?? { cells: [], values: [], beta: Number.isFinite(block.beta) ? block.beta : null };
    g.cells.push(cell);
    for (const v of first.logJv2) if (v !== null) g.values.push(v);
    groups.set(key, g);
  }
  const points: FiniteWidthPoint[] = [];
  let maxBeta: number | null = null;
  for (const g of groups.values()) {
    if (g.cells.length < 2 || g.values.length < 3 || g.beta === null) continue;
    const mean = g.values.reduce((a, v) => a + v, 0) / g.values.length;
    const variance = g.values.reduce((a, v) => a + (v - mean) ** 2, 0) / (g.values.length - 1);
    const info = runInfo(g.cells[0].run.config);
    points.push({
      group: groupLabel(g.cells[0].id),
      series: `${info.activationName ?? '?'}, ${info.initName ?? '?'}`,
      beta: g.beta, variance, n: g.values.length,
    });
    if (haninNicaApplies(g.cells[0])) maxBeta = Math.max(maxBeta ?? 0, g.beta);
  }
  return { points, maxBetaWithTheory: maxBeta };
}

/** The section, or null when no cell carries a theory block or spectra. */
export function sweepSignalSection(cells: readonly SweepCell[], spectra: ReadonlyMap<string, readonly SpectrumLine[]>): Section | null {
  if (!cells.some((c) => theoryNumbersOf(c.run.summary) !== null || (spectra.get(c.id)?.length ?? 0) > 0)) return null;
  const charts: Chart[] = [];
  const notes: string[] = [];
  const sp = spectraChart(cells, spectra);
  if (sp !== null) charts.push(sp);
  const phase = phaseCharts(cells);
  if (phase.length) charts.push(...phase);
  else notes.push(SIGNAL_NOTES.noPhase);
  const fw = finiteWidthPoints(cells);
  if (fw.points.length) {
    const theory = fw.maxBetaWithTheory === null ? null : [0, fw.maxBetaWithTheory].map((beta) => ({ beta, variance: RELU_HE_LOG_NORM_SLOPE * beta }));
    charts.push({ id: 'finite-width', text: SIGNAL_CHARTS.finiteWidth, spec: finiteWidthSpec(fw.points, theory) });
  } else notes.push(SIGNAL_NOTES.noFiniteWidth);
  return { heading: SIGNAL_HEADING, charts, notes };
}
