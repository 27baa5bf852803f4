/**
 * Every reader of a run's files reads with a bound: per file (a size limit checked before a byte
 * is read, and a budget of values kept), per ndjson line (a longer line is skipped unread and
 * counted), per JSON nesting depth, and only regular files. A 73 MB metrics line must not run
 * `gradflow report` out of heap; a file over its limit is refused in one line naming the file,
 * its size and the limit (exit 2); a FIFO named like a run file is refused without blocking.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/net/rng.js';
import { cellConfigHash } from '../../src/results/cell-state.js';
import { MAX_JSON_FILE_BYTES, MAX_LINE_BYTES, MAX_NDJSON_BYTES, scanNdjsonFile } from '../../src/results/read-file.js';
import { readIndexFile, readSweepSummary } from '../../src/results/read-index.js';
import { readRun } from '../../src/results/read-run.js';
import { readSummary } from '../../src/results/read-summary.js';
import {
  histogramWeight, MAX_HISTOGRAM_VALUES, MAX_METRICS_VALUES, metricWeight, readConfig, readHistograms, readMetrics,
  readNdjsonRecords, ResultsFileError, toMetricRecord,
} from '../../src/results/read.js';
import { gradflow, STACK_FRAME, tmp, writeConfig } from './helpers.js';

const CONFIG = {
  name: 'limits',
  seed: 0,
  data: { kind: 'moons', samples: 40, testFraction: 0.25 },
  model: { depth: 2, width: 4, activation: 'tanh' },
  train: { steps: 6, batchSize: 8, optimizer: 'sgd', lr: 0.1 },
  metrics: { every: 1, histogramsEvery: 2 },
};

/** The error `read` throws, or undefined. */
function thrown(read: () => unknown): unknown {
  try {
    read();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** What an independent, whole-text reading of ndjson gives: parsed lines, bad lines, long lines, partial. */
function oracle(text: string, lineLimit: number): { items: unknown[]; bad: number; long: number; partial: boolean } {
  const end = text.lastIndexOf('\n');
  const items: unknown[] = [];
  let bad = 0;
  let long = 0;
  for (const raw of end < 0 ? [] : text.slice(0, end).split('\n')) {
    if (Buffer.byteLength(raw) > lineLimit) {
      long++;
      continue;
    }
    if (raw.trim() === '') continue;
    try {
      items.push(JSON.parse(raw));
    } catch {
      bad++;
    }
  }
  return { items, bad, long, partial: text.slice(end + 1).trim() !== '' };
}

describe('ndjson lines split across the chunks a reader reads', () => {
  it.each([1, 2, 3, 4, 5, 6])('generated file %i: the same lines as a whole-text reading, long ones skipped', (seed) => {
    const rng = createRng(`ndjson ${seed}`);
    const lines: string[] = [];
    let bytes = 0;
    // About 3 MiB: lines cross the 1 MiB chunk boundaries at varied places.
    while (bytes < 3 * 2 ** 20) {
      const kind = rng.int(10);
      const size = rng.int(4) === 0 ? rng.int(400_000) : rng.int(2000);
      const line = kind === 0 ? '' : kind === 1 ? '   ' : kind === 2 ? `not json ${'x'.repeat(size)}` : kind === 3 ? `é${'"'.repeat(size % 7)}` : JSON.stringify({ step: lines.length, pad: 'é'.repeat(size) });
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
    }
    const tail = rng.int(2) === 0 ? '' : '{"step": 9, "pa';
    const text = lines.join('\n') + '\n' + tail;
    const file = join(tmp(), 'lines.ndjson');
    writeFileSync(file, text);
    const lineLimit = 300_000;
    const items: unknown[] = [];
    const scan = scanNdjsonFile(file, (v) => {
      items.push(v);
      return true;
    }, MAX_NDJSON_BYTES, lineLimit);
    const want = oracle(text, lineLimit);
    expect(scan).toEqual({ partial: want.partial, bad: want.bad, long: want.long });
    expect(items).toEqual(want.items);
    expect(want.long).toBeGreaterThan(0);
    expect(want.bad).toBeGreaterThan(0);
  });
});

describe('the limits, at their real values', () => {
  let cell: string;
  beforeAll(async () => {
    const dir = tmp();
    const r = await gradflow(['run', writeConfig(dir, CONFIG), '--out', join(dir, 'out'), '--quiet', '--no-report']);
    expect(r.code, r.stderr).toBe(0);
    cell = join(dir, 'out', 'limits', 'run');
  }, 60_000);

  /** A copy of the run's cell folder. */
  function copy(): string {
    const to = join(tmp(), 'run');
    cpSync(cell, to, { recursive: true });
    return to;
  }

  it('reads a metrics line of exactly MAX_LINE_BYTES and skips one a byte longer, counting it', () => {
    const dir = copy();
    const record = JSON.parse(readFileSync(join(dir, 'metrics.ndjson'), 'utf8').split('\n')[0]) as Record<string, unknown>;
    const padded = (bytes: number, step: number): string => {
      const base = JSON.stringify({ ...record, step, pad: '' });
      return JSON.stringify({ ...record, step, pad: 'p'.repeat(bytes - Buffer.byteLength(base)) });
    };
    const at = padded(MAX_LINE_BYTES, 100);
    const over = padded(MAX_LINE_BYTES + 1, 101);
    expect([Buffer.byteLength(at), Buffer.byteLength(over)]).toEqual([MAX_LINE_BYTES, MAX_LINE_BYTES + 1]);
    writeFileSync(join(dir, 'metrics.ndjson'), `${at}\n${over}\n`, { flag: 'a' });
    const m = readMetrics(dir);
    expect(m.records.map((r) => r.step)).toContain(100);
    expect(m.records.map((r) => r.step)).not.toContain(101);
    expect(m.longLines).toBe(1);
    expect(m.badLines).toBe(0);
  });

  it('renders the report of a run with a 73 MB metrics line under a 256 MB heap, saying the line was skipped', async () => {
    const dir = copy();
    const fd = openSync(join(dir, 'metrics.ndjson'), 'a');
    const entry = '{"layer":0,"gradNorm":1,"biasGradNorm":1,"deltaNorm":1,"weightNorm":1,"updateRatio":1},';
    writeSync(fd, '{"step":7,"epoch":0,"loss":1,"layers":[');
    const chunk = entry.repeat(10_000);
    for (let written = 0; written < 73e6; written += chunk.length) writeSync(fd, chunk);
    writeSync(fd, '{"layer":0}]}\n');
    closeSync(fd);
    const r = await gradflow(['report', dir], { env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('1 line(s) of metrics.ndjson were longer than 16 MiB');
  }, 120_000);

  const jsonFiles: readonly (readonly [string, string, (dir: string) => unknown])[] = [
    ['config.json', 'run', (d) => readConfig(d)],
    ['summary.json', 'run', (d) => readSummary(d)],
    ['index.json', 'exp', (d) => readIndexFile(join(d, 'index.json'))],
    ['sweep-summary.json', 'exp', (d) => readSweepSummary(d)],
  ];

  it.each(jsonFiles)('refuses a %s over MAX_JSON_FILE_BYTES before reading it, naming its size and the limit', (name, _where, read) => {
    const dir = tmp();
    writeFileSync(join(dir, name), '{}');
    truncateSync(join(dir, name), MAX_JSON_FILE_BYTES + 1);
    const err = thrown(() => read(dir));
    expect(err).toBeInstanceOf(ResultsFileError);
    expect((err as ResultsFileError).refused).toBe(true);
    expect((err as Error).message).toBe(
      `${join(dir, name)}: cannot read: the file is 64.0 MiB (${MAX_JSON_FILE_BYTES + 1} bytes), more than the limit of 64.0 MiB for this file; ` +
        'a run never writes one this large: expected a file written by gradflow',
    );
  });

  it.each(['metrics.ndjson', 'histograms.ndjson'])('refuses a %s over MAX_NDJSON_BYTES (a sparse file: nothing is read)', (name) => {
    const dir = tmp();
    writeFileSync(join(dir, name), '');
    truncateSync(join(dir, name), MAX_NDJSON_BYTES + 1);
    const read = name === 'metrics.ndjson' ? () => readMetrics(dir) : () => readHistograms(dir);
    const err = thrown(read);
    expect((err as ResultsFileError).refused).toBe(true);
    expect((err as Error).message).toContain(`the file is 1.0 GiB (${MAX_NDJSON_BYTES + 1} bytes), more than the limit of 1.0 GiB`);
    // readRun shows what it can of a damaged folder, but a refused file stops it.
    expect(() => readRun(dir)).toThrow(ResultsFileError);
  });

  it.each([
    ['metrics.ndjson', 'metrics.ndjson'],
    ['summary.json', 'summary.json'],
    ['config.json', 'config.json'],
    ['histograms.ndjson', 'histograms.ndjson'],
  ])('gradflow report refuses an oversized %s in one line, exit 2', async (_name, file) => {
    const dir = copy();
    truncateSync(join(dir, file), file.endsWith('.ndjson') ? MAX_NDJSON_BYTES + 10 : MAX_JSON_FILE_BYTES + 10);
    const r = await gradflow(['report', dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^gradflow: .*${file.replace('.', '\\.')}: cannot read: the file is .* bytes\\), more than the limit of .*\\n$`));
    expect(r.stderr).not.toMatch(STACK_FRAME);
  }, 60_000);

  it.each(['metrics.ndjson', 'summary.json', 'config.json', 'histograms.ndjson'])('gradflow report refuses a FIFO named %s without waiting for a writer', async (file) => {
    const dir = copy();
    rmSync(join(dir, file));
    execFileSync('mkfifo', [join(dir, file)]);
    const r = await gradflow(['report', dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^gradflow: .*${file.replace('.', '\\.')}: cannot read: it is a FIFO, not a regular file; expected a file written by gradflow\\n$`));
  }, 60_000);

  it('treats JSON nested deeper than 64 levels as unusable, so nothing recursive sees it', () => {
    const dir = copy();
    const deep = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    writeFileSync(join(dir, 'config.json'), `{"name":"x","model":${deep(100_000)}}`);
    expect(() => readConfig(dir)).toThrow(/nested more than 64 levels deep/);
    expect(cellConfigHash(dir)).toBeNull();
    writeFileSync(join(dir, 'summary.json'), deep(65));
    expect(() => readSummary(dir)).toThrow(/nested more than 64 levels deep/);
    writeFileSync(join(dir, 'metrics.ndjson'), `{"step":0,"layers":[],"x":${deep(1000)}}\n${JSON.stringify({ step: 1, layers: [] })}\n`);
    const m = readMetrics(dir);
    expect(m.records.map((r) => r.step)).toEqual([1]);
    expect(m.badLines).toBe(1);
  });

  it('gradflow report renders a cell whose config.json is nested 100,000 levels deep, without a stack overflow', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'config.json'), `{"name":"x","d":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const r = await gradflow(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  }, 60_000);
});

describe('the values a reader keeps from one file', () => {
  it('stops a file whose records would hold more than the budget, as a refused file', () => {
    const dir = tmp();
    const line = JSON.stringify({ step: 0, layers: Array.from({ length: 1000 }, (_, i) => ({ layer: i })) });
    writeFileSync(join(dir, 'metrics.ndjson'), `${line}\n`.repeat(20));
    const budget = 10 * metricWeight(toMetricRecord(JSON.parse(line))!);
    const within = readNdjsonRecords(join(dir, 'metrics.ndjson'), toMetricRecord, metricWeight, 20 * metricWeight(toMetricRecord(JSON.parse(line))!));
    expect(within.records).toHaveLength(20);
    const err = thrown(() => readNdjsonRecords(join(dir, 'metrics.ndjson'), toMetricRecord, metricWeight, budget));
    expect((err as ResultsFileError).refused).toBe(true);
    expect((err as Error).message).toMatch(/its records hold more than [\d,]+ values \(a number is one, an object ten\), the most a reader keeps from one file/);
  });

  it("leaves room for real records at the file size limit: a real run's values per byte, times MAX_NDJSON_BYTES, stay under each budget", async () => {
    const dir = tmp();
    const config = { ...CONFIG, model: { depth: 12, width: 16, activation: 'sigmoid' }, train: { ...CONFIG.train, steps: 20 }, metrics: { every: 1, histogramsEvery: 1 } };
    const r = await gradflow(['run', writeConfig(dir, config), '--out', join(dir, 'out'), '--quiet', '--no-report']);
    expect(r.code, r.stderr).toBe(0);
    const cell = join(dir, 'out', 'limits', 'run');
    const perByte = (file: string, numbers: number): number => numbers / readFileSync(join(cell, file)).length;
    const metrics = readMetrics(cell).records.reduce((n, rec) => n + metricWeight(rec), 0);
    const histograms = readHistograms(cell).reduce((n, rec) => n + histogramWeight(rec), 0);
    expect(perByte('metrics.ndjson', metrics) * MAX_NDJSON_BYTES).toBeLessThan(MAX_METRICS_VALUES);
    expect(perByte('histograms.ndjson', histograms) * MAX_NDJSON_BYTES).toBeLessThan(MAX_HISTOGRAM_VALUES);
  }, 60_000);
});

describe('files that are not regular files', () => {
  it('refuses a folder named like a run file, as refused', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'summary.json'));
    const err = thrown(() => readSummary(dir));
    expect((err as ResultsFileError).refused).toBe(true);
    expect((err as Error).message).toContain('it is a folder, not a regular file');
  });
});
