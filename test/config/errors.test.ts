import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/index.js';

const base = { name: 't', data: { kind: 'spirals' } } as const;

/** The messages `resolveConfig` throws for `input`, or [] when it resolves. */
function errorsOf(input: unknown): readonly string[] {
  try {
    resolveConfig(input, 'test.json');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.messages;
    throw e;
  }
}

const ACTS = 'identity, sigmoid, tanh, relu, leaky_relu, prelu, elu, selu, crelu, relu6, softsign, gelu, silu';
const INITS = 'normal, uniform, standard, glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, constant, zeros';
const KINDS = 'spirals, blobs, moons, checkerboard, teacher, mnist, tensors';
const NAME_RULE = 'a name of letters, digits, ".", "_" and "-" that starts with a letter or digit';

const cases: [string, unknown, string[]][] = [
  ['a misspelt activation, with the nearest name', { ...base, model: { activation: 'rleu' } },
    [`model.activation: "rleu" is not one of ${ACTS} — did you mean "relu"?`]],
  ['an activation in the wrong case', { ...base, model: { activation: 'Tanh' } },
    [`model.activation: "Tanh" is not one of ${ACTS} — did you mean "tanh"?`]],
  ['an unknown top-level key close to a real one', { ...base, sweeps: {} },
    ['sweeps: unknown key — did you mean "sweep"?']],
  ['an unknown top-level key far from any', { ...base, owner: 'me' },
    ['owner: unknown key; allowed keys: $schema, name, description, seed, seeds, data, model, train, metrics, sweep']],
  ['an unknown nested key that abbreviates to a real one', { ...base, train: { learningRate: 0.1 } },
    ['train.learningRate: unknown key — did you mean "lr"?']],
  ['a nested key in another case style', { ...base, train: { batch_size: 32 } },
    ['train.batch_size: unknown key — did you mean "batchSize"?']],
  ['a negative depth', { ...base, model: { depth: -1 } },
    ['model.depth: -1 is not allowed: expected an integer >= 0']],
  ['a zero width', { ...base, model: { width: 0 } },
    ['model.width: 0 is not allowed: expected an integer >= 1']],
  ['a non-integer depth', { ...base, model: { depth: 2.5 } },
    ['model.depth: 2.5 is not allowed: expected an integer >= 0']],
  ['a zero learning rate', { ...base, train: { lr: 0 } },
    ['train.lr: 0 is not allowed: expected a number > 0']],
  ['a learning rate written as a string', { ...base, train: { lr: '0.1' } },
    ['train.lr: "0.1" is not allowed: expected a number > 0']],
  ['a zero batch size', { ...base, train: { batchSize: 0 } },
    ['train.batchSize: 0 is not allowed: expected an integer >= 1']],
  ['a test fraction of 1', { ...base, data: { kind: 'spirals', testFraction: 1 } },
    ['data.testFraction: 1 is not allowed: expected a number in [0, 1)']],
  ['an unknown initializer, with the nearest alias', { ...base, model: { init: 'xavier_unifrom' } },
    [`model.init: "xavier_unifrom" is not one of ${INITS} — did you mean "xavier_uniform"?`]],
  ['an unknown optimizer', { ...base, train: { optimizer: 'rmsprop' } },
    ['train.optimizer: "rmsprop" is not one of sgd, momentum, adam']],
  ['a parameter leaky_relu does not take', { ...base, model: { activation: { name: 'leaky_relu', beta: 0.1 } } },
    ['model.activation.beta: unknown parameter of leaky_relu; leaky_relu takes: alpha']],
  ['a parameter for an activation without any', { ...base, model: { activation: { name: 'relu', alpha: 0.1 } } },
    ['model.activation.alpha: unknown parameter; relu takes no parameters']],
  ['a parameter of the wrong type', { ...base, model: { activation: { name: 'leaky_relu', alpha: 'big' } } },
    ['model.activation.alpha: "big" is not allowed: expected a number >= 0']],
  ['a parameter below its minimum', { ...base, train: { optimizer: { name: 'momentum', momentum: -0.5 } } },
    ['train.optimizer.momentum: -0.5 is not allowed: expected a number in [0, 1]']],
  ['a registry object without a name', { ...base, model: { init: { std: 0.1 } } },
    [`model.init.name: missing: expected one of ${INITS}`]],
  ['a registry field that is neither a name nor an object', { ...base, model: { biasInit: 0 } },
    [`model.biasInit: 0 is not allowed: expected a name (one of ${INITS}) or an object {"name": ..., <parameters>}`]],
  ['both steps and epochs', { ...base, train: { steps: 100, epochs: 3 } },
    ['train: steps (100) and epochs (3) are both set; expected exactly one of them (the other null or absent)']],
  ['an unknown data kind', { ...base, data: { kind: 'circles' } },
    [`data.kind: "circles" is not one of ${KINDS}`]],
  ['a misspelt data kind', { ...base, data: { kind: 'sprials' } },
    [`data.kind: "sprials" is not one of ${KINDS} — did you mean "spirals"?`]],
  ['an option the data kind does not take', { ...base, data: { kind: 'moons', classes: 3 } },
    ['data.classes: unknown key for data kind "moons"; allowed keys: kind, samples, testFraction, standardize, noise']],
  ['no data', { name: 't' },
    [`data: missing: expected an object with "kind" one of ${KINDS} (the data set: "kind" and the options of that kind)`]],
  ['tensors without a path', { ...base, data: { kind: 'tensors' } },
    ['data.path: missing: expected a non-empty string (safetensors file with x [n, d] and y [n] or [n, k], relative to the config file)']],
  ['a missing name', { data: { kind: 'spirals' } },
    [`name: missing: expected ${NAME_RULE} (experiment name; results go to <out>/<name>)`]],
  ['a name with a space', { ...base, name: 'deep sigmoid' },
    [`name: "deep sigmoid" is not allowed: expected ${NAME_RULE}`]],
  ['dtype float16', { ...base, model: { dtype: 'float16' } },
    ['model.dtype: "float16" is not one of float32, float64 — did you mean "float32"?']],
  ['kernel "gpu"', { ...base, model: { kernel: 'gpu' } },
    ['model.kernel: "gpu" is not one of auto, wasm, ts']],
  ['histograms every 0 steps', { ...base, metrics: { histogramsEvery: 0 } },
    ['metrics.histogramsEvery: 0 is not allowed: expected an integer >= 1 or null']],
  ['a seeds count of 0', { ...base, seeds: { count: 0 } },
    ['seeds.count: 0 is not allowed: expected an integer in [1, 10000]']],
  ['a repeated seed', { ...base, seeds: [3, 4, 3] },
    ['seeds[2]: 3 is not allowed: it repeats seeds[0]; expected distinct seeds']],
  ['seeds of the wrong type', { ...base, seeds: 3 },
    ['seeds: 3 is not allowed: expected {"count": an integer in [1, 10000]} or a non-empty list of integers >= 0']],
  ['an empty sweep list', { ...base, sweep: { 'model.depth': [] } },
    ['sweep["model.depth"]: [] is not allowed: expected a non-empty list of values']],
  ['a sweep over an unknown path', { ...base, sweep: { 'model.dept': [1, 2] } },
    ['sweep["model.dept"]: "model.dept" is not a config path — did you mean "model.depth"?']],
  ['a sweep over sweep itself', { ...base, sweep: { sweep: [{}] } },
    ['sweep["sweep"]: "sweep" cannot be swept; expected a path into data, model, train or metrics, or seed or description']],
  ['an invalid value in a sweep list', { ...base, sweep: { 'model.depth': [5, 10, -1] } },
    ['sweep["model.depth"][2]: -1 is not allowed: expected an integer >= 0']],
  ['a misspelt name in a sweep list', { ...base, sweep: { 'model.activation': ['relu', 'tahn'] } },
    [`sweep["model.activation"][1]: "tahn" is not one of ${ACTS} — did you mean "tanh"?`]],
  ['a config that is not an object', [1, 2],
    ['(root): [1,2] is not allowed: expected an object']],
];

