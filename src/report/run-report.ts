/**
 * A run's report: reads a cell folder, thins long series (downsample.ts), calls one spec builder
 * per chart and writes <cell>/report.html. No clock is read, so the same folder always gives
 * the same bytes.
 */
import { basename, join } from 'node:path';
import { REPORT_FILE } from '../results/layout.js';
import { MAX_LINE_BYTES, orNull } from '../results/read.js';
import { readSpectra, type SpectrumLine } from '../results/read-signal.js';
import type { MetricRecord, Summary } from '../results/types.js';
import { writeFileAtomic } from '../results/write.js';
import { bornDeadLayersOf, bornDeadOf, deadUnitEventsOf, theoryOf } from './blocks.js';
import { HISTOGRAM_BUDGET, SCALAR_BUDGET, downsample, layerBudget } from './downsample.js';
import { escapeHtml, renderPage, type Chart, type Section } from './html.js';
import { readRun, runInfo, type RunData, type RunInfo } from './read.js';
import { remedySections } from './remedies.js';
import { runSignalSection } from './signal-section.js';
import { depthOf, hasLayerField } from './specs/common.js';
import {
  activationHistogramSpec, activationStatsSpec, deadSaturatedSpec, deathStepsSpec, gradHeatmapSpec, gradProfileSpec,
  histogramLayers, lossSpec, preluSpec, revivedSpec, updateRatioSpec,
} from './specs/run.js';
import { AXIS, NOTES, PAGE, RUN_CHARTS } from './text.js';

type StatusKind = 'ok' | 'diverged' | 'interrupted' | 'failed' | 'missing';

export function statusLine(summary: Summary | null, records: number): { kind: StatusKind; text: string } {
  if (!summary) return { kind: 'missing', text: PAGE.statusMissing(records) };
  switch (summary.status) {
    case 'ok':
      return { kind: 'ok', text: PAGE.statusOk(summary.steps) };
    case 'diverged': {
      const d = summary.diverged;
      const step = typeof d?.step === 'number' ? d.step : summary.steps;
      return { kind: 'diverged', text: PAGE.statusDiverged(step, typeof d?.layer === 'number' ? d.layer : null, d?.what ?? 'loss') };
    }
    case 'interrupted':
      return { kind: 'interrupted', text: PAGE.statusInterrupted(summary.steps) };
    case 'failed':
      return { kind: 'failed', text: PAGE.statusFailed(typeof summary.error === 'string' ? summary.error : '') };
  }
}

const show = (v: string | number | null): string => (v === null || v === '' ? PAGE.unknown : String(v));

function factsMarkup(info: RunInfo, summary: Summary | null): string {
  const c = PAGE.config;
  const shape = info.depth !== null || info.width !== null ? `${show(info.depth)} × ${show(info.width)}` : PAGE.unknown;
  const steps = info.steps !== null ? String(info.steps) : info.epochs !== null ? `${info.epochs} epochs` : PAGE.unknown;
  const facts: [string, string][] = [
    [c.data, show(info.data)],
    [c.shape, shape],
    [c.activation, show(info.activation)],
    [c.init, show(info.init)],
    [c.optimizer, show(info.optimizer)],
    [c.lr, show(info.lr)],
    [c.steps, steps],
    [c.batch, show(info.batchSize)],
    [c.seed, show(info.seed)],
  ];
  if (summary) {
    if (Number.isFinite(summary.params)) facts.push([c.params, String(summary.params)]);
    if (Number.isFinite(summary.timeSec)) facts.push([PAGE.runtime, PAGE.runtimeValue(summary.timeSec, summary.stepsPerSec)]);
  }
  return `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>`;
}

function lossTitle(loss: string | null): string {
  return loss === 'cross_entropy' ? AXIS.lossCrossEntropy : loss === 'mse' ? AXIS.lossMse : AXIS.lossGeneric;
}

type Thinned = ReturnType<typeof thin>;

/** Thinned copies of the run's series and the notes that say so. */
function thin(run: RunData) {
  const depth = depthOf(run.records);
  const budget = layerBudget(depth + 1);
  const isEval = (r: MetricRecord): boolean => r.trainAcc !== undefined || r.testAcc !== undefined || r.testLoss !== undefined;
  const perLayer = downsample(run.records, budget, isEval);
  const scalar = downsample(run.records, SCALAR_BUDGET, isEval);
  const hist = downsample(run.histograms, HISTOGRAM_BUDGET);
  const notes: string[] = [];
  if (perLayer.stride > 1) notes.push(PAGE.downsampled(perLayer.items.length, perLayer.total, perLayer.stride));
  return { depth, budget, perLayer: perLayer.items, scalar: scalar.items, scalarStride: scalar.stride, hist: hist.items, notes };
}

