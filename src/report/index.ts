/**
 * Reports: turn what a run wrote to disk into self-contained HTML (Vega-Lite charts with static
 * SVG fallbacks). Reports read files only, so `gradflow report <dir>` re-renders any old run.
 *
 *   writeRunReport(cellDir)   -> <cellDir>/report.html
 *   writeSweepReport(expDir)  -> <expDir>/report.html   (index.json + cell folders)
 *   writeFigures(outDir)      -> <outDir>/index.html    (the post's activation figures)
 *
 * Each chart's spec builder is exported on its own: a pure `records -> Vega-Lite spec`.
 */
export { writeRunReport, runPage, statusLine } from './run-report.js';
export { writeSweepReport, sweepPage, cellRow, numericAxes, vanishingOf, seedSection, seedAxes, chooseOutcome } from './sweep-report.js';
export { writeFigures } from './gallery.js';
export { readRun, readSweep, runInfo, type RunData, type SweepData, type RunInfo } from './read.js';
export { writeReports, type ReportTargets } from './write.js';
export { downsample, layerBudget, SCALAR_BUDGET, HISTOGRAM_BUDGET } from './downsample.js';
export { compileSpec, renderSvg, renderView, countMarks } from './render.js';
export { renderPage, escapeHtml, type Chart, type Section, type Page } from './html.js';
export {
  lossSpec, gradHeatmapSpec, gradProfileSpec, activationHistogramSpec, activationStatsSpec, deadSaturatedSpec,
  deathStepsSpec, revivedSpec, updateRatioSpec, preluSpec, chooseSteps, chooseLayers,
} from './specs/run.js';
export {
  vanishingDepthSpec, deadByActivationSpec, blowupSpec, phaseSpec, proportionSpec, lossBandSpec,
  type CellRow, type DeadRow, type PhasePoint, type SeedPoint, type ProportionPoint, type LossPoint,
} from './specs/sweep.js';
export { activationFigureSpec, activationAnnotations, POST_ACTIVATIONS, OTHER_ACTIVATIONS } from './specs/figures.js';
export type { Spec } from './specs/common.js';
