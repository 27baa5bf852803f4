/**
 * One validation of an input object against the schema, with gradflow's messages, and the
 * bookkeeping that lets a resolved config find the input it came from (a sweep re-applies its
 * values to that input, so defaults that depend on other fields, such as the loss of a data
 * kind, follow the swept value).
 */
import { issueMessages, type Labeler, type Located } from './issues.js';
import { ConfigSchema, type ResolvedConfig } from './schema.js';

export type Validation =
  | { readonly ok: true; readonly config: ResolvedConfig }
  | { readonly ok: false; readonly messages: Located[] };

/** Parses `input`; the messages are unsorted (see `sortMessages`). */
export function validate(input: unknown, label?: Labeler): Validation {
  const r = ConfigSchema.safeParse(input);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, messages: issueMessages(r.error.issues, input, label) };
}

const inputs = new WeakMap<object, unknown>();

/** Freezes `config` deeply and remembers the input it was resolved from. */
export function register(config: ResolvedConfig, input: unknown): ResolvedConfig {
  inputs.set(config, input);
  return deepFreeze(config);
}

/** The input `config` was resolved from, or the config itself (a resolved config is a valid input). */
export function inputOf(config: ResolvedConfig): unknown {
  return inputs.has(config) ? inputs.get(config) : config;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}
