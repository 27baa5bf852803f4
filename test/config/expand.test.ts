import { describe, expect, it } from 'vitest';
import { canonicalJson, ConfigError, configHash, expandCells, resolveConfig } from '../../src/config/index.js';

const base = { name: 't', data: { kind: 'spirals' } } as const;

function errorsOf(input: unknown): readonly string[] {
  try {
    expandCells(resolveConfig(input));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.messages;
    throw e;
  }
}

describe('expandCells', () => {
  it('gives one cell "run" holding the config itself when there is no sweep and no seeds', () => {
    const c = resolveConfig(base);
    const cells = expandCells(c);
    expect(cells).toHaveLength(1);
    expect(cells[0].id).toBe('run');
    expect(cells[0].overrides).toEqual({});
    expect(cells[0].config).toBe(c);
  });

  it('expands a 3 x 3 sweep to 9 cells, paths in sorted order, the first varying slowest', () => {
    const c = resolveConfig({
      ...base,
      sweep: { 'model.depth': [5, 10, 20], 'model.activation': ['sigmoid', 'tanh', 'relu'] },
    });
    const cells = expandCells(c);
    expect(cells.map((x) => x.id)).toEqual([
      'activation=sigmoid,depth=5',
      'activation=sigmoid,depth=10',
      'activation=sigmoid,depth=20',
      'activation=tanh,depth=5',
      'activation=tanh,depth=10',
      'activation=tanh,depth=20',
      'activation=relu,depth=5',
      'activation=relu,depth=10',
      'activation=relu,depth=20',
    ]);
    const cell = cells[5];
    expect(cell.overrides).toEqual({ 'model.activation': 'tanh', 'model.depth': 20 });
    expect(cell.config.model.activation).toEqual({ name: 'tanh' });
    expect(cell.config.model.depth).toBe(20);
    expect(cell.config.sweep).toEqual({});
    expect(cell.config.seeds).toBeNull();
    expect(Object.isFrozen(cell.config)).toBe(true);
  });

  it('repeats every cell over count seeds: 3 x 3 with 2 seeds is 18 cells', () => {
    const c = resolveConfig({
      ...base,
      seed: 4,
      seeds: { count: 2 },
      sweep: { 'model.depth': [5, 10, 20], 'model.activation': ['sigmoid', 'tanh', 'relu'] },
    });
    const cells = expandCells(c);
    expect(cells).toHaveLength(18);
    expect(cells.slice(0, 3).map((x) => x.id)).toEqual([
      'activation=sigmoid,depth=5,seed=4',
      'activation=sigmoid,depth=5,seed=5',
      'activation=sigmoid,depth=10,seed=4',
    ]);
    expect(cells[1].config.seed).toBe(5);
    expect(cells[1].overrides).toEqual({ 'model.activation': 'sigmoid', 'model.depth': 5, seed: 5 });
    expect(new Set(cells.map((x) => x.id)).size).toBe(18);
    expect(cells.every((x) => x.config.seeds === null)).toBe(true);
  });

  it('names seed cells "seed=S" when there is no sweep', () => {
    const cells = expandCells(resolveConfig({ ...base, seeds: [7, 3] }));
    expect(cells.map((x) => [x.id, x.config.seed])).toEqual([['seed=7', 7], ['seed=3', 3]]);
  });

  it('orders cells by path whatever the key order of sweep', () => {
    const a = expandCells(resolveConfig({ ...base, sweep: { 'train.lr': [0.1, 0.01], 'model.width': [8, 16] } }));
    const b = expandCells(resolveConfig({ ...base, sweep: { 'model.width': [8, 16], 'train.lr': [0.1, 0.01] } }));
    expect(a.map((x) => x.id)).toEqual(['width=8,lr=0.1', 'width=8,lr=0.01', 'width=16,lr=0.1', 'width=16,lr=0.01']);
    expect(b.map((x) => x.id)).toEqual(a.map((x) => x.id));
    expect(b.map((x) => configHash(x.config))).toEqual(a.map((x) => configHash(x.config)));
  });

  it('names registry values by canonical name plus the parameters written', () => {
    const cells = expandCells(resolveConfig({
      ...base,
      sweep: { 'model.init': ['kaiming_normal', { name: 'normal', std: 0.01 }], 'model.activation': [{ name: 'leaky_relu', alpha: 0.2 }] },
    }));
    expect(cells.map((x) => x.id)).toEqual(['activation=leaky_relu_alpha0.2,init=he_normal', 'activation=leaky_relu_alpha0.2,init=normal_std0.01']);
    expect(cells[1].config.model.init).toEqual({ name: 'normal', std: 0.01, gain: 1 });
  });

  it('uses the whole path as key when two swept paths end alike', () => {
    const cells = expandCells(resolveConfig({ ...base, sweep: { 'model.init.gain': [1], 'model.biasInit.gain': [2] } }));
    expect(cells.map((x) => x.id)).toEqual(['model.biasInit.gain=2,model.init.gain=1']);
    expect(cells[0].config.model.init).toEqual({ name: 'glorot_uniform', gain: 1 });
    expect(cells[0].config.model.biasInit).toEqual({ name: 'zeros', gain: 2 });
  });

  it('makes ids safe as folder names and distinct', () => {
    const cells = expandCells(resolveConfig({ ...base, sweep: { description: ['a/b c', 'a b/c', 'x'], 'train.saveWeights': [[], [0, 100]] } }));
    const ids = cells.map((x) => x.id);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._+=,-]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('description=a_b_c-0,saveWeights=0+100');
    expect(ids).toContain('description=x,saveWeights=none');
  });

  it('sets a parameter under a registry field written as a name', () => {
    const cells = expandCells(resolveConfig({ ...base, model: { activation: 'leaky_relu' }, sweep: { 'model.activation.alpha': [0.1, 0.3] } }));
    expect(cells.map((x) => [x.id, x.config.model.activation])).toEqual([
      ['alpha=0.1', { name: 'leaky_relu', alpha: 0.1 }],
      ['alpha=0.3', { name: 'leaky_relu', alpha: 0.3 }],
    ]);
  });

  it('lets defaults follow a swept value: the loss of a swept data kind', () => {
    const cells = expandCells(resolveConfig({ ...base, sweep: { 'data.kind': ['moons', 'teacher'] } }));
    expect(cells.map((x) => [x.id, x.config.train.loss])).toEqual([['kind=moons', 'cross_entropy'], ['kind=teacher', 'mse']]);
    expect(cells[0].config.data).not.toHaveProperty('classes');
  });

  it('expands a cell config to itself', () => {
    const [cell] = expandCells(resolveConfig({ ...base, sweep: { 'model.depth': [3] } }));
    expect(expandCells(cell.config).map((x) => x.id)).toEqual(['run']);
  });

  it('rejects a sweep with malformed paths, naming each', () => {
    expect(errorsOf({
      ...base,
      seeds: [1, 2],
      sweep: { seed: [1], 'model.activation': ['relu'], 'model.activation.alpha': [1], name: ['a'] },
    })).toEqual([
      'sweep["model.activation.alpha"]: "model.activation.alpha" lies inside "model.activation", which is swept too; expected paths that do not overlap',
      'sweep["name"]: "name" cannot be swept; expected a path into data, model, train or metrics, or seed or description',
      'sweep["seed"]: "seed" cannot be swept when seeds is set; expected one of sweep["seed"] or seeds',
    ]);
  });

  it('rejects more than 10,000 cells before building any', () => {
    const list = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
    expect(errorsOf({ ...base, seeds: { count: 2 }, sweep: { 'model.width': list(100), 'model.depth': list(51) } })).toEqual([
      'sweep: 51 x 100 x 2 = 10200 cells is more than the 10000 allowed; expected shorter lists',
    ]);
  });

  it('rejects two values of one list that resolve alike', () => {
    expect(errorsOf({ ...base, sweep: { 'model.init': ['xavier_uniform', 'he_normal', 'glorot_uniform'] } })).toEqual([
      'sweep["model.init"][2]: "glorot_uniform" is not allowed: it resolves to the same value as sweep["model.init"][0]; expected distinct values',
    ]);
  });

  it('names the cell when a combination, not one value, is invalid', () => {
    expect(errorsOf({ ...base, train: { steps: 100 }, sweep: { 'train.epochs': [1, 2] } })).toEqual([
      'sweep cell "epochs=1": train: steps (100) and epochs (1) are both set; expected exactly one of them (the other null or absent)',
      'sweep cell "epochs=2": train: steps (100) and epochs (2) are both set; expected exactly one of them (the other null or absent)',
    ]);
  });

  it('points a bad parameter inside a swept object at its place in the list', () => {
    expect(errorsOf({ ...base, sweep: { 'model.activation': ['relu', { name: 'elu', alpha: -1 }] } })).toEqual([
      'sweep["model.activation"][1].alpha: -1 is not allowed: expected a number >= 0',
    ]);
  });
});

describe('configHash', () => {
  it('is the same whatever the key order of the input', () => {
    const a = resolveConfig({ name: 't', data: { kind: 'moons', noise: 0.3 }, model: { depth: 3, width: 5 } });
    const b = resolveConfig({ model: { width: 5, depth: 3 }, data: { noise: 0.3, kind: 'moons' }, name: 't' });
    expect(configHash(a)).toBe(configHash(b));
    expect(configHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when any value changes, and not for an alias of the same thing', () => {
    const h = (model: object): string => configHash(resolveConfig({ ...base, model }));
    expect(h({ depth: 3 })).not.toBe(h({ depth: 4 }));
    expect(h({ init: 'xavier_uniform' })).toBe(h({ init: 'glorot_uniform' }));
  });

  it('hashes canonical JSON, keys sorted at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
  });
});
