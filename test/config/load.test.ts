import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySet, ConfigError, loadConfig, parseSetValue, resolveConfig } from '../../src/config/index.js';
import { findJsonError, lineColumn } from '../../src/config/json.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

const good = { name: 'good', data: { kind: 'moons' }, model: { depth: 2, width: 4 } };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradflow-config-'));
  writeFileSync(join(dir, 'good.json'), JSON.stringify(good));
  writeFileSync(join(dir, 'empty.json'), '');
  writeFileSync(join(dir, 'blank.json'), ' \n\t\n');
  writeFileSync(join(dir, 'broken.json'), '{\n  "name": "x",\n  "data": }\n');
  writeFileSync(join(dir, 'commented.json'), '{\n  // my run\n  "name": "x"\n}\n');
  writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ name: 'x', data: { kind: 'moons' }, model: { depth: -2 } }));
  mkdirSync(join(dir, 'folder.json'));
  mkdirSync(join(dir, 'experiments', 'configs'), { recursive: true });
  writeFileSync(join(dir, 'experiments', 'configs', 'nested.json'), JSON.stringify({ ...good, name: 'nested' }));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function messagesOf(f: () => unknown): readonly string[] {
  try {
    f();
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.messages;
    throw e;
  }
}

describe('loadConfig', () => {
  it('reads, resolves and reports the folder relative paths start from', () => {
    const r = loadConfig('good.json', { cwd: dir });
    expect(r.config.name).toBe('good');
    expect(r.config.model.depth).toBe(2);
    expect(r.file).toBe(join(dir, 'good.json'));
    expect(r.baseDir).toBe(dir);
  });

  it('looks a relative path up under experiments/ when it is not found as given', () => {
    const r = loadConfig('configs/nested.json', { cwd: dir });
    expect(r.config.name).toBe('nested');
    expect(r.baseDir).toBe(join(dir, 'experiments', 'configs'));
  });

  it('loads the repository\'s own configs by their path under experiments/', () => {
    expect(loadConfig('configs/deep-sigmoid.json', { cwd: repo }).config.name).toBe('deep-sigmoid');
  });

  it.each([
    ['a missing file', 'nope.json', ['nope.json: no such file (looked for nope.json and experiments/nope.json)']],
    ['a directory', 'folder.json', ['folder.json: is a directory; expected a JSON config file']],
    ['an empty file', 'empty.json', ['empty.json: the file is empty; expected a JSON object']],
    ['a file of whitespace', 'blank.json', ['blank.json: the file is empty; expected a JSON object']],
    ['a file that is not JSON', 'broken.json', ['broken.json:3:11: not valid JSON: unexpected "}"']],
    ['a file with comments', 'commented.json', ['commented.json:2:3: not valid JSON: comments are not allowed in JSON']],
    ['a file that does not validate', 'invalid.json', ['model.depth: -2 is not allowed: expected an integer >= 0']],
  ])('rejects %s with a message naming it', (_what, file, expected) => {
    expect(messagesOf(() => loadConfig(file, { cwd: dir }))).toEqual(expected);
  });

  it('names an absolute path that does not exist as itself only', () => {
    const missing = join(dir, 'gone.json');
    expect(messagesOf(() => loadConfig(missing))).toEqual([`${missing}: no such file (looked for ${missing})`]);
  });

  it('heads a validation error with the file name', () => {
    expect(() => loadConfig('invalid.json', { cwd: dir })).toThrow(
      'invalid.json: invalid config (1 error)\n  model.depth: -2 is not allowed: expected an integer >= 0',
    );
  });

  it('applies --set values in order, typed as JSON', () => {
    const { config } = loadConfig('good.json', {
      cwd: dir,
      set: ['model.depth=30', 'model.activation=tanh', 'model.activation="sigmoid"', 'data.standardize=true', 'train.clipNorm=null', 'train.saveWeights=[0,5]', 'description=a=b'],
    });
    expect(config.model.depth).toBe(30);
    expect(config.model.activation).toEqual({ name: 'sigmoid' });
    expect(config.data.standardize).toBe(true);
    expect(config.train.clipNorm).toBeNull();
    expect(config.train.saveWeights).toEqual([0, 5]);
    expect(config.description).toBe('a=b');
  });

  it('validates a --set value like the file, and reports it with the file\'s other errors', () => {
    expect(messagesOf(() => loadConfig('good.json', { cwd: dir, set: ['model.depth=abc'] }))).toEqual([
      'model.depth: "abc" is not allowed: expected an integer >= 0',
    ]);
    expect(messagesOf(() => loadConfig('invalid.json', { cwd: dir, set: ['model.widht=3', 'train.lr=-1'] }))).toEqual([
      '--set model.widht=3: "model.widht" is not a config path — did you mean "model.width"?',
      'model.depth: -2 is not allowed: expected an integer >= 0',
      'train.lr: -1 is not allowed: expected a number > 0',
    ]);
  });
});

