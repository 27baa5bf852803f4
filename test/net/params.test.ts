import { describe, expect, it } from 'vitest';
import {
  admits,
  editDistance,
  entryParams,
  fillParams,
  intervalOf,
  nearest,
  paramProblem,
  resolveName,
  spellingsOf,
  suggestName,
  unknownKey,
  withinBounds,
  type NumberSpec,
  type ParamRule,
  type ParamSpecs,
  type ScalarSpecs,
} from '../../src/net/params.js';

const num = (bounds: Partial<NumberSpec>): NumberSpec => ({ type: 'number', default: 0.5, doc: 'a number', ...bounds });

describe('bounds', () => {
  it.each([
    [num({ min: 0, max: 1, exclusiveMax: true }), '[0, 1)'],
    [num({ min: 0, max: 1, exclusiveMin: true }), '(0, 1]'],
    [num({ min: 0, max: 1 }), '[0, 1]'],
    [num({ min: 2 }), '[2, inf)'],
    [num({ max: 3, exclusiveMax: true }), '(-inf, 3)'],
    [num({}), '(-inf, inf)'],
  ])('writes the interval of %o as %s', (spec, text) => {
    expect(intervalOf(spec)).toBe(text);
  });

  it.each([
    [{ min: 0, max: 1, exclusiveMax: true }, [0, 0.5, 1 - 1e-12], [-1e-12, 1, 1.5, NaN]],
    [{ min: 0, max: 1, exclusiveMin: true }, [1e-12, 1], [0, -1, 1 + 1e-12, NaN]],
    [{ min: -2 }, [-2, 0, 1e300], [-2.000001, NaN]],
  ] as const)('keeps %o: in %o, out %o', (bounds, inside, outside) => {
    for (const x of inside) expect(withinBounds(num(bounds), x), String(x)).toBe(true);
    for (const x of outside) expect(withinBounds(num(bounds), x), String(x)).toBe(false);
  });
});

describe('admits', () => {
  it('takes finite numbers of the right kind only', () => {
    expect(admits(num({}), 1.5)).toBe(true);
    expect(admits(num({}), Infinity)).toBe(false);
    expect(admits(num({}), '1')).toBe(false);
    expect(admits({ type: 'integer', default: 2, doc: 'n' }, 2.5)).toBe(false);
    expect(admits({ type: 'integer', default: 2, doc: 'n' }, 3)).toBe(true);
  });

  it('takes null only when nullable', () => {
    expect(admits(num({}), null)).toBe(false);
    expect(admits({ ...num({}), nullable: true }, null)).toBe(true);
  });

  it('takes switches, non-empty strings and listed names', () => {
    expect(admits({ type: 'boolean', default: false, doc: 'b' }, true)).toBe(true);
    expect(admits({ type: 'boolean', default: false, doc: 'b' }, 1)).toBe(false);
    expect(admits({ type: 'string', default: null, doc: 's' }, '')).toBe(false);
    const choice = { type: 'enum', default: 'a', doc: 'e', choices: ['a', 'b'] } as const;
    expect(admits(choice, 'b')).toBe(true);
    expect(admits(choice, 'B')).toBe(false);
    expect(admits({ ...choice, resolve: (s: string) => (s.toLowerCase() === 'b' ? 'b' : undefined) }, 'B')).toBe(true);
  });
});

