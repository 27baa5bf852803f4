/**
 * The run of prepared experiments in one process: input errors found before anything is
 * written, the index kept per cell, the outcome, and a stop request between cells. (The CLI
 * around it: test/cli/run.test.ts; crashes, signals, full disks: test/robustness/.)
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConfig } from '../helpers/cli.js';
import { InputError, prepare, runPrepared } from '../../src/train/run.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'gradflow-run-'));

const SWEEP = {
  name: 'lrs',
  data: { kind: 'moons', samples: 120 },
  model: { depth: 2, width: 8, activation: 'relu', init: 'he_normal' },
  train: { steps: 30, batchSize: 16 },
  metrics: { every: 10, probe: 32, histogramsEvery: null },
  sweep: { 'train.lr': [0.1, 1e12, 0.05] },
};

/** Options of a quiet, report-less, single-process run into `out`, logging to `logs`. */
function options(out: string, logs: string[], abort?: AbortSignal) {
  return { out, set: [], quiet: false, reports: false, log: (l: string) => logs.push(l), workers: 1, abort };
}

function index(out: string): [string, string][] {
  const ix = JSON.parse(readFileSync(join(out, 'lrs/index.json'), 'utf8')) as { cells: { id: string; status: string }[] };
  return ix.cells.map((c) => [c.id, c.status]);
}

describe('preparing a run', () => {
  it('finds every input error of every config before anything is written', () => {
    const dir = tmp();
    const a = writeConfig(dir, { ...SWEEP, sweep: { 'train.batchSize': [16, 500] } }, 'a.json');
    const b = writeConfig(dir, SWEEP, 'b.json');
    const out = join(dir, 'results');
    let err: unknown;
    try {
      prepare([a, b], { out, set: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const messages = (err as InputError).messages;
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^batchSize=500: train.batchSize: 500 is not allowed: data kind "moons" has 96 training rows/);
    expect(messages[1]).toMatch(/^name: "lrs" is the name of 2 of the configs \(.*a.json, .*b.json\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('running prepared experiments', () => {
  it('trains every cell in order, keeps each status in the index, and fails when one diverged', async () => {
    const dir = tmp();
    const out = join(dir, 'results');
    const logs: string[] = [];
    const experiments = prepare([writeConfig(dir, SWEEP)], { out, set: [] });
    expect(experiments[0].cells.map((c) => [c.cell.id, c.steps])).toEqual([['lr=0.1', 30], ['lr=1000000000000', 30], ['lr=0.05', 30]]);
    expect((await runPrepared(experiments, options(out, logs))).outcome).toBe('failed');
    expect(index(out)).toEqual([['lr=0.1', 'ok'], ['lr=1000000000000', 'diverged'], ['lr=0.05', 'ok']]);
    expect(logs.map((l) => l.split(':')[0])).toEqual(['lrs/lr=0.1', 'lrs/lr=1000000000000', 'lrs/lr=0.05']);
  });

  it('stops between cells when aborted: the rest stay pending, the outcome is interrupted', async () => {
    const dir = tmp();
    const out = join(dir, 'results');
    const logs: string[] = [];
    const stop = new AbortController();
    const experiments = prepare([writeConfig(dir, { ...SWEEP, sweep: { 'train.lr': [0.1, 0.05] } })], { out, set: [] });
    const opts = options(out, logs, stop.signal);
    const { outcome } = await runPrepared(experiments, { ...opts, log: (l: string) => (logs.push(l), stop.abort()) });
    expect(outcome).toBe('interrupted');
    expect(index(out)).toEqual([['lr=0.1', 'ok'], ['lr=0.05', 'pending']]);
  });

  it('trains nothing when the stop came before the run (a signal while the locks were taken)', async () => {
    const dir = tmp();
    const out = join(dir, 'results');
    const logs: string[] = [];
    const stop = new AbortController();
    stop.abort();
    const experiments = prepare([writeConfig(dir, { ...SWEEP, sweep: { 'train.lr': [0.1, 0.05] } })], { out, set: [] });
    const { outcome } = await runPrepared(experiments, options(out, logs, stop.signal));
    expect(outcome).toBe('interrupted');
    expect(index(out)).toEqual([['lr=0.1', 'pending'], ['lr=0.05', 'pending']]);
    expect(logs).toEqual([]);
  });
});
