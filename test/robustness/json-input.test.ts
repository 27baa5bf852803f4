/**
 * Config text that JSON.parse would accept, or that would crash a recursive walk: nesting far
 * past any real config, a key written twice, a file in UTF-16 or UTF-32. Every variant is refused
 * at parse time with one line naming the file (or the --set) and what is allowed; exit 2, no
 * stack trace, nothing written. The scanner itself is tested against JSON.parse on generated
 * texts, so its verdict on valid JSON never drifts from the parser's.
 */
import * as fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { findJsonError, foreignEncoding, MAX_JSON_DEPTH } from '../../src/config/json.js';
import { gradflow, listFiles, STACK_FRAME, tmp } from './helpers.js';

const BASE = {
  name: 'nest',
  seed: 0,
  data: { kind: 'moons', samples: 40, testFraction: 0.25 },
  model: { depth: 1, width: 3, activation: 'tanh' },
  train: { steps: 1, batchSize: 8, optimizer: 'sgd', lr: 0.1 },
};
const base = JSON.stringify(BASE);

/** `{"a":` … `}` or `[` … `]` nested `n` deep around `inner`. */
const nestObjects = (n: number, inner = '1'): string => '{"a":'.repeat(n) + inner + '}'.repeat(n);
const nestLists = (n: number, inner = '1'): string => '['.repeat(n) + inner + ']'.repeat(n);

/** Config texts, each wrong in one way the scanner must name. */
const DEEP: readonly (readonly [string, string, RegExp])[] = [
  ['5,000 lists deep in description', base.replace('"name"', `"description":${nestLists(5000)},"name"`), /nested more than 64 levels/],
  ['5,000 objects deep in description', base.replace('"name"', `"description":${nestObjects(5000)},"name"`), /nested more than 64 levels/],
  ['100,000 lists deep in a sweep value', base.replace('"seed"', `"sweep":{"model.width":[${nestLists(100_000)}]},"seed"`), /nested more than 64 levels/],
  ['an unclosed file 5,000 deep', '['.repeat(5000), /nested more than 64 levels/],
  ['one level past the limit', base.replace('"name"', `"description":${nestLists(MAX_JSON_DEPTH)},"name"`), /nested more than 64 levels/],
  ['a duplicate top-level key', base.replace('"seed":0', '"seed":0,"seed":1'), /the key "seed" is written twice/],
  ['a duplicate nested key', base.replace('"depth":1', '"depth":1,"depth":2'), /the key "depth" is written twice/],
  ['a duplicate key spelt with an escape', base.replace('"seed":0', '"seed":0,"se\\u0065d":1'), /the key "seed" is written twice/],
];

describe('config files refused at parse time', () => {
  it.each(DEEP)('%s: exit 2, one line, nothing written', async (_what, text, expected) => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    writeFileSync(file, text);
    const out = join(dir, 'out');
    const r = await gradflow(['run', file, '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).not.toMatch(/Maximum call stack/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^gradflow: \S*c\.json:\d+:\d+: not valid JSON: /);
    expect(listFiles(out)).toEqual([]);
  });

  it('accepts nesting at the limit (the bound is a bound, not an off-by-one)', () => {
    expect(findJsonError(nestLists(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findJsonError(nestLists(MAX_JSON_DEPTH + 1))?.problem).toMatch(/nested more than/);
    expect(findJsonError(nestObjects(MAX_JSON_DEPTH))).toBeUndefined();
  });

  it('names the line and column of the second key', () => {
    const dir = tmp();
    const file = join(dir, 'dup.json');
    writeFileSync(file, '{\n  "name": "x",\n  "name": "y"\n}\n');
    expect(() => loadConfig(file, { cwd: dir })).toThrowError(ConfigError);
    try {
      loadConfig(file, { cwd: dir });
    } catch (e) {
      expect((e as ConfigError).messages[0]).toBe('dup.json:3:3: not valid JSON: the key "name" is written twice in one object; expected each key once');
    }
  });
});

describe('--set values are held to the same rules', () => {
  it.each([
    ['a deep list', `description=${nestLists(5000)}`, /nested more than 64 levels/],
    ['a duplicate key', 'model={"depth":1,"depth":2}', /the key "depth" is written twice/],
  ])('%s: exit 2, one line', async (_what, set, expected) => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    writeFileSync(file, base);
    const r = await gradflow(['run', file, '--out', join(dir, 'out'), '--quiet', '--set', set]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(listFiles(join(dir, 'out'))).toEqual([]);
  });
});

/** The base config encoded in each foreign encoding, with and without a byte order mark. */
function encode(text: string, encoding: 'utf16le' | 'utf16be' | 'utf32le' | 'utf32be', bom: boolean): Buffer {
  const codes = [...(bom ? '\ufeff' : '') + text].map((c) => c.codePointAt(0)!);
  const width = encoding.startsWith('utf16') ? 2 : 4;
  const buf = Buffer.alloc(codes.length * width);
  codes.forEach((c, k) => {
    if (width === 2) encoding === 'utf16le' ? buf.writeUInt16LE(c, 2 * k) : buf.writeUInt16BE(c, 2 * k);
    else encoding === 'utf32le' ? buf.writeUInt32LE(c, 4 * k) : buf.writeUInt32BE(c, 4 * k);
  });
  return buf;
}

describe('config files in another encoding', () => {
  const cases = [
    ['utf16le', true, 'UTF-16 (little-endian)'],
    ['utf16le', false, 'UTF-16 (little-endian)'],
    ['utf16be', true, 'UTF-16 (big-endian)'],
    ['utf16be', false, 'UTF-16 (big-endian)'],
    ['utf32le', true, 'UTF-32 (little-endian)'],
    ['utf32be', true, 'UTF-32 (big-endian)'],
  ] as const;

  it.each(cases)('%s (BOM %s) is named as %s', async (encoding, bom, name) => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    writeFileSync(file, encode(base, encoding, bom));
    const r = await gradflow(['run', file, '--out', join(dir, 'out'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^gradflow: \\S*c\\.json: the file is ${name.replace(/[()]/g, "\\$&")}; expected UTF-8 \\(save it as UTF-8 and run again\\)$`));
    expect(listFiles(join(dir, 'out'))).toEqual([]);
  });

  it('leaves UTF-8, with or without its byte order mark, alone', () => {
    expect(foreignEncoding(Buffer.from(base))).toBeUndefined();
    expect(foreignEncoding(Buffer.from('\ufeff' + base))).toBeUndefined();
    expect(foreignEncoding(Buffer.from('{"name": "é"}'))).toBeUndefined();
  });
});

describe('the scanner agrees with JSON.parse on valid JSON', () => {
  it('finds no problem in any JSON value without duplicate keys (generated)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.boolean(), (v, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        expect(findJsonError(text)).toBeUndefined();
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('finds a problem in every text JSON.parse refuses (generated by cutting valid JSON)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(), (v, cut) => {
        const text = JSON.stringify(v);
        const broken = text.slice(0, cut % (text.length + 1)) + (cut % 3 === 0 ? ',' : '');
        let parses = true;
        try {
          JSON.parse(broken);
        } catch {
          parses = false;
        }
        if (!parses) expect(findJsonError(broken)).toBeDefined();
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
