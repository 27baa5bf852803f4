/**
 * The options of the data sets, as parameter specs of the shared kind (src/net/params.ts:
 * type, default, doc, bounds, nullable, required, choices), the options every kind takes, and
 * filling in a config's `data` object with the data layer's messages.
 */
import { expectedParam } from '../messages.js';
import { fillParams, unknownKey, type ParamSpec, type ParamSpecs, type ParamsFrom } from '../net/params.js';
import { DataError, dataMessages } from './errors.js';

export type { ParamsFrom } from '../net/params.js';
export type DataParamSpec = ParamSpec;
export type DataParamSpecs = ParamSpecs;

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
  const unknown = unknownKey(specs, given, ['kind']);
  if (unknown !== undefined) {
    throw new DataError(dataMessages.unknownOption(kind, unknown, Object.keys(specs)), `data.${unknown}`);
  }
  return fillParams(specs, given, (p) => {
    const { key, spec } = p;
    if (p.kind === 'missing') throw new DataError(dataMessages.requiredOption(kind, key, expectedParam(spec), spec.doc), `data.${key}`);
    if (spec.type === 'enum' && typeof p.value === 'string') {
      throw new DataError(dataMessages.notAChoice(key, p.value, spec.choices), `data.${key}`);
    }
    throw new DataError(dataMessages.badOption(key, p.value, expectedParam(spec)), `data.${key}`);
  });
}
