/**
 * What every registry (activations, initializers, losses, optimizers, data sets) shares: the
 * spec of an entry's parameters, filling them in, and finding an entry by name.
 *
 * A parameter spec gives the type, the default, a doc line and, for numbers, the bounds. A
 * bound is inclusive unless marked exclusive: Adam's beta1 is in [0, 1) because 1 - beta1^t
 * divides the step, so `{min: 0, max: 1, exclusiveMax: true}`. The config schema, `gradflow
 * list`, the data loaders and the net's own checks all read these specs, so a bound is stated
 * once.
 *
 * Names are matched case-insensitively against the canonical names and their aliases; a name
 * that matches nothing gets the nearest spelling as a suggestion when it is close enough to be
 * a typo (`nearest`).
 */
import { expectedParam, intervalText, paramOutside, paramRefused } from '../messages.js';

interface SpecBase {
  /** One line: what the parameter does (shown by `gradflow list` and in the JSON Schema). */
  readonly doc: string;
  /** `null` is a valid value (it means the default behaviour, e.g. no limit). */
  readonly nullable?: boolean;
  /** The parameter must be given (no usable default). */
  readonly required?: boolean;
}

export interface NumberSpec extends SpecBase {
  readonly type: 'number' | 'integer';
  /** null only for a nullable or required parameter. */
  readonly default: number | null;
  readonly min?: number;
  readonly max?: number;
  /** The bound itself is refused: (min, ...) instead of [min, ...). */
  readonly exclusiveMin?: boolean;
  /** The bound itself is refused: (..., max) instead of (..., max]. */
  readonly exclusiveMax?: boolean;
}

export interface BooleanSpec extends SpecBase {
  readonly type: 'boolean';
  readonly default: boolean;
}

/** A name out of a fixed list (the config accepts the canonical `choices` only). */
export interface EnumSpec extends SpecBase {
  readonly type: 'enum';
  readonly default: string;
  readonly choices: readonly string[];
  /**
   * The canonical choice for a spelling, when code may also pass aliases (data loaders take
   * `"swish"` for `"silu"`); without it only the exact choices are accepted.
   */
  readonly resolve?: (name: string) => string | undefined;
}

/** Free text, non-empty (a file path). */
export interface StringSpec extends SpecBase {
  readonly type: 'string';
  readonly default: string | null;
}

export type ParamSpec = NumberSpec | BooleanSpec | EnumSpec | StringSpec;
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The parameters the network registries take: numbers and switches, each with a default. */
export type ScalarSpec = (NumberSpec & { readonly default: number }) | BooleanSpec;
export type ScalarSpecs = Readonly<Record<string, ScalarSpec>>;

/** Filled-in parameters of a network registry entry. */
export type ParamValues = Readonly<Record<string, number | boolean>>;

type ValueOf<S> = S extends { readonly type: 'boolean' }
  ? boolean
  : S extends { readonly type: 'string' | 'enum' }
    ? string
    : number;

/** Filled-in parameters, typed from their specs. */
export type ParamsFrom<S extends ParamSpecs> = {
  readonly [K in keyof S]: S[K] extends { readonly nullable: true } ? ValueOf<S[K]> | null : ValueOf<S[K]>;
};

/**
 * A constraint between parameters that bounds cannot state, such as Nesterov momentum needing
 * a non-zero momentum (PyTorch refuses it too).
 */
export interface ParamRule {
  /** The parameter refused when the rule is broken. */
  readonly key: string;
  /** True when the filled-in values (a config ref may carry its `name` too) break the rule. */
  broken(p: Readonly<Record<string, unknown>>): boolean;
  /** What `key` may be instead, in words: "false while momentum is 0 (...)". */
  readonly allowed: string;
}

/** The bounds of a number spec as an interval: `[0, 1)`, `[2, inf)`. */
export function intervalOf(spec: NumberSpec): string {
  return intervalText(spec.min ?? -Infinity, spec.max ?? Infinity, spec.min !== undefined && !spec.exclusiveMin, spec.max !== undefined && !spec.exclusiveMax);
}

/** Whether the number x lies within the spec's bounds (an exclusive bound refuses itself). */
export function withinBounds(spec: NumberSpec, x: number): boolean {
  const { min, max } = spec;
  if (min !== undefined && (spec.exclusiveMin ? !(x > min) : !(x >= min))) return false;
  if (max !== undefined && (spec.exclusiveMax ? !(x < max) : !(x <= max))) return false;
  return true;
}

/** Whether `spec` admits the given (non-undefined) value. */
export function admits(spec: ParamSpec, v: unknown): boolean {
  if (v === null) return spec.nullable === true;
  switch (spec.type) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string' && v.length > 0;
    case 'enum':
      return typeof v === 'string' && (spec.resolve ? spec.resolve(v) !== undefined : spec.choices.includes(v));
    case 'integer':
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (spec.type === 'number' || Number.isInteger(v)) && withinBounds(spec, v);
  }
}

/** Why a set of given parameters cannot be filled in. */
export type ParamProblem =
  | { readonly kind: 'missing'; readonly key: string; readonly spec: ParamSpec }
  | { readonly kind: 'bad'; readonly key: string; readonly value: unknown; readonly spec: ParamSpec };

