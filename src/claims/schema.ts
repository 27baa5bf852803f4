/**
 * The claims file (`experiments/claims.json`), defined once: this zod schema gives the types and
 * the validator; docs/claims.md describes it for people. What zod cannot see (a check's name, its
 * roles and thresholds, that the studies' configs exist and their arms load) is checked in
 * load.ts against the check registry and the configs themselves.
 *
 * Three kinds of claim:
 *   identity   true by algebra or by construction; checks the code against the formula;
 *              verdict `holds` or `fails`
 *   empirical  a reproduction: an effect measured per evaluation seed, its 95% interval, and a
 *              pre-registered threshold; verdict `reproduced`, `not reproduced` or `inconclusive`
 *   untestable listed with the reason it cannot be tested here; verdict `untestable`
 */
import { z } from 'zod';

export const EMPIRICAL_VERDICTS = ['reproduced', 'not reproduced', 'inconclusive'] as const;
export const IDENTITY_VERDICTS = ['holds', 'fails'] as const;
export const UNTESTABLE_VERDICT = 'untestable' as const;
export const VERDICTS = [...EMPIRICAL_VERDICTS, ...IDENTITY_VERDICTS, UNTESTABLE_VERDICT] as const;
export type EmpiricalVerdict = (typeof EMPIRICAL_VERDICTS)[number];
export type IdentityVerdict = (typeof IDENTITY_VERDICTS)[number];
export type Verdict = (typeof VERDICTS)[number];

export const KINDS = ['identity', 'empirical', 'untestable'] as const;
export type Kind = (typeof KINDS)[number];

/** "4", "12b": a number, optionally a letter for a part of it. */
export const CLAIM_ID = /^[1-9][0-9]*[a-z]?$/;
/** A study's base config: a file of experiments/configs/ whose name starts with `claim-`. */
export const CLAIM_CONFIG = /^claim-[A-Za-z0-9._-]+\.json$/;
/** A study or arm name: it becomes part of an experiment folder name. */
export const NAME = /^[a-z0-9][a-z0-9-]*$/;
/** An arm reference in a claim: `<study>/<arm>`. */
export const ARM_REF = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/;
/** Evaluation seeds are seedBase + 0 .. seeds - 1; --seed-base stays below this, under the tuning seeds. */
export const MAX_SEED_BASE = 100_000;

const text = z.string().trim().min(1);
const positive = z.number().positive();

/** The learning-rate choice of a study, made on tuning seeds before the evaluation runs. */
const TuneSchema = z.strictObject({
  /** The pre-registered log grid of learning rates. */
  grid: z.array(positive).min(2),
  /** Seeds of the tuning runs; never evaluation seeds (those stay below MAX_SEED_BASE + seeds). */
  seeds: z.array(z.int().min(MAX_SEED_BASE * 2)).min(1),
  /**
   * `loss`: each arm takes the grid rate with the lowest mean recorded training loss (area under
   * the loss curve, chance-clipped, diverged runs scored at chance) over the tuning seeds;
   * `deadRise`: every arm takes one rate, the smallest where `arm`'s dead share rises by at
   * least `min` on every tuning seed without a divergence (none: the largest smallest rise).
   */
  select: z.discriminatedUnion('by', [
    z.strictObject({ by: z.literal('loss') }),
    z.strictObject({ by: z.literal('deadRise'), arm: z.string().regex(NAME), min: positive }),
  ]),
});

const ArmSchema = z.strictObject({
  /** Config paths ("model.activation") to values, applied to the study's base config; "sweep" replaces the sweep. */
  set: z.record(z.string(), z.unknown()).default({}),
  /** The learning rate of the evaluation runs (from the tuning, when the study tunes). */
  lr: positive.optional(),
  /** The tuning's score per grid rate, in grid order (null: not measured on a tuning seed, e.g. diverged). */
  tuning: z.array(z.strictObject({ lr: positive, score: z.number().nullable() })).optional(),
});

const StudySchema = z
  .strictObject({
    /** The base config, in experiments/configs/. */
    config: z.string().regex(CLAIM_CONFIG, 'a study config is experiments/configs/claim-*.json, named by its file name'),
    description: text,
    /** Evaluation seeds per arm: seedBase + 0 .. seeds - 1. */
    seeds: z.int().min(1).max(50),
    /** Training gate: an arm trained when its mean test accuracy is at least 1/classes + margin (null: no training). */
    gate: z.strictObject({ margin: z.number().min(0).max(1) }).nullable(),
    tune: TuneSchema.nullable(),
    arms: z.record(z.string().regex(NAME), ArmSchema),
  })
  .superRefine((s, ctx) => {
    if (Object.keys(s.arms).length === 0) ctx.addIssue({ code: 'custom', path: ['arms'], message: 'a study needs at least one arm' });
    for (const [name, arm] of Object.entries(s.arms)) {
      if (s.tune !== null && arm.lr === undefined) {
        ctx.addIssue({ code: 'custom', path: ['arms', name, 'lr'], message: 'the study tunes its learning rates, so every arm records the chosen lr' });
      }
      if (arm.lr !== undefined && s.tune !== null && !s.tune.grid.includes(arm.lr)) {
        ctx.addIssue({ code: 'custom', path: ['arms', name, 'lr'], message: `lr ${arm.lr} is not on the tuning grid ${s.tune.grid.join(', ')}` });
      }
    }
    if (s.tune?.select.by === 'deadRise' && !(s.tune.select.arm in s.arms)) {
      ctx.addIssue({ code: 'custom', path: ['tune', 'select', 'arm'], message: `"${s.tune.select.arm}" is not an arm of the study` });
    }
  });

