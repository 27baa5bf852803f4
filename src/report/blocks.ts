/**
 * Defensive readers for the optional blocks of summary.json that src/metrics/recorder.ts writes
 * (RecorderSummary: theory, initial, final, deadUnits, deadUnitEvents, bornDeadLayers,
 * actRmsGrowthOverTime). Each returns null when its block is absent or not
 * understood, and the report then omits the chart or says why.
 */
import type { Summary } from '../metrics/types.js';
import { finite, isObject } from './read.js';

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

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** summary.theory (src/metrics/theory.ts TheoryBlock): chi1, else predictedDeltaFactor (the same factor). */
export function theoryOf(summary: Summary | null): Theory | null {
  const t = summary?.theory;
  if (!isObject(t)) return null;
  const chi1 = finite(t.chi1) ?? finite(t.predictedDeltaFactor);
  const perLayer = Array.isArray(t.chi1PerLayer) && t.chi1PerLayer.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)
    ? (t.chi1PerLayer as number[])
    : null;
  return {
    applies: t.applies !== false,
    chi1: chi1 !== null && chi1 > 0 ? chi1 : null,
    chi1PerLayer: perLayer,
    qStar: finite(t.qStar),
    reason: [...strings(t.reasons), ...strings(t.reason)].join('; '),
  };
}

/**
 * summary.theory's forward numbers: q_l, the pre-activation variance of hidden layer l
 * (l = 0..depth-1), and sigma_b^2. Null when the block or either field is absent or not finite.
 */
export function lengthsOf(summary: Summary | null): { readonly qPerLayer: readonly number[]; readonly sigmaB2: number } | null {
  const t = summary?.theory;
  if (!isObject(t) || !Array.isArray(t.qPerLayer) || t.qPerLayer.length === 0) return null;
  const q = t.qPerLayer.map((v) => finite(v)).filter((v): v is number => v !== null);
  const sigmaB2 = finite(t.sigmaB2);
  if (sigmaB2 === null || q.length !== t.qPerLayer.length) return null;
  return { qPerLayer: q, sigmaB2 };
}

/** One entry of summary.deadUnitEvents (src/metrics/dead.ts DeadUnitEvent). */
export interface DeadUnitEvent {
  readonly layer: number;
  readonly unit: number | null;
  /** The record at which the unit was first seen dead (or alive again). */
  readonly step: number;
  readonly kind: 'died' | 'revived';
}

/**
 * summary.deadUnitEvents: when each unit died (and came back), as the recorder kept them (at
 * most MAX_DEAD_EVENTS; `dropped` counts the rest). Null when the block is absent.
 */
export function deadUnitEventsOf(summary: Summary | null): { events: DeadUnitEvent[]; dropped: number } | null {
  const v = summary?.deadUnitEvents;
  if (!Array.isArray(v)) return null;
  const events: DeadUnitEvent[] = [];
  for (const e of v) {
    if (!isObject(e)) continue;
    const layer = finite(e.layer);
    const step = finite(e.step);
    if (layer === null || step === null) continue;
    events.push({ layer, unit: finite(e.unit), step, kind: e.kind === 'revived' ? 'revived' : 'died' });
  }
  return { events, dropped: finite(summary?.deadUnitEventsDropped) ?? 0 };
}

/** Units dead at step 0 over all hidden layers (sum of summary.deadUnits[].deadAtInit), or null. */
export function bornDeadOf(summary: Summary | null): number | null {
  const v = summary?.deadUnits;
  if (!Array.isArray(v)) return null;
  let total = 0;
  for (const l of v) if (isObject(l)) total += finite(l.deadAtInit) ?? 0;
  return total;
}

/** summary.bornDeadLayers: hidden layers with every unit dead at step 0 (the output is constant). */
export function bornDeadLayersOf(summary: Summary | null): number[] {
  const v = summary?.bornDeadLayers;
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

/** max over layers of summary.actRmsGrowthOverTime (activation RMS at the end over at init), or null. */
export function blowupOverTimeOf(summary: Summary | null): number | null {
  const v = summary?.actRmsGrowthOverTime;
  if (!Array.isArray(v)) return null;
  const xs = v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return xs.length ? Math.max(...xs) : null;
}

/** A scalar of summary.initial or summary.final (e.g. vanishing, deltaGrowth). */
export function blockNumber(summary: Summary | null, block: 'initial' | 'final', key: string): number | null {
  const b = summary?.[block];
  return isObject(b) ? finite(b[key]) : null;
}
