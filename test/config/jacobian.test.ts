/**
 * `metrics.jacobian`: off unless given (so configs without it resolve, and hash, as before),
 * the two forms of `steps`, the default number of examples, and the messages for bad values.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, configHash, resolveConfig } from '../../src/config/index.js';

const base = { name: 't', data: { kind: 'spirals' } } as const;

function errorsOf(input: unknown): readonly string[] {
  try {
    resolveConfig(input, 'test.json');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.messages;
    throw e;
  }
}

describe('metrics.jacobian', () => {
  it('is absent from a resolved config that does not set it, so its hash and config.json do not change', () => {
    const r = resolveConfig(base, 'test.json');
    expect('jacobian' in r.metrics).toBe(false);
    expect(JSON.stringify(r.metrics)).toBe('{"every":100,"probe":512,"histogramsEvery":250,"enabled":true}');
    expect(configHash(r)).toBe(configHash(resolveConfig({ ...base, metrics: {} }, 'test.json')));
  });

  it.each([
    [{ steps: [0, 500] }, { steps: [0, 500], examples: 4 }],
    [{ steps: 'records', examples: 2 }, { steps: 'records', examples: 2 }],
    [null, null],
  ])('resolves %o to %o', (given, resolved) => {
    expect(resolveConfig({ ...base, metrics: { jacobian: given } }, 'test.json').metrics.jacobian).toEqual(resolved);
  });

  it.each([
    ['a misspelt "records"', { steps: 'record' }, ['metrics.jacobian.steps: "record" is not allowed: expected "records" or a non-empty list of integers >= 0']],
    ['an empty list of steps', { steps: [] }, ['metrics.jacobian.steps: [] is not allowed: expected "records" or a non-empty list of integers >= 0']],
    ['no steps', { examples: 2 }, ['metrics.jacobian.steps: nothing is not allowed: expected "records" or a non-empty list of integers >= 0']],
    ['zero examples', { steps: [0], examples: 0 }, ['metrics.jacobian.examples: 0 is not allowed: expected an integer in [1, 64]']],
    ['an unknown key', { steps: [0], example: 2 }, ['metrics.jacobian.example: unknown key — did you mean "examples"?']],
  ])('refuses %s', (_what, given, messages) => {
    expect(errorsOf({ ...base, metrics: { jacobian: given } })).toEqual(messages);
  });

  it('refuses more examples than the probe batch has rows', () => {
    expect(errorsOf({ ...base, metrics: { probe: 8, jacobian: { steps: [0], examples: 9 } } })).toEqual([
      'metrics.jacobian.examples: 9 is not allowed: the examples are rows of the probe batch; expected at most metrics.probe (8)',
    ]);
  });
});
