/**
 * Every bounded parameter of every registry entry (activations, initializers, optimizers, data
 * kinds), tried at each bound, just inside it and just outside it: the config validator, the
 * JSON Schema and the registry's own check (`activationParams`, `dataParams`, ...) must all
 * agree with the spec. A new parameter or entry is covered without a new test.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, configJsonSchema, resolveConfig } from '../../src/config/index.js';
import { alternatives, schemaAt } from '../../src/config/paths.js';
import { DATA_KINDS, DATASETS, dataParams } from '../../src/data/index.js';
import { ACTIVATION_NAMES, ACTIVATIONS, activationParams } from '../../src/net/activations.js';
import { INITIALIZER_NAMES, INITIALIZERS, initializerParams } from '../../src/net/initializers.js';
import { OPTIMIZER_NAMES, OPTIMIZERS, optimizerParams } from '../../src/net/optimizers.js';
import type { NumberSpec, ParamSpecs } from '../../src/net/params.js';

interface Bounded {
  /** `model.activation.alpha`, `data.testFraction` (for data: per kind). */
  readonly label: string;
  readonly path: readonly string[];
  readonly spec: NumberSpec;
  /** A config with the parameter set to `v`. */
  config(v: number): Record<string, unknown>;
  /** The registry's own check of the parameter set to `v`; throws when it refuses it. */
  direct(v: number): void;
}

const bounded = (specs: ParamSpecs): [string, NumberSpec][] =>
  Object.entries(specs).flatMap(([k, s]) =>
    (s.type === 'number' || s.type === 'integer') && (s.min !== undefined || s.max !== undefined) ? [[k, s] as [string, NumberSpec]] : [],
  );

const base = { name: 'bounds', data: { kind: 'moons' } };

const CASES: Bounded[] = [
  ...ACTIVATION_NAMES.flatMap((n) =>
    bounded(ACTIVATIONS[n].params).map(([k, spec]): Bounded => ({
      label: `activation ${n}.${k}`,
      path: ['model', 'activation', k],
      spec,
      config: (v) => ({ ...base, model: { activation: { name: n, [k]: v } } }),
      direct: (v) => void activationParams(n, { [k]: v }),
    })),
  ),
  ...INITIALIZER_NAMES.flatMap((n) =>
    bounded(INITIALIZERS[n].params).map(([k, spec]): Bounded => ({
      label: `initializer ${n}.${k}`,
      path: ['model', 'init', k],
      spec,
      config: (v) => ({ ...base, model: { init: { name: n, [k]: v } } }),
      direct: (v) => void initializerParams(n, { [k]: v }),
    })),
  ),
  ...OPTIMIZER_NAMES.flatMap((n) =>
    bounded(OPTIMIZERS[n].params).map(([k, spec]): Bounded => ({
      label: `optimizer ${n}.${k}`,
      path: ['train', 'optimizer', k],
      spec,
      config: (v) => ({ ...base, train: { optimizer: { name: n, [k]: v } } }),
      direct: (v) => void optimizerParams(n, { [k]: v }),
    })),
  ),
  ...DATA_KINDS.flatMap((kind) =>
    bounded(DATASETS[kind].params).map(([k, spec]): Bounded => {
      const data = (v: number) => ({ kind, ...(kind === 'tensors' ? { path: 'x.safetensors' } : {}), [k]: v });
      return {
        label: `data ${kind}.${k}`,
        path: ['data', k],
        spec,
        config: (v) => ({ ...base, data: data(v) }),
        direct: (v) => void dataParams(kind, data(v)),
      };
    }),
  ),
];

/** The smallest step that moves off a bound and survives JSON: 1 for integers. */
const step = (spec: NumberSpec, b: number): number => (spec.type === 'integer' ? 1 : Math.max(1, Math.abs(b)) * 1e-9);

/** What the message must say is allowed, written out here rather than by the code under test. */
function allowedText(spec: NumberSpec): string {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) {
    return `in ${spec.exclusiveMin ? '(' : '['}${min}, ${max}${spec.exclusiveMax ? ')' : ']'}`;
  }
  if (min !== undefined) return `${spec.exclusiveMin ? '>' : '>='} ${min}`;
  return `${spec.exclusiveMax ? '<' : '<='} ${max}`;
}

function configErrors(input: unknown): readonly string[] {
  try {
    resolveConfig(input, 'bounds.json');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.messages;
    throw e;
  }
}

function directAccepts(c: Bounded, v: number): boolean {
  try {
    c.direct(v);
    return true;
  } catch {
    return false;
  }
}

/** The points to try at each bound: [value, what it is, accepted by the spec]. */
function points(spec: NumberSpec): [number, string, boolean][] {
  const out: [number, string, boolean][] = [];
  if (spec.min !== undefined) {
    const d = step(spec, spec.min);
    out.push([spec.min, 'the lower bound', !spec.exclusiveMin], [spec.min + d, 'just above it', true], [spec.min - d, 'just below it', false]);
  }
  if (spec.max !== undefined) {
    const d = step(spec, spec.max);
    out.push([spec.max, 'the upper bound', !spec.exclusiveMax], [spec.max - d, 'just below it', true], [spec.max + d, 'just above it', false]);
  }
  return out;
}

describe('the registries have bounded parameters to test', () => {
  it('covers activations, initializers, optimizers and data kinds, an exclusive bound among them', () => {
    const families = new Set(CASES.map((c) => c.label.split(' ')[0]));
    expect([...families].sort()).toEqual(['activation', 'data', 'initializer', 'optimizer']);
    expect(CASES.some((c) => c.label === 'optimizer adam.beta1' && c.spec.exclusiveMax)).toBe(true);
  });
});

describe.each(CASES)('$label', (c) => {
  const at = c.path.join('.');

  it.each(points(c.spec))('%d (%s) is accepted: %s', (v, _what, accepted) => {
    const errors = configErrors(c.config(v));
    if (accepted) {
      expect(errors).toEqual([]);
    } else {
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^${at.replace(/\./g, '\\.')}: `));
      expect(errors[0]).toContain(`${v} is not allowed`);
      expect(errors[0]).toContain(allowedText(c.spec));
    }
    expect(directAccepts(c, v)).toBe(accepted);
  });

  it('publishes its bounds in the JSON Schema, exclusive ones as exclusiveMinimum/exclusiveMaximum', () => {
    const field = schemaAt(c.path, c.config(c.spec.default ?? 0), configJsonSchema());
    // A nullable parameter is {anyOf: [the number, null]}.
    const node = field && alternatives(field).find((a) => a.type === 'number' || a.type === 'integer');
    expect(node).toBeDefined();
    if (c.spec.min !== undefined) {
      expect(c.spec.exclusiveMin ? node!.exclusiveMinimum : node!.minimum).toBe(c.spec.min);
      expect(c.spec.exclusiveMin ? node!.minimum : node!.exclusiveMinimum).toBeUndefined();
    }
    if (c.spec.max !== undefined) {
      expect(c.spec.exclusiveMax ? node!.exclusiveMaximum : node!.maximum).toBe(c.spec.max);
      expect(c.spec.exclusiveMax ? node!.maximum : node!.exclusiveMaximum).toBeUndefined();
    }
  });

  it('states an exclusive bound in its doc, so `gradflow list` and the schema show it', () => {
    if (c.spec.exclusiveMin || c.spec.exclusiveMax) expect(c.spec.doc).toContain(allowedText(c.spec));
  });
});
