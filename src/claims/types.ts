/**
 * What a check returns and what `verdicts.json` holds.
 *
 * An identity check compares measured values with thresholds (one `Measure` each); the claim
 * holds when every measure is met. An empirical check returns one sample of the effect per
 * evaluation seed; verdict.ts turns the samples into an interval, applies the training gate and
 * decides the outcome.
 */
import type { Spec } from '../report/specs/common.js';
import type { Direction, IntervalMethod } from './stats.js';
import type { Kind, Verdict } from './schema.js';

/** One measured quantity against its threshold. */
export interface Measure {
  readonly label: string;
  /** The measured value; null when it could not be measured. */
  readonly value: number | string | boolean | null;
  /** The threshold in words, e.g. "<= -1". */
  readonly threshold: string;
  /** true: meets the threshold; false: does not; null: not measurable. */
  readonly pass: boolean | null;
}

/** A chart and its caption (generated from the numbers it shows). */
export interface Figure {
  readonly spec: Spec;
  readonly caption: string;
}

export interface IdentityOutcome {
  readonly measures: readonly Measure[];
  /** Numbers that explain the verdict but are not judged. */
  readonly info?: readonly string[];
  readonly figures: readonly Figure[];
}

/** The effect measured on one evaluation seed; null when it could not be measured (`note` says why). */
export interface Sample {
  readonly seed: number;
  readonly value: number | null;
  readonly note?: string;
}

export interface EmpiricalOutcome {
  readonly samples: readonly Sample[];
  /** 't' (default): Student-t interval of the mean; 'median': order-statistic interval of the median. */
  readonly method?: IntervalMethod;
  /** Conditions the claim presupposes (the saturated net is saturated); one unmet makes it inconclusive. */
  readonly preconditions?: readonly Measure[];
  readonly info?: readonly string[];
  readonly figures: readonly Figure[];
}

/** One arm as verdicts.json reports it. */
export interface ArmReport {
  /** `<study>/<arm>`. */
  readonly name: string;
  /** The role the claim gives it. */
  readonly role: string;
  /** Learning rate of its evaluation runs (null: no training). */
  readonly lr: number | null;
  /** Evaluation seeds run. */
  readonly seeds: number;
  /** Passed the training gate (true for arms that are not gated or do not train). */
  readonly trained: boolean;
  readonly gated: boolean;
  /** Runs that diverged, of `seeds`. */
  readonly diverged: number;
  /** Mean test accuracy over the seeds (diverged runs at chance), null without a test split. */
  readonly testAcc: number | null;
}

export interface EffectReport {
  readonly name: string;
  readonly value: number | null;
  readonly interval: readonly [number, number] | null;
  readonly threshold: number;
  readonly direction: Direction;
  readonly method: IntervalMethod;
  readonly perSeed: readonly Sample[];
}

/** One claim's entry of verdicts.json. */
export interface ClaimVerdict {
  readonly id: string;
  readonly title: string;
  readonly kind: Kind;
  readonly section: string;
  readonly erratum: boolean;
  readonly verdict: Verdict;
  readonly expected: Verdict;
  readonly asExpected: boolean;
  /** Why the verdict is inconclusive (or fails unmeasured), the error that stopped the check, or why a claim is untestable. */
  readonly reason?: string;
  readonly measures: readonly Measure[];
  readonly info: readonly string[];
  /** Cells read, as `<experiment>/<cell id>`. */
  readonly runs: readonly string[];
  readonly thresholds?: Readonly<Record<string, number>>;
  /** Empirical claims: evaluation seeds per arm, the arms and the effect. */
  readonly seeds?: number;
  readonly arms?: readonly ArmReport[];
  readonly effect?: EffectReport;
}

/** verdicts.json */
export interface VerdictsFile {
  readonly claimsFile: string;
  readonly counts: {
    readonly identity: Readonly<Record<'holds' | 'fails', number>>;
    readonly empirical: Readonly<Record<'reproduced' | 'not reproduced' | 'inconclusive', number>>;
    readonly untestable: number;
  };
  /** Ids whose verdict differs from the expected one, in either direction. */
  readonly unexpected: readonly string[];
  readonly wallSec: number;
  /** CPU seconds of the whole process, every worker thread included. */
  readonly cpuSec: number;
  readonly seedBase: number;
  readonly claims: readonly ClaimVerdict[];
}