const common = {
  id: z.string().regex(CLAIM_ID, 'an id is a number, optionally followed by one letter ("4", "12b")'),
  title: text,
  /** The post's statement in our own words. */
  statement: text,
  /** The post's section (its heading), or the cited paper. */
  section: text,
  /** The claim measures an error of the post's code, figures or text (listed under errata). */
  erratum: z.boolean().default(false),
  /** How a setting was chosen, anything changed after the first run and why. */
  notes: text.optional(),
};

const measured = {
  /** What is measured, in words. */
  metric: text,
  /** The test, in words, naming the thresholds. */
  predicate: text,
  /** The name of the check in src/claims/checks/ that measures. */
  check: text,
  /** Settings of the measurement (a grid, rounds), never thresholds. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Role -> the arm (`study/arm`) or arms the check reads in that role. */
  arms: z.record(z.string(), z.union([z.string().regex(ARM_REF), z.array(z.string().regex(ARM_REF)).min(1)])).default({}),
  /** One line: why these thresholds. */
  reason: text,
  /** Required when `expected` is not the first verdict of the kind (holds, reproduced). */
  why: text.optional(),
};

const IdentitySchema = z.strictObject({
  ...common,
  ...measured,
  kind: z.literal('identity'),
  thresholds: z.record(z.string(), z.number()).default({}),
  expected: z.enum(IDENTITY_VERDICTS),
});

const EffectSchema = z.strictObject({
  /** The effect in words, e.g. "test accuracy, prelu minus relu". */
  name: text,
  /** The claimed direction: the effect lies above (or below) the threshold. */
  direction: z.enum(['above', 'below']),
  threshold: z.number(),
});

const EmpiricalSchema = z.strictObject({
  ...common,
  ...measured,
  kind: z.literal('empirical'),
  effect: EffectSchema,
  /** Roles whose arms must pass the training gate (default: every role of a trained study). */
  gate: z.array(z.string()).optional(),
  expected: z.enum(EMPIRICAL_VERDICTS),
});

const UntestableSchema = z.strictObject({
  ...common,
  kind: z.literal('untestable'),
  /** Why the statement cannot be tested here. */
  reason: text,
  expected: z.literal(UNTESTABLE_VERDICT),
});

export const ClaimSchema = z.discriminatedUnion('kind', [IdentitySchema, EmpiricalSchema, UntestableSchema]).superRefine((c, ctx) => {
  const first = c.kind === 'identity' ? 'holds' : c.kind === 'empirical' ? 'reproduced' : UNTESTABLE_VERDICT;
  if (c.kind !== 'untestable' && c.expected !== first && c.why === undefined) {
    ctx.addIssue({ code: 'custom', path: ['why'], message: `expected is "${c.expected}", so "why" must say why` });
  }
});

export const ClaimsFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** The post, relative to the claims file. */
    post: text,
    title: text,
    /** How and when the thresholds were registered. */
    registered: text,
    studies: z.record(z.string().regex(NAME), StudySchema),
    claims: z.array(ClaimSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.claims.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['claims', i, 'id'], message: `claim id "${c.id}" appears twice` });
      seen.add(c.id);
    });
  });

export type Claim = z.output<typeof ClaimSchema>;
export type IdentityClaim = z.output<typeof IdentitySchema>;
export type EmpiricalClaim = z.output<typeof EmpiricalSchema>;
export type UntestableClaim = z.output<typeof UntestableSchema>;
export type MeasuredClaim = IdentityClaim | EmpiricalClaim;
export type Study = z.output<typeof StudySchema>;
export type Arm = z.output<typeof ArmSchema>;
export type Tune = z.output<typeof TuneSchema>;
export type Effect = z.output<typeof EffectSchema>;
export type ClaimsFile = z.output<typeof ClaimsFileSchema>;

/** The number part of an id: "12b" -> 12. */
export function claimNumber(id: string): number {
  return Number.parseInt(id, 10);
}

/** Whether a claim is selected by `--only`: "12" selects 12 and 12b; "12b" only 12b. */
export function selects(only: readonly (number | string)[] | undefined, id: string): boolean {
  if (only === undefined || only.length === 0) return true;
  return only.some((o) => {
    const s = String(o).trim();
    return s === id || (/^[0-9]+$/.test(s) && claimNumber(id) === Number(s));
  });
}
