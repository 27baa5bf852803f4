/**
 * From a check's outcome to a verdict.
 *
 * identity    holds when every measure meets its threshold, fails otherwise (a value that
 *             could not be measured fails, with the reason said)
 * empirical   1. every sample measured, else inconclusive (the notes say why: a diverged run, a
 *                missing one);
 *             2. every gated arm trained: mean test accuracy over the evaluation seeds >= 1 /
 *                classes + margin (diverged runs at chance), else inconclusive ("did not train");
 *             3. every precondition met, else inconclusive;
 *             4. the 95% interval of the samples against the threshold (stats.ts outcomeOf).
 */
import { testAcc } from './effects.js';
import { cellsAt, isDiverged, type ArmRuns } from './runs.js';
import type { EmpiricalClaim, EmpiricalVerdict, IdentityVerdict, Study } from './schema.js';
import { medianInterval, mean, outcomeOf, tInterval, type Interval } from './stats.js';
import * as prose from './prose.js';
import type { ArmReport, EffectReport, EmpiricalOutcome, IdentityOutcome, Measure, Sample } from './types.js';

export function identityVerdict(o: Pick<IdentityOutcome, 'measures'>): { verdict: IdentityVerdict; reason?: string } {
  if (o.measures.length === 0) return { verdict: 'fails', reason: prose.nothingMeasured() };
  const unmeasured = o.measures.filter((m) => m.pass === null);
  if (unmeasured.length) return { verdict: 'fails', reason: prose.unmeasured(unmeasured.map((m) => m.label)) };
  return { verdict: o.measures.every((m) => m.pass === true) ? 'holds' : 'fails' };
}

/** An arm as the claim uses it: its runs, its study and the role the claim gives it. */
export interface UsedArm {
  readonly role: string;
  readonly runs: ArmRuns;
  readonly study: Study;
  readonly gated: boolean;
}

/** The training gate and divergence count of one arm over the evaluation seeds. */
export function armReport(a: UsedArm, seeds: readonly number[]): ArmReport {
  const cells = cellsAt(a.runs, seeds);
  const accs = cells.map(testAcc).filter((x): x is number => x !== null);
  const acc = accs.length === cells.length && cells.length > 0 ? mean(accs) : null;
  const margin = a.study.gate?.margin;
  const classes = cells[0]?.classes ?? null;
  const trained = !a.gated || margin === undefined || classes === null || (acc !== null && acc >= 1 / classes + margin);
  return {
    name: a.runs.ref,
    role: a.role,
    lr: a.runs.lr,
    seeds: new Set(cells.map((c) => c.seed)).size,
    trained,
    gated: a.gated && margin !== undefined,
    diverged: cells.filter(isDiverged).length,
    testAcc: acc,
  };
}

export interface EmpiricalResult {
  readonly verdict: EmpiricalVerdict;
  readonly reason?: string;
  readonly effect: EffectReport;
  readonly arms: readonly ArmReport[];
  readonly interval: Interval | null;
}

/** The effect's interval and the verdict it decides, after the sample, gate and precondition checks. */
export function empiricalVerdict(claim: Pick<EmpiricalClaim, 'effect'>, o: EmpiricalOutcome, arms: readonly ArmReport[]): EmpiricalResult {
  const e = claim.effect;
  const method = o.method ?? 't';
  const samples: readonly Sample[] = o.samples;
  const values = samples.map((s) => s.value);
  const complete = samples.length > 0 && values.every((v): v is number => v !== null && Number.isFinite(v));
  const interval = complete ? (method === 'median' ? medianInterval(values as number[]) : tInterval(values as number[])) : null;
  const effect: EffectReport = {
    name: e.name,
    value: interval?.value ?? null,
    interval: interval === null ? null : [interval.lo, interval.hi],
    threshold: e.threshold,
    direction: e.direction,
    method,
    perSeed: samples,
  };
  const base = { effect, arms, interval };
  const diverged = arms.filter((a) => a.diverged > 0);
  if (!complete) {
    const notes = samples.filter((s) => s.value === null || !Number.isFinite(s.value)).map((s) => prose.sampleNote(s.seed, s.note));
    return { ...base, verdict: 'inconclusive', reason: prose.unmeasuredSamples(notes.length ? notes : [prose.noSamples()], diverged) };
  }
  const untrained = arms.filter((a) => !a.trained);
  if (untrained.length) return { ...base, verdict: 'inconclusive', reason: prose.didNotTrain(untrained) };
  const unmet: Measure[] = (o.preconditions ?? []).filter((m) => m.pass !== true);
  if (unmet.length) return { ...base, verdict: 'inconclusive', reason: prose.preconditionUnmet(unmet) };
  const verdict = outcomeOf(interval!, e.direction, e.threshold);
  return verdict === 'inconclusive' ? { ...base, verdict, reason: prose.straddles(interval!, e.threshold) } : { ...base, verdict };
}
