/**
 * What a check returns and what `verdicts.json` holds. A check measures, compares each measured
 * value with its pre-registered threshold (one `Measure` each), and the verdict follows from the
 * measures (`verdictOf`) unless the check states a reason to call it inconclusive.
 */
import type { Spec } from '../report/specs/common.js';
import type { Verdict } from './schema.js';

/** One measured quantity against its threshold. */
export interface Measure {
  readonly label: string;
  /** The measured value; null when it could not be measured. */
  readonly value: number | string | boolean | null;
  /** The threshold in words, e.g. "<= -1". */
  readonly threshold: string;
  /** true: meets the threshold; false: does not; null: not measurable (makes the verdict inconclusive). */
  readonly pass: boolean | null;
}

/** What a check hands back. */
export interface Outcome {
  readonly measures: readonly Measure[];
  /** Set by a check whose measures cannot settle it (timing noise, seeds that disagree): the verdict is inconclusive. */
  readonly inconclusive?: string;
  /** Numbers that explain the verdict but are not judged (shown in the report). */
  readonly info?: readonly string[];
  /** The chart that shows the evidence, or null. */
  readonly chart: Spec | null;
  /** Caption of the chart: how to read it. */
  readonly caption?: string;
}

/** One claim's entry of verdicts.json. */
export interface ClaimVerdict {
  readonly id: string;
  readonly title: string;
  readonly section: string;
  readonly verdict: Verdict;
  readonly expected: Verdict;
  /** verdict === expected, or the claim was reproduced when expected otherwise. */
  readonly asExpected: boolean;
  /** Why the verdict is inconclusive, or the error that stopped the check. */
  readonly reason?: string;
  readonly measures: readonly Measure[];
  readonly info: readonly string[];
  /** Cells read, as `<config name>/<cell id>`. */
  readonly runs: readonly string[];
  readonly thresholds: Readonly<Record<string, number>>;
}

/** verdicts.json */
export interface VerdictsFile {
  readonly claimsFile: string;
  readonly counts: Readonly<Record<Verdict, number>>;
  /** Claims whose verdict is not the expected one and not better. */
  readonly unexpected: readonly string[];
  readonly wallSec: number;
  readonly claims: readonly ClaimVerdict[];
}

/**
 * The verdict the measures imply: a stated reason or any unmeasurable value -> inconclusive;
 * every measure met -> reproduced; otherwise not reproduced.
 */
export function verdictOf(outcome: Pick<Outcome, 'measures' | 'inconclusive'>): Verdict {
  if (outcome.inconclusive !== undefined || outcome.measures.length === 0) return 'inconclusive';
  if (outcome.measures.some((m) => m.pass === null)) return 'inconclusive';
  return outcome.measures.every((m) => m.pass === true) ? 'reproduced' : 'not reproduced';
}