describe('filling parameters', () => {
  const specs = {
    beta: { type: 'number', default: 0.9, min: 0, max: 1, exclusiveMax: true, doc: 'a decay' },
    flag: { type: 'boolean', default: false, doc: 'a switch' },
  } as const satisfies ScalarSpecs;
  const rules: readonly ParamRule[] = [{ key: 'flag', broken: (p) => p.flag === true && p.beta === 0, allowed: 'false while beta is 0' }];

  it('fills defaults in spec order, keeps given values and passes over other keys', () => {
    expect(entryParams('demo', specs, {})).toEqual({ beta: 0.9, flag: false });
    const p = entryParams('demo', specs, { name: 'demo', flag: true, beta: 0 });
    expect(Object.keys(p)).toEqual(['beta', 'flag']);
    expect(p).toEqual({ beta: 0, flag: true });
  });

  it('refuses a value out of bounds, of the wrong type, or breaking a rule, naming entry, key and value', () => {
    expect(() => entryParams('demo', specs, { beta: 1 })).toThrow(new RangeError('demo: beta = 1 is outside [0, 1)'));
    expect(() => entryParams('demo', specs, { beta: '0.5' })).toThrow('demo: beta = "0.5" is not allowed: expected a number in [0, 1)');
    expect(() => entryParams('demo', specs, { flag: 1 })).toThrow('demo: flag = 1 is not allowed: expected a boolean');
    expect(() => entryParams('demo', specs, { beta: 0, flag: true }, rules)).toThrow('demo: flag = true is not allowed: expected false while beta is 0');
    expect(entryParams('demo', specs, { beta: 0.5, flag: true }, rules)).toEqual({ beta: 0.5, flag: true });
  });

  it('reports a missing required parameter and the first unknown key', () => {
    const data = {
      path: { type: 'string', default: null, required: true, doc: 'a file' },
      limit: { type: 'integer', default: null, nullable: true, min: 2, doc: 'a limit' },
    } as const satisfies ParamSpecs;
    expect(paramProblem(data, {})).toEqual({ kind: 'missing', key: 'path', spec: data.path });
    expect(paramProblem(data, { path: null })).toEqual({ kind: 'missing', key: 'path', spec: data.path });
    expect(paramProblem(data, { path: 'x', limit: 1 })).toEqual({ kind: 'bad', key: 'limit', value: 1, spec: data.limit });
    expect(paramProblem(data, { path: 'x', limit: null })).toBeUndefined();
    expect(unknownKey(data, { kind: 'k', colour: 1, size: 2 }, ['kind'])).toBe('colour');
    expect(unknownKey(data, { kind: 'k', path: 'x' }, ['kind'])).toBeUndefined();
    const fail = (): never => {
      throw new Error('unexpected');
    };
    expect(fillParams(data, { path: 'x' }, fail)).toEqual({ path: 'x', limit: null });
  });
});

describe('names', () => {
  const registry = { relu: { aliases: [] }, silu: { aliases: ['swish'] }, leaky_relu: { aliases: ['lrelu'] } } as const;

  it('resolves canonical names and aliases, case-insensitively', () => {
    expect(resolveName(registry, 'ReLU')).toBe('relu');
    expect(resolveName(registry, 'SWISH')).toBe('silu');
    expect(resolveName(registry, 'lrelu')).toBe('leaky_relu');
    expect(resolveName(registry, 'gelu')).toBeUndefined();
  });

  it('lists each canonical name followed by its aliases', () => {
    expect(spellingsOf(registry)).toEqual(['relu', 'silu', 'swish', 'leaky_relu', 'lrelu']);
  });

  it('suggests the nearest spelling, aliases included', () => {
    expect(suggestName(registry, 'swsh')).toBe('swish');
    expect(suggestName(registry, 'rleu')).toBe('relu');
    expect(suggestName(registry, 'softmax')).toBeUndefined();
  });
});

describe('editDistance', () => {
  it.each([
    ['relu', 'relu', 0],
    ['rleu', 'relu', 1],
    ['relu', 'reLU', 0],
    ['tanh', 'tahn', 1],
    ['gelu', 'selu', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['float16', 'float32', 2],
  ])('is %i between %s and %s', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('nearest', () => {
  const names = ['identity', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'selu', 'gelu', 'silu'];

  it.each([
    ['rleu', 'relu'],
    ['sigmod', 'sigmoid'],
    ['Tanh', 'tanh'],
    ['leaky', 'leaky_relu'],
    ['identiy', 'identity'],
  ])('suggests %s -> %s', (given, expected) => {
    expect(nearest(given, names)).toBe(expected);
  });

  it.each([['softmax'], ['xyz'], ['swishy'], ['relu']])('offers nothing for %s (too far, or already a name)', (given) => {
    expect(nearest(given, names)).toBeUndefined();
  });
});

