/**
 * The run report's sections for normalization and residual connections: a defensive reader
 * of summary.json's `remedyTheory` block (src/metrics/remedies.ts writes it) and the sections,
 * present only when the records carry the remedy fields.
 */
import type { MetricRecord, Summary } from '../metrics/types.js';
import type { Chart, Section } from './html.js';
import { finite, isObject } from './read.js';
import { depthOf, hasLayerField } from './specs/common.js';
import { branchRatioSpec, normParamsSpec, normStatsSpec, normTheorySpec, residualTheorySpec } from './specs/remedies.js';
import { REMEDY_CHARTS, REMEDY_NOTES, REMEDY_PAGE } from './text-remedies.js';

export interface RemedyTheoryView {
  readonly norm: {
    readonly name: 'batch' | 'layer';
    readonly applies: boolean;
    readonly reasons: string;
    readonly notes: string;
    readonly predictedDeltaFactor: number | null;
    readonly deltaFactorPerLayer: readonly number[];
    readonly measuredDeltaFactor: number | null;
  } | null;
  readonly residual: {
    readonly applies: boolean;
    readonly reasons: string;
    readonly notes: string;
    readonly meanSquarePerLayer: readonly number[];
    readonly meanSquareGrowth: number | null;
    readonly measuredMeanSquareGrowth: number | null;
  } | null;
}

const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' ? x : NaN)) : []);
const reasonsOf = (v: unknown): string => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').join('; ') : '');

/** summary.remedyTheory, or null when absent or not understood. */
export function remedyTheoryOf(summary: Summary | null): RemedyTheoryView | null {
  const t = summary?.remedyTheory;
  if (!isObject(t)) return null;
  const n = t.norm;
  const r = t.residual;
  return {
    norm: isObject(n) && (n.name === 'batch' || n.name === 'layer')
      ? {
          name: n.name,
          applies: n.applies === true,
          reasons: reasonsOf(n.reasons),
          notes: reasonsOf(n.notes),
          predictedDeltaFactor: finite(n.predictedDeltaFactor),
          deltaFactorPerLayer: numbers(n.deltaFactorPerLayer),
          measuredDeltaFactor: finite(n.measuredDeltaFactor),
        }
      : null,
    residual: isObject(r)
      ? {
          applies: r.applies === true,
          reasons: reasonsOf(r.reasons),
          notes: reasonsOf(r.notes),
          meanSquarePerLayer: numbers(r.meanSquarePerLayer),
          meanSquareGrowth: finite(r.meanSquareGrowth),
          measuredMeanSquareGrowth: finite(r.measuredMeanSquareGrowth),
        }
      : null,
  };
}

/**
 * The Normalization and Residual connections sections of a run's report: `records` all of the
 * run's records (the profiles read the first and the last), `perLayer` the thinned ones (the
 * charts over steps). Empty for a plain MLP.
 */
export function remedySections(records: readonly MetricRecord[], perLayer: readonly MetricRecord[], summary: Summary | null): Section[] {
  if (records.length === 0) return [];
  const theory = remedyTheoryOf(summary);
  const depth = depthOf(records);
  const sections: Section[] = [];
  const hasNorm = hasLayerField(records, 'normStd');
  if (hasNorm) {
    const t = theory?.norm ?? null;
    const notes = t === null
      ? [REMEDY_NOTES.noTheory]
      : [
          ...(t.predictedDeltaFactor === null ? [] : [REMEDY_NOTES.normFactor(t.name, t.predictedDeltaFactor, t.measuredDeltaFactor)]),
          REMEDY_NOTES.normFirstLayer,
          ...(t.applies ? [] : [REMEDY_NOTES.notCovered(t.reasons)]),
          ...(t.notes ? [REMEDY_NOTES.caveats(t.notes)] : []),
        ];
    const charts: Chart[] = [{ id: 'norm-theory', text: REMEDY_CHARTS.normTheory, spec: normTheorySpec(records[0], depth, t), notes }];
    const sectionNotes: string[] = [];
    if (hasLayerField(records, 'gammaGradNorm')) charts.push({ id: 'norm-params', text: REMEDY_CHARTS.normParams, spec: normParamsSpec(perLayer) });
    else sectionNotes.push(REMEDY_NOTES.noNormParams);
    charts.push({ id: 'norm-stats', text: REMEDY_CHARTS.normStats, spec: normStatsSpec(perLayer) });
    sections.push({ heading: REMEDY_PAGE.sectionNorm, charts, notes: sectionNotes });
  }
  if (hasLayerField(records, 'hiddenRms')) {
    const t = theory?.residual ?? null;
    const notes = t === null
      ? [REMEDY_NOTES.noTheory]
      : [
          REMEDY_NOTES.residualGrowth(t.meanSquareGrowth, t.measuredMeanSquareGrowth),
          ...(t.applies ? [] : [REMEDY_NOTES.notCovered(t.reasons)]),
          ...(t.notes ? [REMEDY_NOTES.caveats(t.notes)] : []),
        ];
    const charts: Chart[] = [
      { id: 'residual-theory', text: REMEDY_CHARTS.residualTheory, spec: residualTheorySpec(records[0], records[records.length - 1], t), notes },
    ];
    if (hasLayerField(records, 'branchRatio')) charts.push({ id: 'branch-ratio', text: REMEDY_CHARTS.branchRatio, spec: branchRatioSpec(perLayer) });
    sections.push({ heading: REMEDY_PAGE.sectionResidual, charts });
  }
  return sections;
}
