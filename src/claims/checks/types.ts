/**
 * The contract of a check: what it reads (roles of arms, params, thresholds) and what it returns.
 * The claims file names a check; the loader validates the claim's roles, thresholds and params
 * against the check's definition before anything runs.
 *
 * A check measures and builds its figures; it never decides an empirical verdict (verdict.ts
 * does, from the samples), never moves a threshold and never reads the expected verdict.
 */
import type { z } from 'zod';
import type { ArmRuns } from '../runs.js';
import type { EmpiricalClaim, IdentityClaim } from '../schema.js';
import type { EmpiricalOutcome, IdentityOutcome } from '../types.js';

/** 'one' arm, a list of 'many' (at least one), or 'any': a list that may be absent. */
export type Arity = 'one' | 'many' | 'any';

/** What a check sees. */
export interface CheckContext<P, C> {
  readonly claim: C;
  readonly params: P;
  readonly t: Readonly<Record<string, number>>;
  /** `--seed-base`: checks that draw their own random numbers shift their seed by it. */
  readonly seedBase: number;
  /** The evaluation seeds (seedBase + 0 .. n - 1) of the claim's arms. */
  readonly seeds: readonly number[];
  /** The arm of a role. */
  arm(role: string): ArmRuns;
  /** The arms of a role that lists several (none for an absent 'any' role). */
  arms(role: string): ArmRuns[];
}

interface Common {
  readonly doc: string;
  readonly roles: Readonly<Record<string, Arity>>;
  readonly params: z.ZodType;
}

export interface IdentityCheck extends Common {
  readonly kind: 'identity';
  readonly thresholds: readonly string[];
  /** Thresholds read only with some params (tanh's identity tolerance). */
  readonly optionalThresholds: readonly string[];
  evaluate(ctx: CheckContext<unknown, IdentityClaim>): IdentityOutcome | Promise<IdentityOutcome>;
}

export interface EmpiricalCheck extends Common {
  readonly kind: 'empirical';
  evaluate(ctx: CheckContext<unknown, EmpiricalClaim>): EmpiricalOutcome | Promise<EmpiricalOutcome>;
}

export type CheckDef = IdentityCheck | EmpiricalCheck;

type Typed<S extends z.ZodType, C, O> = {
  readonly doc: string;
  readonly roles: Readonly<Record<string, Arity>>;
  readonly params: S;
  evaluate(ctx: CheckContext<z.output<S>, C>): O | Promise<O>;
};

/** An identity check with `evaluate`'s params typed from its schema (the loader parses them with it first). */
export function identity<S extends z.ZodType>(
  def: Typed<S, IdentityClaim, IdentityOutcome> & { readonly thresholds: readonly string[]; readonly optionalThresholds?: readonly string[] },
): IdentityCheck {
  return {
    kind: 'identity',
    doc: def.doc,
    roles: def.roles,
    params: def.params,
    thresholds: def.thresholds,
    optionalThresholds: def.optionalThresholds ?? [],
    evaluate: (ctx) => def.evaluate({ ...ctx, params: def.params.parse(ctx.params) }),
  };
}

/** An empirical check with typed params. */
export function empirical<S extends z.ZodType>(def: Typed<S, EmpiricalClaim, EmpiricalOutcome>): EmpiricalCheck {
  return {
    kind: 'empirical',
    doc: def.doc,
    roles: def.roles,
    params: def.params,
    evaluate: (ctx) => def.evaluate({ ...ctx, params: def.params.parse(ctx.params) }),
  };
}
