/**
 * The run report's sections for normalization and residual connections, present only when the
 * records carry the remedy fields, with summary.json's `remedyTheory` block (src/results reads
 * it; it comes typed and well formed, or absent) drawn beside the measurement.
 */
import type { MetricRecord, RemedyTheorySummary, Summary } from '../results/types.js';
import type { Chart, Section } from './html.js';
import { depthOf, hasLayerField } from './specs/common.js';
import { branchRatioSpec, normParamsSpec, normStatsSpec, normTheorySpec, residualTheorySpec } from './specs/remedies.js';
import { REMEDY_CHARTS, REMEDY_NOTES, REMEDY_PAGE } from './text-remedies.js';

/** The notes under the norm's theory chart. */
function normNotes(t: RemedyTheorySummary['norm']): string[] {
  if (t === null) return [REMEDY_NOTES.noTheory];
  return [
    ...(Number.isFinite(t.predictedDeltaFactor) ? [REMEDY_NOTES.normFactor(t.name, t.predictedDeltaFactor, t.measuredDeltaFactor)] : []),
    REMEDY_NOTES.normFirstLayer,
    ...(t.applies ? [] : [REMEDY_NOTES.notCovered(t.reasons.join('; '))]),
    ...(t.notes.length > 0 ? [REMEDY_NOTES.caveats(t.notes.join('; '))] : []),
  ];
}

/** The notes under the residual theory chart. */
function residualNotes(t: RemedyTheorySummary['residual']): string[] {
  if (t === null) return [REMEDY_NOTES.noTheory];
  return [
    REMEDY_NOTES.residualGrowth(t.meanSquareGrowth, t.measuredMeanSquareGrowth),
    ...(t.applies ? [] : [REMEDY_NOTES.notCovered(t.reasons.join('; '))]),
    ...(t.notes.length > 0 ? [REMEDY_NOTES.caveats(t.notes.join('; '))] : []),
  ];
}

/**
 * The Normalization and Residual connections sections of a run's report: `records` all of the
 * run's records (the profiles read the first and the last), `perLayer` the thinned ones (the
 * charts over steps). Empty for a plain MLP.
 */
export function remedySections(records: readonly MetricRecord[], perLayer: readonly MetricRecord[], summary: Summary | null): Section[] {
  if (records.length === 0) return [];
  const theory = summary?.remedyTheory ?? null;
  const depth = depthOf(records);
  const sections: Section[] = [];
  if (hasLayerField(records, 'normStd')) {
    const t = theory?.norm ?? null;
    const notes = normNotes(t);
    const charts: Chart[] = [{ id: 'norm-theory', text: REMEDY_CHARTS.normTheory, spec: normTheorySpec(records[0], depth, t), notes }];
    const sectionNotes: string[] = [];
    if (hasLayerField(records, 'gammaGradNorm')) charts.push({ id: 'norm-params', text: REMEDY_CHARTS.normParams, spec: normParamsSpec(perLayer) });
    else sectionNotes.push(REMEDY_NOTES.noNormParams);
    charts.push({ id: 'norm-stats', text: REMEDY_CHARTS.normStats, spec: normStatsSpec(perLayer) });
    sections.push({ heading: REMEDY_PAGE.sectionNorm, charts, notes: sectionNotes });
  }
  if (hasLayerField(records, 'hiddenRms')) {
    const t = theory?.residual ?? null;
    const notes = residualNotes(t);
    const charts: Chart[] = [
      { id: 'residual-theory', text: REMEDY_CHARTS.residualTheory, spec: residualTheorySpec(records[0], records[records.length - 1], t), notes },
    ];
    if (hasLayerField(records, 'branchRatio')) charts.push({ id: 'branch-ratio', text: REMEDY_CHARTS.branchRatio, spec: branchRatioSpec(perLayer) });
    sections.push({ heading: REMEDY_PAGE.sectionResidual, charts });
  }
  return sections;
}