/** The gradients section: the per-layer heatmap and the profile with the mean-field line. */
function gradientsSection(run: RunData, t: Thinned, summary: RunData['summary'], diverged: number | null, divergedNote: readonly string[]): Section {
  const nonFinite = t.perLayer.reduce((s, r) => s + r.layers.filter((l) => !Number.isFinite(l.gradNorm)).length, 0);
  const zeros = t.perLayer.some((r) => r.layers.some((l) => l.gradNorm === 0));
  const theory = theoryOf(summary);
  const theoryNotes = !theory || theory.chi1 === null
    ? [NOTES.noTheory]
    : [
        ...(theory.applies ? [] : [NOTES.theoryNotApplicable(theory.reason)]),
        NOTES.theoryLine(theory.chi1, theory.chi1PerLayer !== null),
      ];
  return {
    heading: PAGE.sectionGradients,
    charts: [
      {
        id: 'grad-heatmap', text: RUN_CHARTS.gradHeatmap, spec: gradHeatmapSpec(t.perLayer, { divergedStep: diverged }),
        notes: [...t.notes, ...(nonFinite ? [NOTES.nonFinite(nonFinite)] : []), ...(zeros ? [NOTES.nonPositive] : []), ...divergedNote],
      },
      {
        id: 'grad-profile', text: RUN_CHARTS.gradProfile,
        spec: gradProfileSpec(run.records, theory ? { chi1: theory.chi1, chi1PerLayer: theory.chi1PerLayer, applies: theory.applies } : {}),
        notes: theoryNotes,
      },
    ],
  };
}

/** The activations section: histograms and per-layer statistics, or notes saying why not. */
function activationsSection(t: Thinned): Section {
  const actCharts: Chart[] = [];
  const actNotes: string[] = [];
  if (t.hist.length) {
    const layers = histogramLayers(t.hist, t.depth);
    const hidden = new Set(t.hist.flatMap((h) => h.layers.map((l) => l.layer)).filter((l) => l < t.depth)).size;
    actCharts.push({
      id: 'act-hist', text: RUN_CHARTS.actHist, spec: activationHistogramSpec(t.hist, { layers, depth: t.depth }),
      notes: layers.length < hidden ? [NOTES.histLayers(layers, hidden)] : [],
    });
  } else actNotes.push(NOTES.noHistograms);
  if (['actMean', 'actStd', 'actRms'].some((k) => hasLayerField(t.perLayer, k))) {
    actCharts.push({ id: 'act-stats', text: RUN_CHARTS.actStats, spec: activationStatsSpec(t.perLayer) });
  } else actNotes.push(NOTES.noActStats);
  return { heading: PAGE.sectionActivations, charts: actCharts, notes: actNotes };
}

/** The dead and saturated units section: shares per layer, death steps and revivals. */
function deadSection(t: Thinned, summary: RunData['summary']): Section {
  const deadCharts: Chart[] = [];
  const deadNotes: string[] = [];
  const bornDead = bornDeadOf(summary);
  if (hasLayerField(t.perLayer, 'deadFraction') || hasLayerField(t.perLayer, 'saturatedFraction')) {
    deadCharts.push({ id: 'dead-saturated', text: RUN_CHARTS.deadSat, spec: deadSaturatedSpec(t.perLayer) });
  } else deadNotes.push(NOTES.noDeadSat);
  const deaths = deadUnitEventsOf(summary);
  const bornNotes = [
    ...(bornDead ? [NOTES.bornDead(bornDead)] : []),
    ...(bornDeadLayersOf(summary).length ? [NOTES.bornDeadLayers(bornDeadLayersOf(summary))] : []),
  ];
  if (deaths === null) deadNotes.push(NOTES.noDeadUnits, ...bornNotes);
  else if (deaths.events.length === 0) deadNotes.push(NOTES.noDeadUnitsFound, ...bornNotes);
  else {
    deadCharts.push({
      id: 'death-steps', text: RUN_CHARTS.deathSteps, spec: deathStepsSpec(deaths.events),
      notes: [...bornNotes, ...(deaths.dropped ? [NOTES.droppedEvents(deaths.dropped)] : [])],
    });
  }
  const anyDeath = (deaths?.events.length ?? 0) > 0 || t.perLayer.some((r) => r.layers.some((l) => (l.deadFraction ?? 0) > 0 || (l.revivedCount ?? 0) > 0));
  if (hasLayerField(t.perLayer, 'revivedCount') && anyDeath) {
    deadCharts.push({ id: 'revived', text: RUN_CHARTS.revived, spec: revivedSpec(t.perLayer) });
  } else if (!hasLayerField(t.perLayer, 'revivedCount')) deadNotes.push(NOTES.noRevived);
  return { heading: PAGE.sectionDead, charts: deadCharts, notes: deadNotes };
}

