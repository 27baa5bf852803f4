import { describe, expect, it } from 'vitest';
import { ConfigError, configHash, expandCells, knownPaths, resolveConfig } from '../../src/config/index.js';
import { normOf, residualOf } from '../../src/config/model.js';

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

describe('model.norm and model.residual', () => {
  it('leave a config without them, or with their defaults written out, resolving and hashing as before', () => {
    const plain = resolveConfig(base);
    expect(plain.model).not.toHaveProperty('norm');
    expect(plain.model).not.toHaveProperty('residual');
    const explicit = resolveConfig({ ...base, model: { norm: 'none', residual: false } });
    expect(configHash(explicit)).toBe(configHash(plain));
    expect(normOf(plain.model)).toBeNull();
    expect(residualOf(plain.model)).toBeNull();
  });

  it("fill in PyTorch's defaults, accept aliases, and change the config hash", () => {
    const bn = resolveConfig({ ...base, model: { norm: 'bn', residual: {} } });
    expect(bn.model.norm).toEqual({ name: 'batch', momentum: 0.1, eps: 1e-5, affine: true });
    expect(bn.model.residual).toEqual({ scale: 1 });
    expect(normOf(bn.model)).toEqual({ name: 'batch', momentum: 0.1, eps: 1e-5, affine: true });
    const ln = resolveConfig({ ...base, model: { norm: { name: 'layer', eps: 1e-3, affine: false } } });
    expect(ln.model.norm).toEqual({ name: 'layer', eps: 1e-3, affine: false });
    const hashes = new Set([base, { ...base, model: { norm: 'batch' } }, { ...base, model: { norm: 'layer' } }, { ...base, model: { residual: { scale: 0.5 } } }, { ...base, model: { residual: { scale: 1 } } }]
      .map((c) => configHash(resolveConfig(c))));
    expect(hashes.size).toBe(5);
  });

  it('are config paths a sweep may set, with readable cell ids', () => {
    expect(knownPaths()).toEqual(expect.arrayContaining(['model.norm', 'model.norm.momentum', 'model.norm.eps', 'model.residual', 'model.residual.scale']));
    const cells = expandCells(resolveConfig({ ...base, sweep: { 'model.norm': ['none', 'batch', { name: 'layer', eps: 0.001 }], 'model.residual.scale': [1, 0.25] } }));
    expect(cells.map((c) => c.id)).toEqual([
      'norm=none,scale=1', 'norm=none,scale=0.25', 'norm=batch,scale=1', 'norm=batch,scale=0.25', 'norm=layer_eps0.001,scale=1', 'norm=layer_eps0.001,scale=0.25',
    ]);
    expect(cells[3].config.model.residual).toEqual({ scale: 0.25 });
    expect(cells[0].config.model).not.toHaveProperty('norm');
  });

  it('refuse bad values with a message naming the field, the value and what is allowed', () => {
    expect(errorsOf({ ...base, model: { norm: 'bach' } })).toMatchInlineSnapshot(`
      [
        "model.norm: "bach" is not one of none, batch, layer — did you mean "batch"?",
      ]
    `);
    expect(errorsOf({ ...base, model: { norm: { name: 'layer', momentum: 0.1 }, residual: true } })).toMatchInlineSnapshot(`
      [
        "model.norm.momentum: unknown parameter of layer; layer takes: eps, affine",
        "model.residual: true is not allowed: expected false or {"scale": a number >= 0}",
      ]
    `);
    expect(errorsOf({ ...base, model: { norm: { name: 'batch', momentum: 1.5 }, residual: { scale: -1 } } })).toMatchInlineSnapshot(`
      [
        "model.norm.momentum: 1.5 is not allowed: expected a number in [0, 1]",
        "model.residual.scale: -1 is not allowed: expected a number >= 0",
      ]
    `);
  });

  it('refuse batch norm over a batch or probe of one example', () => {
    expect(errorsOf({ ...base, model: { norm: 'batch' }, train: { batchSize: 1 }, metrics: { probe: 1 } })).toMatchInlineSnapshot(`
      [
        "metrics.probe: 1 is not allowed with model.norm "batch": batch norm normalises each unit over the batch; expected an integer >= 2",
        "train.batchSize: 1 is not allowed with model.norm "batch": batch norm normalises each unit over the batch; expected an integer >= 2",
      ]
    `);
    expect(errorsOf({ ...base, model: { norm: 'layer' }, train: { batchSize: 1 } })).toEqual([]);
  });
});