/** The first key of `given` (in its order) that is neither a parameter of `specs` nor in `skip`. */
export function unknownKey(specs: ParamSpecs, given: Readonly<Record<string, unknown>>, skip: readonly string[] = []): string | undefined {
  return Object.keys(given).find((k) => !skip.includes(k) && !Object.hasOwn(specs, k));
}

/**
 * The first problem with `given` against `specs` in spec order, or undefined: a required
 * parameter that is absent (or null), or a value the spec does not admit. An absent
 * (undefined) value is no problem: it takes the default. Keys that are not parameters are not
 * looked at (see `unknownKey`).
 */
export function paramProblem(specs: ParamSpecs, given: Readonly<Record<string, unknown>>): ParamProblem | undefined {
  for (const [key, spec] of Object.entries(specs)) {
    const v = given[key];
    if (spec.required && (v === undefined || v === null)) return { kind: 'missing', key, spec };
    if (v !== undefined && !admits(spec, v)) return { kind: 'bad', key, value: v, spec };
  }
  return undefined;
}

/**
 * Every parameter of `specs` in spec order, from `given` or else its default; `fail` is called
 * with the first problem (see `paramProblem`) and must throw.
 */
export function fillParams<S extends ParamSpecs>(
  specs: S,
  given: Readonly<Record<string, unknown>>,
  fail: (problem: ParamProblem) => never,
): ParamsFrom<S> {
  const problem = paramProblem(specs, given);
  if (problem) fail(problem);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = given[key] === undefined ? spec.default : given[key];
  return out as ParamsFrom<S>;
}

/** The rule among `rules` that the filled-in `values` break, or undefined. */
export function brokenRule(rules: readonly ParamRule[], values: Readonly<Record<string, unknown>>): ParamRule | undefined {
  return rules.find((r) => r.broken(values));
}

/** A problem with a parameter handed to `owner` in code, in words. */
function problemText(owner: string, p: ParamProblem): string {
  switch (p.kind) {
    case 'missing':
      return paramRefused(owner, p.key, undefined, expectedParam(p.spec));
    case 'bad': {
      const { spec, value } = p;
      const numeric = spec.type === 'number' || (spec.type === 'integer' && Number.isInteger(value));
      if (numeric && typeof value === 'number' && Number.isFinite(value)) return paramOutside(owner, p.key, value, intervalOf(spec));
      return paramRefused(owner, p.key, value, expectedParam(spec));
    }
  }
}

/**
 * The parameters of the network registry entry `owner` filled in from `given` (keys that are
 * not parameters, such as a config ref's `name`, are passed over). A value out of its bounds,
 * of the wrong type, or breaking one of `rules` throws a RangeError naming the entry, the
 * parameter, the value and what is allowed.
 */
export function entryParams(
  owner: string,
  specs: ScalarSpecs,
  given: Readonly<Record<string, unknown>> = {},
  rules: readonly ParamRule[] = [],
): ParamValues {
  const values = fillParams(specs, given, (p) => {
    throw new RangeError(problemText(owner, p));
  }) as ParamValues;
  const rule = brokenRule(rules, values);
  if (rule) throw new RangeError(paramRefused(owner, rule.key, values[rule.key], rule.allowed));
  return values;
}

/** An entry of a registry: its canonical name is its key; `aliases` are other accepted spellings, lower case. */
export interface Aliased {
  readonly aliases: readonly string[];
}

/** The canonical name for a name or alias (case-insensitive), or undefined. */
export function resolveName<N extends string>(registry: Readonly<Record<N, Aliased>>, name: string): N | undefined {
  const n = name.toLowerCase();
  for (const key of Object.keys(registry) as N[]) {
    if (key === n || registry[key].aliases.includes(n)) return key;
  }
  return undefined;
}

/** Every accepted spelling of a registry's entries: each canonical name followed by its aliases. */
export function spellingsOf<N extends string>(registry: Readonly<Record<N, Aliased>>): string[] {
  return (Object.keys(registry) as N[]).flatMap((n) => [n, ...registry[n].aliases]);
}

/** The spelling of `registry` nearest to an unknown `name`, for a "did you mean", or undefined. */
export function suggestName<N extends string>(registry: Readonly<Record<N, Aliased>>, name: string): string | undefined {
  return nearest(name, spellingsOf(registry));
}

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of
 * two adjacent characters each cost 1 ("rleu" -> "relu" is 1). Case-insensitive.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const m = s.length;
  const n = t.length;
  // d[i][j]: distance between s[0, i) and t[0, j); three rows are enough for transpositions.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/** The largest distance still taken for a typo of a word of this length: 1 up to 5 letters, then a third of it. */
const tolerance = (len: number): number => Math.max(1, Math.floor(len / 3));

/**
 * The candidate closest to `given` by edit distance when within `tolerance`, else a candidate
 * that `given` (3+ characters) is a prefix of when exactly one is; ties go to the earlier
 * candidate. Undefined when nothing is close, or when `given` is itself a candidate.
 */
export function nearest(given: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(given, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  // Distance 0 is a difference of case only ("Tanh" -> "tanh"); the name itself needs no hint.
  if (best === given) return undefined;
  if (best !== undefined && bestD <= tolerance(given.length)) return best;
  if (given.length >= 3) {
    const g = given.toLowerCase();
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(g));
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}