describe('applySet', () => {
  it('returns a copy with the value set and leaves the input alone', () => {
    const input = { name: 'x', model: { depth: 3 } };
    const out = applySet(input, 'model.depth=30');
    expect(out).toEqual({ name: 'x', model: { depth: 30 } });
    expect(input.model.depth).toBe(3);
  });

  it('creates missing sections and turns a registry name into an object to set a parameter', () => {
    expect(applySet({ name: 'x' }, 'metrics.every=5')).toEqual({ name: 'x', metrics: { every: 5 } });
    expect(applySet({ model: { activation: 'elu' } }, 'model.activation.alpha=0.5')).toEqual({ model: { activation: { name: 'elu', alpha: 0.5 } } });
    const c = resolveConfig(applySet({ name: 'x', data: { kind: 'moons' } }, 'model.init.gain=2'));
    expect(c.model.init).toEqual({ name: 'glorot_uniform', gain: 2 });
  });

  it.each([
    ['an argument without "="', 'model', ['--set "model": expected path=value, e.g. --set model.depth=30']],
    ['an argument without a path', '=3', ['--set "=3": expected path=value, e.g. --set model.depth=30']],
    ['an unknown path', 'model.dept=3', ['--set model.dept=3: "model.dept" is not a config path — did you mean "model.depth"?']],
    ['a path into sweep', 'sweep.model=1', ['--set sweep.model=1: "sweep.model" is not a config path; expected a dotted path such as "model.depth" or "train.lr"']],
  ])('rejects %s', (_what, arg, expected) => {
    expect(messagesOf(() => applySet({ name: 'x' }, arg))).toEqual(expected);
  });

  it('rejects a path through a value that is not an object', () => {
    expect(messagesOf(() => applySet({ model: 5 }, 'model.depth=3'))).toEqual([
      '--set model.depth=3: model is 5, not an object; expected a path to a field',
    ]);
  });

  it.each([
    ['30', 30],
    ['-1.5e-3', -1.5e-3],
    ['true', true],
    ['null', null],
    ['[1, 2]', [1, 2]],
    ['{"name": "elu"}', { name: 'elu' }],
    ['"30"', '30'],
    ['tanh', 'tanh'],
    ['', ''],
  ])('parses the value %j as %j', (text, value) => {
    expect(parseSetValue(text)).toEqual(value);
  });
});

describe('findJsonError', () => {
  it.each([
    ['{"a": 1,}', 8, 'a trailing comma is not allowed in JSON'],
    ['[1, 2,]', 6, 'a trailing comma is not allowed in JSON'],
    ['{"a" 1}', 5, 'expected ":" after the property name'],
    ['{a: 1}', 1, 'expected a property name in double quotes'],
    ['{"a": 1 "b": 2}', 8, 'expected "," or "}" after a property value'],
    ['[1 2]', 3, 'expected "," or "]" after a list item'],
    ['{"a": "x', 8, 'unterminated string'],
    ['{"a": "\\q"}', 7, 'invalid escape in a string'],
    ['{"a": 01}', 7, 'expected "," or "}" after a property value'],
    ['{"a": 1', 7, 'unexpected end of file'],
    ['{} {}', 3, 'unexpected text after the JSON value'],
    ['/* c */ {}', 0, 'comments are not allowed in JSON'],
    ["{'a': 1}", 1, 'expected a property name in double quotes'],
  ])('finds the error in %j at offset %i', (text, offset, problem) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(findJsonError(text)).toEqual({ offset, problem });
  });

  it.each(['{}', '[]', '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]}', ' 0 '])('accepts valid JSON %j', (text) => {
    expect(findJsonError(text)).toBeUndefined();
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual([2, 2]);
    expect(lineColumn('ab', 0)).toEqual([1, 1]);
  });
});
