import { describe, expect, it } from 'vitest';
import { DATA_KINDS, DATASETS, dataParams } from '../../src/data/index.js';
import { ACTIVATION_NAMES, ACTIVATIONS, activationParams } from '../../src/net/activations.js';
import { INITIALIZER_NAMES, INITIALIZERS, initializerParams } from '../../src/net/initializers.js';
import { OPTIMIZER_NAMES, OPTIMIZERS, optimizerParams } from '../../src/net/optimizers.js';
import { LOSS_NAMES, LOSSES } from '../../src/net/losses.js';
import { lossFor, paramsOf, resolveConfig, type ResolvedConfig } from '../../src/config/index.js';

const base = { name: 't', data: { kind: 'spirals' } } as const;

describe('resolveConfig fills in defaults', () => {
  it('resolves the smallest config to every field with its default', () => {
    expect(resolveConfig(base)).toEqual({
      name: 't',
      description: '',
      seed: 0,
      seeds: null,
      data: { kind: 'spirals', samples: 3000, testFraction: 0.2, standardize: false, classes: 3, noise: 0.2, turns: 1.5 },
      model: {
        depth: 10,
        width: 64,
        activation: { name: 'relu' },
        init: { name: 'glorot_uniform', gain: 1 },
        biasInit: { name: 'zeros', gain: 1 },
        dtype: 'float32',
        kernel: 'auto',
        threads: 1,
        initFrom: null,
      },
      train: {
        steps: 1000,
        epochs: null,
        batchSize: 64,
        optimizer: { name: 'sgd' },
        lr: 0.1,
        loss: 'cross_entropy',
        shuffle: true,
        weightDecay: 0,
        clipNorm: null,
        evalEvery: null,
        saveWeights: [],
      },
      metrics: { every: 100, probe: 512, histogramsEvery: 250, enabled: true },
      sweep: {},
    });
  });

  it('keeps the values given and drops $schema', () => {
    const c = resolveConfig({
      $schema: '../schema.json',
      ...base,
      model: { depth: 0, width: 3 },
      train: { steps: 0, lr: 0.5, clipNorm: 1, saveWeights: [0, 10] },
    });
    expect(c).not.toHaveProperty('$schema');
    expect(c.model.depth).toBe(0);
    expect(c.model.width).toBe(3);
    expect(c.train).toMatchObject({ steps: 0, epochs: null, lr: 0.5, clipNorm: 1, saveWeights: [0, 10] });
  });

  it('sets steps to null when epochs is given', () => {
    expect(resolveConfig({ ...base, train: { epochs: 5 } }).train).toMatchObject({ steps: null, epochs: 5 });
    expect(resolveConfig({ ...base, train: { epochs: 5, steps: null } }).train).toMatchObject({ steps: null, epochs: 5 });
  });

  it('picks the loss from the data task: cross_entropy, mse, or null when the file decides', () => {
    expect(resolveConfig(base).train.loss).toBe('cross_entropy');
    expect(resolveConfig({ ...base, data: { kind: 'teacher' } }).train.loss).toBe('mse');
    const tensors = resolveConfig({ ...base, data: { kind: 'tensors', path: 'd.safetensors' } });
    expect(tensors.train.loss).toBeNull();
    expect(lossFor(tensors, 'regression')).toBe('mse');
    expect(lossFor(tensors, 'classification')).toBe('cross_entropy');
    expect(lossFor(resolveConfig({ ...base, train: { loss: 'mse' } }), 'classification')).toBe('mse');
  });

  it('derives count seeds from seed and keeps a list of seeds as written', () => {
    expect(resolveConfig({ ...base, seed: 5, seeds: { count: 3 } }).seeds).toEqual([5, 6, 7]);
    expect(resolveConfig({ ...base, seeds: [9, 2] }).seeds).toEqual([9, 2]);
  });

  it('returns a deeply frozen config and leaves the input alone', () => {
    const input = { ...base, model: { activation: { name: 'elu' } }, sweep: { 'model.depth': [1, 2] } };
    const c = resolveConfig(input);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.model.activation)).toBe(true);
    expect(Object.isFrozen(c.sweep['model.depth'])).toBe(true);
    expect(Object.isFrozen(input.model)).toBe(false);
    expect(Object.isFrozen(input.sweep['model.depth'])).toBe(false);
    expect(input.model.activation).toEqual({ name: 'elu' });
  });

  it('resolves a resolved config to itself, so a written config.json reads back the same', () => {
    const c = resolveConfig({
      ...base,
      data: { kind: 'teacher', noise: 0.1 },
      model: { activation: { name: 'leaky_relu', alpha: 0.2 }, init: 'kaiming_normal' },
      train: { epochs: 2, optimizer: 'adam' },
      seeds: { count: 2 },
    });
    expect(resolveConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });
});

