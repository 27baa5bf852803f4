/**
 * Every sentence of the claims report that speaks about a result: reasons for a verdict and the
 * captions of the figures. Each one is built from the verdict and the measured numbers it is
 * given, so that no sentence can assert an outcome the numbers do not show (a test changes the
 * numbers and watches the words change).
 */
import { fmtNum } from './predicates.js';
import type { Direction, Interval } from './stats.js';
import type { ArmReport, Measure } from './types.js';

const list = (xs: readonly string[]): string => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

// Reasons.
export const nothingMeasured = (): string => 'the check measured nothing';
export const unmeasured = (labels: readonly string[]): string => `not measured: ${labels.join('; ')}`;
export const noSamples = (): string => 'no evaluation run was found';
export const sampleNote = (seed: number, note: string | undefined): string => `seed ${seed}: ${note ?? 'not measured'}`;
export function unmeasuredSamples(notes: readonly string[], diverged: readonly ArmReport[]): string {
  const div = diverged.length ? `; diverged runs: ${diverged.map((a) => `${a.name} ${a.diverged} of ${a.seeds}`).join(', ')}` : '';
  return `the effect could not be measured on every seed (${notes.join('; ')})${div}`;
}
export function didNotTrain(arms: readonly ArmReport[]): string {
  return `did not train: ${list(arms.map((a) => `${a.name} (mean test accuracy ${fmtNum(a.testAcc)}${a.diverged ? `, ${a.diverged} of ${a.seeds} runs diverged` : ''})`))} did not beat chance by the gate's margin`;
}
export const preconditionUnmet = (ms: readonly Measure[]): string =>
  `a precondition of the claim is not met: ${ms.map((m) => `${m.label} is ${m.value === null ? 'not measured' : typeof m.value === 'number' ? fmtNum(m.value) : String(m.value)} (needs ${m.threshold})`).join('; ')}`;
export const straddles = (iv: Pick<Interval, 'lo' | 'hi'>, threshold: number): string =>
  `the 95% interval [${fmtNum(iv.lo)}, ${fmtNum(iv.hi)}] contains the threshold ${fmtNum(threshold)}, so the seeds cannot decide`;
export const checkError = (id: string, err: unknown): string => `claim ${id}: the check failed: ${err instanceof Error ? err.message : String(err)}`;

const methodText = (m: Interval['method']): string => (m === 'median' ? 'median, distribution-free 95% interval' : 'mean, Student-t 95% interval');

/** One sentence: where the interval lies against the threshold, in the claimed direction. */
export function intervalSentence(effect: string, iv: Interval | null, direction: Direction, threshold: number): string {
  if (iv === null) return `${effect}: not measured on every seed.`;
  const where = (direction === 'above' ? iv.lo > threshold : iv.hi < threshold)
    ? `lies wholly ${direction} the threshold ${fmtNum(threshold)}`
    : (direction === 'above' ? iv.hi < threshold : iv.lo > threshold)
      ? `lies wholly on the other side of the threshold ${fmtNum(threshold)} (the claim says ${direction})`
      : `contains the threshold ${fmtNum(threshold)}`;
  return `${effect}: ${fmtNum(iv.value)} over ${iv.n} ${iv.n === 1 ? 'sample' : 'samples'} (${methodText(iv.method)} [${fmtNum(iv.lo)}, ${fmtNum(iv.hi)}]); the interval ${where}.`;
}

/** Caption of the per-seed effect chart. */
export function effectCaption(effect: string, iv: Interval | null, direction: Direction, threshold: number, unit: 'seed' | 'round'): string {
  return `Each point is one ${unit}'s ${effect}; the bar is the 95% interval and the dashed line the pre-registered threshold. ${intervalSentence(effect, iv, direction, threshold)}`;
}

/** Caption of curves of one quantity per arm (loss, dead share) averaged over seeds. */
export function curvesCaption(what: string, ends: readonly { readonly name: string; readonly end: number | null }[], seeds: number): string {
  return `${what}, mean over ${seeds} evaluation seeds per arm. At the last record: ${list(ends.map((e) => `${e.name} ${fmtNum(e.end)}`))}.`;
}

/** Caption of a width sweep: the measured value against the mean-field value, per width. */
export function sweepCaption(what: string, rows: readonly { readonly width: number; readonly measured: number | null; readonly theory: number | null }[]): string {
  const dep = rows.map((r) => ({ w: r.width, d: r.measured !== null && r.theory !== null ? Math.abs(r.measured - r.theory) : null }));
  const first = dep[0];
  const last = dep[dep.length - 1];
  const trend =
    first?.d != null && last?.d != null
      ? last.d < first.d
        ? `the departure from the mean-field value shrinks from ${fmtNum(first.d)} at width ${first.w} to ${fmtNum(last.d)} at width ${last.w}`
        : `the departure from the mean-field value does not shrink: ${fmtNum(first.d)} at width ${first.w}, ${fmtNum(last.d)} at width ${last.w}`
      : 'the departure could not be measured at every width';
  return `${what} per width (points: seeds; line: mean-field prediction); ${trend}.`;
}

/** Caption of a per-layer profile of several series. */
export function profileCaption(what: string, ends: readonly { readonly name: string; readonly first: number | null; readonly last: number | null }[]): string {
  return `${what} per hidden layer. ${ends.map((e) => `${e.name}: ${fmtNum(e.first)} at layer 0, ${fmtNum(e.last)} at the last hidden layer`).join('; ')}.`;
}

/** Caption of a bar or point chart comparing a few named values. */
export function valuesCaption(what: string, values: readonly { readonly name: string; readonly value: number | null }[]): string {
  return `${what}: ${list(values.map((v) => `${v.name} ${fmtNum(v.value)}`))}.`;
}

/** Caption of a chart that shows measures of an identity check: how many met their thresholds. */
export function measuresCaption(what: string, measures: readonly Measure[]): string {
  const met = measures.filter((m) => m.pass === true).length;
  const missed = measures.filter((m) => m.pass !== true).map((m) => m.label);
  return `${what}. ${met} of ${measures.length} measured values meet their thresholds${missed.length ? `; not met: ${missed.join('; ')}` : ''}.`;
}
