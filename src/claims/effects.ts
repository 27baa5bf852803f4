/**
 * Per-run quantities the empirical claims compare, with the protocol's rule for a run that
 * diverged: it is scored, never dropped.
 *
 *   test/training accuracy      a diverged run scores chance, 1 / classes
 *   loss area                   mean over the planned record steps of min(loss, ln K); the steps
 *                               after a divergence count ln K (chance-level loss)
 *   activation blow-up          log10 of the largest per-layer actRms growth over training; a
 *                               diverged run scores BLOWUP_CAP
 *
 * Anything else (a gap, a slope, a dead share) has no worst value: a diverged run leaves it
 * unmeasured (null) and the claim inconclusive, with the divergence named.
 */
import { isObject } from '../results/read.js';
import type { Cell } from './runs.js';
import { isDiverged, isOk } from './runs.js';

/** log10 growth a diverged run scores: a million-fold. */
export const BLOWUP_CAP = 6;

const obj = (v: unknown): Readonly<Record<string, unknown>> => (isObject(v) ? v : {});

export function chance(c: Cell): number | null {
  return c.classes === null ? null : 1 / c.classes;
}

/** Planned optimizer steps of a cell (its config's train.steps). */
export function plannedSteps(c: Cell): number {
  const s = obj(c.config.train).steps;
  return typeof s === 'number' ? s : c.summary?.steps ?? 0;
}

/** Test accuracy at the end; chance for a diverged run; null for a failed or missing one. */
export function testAcc(c: Cell): number | null {
  if (isDiverged(c)) return chance(c);
  return isOk(c) ? (c.summary?.testAcc ?? null) : null;
}

/** Training-set accuracy at the end; chance for a diverged run. */
export function trainAcc(c: Cell): number | null {
  if (isDiverged(c)) return chance(c);
  return isOk(c) ? (c.summary?.trainAcc ?? null) : null;
}

/** Training-set loss at the end (ok runs only). */
export function trainLoss(c: Cell): number | null {
  return isOk(c) ? (c.summary?.trainLoss ?? null) : null;
}

/** The record steps the config plans: 0, every, 2 every, ..., and the last step. */
export function plannedRecordSteps(c: Cell): number[] {
  const every = obj(c.config.metrics).every;
  const steps = plannedSteps(c);
  const e = typeof every === 'number' && every > 0 ? every : steps || 1;
  const out: number[] = [];
  for (let s = 0; s <= steps; s += e) out.push(s);
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

/** Mean of min(batch loss, ln K) over the planned record steps; steps after a divergence count ln K. */
export function lossArea(c: Cell): number | null {
  if (c.classes === null || !(isOk(c) || isDiverged(c))) return null;
  const cap = Math.log(c.classes);
  const byStep = new Map(c.records.map((r) => [r.step, r.loss]));
  const steps = plannedRecordSteps(c);
  let sum = 0;
  for (const s of steps) {
    const l = byStep.get(s);
    sum += l !== undefined && Number.isFinite(l) ? Math.min(l, cap) : cap;
  }
  return sum / steps.length;
}

/** log10 of the largest per-layer actRms growth (end over start); BLOWUP_CAP for a diverged run. */
export function blowUp(c: Cell): number | null {
  if (isDiverged(c)) return BLOWUP_CAP;
  const xs = (c.summary?.actRmsGrowthOverTime ?? []).filter((x): x is number => x !== null && x > 0);
  return xs.length ? Math.min(BLOWUP_CAP, Math.log10(Math.max(...xs))) : null;
}
