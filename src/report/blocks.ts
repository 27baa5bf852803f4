/**
 * The views of summary.json's recorder blocks that the reports draw (src/results reads the file;
 * the blocks come typed and well formed, or absent). Each returns null when its block is absent,
 * and the report then omits the chart or says why.
 */
import type { DeadUnitEvent, Summary, SummaryPoint } from '../results/types.js';

export interface Theory {
  readonly applies: boolean;
  /**
   * Schoenholz et al. 2017's chi_1 = sigma_w^2 E[f'(z)^2] at q*: one layer toward the input
   * multiplies the mean squared backward signal ||dL/dz||^2 by chi_1 (the convention of
   * MetricRecord.deltaGrowth and of theory.predictedDeltaFactor).
   */
  readonly chi1: number | null;
  /** chi_1(q_l) per hidden layer: the factor from layer l+1 to layer l (includes the transient to q*). */
  readonly chi1PerLayer: readonly number[] | null;
  readonly qStar: number | null;
  /** Why the theory does not apply, joined (empty when it does or the block does not say). */
  readonly reason: string;
}

/** summary.theory (src/metrics/theory.ts TheoryBlock): chi1, else predictedDeltaFactor (the same factor). */
export function theoryOf(summary: Summary | null): Theory | null {
  const t = summary?.theory;
  if (t === undefined || t === null) return null;
  const chi1 = t.chi1 ?? t.predictedDeltaFactor;
  const perLayer = t.chi1PerLayer.every((v) => Number.isFinite(v) && v > 0) ? t.chi1PerLayer : null;
  return {
    applies: t.applies,
    chi1: chi1 !== null && chi1 > 0 ? chi1 : null,
    chi1PerLayer: perLayer,
    qStar: t.qStar,
    reason: t.reasons.join('; '),
  };
}

/**
 * summary.deadUnitEvents: when each unit died (and came back), as the recorder kept them (at
 * most MAX_DEAD_EVENTS; `dropped` counts the rest). Null when the block is absent.
 */
export function deadUnitEventsOf(summary: Summary | null): { events: readonly DeadUnitEvent[]; dropped: number } | null {
  const events = summary?.deadUnitEvents;
  if (events === undefined) return null;
  return { events, dropped: summary?.deadUnitEventsDropped ?? 0 };
}

/** Units dead at step 0 over all hidden layers (sum of summary.deadUnits[].deadAtInit), or null. */
export function bornDeadOf(summary: Summary | null): number | null {
  const layers = summary?.deadUnits;
  return layers === undefined ? null : layers.reduce((total, l) => total + l.deadAtInit, 0);
}

/** summary.bornDeadLayers: hidden layers with every unit dead at step 0 (the output is constant). */
export function bornDeadLayersOf(summary: Summary | null): readonly number[] {
  return summary?.bornDeadLayers ?? [];
}

/** max over layers of summary.actRmsGrowthOverTime (activation RMS at the end over at init), or null. */
export function blowupOverTimeOf(summary: Summary | null): number | null {
  const xs = (summary?.actRmsGrowthOverTime ?? []).filter((x): x is number => x !== null && Number.isFinite(x));
  return xs.length ? Math.max(...xs) : null;
}

/** A scalar of summary.initial or summary.final (e.g. vanishing, deltaGrowth). */
export function blockNumber(summary: Summary | null, block: 'initial' | 'final', key: 'vanishing' | 'deltaGrowth' | 'actGrowth'): number | null {
  const point: SummaryPoint | null | undefined = summary?.[block];
  return point?.[key] ?? null;
}
