/**
 * Messages that say what is wrong, in one line: a count flag names the text it was given
 * (`--workers abc`, not "NaN"), a value starting with "-" reaches its flag (`--shard -1/2`, not
 * "Unknown argument: 1"), a flag given twice is named, and no message echoes a long value in
 * full: keys, paths, values, tensor names and file names are cut short (`show`, `shorten` in
 * src/messages.ts) wherever they come from.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { shorten, show } from '../../src/messages.js';
import { createRng } from '../../src/net/rng.js';
import { InputError, prepare } from '../../src/train/run.js';
import { safetensorsBytes } from '../data/write-safetensors.js';
import { gradflow, STACK_FRAME, tmp, writeConfig } from './helpers.js';

const BASE = {
  name: 'messages',
  seed: 0,
  data: { kind: 'moons', samples: 40, testFraction: 0.25 },
  model: { depth: 1, width: 3, activation: 'tanh' },
  train: { steps: 1, batchSize: 8, optimizer: 'sgd', lr: 0.1 },
  metrics: { every: 1 },
};

/** The one error line of a CLI result, after checking it is one line and exit 2. */
async function oneLine(args: readonly string[]): Promise<string> {
  const r = await gradflow(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('count flags name what was given', () => {
  it.each([
    ['run', '--workers', 'abc', '"abc"'],
    ['run', '--workers', '1.5', '1.5'],
    ['run', '--workers', '0', '0'],
    ['run', '--workers', '-3', '-3'],
    ['run', '--workers', '1e3', '1000'],
    ['run', '--workers', '0x10', '16'],
    ['run', '--workers', '', '""'],
    ['run', '--workers', ' 2x', '" 2x"'],
    ['claims', '--workers', 'many', '"many"'],
    ['check', '--workers', 'NaN', '"NaN"'],
    ['bench', '--rounds', 'abc', '"abc"'],
  ])('%s %s %j', async (command, flag, value, shown) => {
    const args = command === 'run' ? ['run', 'configs/deep-sigmoid.json', flag, value] : [command, flag, value];
    expect(await oneLine(args)).toBe(`gradflow: ${flag}: ${shown} is not allowed: expected an integer >= 1`);
  }, 30_000);

  it('still accepts a plain count', async () => {
    const dir = tmp();
    const r = await gradflow(['run', writeConfig(dir, BASE), '--out', join(dir, 'out'), '--workers', '2', '--quiet', '--no-report']);
    expect(r.code, r.stderr).toBe(0);
  }, 30_000);
});

describe('a value that starts with "-" reaches its flag', () => {
  it.each(['-1/2', '-0/2', '-1', '-2/-1', '-auto'])('--shard %s is named as the shard, not as flags', async (value) => {
    expect(await oneLine(['run', 'configs/deep-sigmoid.json', '--shard', value])).toMatch(
      new RegExp(`^gradflow: --shard: ${JSON.stringify(value).replace(/[/]/g, '\\/')} is not allowed: expected I\\/N with integers 1 <= I <= N`),
    );
  }, 30_000);

  it('--workers -2 and --save-weights -1 likewise', async () => {
    expect(await oneLine(['run', 'configs/deep-sigmoid.json', '--workers', '-2'])).toBe('gradflow: --workers: -2 is not allowed: expected an integer >= 1');
    expect(await oneLine(['run', 'configs/deep-sigmoid.json', '--save-weights', '-1'])).toMatch(/^gradflow: --save-weights: "-1" is not allowed/);
  }, 30_000);
});

describe('a flag that takes one value, given twice', () => {
  it.each([
    [['run', 'configs/deep-sigmoid.json', '--out', 'a', '--out', 'b'], '--out'],
    [['run', 'configs/deep-sigmoid.json', '--shard', '1/2', '--shard', '2/2'], '--shard'],
    [['run', 'configs/deep-sigmoid.json', '--workers', '1', '--workers', '2'], '--workers'],
    [['figures', '--out', 'a', '--out', 'b'], '--out'],
    [['merge', 'x', '--out', 'a', '--out', 'b', '--out', 'c'], '--out'],
  ])('%j', async (args, flag) => {
    const times = args.filter((a) => a === flag).length;
    expect(await oneLine(args)).toBe(`gradflow: ${flag}: given ${times} times; expected it once`);
  }, 30_000);
});

/** A long value: `n` characters from `alphabet`, seeded. */
function long(seed: string, n = 10_000, alphabet = 'abcdefghij'): string {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => alphabet[rng.int(alphabet.length)]).join('');
}

/** The messages of loading `config` (with `set`) and preparing it; [] when it is accepted. */
function messagesOf(config: unknown, set: readonly string[] = []): string[] {
  const dir = tmp();
  const file = writeConfig(dir, config);
  try {
    loadConfig(file, { set });
    prepare([file], { out: join(dir, 'out'), set });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError) return [...e.messages];
    throw e;
  }
  return [];
}

/** Most characters a message line may have once its long values are cut short. */
const LINE = 800;

