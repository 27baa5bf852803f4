import { describe, expect, it } from 'vitest';
import { DATA_KINDS, DATASETS, DataError, dataParams, loadDataset, resolveDataKind, type DataKind } from '../../src/data/index.js';
import { createRng } from '../../src/net/rng.js';

/** The options and defaults of every data kind, as the brief states them. */
const DEFAULTS: Record<DataKind, Record<string, unknown>> = {
  spirals: { samples: 3000, testFraction: 0.2, standardize: false, classes: 3, noise: 0.2, turns: 1.5 },
  blobs: { samples: 3000, testFraction: 0.2, standardize: false, classes: 3, dims: 2, spread: 1 },
  moons: { samples: 2000, testFraction: 0.2, standardize: false, noise: 0.1 },
  checkerboard: { samples: 2000, testFraction: 0.2, standardize: false, tiles: 2, noise: 0 },
  teacher: {
    samples: 2000, testFraction: 0.2, standardize: false, inputDim: 10, outputDim: 1,
    teacherDepth: 2, teacherWidth: 32, teacherActivation: 'tanh', noise: 0,
  },
  mnist: { limit: null, testFraction: 0.2, standardize: false },
  tensors: { path: null, testFraction: 0.2, standardize: false },
};

const TASKS: Record<DataKind, string> = {
  spirals: 'classification', blobs: 'classification', moons: 'classification', checkerboard: 'classification',
  teacher: 'regression', mnist: 'classification', tensors: 'depends',
};

describe('the data registry', () => {
  it('lists exactly the contracted kinds', () => {
    expect(DATA_KINDS).toEqual(['spirals', 'blobs', 'moons', 'checkerboard', 'teacher', 'mnist', 'tensors']);
  });

  it.each([
    ['xor', 'checkerboard'], ['XOR', 'checkerboard'], ['Spirals', 'spirals'], ['two_moons', 'moons'],
    ['gaussians', 'blobs'], ['teacher_student', 'teacher'], ['digits', 'mnist'], ['safetensors', 'tensors'],
  ])('resolves %s to %s', (alias, kind) => {
    expect(resolveDataKind(alias)).toBe(kind);
  });

  it('resolves an unknown kind to undefined', () => {
    expect(resolveDataKind('cifar10')).toBeUndefined();
  });

  it('gives no alias to two kinds', () => {
    const all = DATA_KINDS.flatMap((k) => [k, ...DATASETS[k].aliases]);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe.each(DATA_KINDS)('data kind %s', (kind) => {
  const def = DATASETS[kind];

  it('has the options and defaults of the brief', () => {
    const defaults = Object.fromEntries(Object.entries(def.params).map(([k, s]) => [k, s.default]));
    expect(defaults).toEqual(DEFAULTS[kind]);
  });

  it('declares its task and a one-line doc', () => {
    expect(def.task).toBe(TASKS[kind]);
    expect(def.doc).toMatch(/^[^\n]{10,120}$/);
  });

  it('documents every option with a default of its declared type inside its bounds', () => {
    for (const [name, spec] of Object.entries(def.params)) {
      expect(spec.doc.length, name).toBeGreaterThan(5);
      const s = spec as typeof spec & { nullable?: boolean; required?: boolean; exclusiveMax?: boolean };
      if (spec.default === null) {
        expect(s.nullable || s.required, name).toBe(true);
        continue;
      }
      const t = spec.type === 'integer' ? 'number' : spec.type === 'enum' ? 'string' : spec.type;
      expect(typeof spec.default, name).toBe(t);
      if (spec.type === 'enum') expect(spec.choices, name).toContain(spec.default);
      if (spec.type === 'integer') expect(Number.isInteger(spec.default), name).toBe(true);
      if (typeof spec.default === 'number') {
        if (spec.min !== undefined) expect(spec.default, name).toBeGreaterThanOrEqual(spec.min);
        if (spec.max !== undefined) {
          if (s.exclusiveMax) expect(spec.default, name).toBeLessThan(spec.max);
          else expect(spec.default, name).toBeLessThanOrEqual(spec.max);
        }
      }
    }
  });

  it('refuses an option it does not know, naming the field and the allowed options', () => {
    expect(() => dataParams(kind, { colour: 'red' })).toThrow(DataError);
    expect(() => dataParams(kind, { colour: 'red' })).toThrow(`data.colour: unknown key for data kind "${kind}"; allowed keys: ${Object.keys(DATASETS[kind].params).join(', ')}`);
  });

  it('refuses a testFraction of 1', () => {
    const given = kind === 'tensors' ? { path: 'x.safetensors', testFraction: 1 } : { testFraction: 1 };
    expect(() => dataParams(kind, given)).toThrow(/^data\.testFraction: 1 is not allowed: expected a number in \[0, 1\)$/);
  });
});

describe('option checks', () => {
  it('fills defaults and keeps given values', () => {
    expect(dataParams('spirals', { kind: 'spirals', classes: 5 })).toEqual({ ...DEFAULTS.spirals, classes: 5 });
  });

  it('pins the texts of bad values', () => {
    const msg = (kind: DataKind, o: Record<string, unknown>): string => {
      try {
        dataParams(kind, o);
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(msg('spirals', { classes: 1 })).toMatchInlineSnapshot(`"data.classes: 1 is not allowed: expected an integer >= 2"`);
    expect(msg('spirals', { classes: 2.5 })).toMatchInlineSnapshot(`"data.classes: 2.5 is not allowed: expected an integer >= 2"`);
    expect(msg('blobs', { spread: '1' })).toMatchInlineSnapshot(`"data.spread: "1" is not allowed: expected a number >= 0"`);
    expect(msg('mnist', { limit: 20000 })).toMatchInlineSnapshot(`"data.limit: 20000 is not allowed: expected an integer in [2, 10000] or null"`);
    expect(msg('mnist', { limit: null })).toBe('no error');
    expect(msg('tensors', {})).toMatchInlineSnapshot(`"data.path: missing: expected a string for data kind "tensors" (safetensors file with x [n, d] and y [n] or [n, k], relative to the config file)"`);
    expect(msg('spirals', { standardize: 'yes' })).toMatchInlineSnapshot(`"data.standardize: "yes" is not allowed: expected a boolean"`);
  });

  it('refuses an unknown data kind and an unknown teacher activation', () => {
    expect(() => loadDataset({ kind: 'cifar10' }, createRng(0))).toThrowErrorMatchingInlineSnapshot(`[DataError: data.kind: "cifar10" is not one of spirals, blobs, moons, checkerboard, teacher, mnist, tensors]`);
    expect(() => DATASETS.teacher.load({ teacherActivation: 'swishy', samples: 10 }, createRng(0))).toThrow(
      /^data\.teacherActivation: "swishy" is not one of identity, sigmoid, tanh/,
    );
  });

  it('loads through an alias', () => {
    const ds = loadDataset({ kind: 'XOR', samples: 40 }, createRng(0));
    expect(ds.name).toBe('checkerboard');
    expect(ds.classes).toBe(2);
  });
});
