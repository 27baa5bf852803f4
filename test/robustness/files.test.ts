/**
 * Bad files through the real CLI: truncated or corrupt safetensors, a wrong dtype or shape, a
 * header that lies about its offsets, an empty file, a directory given as a file, a missing
 * file — as weights (`--init-from`) and as data (`data.kind: tensors`) — and config files that
 * are not JSON, empty, or directories. Each is a clear error naming the file, exit 2, with
 * nothing written. Weights are checked against the model before the run starts, not by the
 * cell that would load them.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/net/safetensors.js';
import { safetensorsBytes, type TestTensor } from '../data/write-safetensors.js';
import { gradflow, STACK_FRAME, tmp } from './helpers.js';

/** moons: 2 inputs, 2 classes; depth 1, width 4. */
const CONFIG = {
  name: 'files',
  data: { kind: 'moons', samples: 60 },
  model: { depth: 1, width: 4, activation: 'tanh' },
  train: { steps: 3, batchSize: 8 },
  metrics: { every: 1, probe: 8, histogramsEvery: null },
};

const ramp = (n: number, scale = 0.1): number[] => Array.from({ length: n }, (_, i) => scale * ((i % 7) - 3));

const WEIGHTS: Record<string, TestTensor> = {
  'layers.0.weight': { dtype: 'F32', shape: [4, 2], data: ramp(8) },
  'layers.0.bias': { dtype: 'F32', shape: [4], data: ramp(4) },
  'layers.1.weight': { dtype: 'F32', shape: [2, 4], data: ramp(8) },
  'layers.1.bias': { dtype: 'F32', shape: [2], data: ramp(2) },
};

const DATA: Record<string, TestTensor> = {
  x: { dtype: 'F32', shape: [20, 2], data: ramp(40, 1) },
  y: { dtype: 'I32', shape: [20], data: Array.from({ length: 20 }, (_, i) => i % 2) },
};

/** A way to spoil a safetensors file: given the good tensors, the bytes to write (or a directory). */
interface Spoil {
  readonly what: string;
  readonly bytes: ((good: Record<string, TestTensor>) => Uint8Array) | 'directory' | 'missing';
  /** What the message says after the file name, for weights and for data. */
  readonly weights: RegExp;
  readonly data: RegExp;
}

const cut = (b: Uint8Array, n: number): Uint8Array => b.subarray(0, b.length - n);
const first = (t: Record<string, TestTensor>): string => Object.keys(t)[0];