describe('no message echoes a 10 KB value in full', () => {
  const L = long('config');
  const places: readonly (readonly [string, () => string[]])[] = [
    ['an unknown key', () => messagesOf({ ...BASE, [L]: 1 })],
    ['an unknown data key', () => messagesOf({ ...BASE, data: { ...BASE.data, [L]: 1 } })],
    ['an unknown key two levels down', () => messagesOf({ ...BASE, model: { ...BASE.model, activation: { name: 'relu', [L]: 1 } } })],
    ['an activation name', () => messagesOf({ ...BASE, model: { ...BASE.model, activation: L } })],
    ['a data kind', () => messagesOf({ ...BASE, data: { kind: L } })],
    ['a name', () => messagesOf({ ...BASE, name: L })],
    ['a description of the wrong type', () => messagesOf({ ...BASE, description: [L] })],
    ['a sweep key', () => messagesOf({ ...BASE, sweep: { [L]: [1] } })],
    ['a dotted sweep key', () => messagesOf({ ...BASE, sweep: { [`model.${L}`]: [1, 2] } })],
    ['a sweep value', () => messagesOf({ ...BASE, sweep: { 'model.activation': [L] } })],
    ['a tensors data path', () => messagesOf({ ...BASE, data: { kind: 'tensors', path: L.slice(0, 4000) } })],
    ['an initFrom path', () => messagesOf({ ...BASE, model: { ...BASE.model, initFrom: L.slice(0, 4000) } })],
    ['a --set path', () => messagesOf(BASE, [`${L}=1`])],
    ['a --set without "="', () => messagesOf(BASE, [L])],
    ['a --set value', () => messagesOf(BASE, [`model.activation=${L}`])],
    ['a --set through a value', () => messagesOf(BASE, [`model.depth.${L}=1`])],
    ['a --set of deep JSON', () => messagesOf(BASE, [`description=${'['.repeat(100)}"${L}"${']'.repeat(100)}`])],
  ];

  it.each(places)('%s', (_where, make) => {
    const m = make();
    expect(m.length).toBeGreaterThan(0);
    for (const line of m) {
      expect(line.length, line.slice(0, 200)).toBeLessThan(LINE);
      expect(line).not.toContain(L.slice(0, 300));
    }
  });

  it('cuts short the tensor names and lists a weights or data file holds', () => {
    const dir = tmp();
    const names = Array.from({ length: 200 }, (_, i) => `${long(`tensor ${i}`, 500)}`);
    const tensors = Object.fromEntries(names.map((n) => [n, { dtype: 'F32', shape: [1], data: [0] }] as const));
    writeFileSync(join(dir, 'w.safetensors'), safetensorsBytes(tensors));
    writeFileSync(join(dir, 'd.safetensors'), safetensorsBytes(tensors));
    const weights = messagesOf({ ...BASE, model: { ...BASE.model, initFrom: join(dir, 'w.safetensors') } });
    const data = messagesOf({ ...BASE, data: { kind: 'tensors', path: join(dir, 'd.safetensors') } });
    for (const line of [...weights, ...data]) {
      expect(line.length, line.slice(0, 200)).toBeLessThan(LINE * 2);
      expect(line).not.toContain(names[0]);
      expect(line).toMatch(/and \d+ more/);
    }
    expect(weights.length + data.length).toBeGreaterThan(1);
  });

  it.each([
    ['an unknown flag', () => ['run', 'configs/deep-sigmoid.json', `--${long('flag', 10_000, 'xyz')}`]],
    ['an unknown command', () => [long('command', 10_000, 'xyz')]],
    ['a config path', () => ['run', long('path', 10_000, 'xyz')]],
    ['a config path of many folders', () => ['run', Array.from({ length: 40 }, (_, i) => long(`seg ${i}`, 200, 'xyz')).join('/')]],
    ['a report folder', () => ['report', long('report', 5000, 'xyz')]],
    ['a merge folder', () => ['merge', long('merge', 5000, 'xyz')]],
    ['an --out', () => ['figures', '--out', `/etc/passwd/${long('out', 3000, 'xyz')}`]],
    ['a --shard', () => ['run', 'configs/deep-sigmoid.json', '--shard', long('shard', 10_000, '12/')]],
    ['a --set', () => ['run', 'configs/deep-sigmoid.json', '--set', `${long('set', 10_000, 'xyz')}=1`]],
  ])('from the command line: %s', async (_where, make) => {
    const args = make();
    const line = await oneLine(args);
    expect(line.length, line.slice(0, 200)).toBeLessThan(LINE);
    expect(line).toContain('...');
  }, 30_000);
});

describe('show and shorten', () => {
  it('keep short values whole and cut long ones to a bounded length, keeping both ends of a path', () => {
    expect(show('relu')).toBe('"relu"');
    expect(show('x'.repeat(1000))).toHaveLength(60);
    const path = `/home/user/${'d'.repeat(5000)}/config.json`;
    const cut = shorten(path);
    expect(cut.length).toBeLessThanOrEqual(240);
    expect(cut.startsWith('/home/user/')).toBe(true);
    expect(cut.endsWith('/config.json')).toBe(true);
    expect(shorten('short')).toBe('short');
  });
});