describe('resolveConfig rejects a bad config with one exact message', () => {
  it('has a table of at least 20 distinct bad configs', () => {
    expect(new Set(cases.map((c) => JSON.stringify(c[1]))).size).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', (_what, input, expected) => {
    expect(errorsOf(input)).toEqual(expected);
  });
});

describe('resolveConfig reports every error at once', () => {
  it('lists the messages of several fields sorted by path', () => {
    const input = {
      name: 'x',
      zzz: 1,
      data: { kind: 'spirals', testFraction: -0.1 },
      model: { depth: -1, activation: 'rleu' },
      train: { lr: -1, steps: 1, epochs: 1 },
    };
    expect(errorsOf(input)).toMatchInlineSnapshot(`
      [
        "data.testFraction: -0.1 is not allowed: expected a number in [0, 1)",
        "model.activation: "rleu" is not one of identity, sigmoid, tanh, relu, leaky_relu, prelu, elu, selu, crelu, relu6, softsign, gelu, silu — did you mean "relu"?",
        "model.depth: -1 is not allowed: expected an integer >= 0",
        "train: steps (1) and epochs (1) are both set; expected exactly one of them (the other null or absent)",
        "train.lr: -1 is not allowed: expected a number > 0",
        "zzz: unknown key; allowed keys: $schema, name, description, seed, seeds, data, model, train, metrics, sweep",
      ]
    `);
  });

  it('checks the sweep paths even when another field is invalid', () => {
    expect(errorsOf({ ...base, model: { depth: 'deep' }, sweep: { 'model.widht': [1] } })).toEqual([
      'model.depth: "deep" is not allowed: expected an integer >= 0',
      'sweep["model.widht"]: "model.widht" is not a config path — did you mean "model.width"?',
    ]);
  });

  it('heads the error message with the origin and the count, one message a line', () => {
    let err: unknown;
    try {
      resolveConfig({ ...base, model: { depth: -1, width: 0 } }, 'configs/x.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'configs/x.json: invalid config (2 errors)\n' +
        '  model.depth: -1 is not allowed: expected an integer >= 0\n' +
        '  model.width: 0 is not allowed: expected an integer >= 1',
    );
  });

  it('never puts a stack trace or zod wording in a message', () => {
    const messages = cases.flatMap(([, input]) => errorsOf(input));
    for (const m of messages) {
      expect(m).not.toMatch(/\n|\bat \S+ \(.*:\d+:\d+\)|Invalid input|ZodError|Expected/);
    }
  });
});