const SPOILS: readonly Spoil[] = [
  {
    what: 'a truncated file',
    bytes: (t) => cut(safetensorsBytes(t), 5),
    weights: /data_offsets \[\d+, \d+\] lie outside the data buffer of \d+ bytes \(truncated file or lying header\)/,
    data: /data_offsets \[\d+, \d+\] run past the \d+-byte buffer/,
  },
  {
    what: 'random bytes (not safetensors at all)',
    bytes: () => Uint8Array.from({ length: 64 }, (_, i) => (i * 73 + 41) % 256),
    weights: /the header length in the first 8 bytes runs past the end of the file \(64 bytes; truncated or not safetensors\)/,
    data: /not a safetensors file: the header length in the first 8 bytes does not fit in a file of 64 bytes/,
  },
  {
    what: 'a header that is not JSON',
    bytes: () => {
      const head = new TextEncoder().encode('{"x": {"dtype": "F32", shape');
      const out = new Uint8Array(8 + head.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
      out.set(head, 8);
      return out;
    },
    weights: /header is not valid UTF-8 JSON/,
    data: /not a safetensors file: the header is not a JSON object/,
  },
  {
    what: 'a text file (its first 8 bytes read as a length)',
    bytes: () => new TextEncoder().encode('root:x:0:0:SECRET-LINE:/root:/bin/bash\n'),
    weights: /^(?!.*SECRET)(?!.*root:x).*the header length in the first 8 bytes runs past the end of the file/m,
    data: /^(?!.*SECRET)(?!.*root:x).*the header length in the first 8 bytes does not fit in a file of/m,
  },
  {
    what: 'a header whose bytes are private text, not JSON',
    bytes: () => {
      const head = new TextEncoder().encode('SECRET-TOKEN=abc123 not json at all');
      const out = new Uint8Array(8 + head.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
      out.set(head, 8);
      return out;
    },
    weights: /^(?!.*SECRET).*header is not valid UTF-8 JSON \(truncated or not safetensors\)$/m,
    data: /^(?!.*SECRET).*not a safetensors file: the header is not a JSON object \(not valid UTF-8 JSON\)$/m,
  },
  {
    what: 'a wrong dtype',
    bytes: (t) => safetensorsBytes({ ...t, [first(t)]: { ...t[first(t)], dtype: 'I32', data: t[first(t)].data.map(Math.round) } }),
    weights: /tensor "layers\.0\.weight" has dtype I32; weights must be F32 or F64/,
    data: /tensor "x" has dtype I32; allowed: F32, F64/,
  },
  {
    what: 'a wrong shape',
    bytes: (t) => safetensorsBytes({ ...t, [first(t)]: { ...t[first(t)], shape: [t[first(t)].data.length] } }),
    weights: /tensor "layers\.0\.weight" has shape \[8\], expected \[4, 2\]/,
    data: /tensor "x" has shape \[40\]; expected \[n, d\] \(rank 2\)/,
  },
  {
    what: 'a header that lies about its offsets',
    bytes: (t) =>
      safetensorsBytes(t, (h) => {
        const e = h[first(t)] as { data_offsets: number[] };
        e.data_offsets = [e.data_offsets[0] + 4, e.data_offsets[1] + 4];
      }),
    weights: /tensors "layers\.0\.weight" \[4, 36\] and "layers\.0\.bias" \[32, 48\] overlap in the data buffer/,
    data: /tensors "x" \[4, 164\] and "y" \[160, 240\] overlap in the data buffer \(a header that lies about its offsets\)/,
  },
  {
    what: 'an empty file',
    bytes: () => new Uint8Array(0),
    weights: /truncated: 0 bytes, less than the 8-byte header length/,
    data: /not a safetensors file: 0 bytes, fewer than the 8-byte header length/,
  },
  {
    what: 'a directory given as the file',
    bytes: 'directory',
    weights: /is a directory; expected a safetensors file/,
    data: /cannot read the tensors file \(it is a directory; expected a safetensors file\)/,
  },
  {
    what: 'a file that does not exist',
    bytes: 'missing',
    weights: /no such file/,
    data: /cannot read the tensors file \(no such file\)/,
  },
];

/** Writes the spoiled file as `name` in `dir`; returns its path. */
function place(dir: string, name: string, spoil: Spoil, good: Record<string, TestTensor>): string {
  const path = join(dir, name);
  if (spoil.bytes === 'directory') mkdirSync(path);
  else if (spoil.bytes !== 'missing') writeFileSync(path, spoil.bytes(good));
  return path;
}

/** The run refused the input: exit 2, one clear line naming `file`, nothing written. */
function expectRefused(r: { code: number | null; stdout: string; stderr: string }, file: string, detail: RegExp, out: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(file);
  expect(r.stderr).toMatch(detail);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stdout).toBe('');
  expect(existsSync(out)).toBe(false);
}

describe('weights given with --init-from', () => {
  it('start the run from the file, resolved against the current folder, and --save-weights saves them', async () => {
    const dir = tmp();
    const cfgDir = join(dir, 'configs');
    mkdirSync(cfgDir);
    writeFileSync(join(cfgDir, 'c.json'), JSON.stringify(CONFIG));
    writeFileSync(join(dir, 'w.safetensors'), safetensorsBytes(WEIGHTS));
    const r = await gradflow(['run', 'configs/c.json', '--out', 'results', '--init-from', 'w.safetensors', '--save-weights', '0,3', '--no-report', '--workers', '1', '--quiet'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const saved = readSafetensors(join(dir, 'results/files/run/weights-step0.safetensors'));
    expect(Array.from(saved.tensors.get('layers.0.weight')!.data as Float32Array)).toEqual(Array.from(Float32Array.from(WEIGHTS['layers.0.weight'].data)));
    expect(existsSync(join(dir, 'results/files/run/weights-step3.safetensors'))).toBe(true);
  });

  it.each(SPOILS.map((s) => [s.what, s] as const))('refuse %s: exit 2, the file named, nothing written', async (_what, spoil) => {
    const dir = tmp();
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify(CONFIG));
    const file = place(dir, 'w.safetensors', spoil, WEIGHTS);
    const out = join(dir, 'results');
    const r = await gradflow(['run', cfg, '--out', out, '--init-from', file, '--workers', '1']);
    expectRefused(r, file, spoil.weights, out);
    expect(r.stderr).toMatch(/^gradflow: model\.initFrom: /m);
  });

  it('refuse weights that hold NaN, and a bad --save-weights list', async () => {
    const dir = tmp();
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify(CONFIG));
    const file = join(dir, 'nan.safetensors');
    writeFileSync(file, safetensorsBytes({ ...WEIGHTS, 'layers.1.bias': { dtype: 'F32', shape: [2], data: [0, NaN] } }));
    const out = join(dir, 'results');
    expectRefused(await gradflow(['run', cfg, '--out', out, '--init-from', file]), file, /tensor "layers\.1\.bias" holds NaN at element 1; weights must be finite/, out);
    const bad = await gradflow(['run', cfg, '--out', out, '--save-weights', '0,x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gradflow: --save-weights: "0,x" is not allowed: expected a comma-separated list of steps/m);
    expect(existsSync(out)).toBe(false);
  });
});

describe('data files given as data.kind tensors', () => {
  it.each(SPOILS.map((s) => [s.what, s] as const))('refuse %s: exit 2, the file named, nothing written', async (_what, spoil) => {
    const dir = tmp();
    const file = place(dir, 'data.safetensors', spoil, DATA);
    // The path is relative to the config file, which is not where the command runs.
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify({ ...CONFIG, data: { kind: 'tensors', path: 'data.safetensors' } }));
    const out = join(dir, 'results');
    const r = await gradflow(['run', cfg, '--out', out, '--workers', '1']);
    expectRefused(r, file, spoil.data, out);
  });
});

describe('config files', () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ['text that is not JSON', (d) => (writeFileSync(join(d, 'c.json'), '{"name": "x",\n  "data": {kind: "moons"}}'), 'c.json'), /c\.json:2:12: not valid JSON: expected a property name in double quotes/],
    ['JSON with a comment', (d) => (writeFileSync(join(d, 'c.json'), '{\n  // my run\n  "name": "x"}'), 'c.json'), /c\.json:2:3: not valid JSON: comments are not allowed in JSON/],
    ['an empty file', (d) => (writeFileSync(join(d, 'c.json'), ''), 'c.json'), /c\.json: the file is empty; expected a JSON object/],
    ['a directory', (d) => (mkdirSync(join(d, 'c.json')), 'c.json'), /c\.json: is a directory; expected a JSON config file/],
    ['a missing file', () => 'nope.json', /nope\.json: no such file \(looked for nope\.json and experiments\/nope\.json\)/],
  ];

  it.each(cases)('refuse %s: exit 2, the file named, nothing written', async (_what, make, message) => {
    const dir = tmp();
    const name = make(dir);
    const r = await gradflow(['run', name, '--out', 'results'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(readdirSync(dir)).not.toContain('results');
  });
});