describe('registry fields resolve to canonical names with every parameter', () => {
  it('resolves aliases: xavier_uniform is glorot_uniform, linear is identity, ce is cross_entropy', () => {
    const c = resolveConfig({
      ...base,
      data: { kind: 'xor' },
      model: { activation: 'linear', init: 'xavier_uniform', biasInit: 'const' },
      train: { optimizer: 'heavy_ball', loss: 'ce' },
    });
    expect(c.data.kind).toBe('checkerboard');
    expect(c.model.activation).toEqual({ name: 'identity' });
    expect(c.model.init).toEqual({ name: 'glorot_uniform', gain: 1 });
    expect(c.model.biasInit).toEqual({ name: 'constant', value: 0, gain: 1 });
    expect(c.train.optimizer).toEqual({ name: 'momentum', momentum: 0.9, nesterov: false });
    expect(c.train.loss).toBe('cross_entropy');
  });

  it('keeps parameters given in an object and fills the rest', () => {
    const c = resolveConfig({
      ...base,
      model: { activation: { name: 'leaky_relu', alpha: 0.05 }, init: { name: 'normal', std: 0.01 } },
      train: { optimizer: { name: 'momentum', nesterov: true } },
    });
    expect(c.model.activation).toEqual({ name: 'leaky_relu', alpha: 0.05 });
    expect(c.model.init).toEqual({ name: 'normal', std: 0.01, gain: 1 });
    expect(c.train.optimizer).toEqual({ name: 'momentum', momentum: 0.9, nesterov: true });
    expect(paramsOf(c.train.optimizer)).toEqual({ momentum: 0.9, nesterov: true });
  });

  const families = [
    ['model.activation', ACTIVATION_NAMES, ACTIVATIONS, activationParams],
    ['model.init', INITIALIZER_NAMES, INITIALIZERS, initializerParams],
    ['train.optimizer', OPTIMIZER_NAMES, OPTIMIZERS, optimizerParams],
  ] as const;

  describe.each(families)('%s', (path, names, registry, params) => {
    const [section, key] = path.split('.') as ['model' | 'train', string];
    const field = (value: unknown): unknown => {
      const c = resolveConfig({ ...base, [section]: { [key]: value } }) as ResolvedConfig;
      return (c[section] as Record<string, unknown>)[key];
    };
    const entries = registry as Readonly<Record<string, { readonly aliases: readonly string[] }>>;
    const spellingsOf = (names as readonly string[]).flatMap((n) => [n, ...entries[n].aliases].map((s) => [s, n] as const));

    it.each(spellingsOf)('resolves %s to %s with the registry defaults', (spelling, name) => {
      const p = (params as (n: string) => Record<string, unknown>)(name);
      expect(field(spelling)).toEqual({ name, ...p });
      expect(field({ name: spelling })).toEqual({ name, ...p });
    });
  });

  it.each(LOSS_NAMES.flatMap((n) => [n, ...LOSSES[n].aliases].map((s) => [s, n] as const)))(
    'resolves train.loss %s to %s',
    (spelling, name) => {
      expect(resolveConfig({ ...base, train: { loss: spelling } }).train.loss).toBe(name);
    },
  );
});

describe.each(DATA_KINDS)('data kind %s', (kind) => {
  const given = kind === 'tensors' ? { kind, path: 'data.safetensors' } : { kind };

  it('resolves to every option of the registry with its default', () => {
    const c = resolveConfig({ ...base, data: given });
    const expected: Record<string, unknown> = { kind, ...dataParams(kind, given) };
    expect(c.data).toEqual(expected);
    expect(Object.keys(c.data).sort()).toEqual(['kind', ...Object.keys(DATASETS[kind].params)].sort());
  });

  it.each(DATASETS[kind].aliases.map((a) => [a]))('accepts the alias %s', (alias) => {
    expect(resolveConfig({ ...base, data: { ...given, kind: alias } }).data.kind).toBe(kind);
  });
});