/** The page model of a run's report (sections of charts), before rendering. */
export function runPage(run: RunData, spectra: readonly SpectrumLine[] = []): { title: string; header: string; sections: Section[]; footer: string[] } {
  const info = runInfo(run.config);
  const summary = run.summary;
  const status = statusLine(summary, run.records.length);
  const diverged = summary?.status === 'diverged' && typeof summary.diverged?.step === 'number' ? summary.diverged.step : null;
  const header = `<p class="kicker">${escapeHtml(PAGE.runTitle)} · ${escapeHtml(PAGE.cell)} ${escapeHtml(basename(run.dir))}</p>
<h1>${escapeHtml(info.name || basename(run.dir))}</h1>
<p class="desc">${escapeHtml(info.description || PAGE.noDescription)}</p>
<p><span class="status ${status.kind}">${escapeHtml(status.text)}</span></p>
${factsMarkup(info, summary)}`;
  const footer: string[] = [PAGE.footer];
  const sections: Section[] = [];
  const fileNotes = [
    ...(run.partialLine ? [PAGE.partialLine] : []),
    ...(run.badLines > 0 ? [PAGE.badLines(run.badLines)] : []),
    ...((run.longLines ?? 0) > 0 ? [PAGE.longLines(run.longLines ?? 0, MAX_LINE_BYTES / 2 ** 20)] : []),
  ];
  if (run.records.length === 0) {
    sections.push({ heading: PAGE.sectionTraining, charts: [], notes: [PAGE.noRecords, ...fileNotes] });
    return { title: `${PAGE.runTitle}: ${info.name}`, header, sections, footer };
  }
  const t = thin(run);
  const divergedNote = diverged !== null ? [NOTES.divergedMarker(diverged)] : [];

  sections.push({
    heading: PAGE.sectionTraining,
    charts: [{ id: 'loss', text: RUN_CHARTS.loss, spec: lossSpec(t.scalar, { lossTitle: lossTitle(info.loss), divergedStep: diverged }), notes: [...divergedNote, ...fileNotes] }],
  });

  sections.push(gradientsSection(run, t, summary, diverged, divergedNote));

  sections.push(...remedySections(run.records, t.perLayer, summary));
  const signal = runSignalSection(run, spectra);
  if (signal !== null) sections.push(signal);

  sections.push(activationsSection(t));

  sections.push(deadSection(t, summary));

  const hasUpdates = t.perLayer.some((r) => r.layers.some((l) => Number.isFinite(l.updateRatio) && l.updateRatio > 0));
  sections.push({
    heading: PAGE.sectionUpdates,
    charts: hasUpdates ? [{ id: 'update-ratio', text: RUN_CHARTS.updateRatio, spec: updateRatioSpec(t.perLayer) }] : [],
    notes: hasUpdates ? [] : [NOTES.noUpdate],
  });

  if (hasLayerField(t.perLayer, 'preluSlope')) {
    sections.push({ heading: PAGE.sectionPrelu, charts: [{ id: 'prelu', text: RUN_CHARTS.prelu, spec: preluSpec(t.perLayer) }] });
  }
  footer.unshift(PAGE.downsampleRule(t.budget, SCALAR_BUDGET));
  return { title: `${PAGE.runTitle}: ${info.name || basename(run.dir)}`, header, sections, footer };
}

/** Renders <cellDir>/report.html from the files in cellDir; returns its path. */
export async function writeRunReport(cellDir: string): Promise<string> {
  const run = readRun(cellDir);
  const html = await renderPage(runPage(run, orNull(() => readSpectra(cellDir)) ?? []));
  const out = join(cellDir, REPORT_FILE);
  writeFileAtomic(out, html);
  return out;
}


