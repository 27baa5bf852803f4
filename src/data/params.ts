/**
 * Option metadata for the data sets, shaped like the activation registry's params
 * (`{default, doc, min?, max?}`) plus what a config schema needs to validate a value: its
 * `type`, whether `null` is allowed, whether it is required, an exclusive upper bound, and the
 * allowed names of a string option.
 */
import { DataError, dataMessages } from './errors.js';

export interface DataParamSpec {
  readonly type: 'integer' | 'number' | 'boolean' | 'string';
  /** null for `limit` (= no limit) and for `path` (required, no default). */
  readonly default: number | boolean | string | null;
  readonly doc: string;
  /** Inclusive lower bound for numbers. */
  readonly min?: number;
  /** Upper bound for numbers; inclusive unless `exclusiveMax`. */
  readonly max?: number;
  readonly exclusiveMax?: boolean;
  /** `null` is a valid value (it means the default behaviour, e.g. no limit). */
  readonly nullable?: boolean;
  /** The option must be given (no usable default). */
  readonly required?: boolean;
  /** Canonical names a string option accepts (aliases may also be accepted by the loader). */
  readonly choices?: readonly string[];
}

export type DataParamSpecs = Readonly<Record<string, DataParamSpec>>;

type ValueOf<S> = S extends { readonly type: 'boolean' }
  ? boolean
  : S extends { readonly type: 'string' }
    ? string
    : number;

/** The resolved options of a data kind: every option filled in, typed from its spec. */
export type ParamsFrom<S extends DataParamSpecs> = {
  readonly [K in keyof S]: S[K] extends { readonly nullable: true } ? ValueOf<S[K]> | null : ValueOf<S[K]>;
};

/** Options every data kind takes: `samples` (default per kind), `testFraction`, `standardize`. */
export const samplesParam = (d: number) =>
  ({ type: 'integer', default: d, min: 2, doc: 'number of points generated (before the train/test split)' }) as const;

export const testFractionParam = {
  type: 'number',
  default: 0.2,
  min: 0,
  max: 1,
  exclusiveMax: true,
  doc: 'fraction of the rows held out for test, in [0, 1); 0 keeps every row for training',
} as const;

export const standardizeParam = {
  type: 'boolean',
  default: false,
  doc: 'standardise each feature with the mean and std of the training rows (applied to both splits)',
} as const;

function describe(spec: DataParamSpec): string {
  const parts: string[] = [spec.type === 'integer' ? 'an integer' : spec.type === 'number' ? 'a number' : `a ${spec.type}`];
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) parts.push(`in [${min}, ${max}${spec.exclusiveMax ? ')' : ']'}`);
  else if (min !== undefined) parts.push(`>= ${min}`);
  else if (max !== undefined) parts.push(`${spec.exclusiveMax ? '<' : '<='} ${max}`);
  if (spec.nullable) parts.push('or null');
  return parts.join(' ');
}

/**
 * Fills in the defaults of `specs` from `given` (a config's `data` object; its `kind` key is
 * skipped) and checks every value against its spec. Unknown keys, a missing required option,
 * a wrong type or an out-of-range value throw a `DataError` naming `data.<option>`.
 */
export function resolveParams<S extends DataParamSpecs>(
  kind: string,
  specs: S,
  given: Readonly<Record<string, unknown>>,
): ParamsFrom<S> {
  const names = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (key !== 'kind' && !Object.hasOwn(specs, key)) {
      throw new DataError(dataMessages.unknownOption(kind, key, names), `data.${key}`);
    }
  }
  const out: Record<string, number | boolean | string | null> = {};
  for (const key of names) {
    const spec = specs[key];
    const v = given[key];
    if (v === undefined || (v === null && spec.required)) {
      if (spec.required) throw new DataError(dataMessages.requiredOption(kind, key, describe(spec), spec.doc), `data.${key}`);
      out[key] = spec.default;
      continue;
    }
    if (v === null && spec.nullable) {
      out[key] = null;
      continue;
    }
    const bad = (): never => {
      throw new DataError(dataMessages.badOption(key, v, describe(spec)), `data.${key}`);
    };
    switch (spec.type) {
      case 'boolean':
        if (typeof v !== 'boolean') bad();
        break;
      case 'string':
        if (typeof v !== 'string' || v.length === 0) bad();
        break;
      case 'integer':
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) bad();
        if (spec.type === 'integer' && !Number.isInteger(v)) bad();
        if (spec.min !== undefined && (v as number) < spec.min) bad();
        if (spec.max !== undefined && (spec.exclusiveMax ? (v as number) >= spec.max : (v as number) > spec.max)) bad();
        break;
    }
    out[key] = v as number | boolean | string;
  }
  return out as ParamsFrom<S>;
}
