/**
 * SIGINT and SIGTERM in the middle of a sweep, on one thread and on two worker threads: the
 * finished cells stay byte for byte as they were, the running cell's metrics.ndjson holds only
 * complete lines and its summary.json says `interrupted`, the process exits non-zero after a
 * clean shutdown (and drops its lock). `gradflow run --resume` then trains only the cells that
 * did not finish, and the results equal those of an uninterrupted run byte for byte (summaries
 * without their timing fields).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeLines, gradflow, lineCount, listFiles, readJson, start, STACK_FRAME, timeless, tmp, waitFor, writeConfig } from './helpers.js';

/** Four cells, in this order: two short ones (200 steps) and two of about a second each. */
const CONFIG = {
  name: 'intr',
  data: { kind: 'moons', samples: 400 },
  model: { depth: 4, width: 128 },
  train: { batchSize: 64 },
  metrics: { every: 50, probe: 64, histogramsEvery: 400 },
  sweep: { 'model.activation': ['relu', 'tanh'], 'train.steps': [200, 1500] },
};
const CELLS = ['activation=relu,steps=1500', 'activation=relu,steps=200', 'activation=tanh,steps=1500', 'activation=tanh,steps=200'];

interface Index {
  cells: { id: string; status: string }[];
}

let reference: string;

beforeAll(async () => {
  const dir = tmp();
  reference = join(dir, 'ref');
  const r = await gradflow(['run', writeConfig(dir, CONFIG), '--out', reference, '--no-report', '--workers', '2', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
});

/** Everything a finished cell folder holds, as bytes, to compare before and after. */
function snapshot(cellDir: string): Record<string, string> {
  return Object.fromEntries(listFiles(cellDir).map((f) => [f, `${readFileSync(join(cellDir, f)).toString('base64')}@${statSync(join(cellDir, f)).mtimeMs}`]));
}

describe.each([
  ['SIGINT', 1],
  ['SIGTERM', 2],
  ['SIGTERM', 1],
  ['SIGINT', 2],
] as const)('%s in the middle of a sweep with --workers %i', (signal, workers) => {
  let dir: string;
  let cfg: string;
  let out: string;
  let exp: string;
  /** Cells that were ok before the signal, with their files then. */
  let finished: Map<string, Record<string, string>>;
  /** Cells ok after the run: those above, and any that ended between the last look and the signal. */
  let done: string[];
  let running: string[];
  /** The cell seen training with records when the signal was sent. */
  let busy: string;
  let result: Awaited<ReturnType<typeof gradflow>>;

  beforeAll(async () => {
    dir = tmp();
    cfg = writeConfig(dir, CONFIG);
    out = join(dir, 'results');
    exp = join(out, 'intr');
    const run = start(['run', cfg, '--out', out, '--no-report', '--workers', String(workers)]);
    // Wait until a cell has finished and another is well into training, then signal.
    const seen = await waitFor('a finished cell and a running one with records', () => {
      const index = readJson<Index>(join(exp, 'index.json'));
      const ok = index.cells.filter((c) => c.status === 'ok').map((c) => c.id);
      const training = index.cells.filter((c) => c.status === 'running' && lineCount(join(exp, c.id, 'metrics.ndjson')) >= 3).map((c) => c.id);
      return ok.length > 0 && training.length > 0 ? { ok, busy: training[0] } : undefined;
    });
    // A cell that reports ok has written everything: its files must not change from here on.
    finished = new Map(seen.ok.map((id) => [id, snapshot(join(exp, id))]));
    busy = seen.busy;
    run.child.kill(signal);
    result = await run.done;
    const index = readJson<Index>(join(exp, 'index.json'));
    running = index.cells.filter((c) => c.status === 'interrupted').map((c) => c.id);
    // A short cell near its end may finish between the last look and the signal.
    done = index.cells.filter((c) => c.status === 'ok').map((c) => c.id);
  });

  it('exits non-zero after a clean shutdown, saying so, without a stack trace, and drops its lock', () => {
    expect(result.signal).toBeNull();
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('gradflow: interrupted: finished cells are intact');
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(join(exp, '.lock'))).toBe(false);
  });

  it('leaves the finished cells exactly as they were', () => {
    expect(finished.size).toBeGreaterThan(0);
    for (const [id, files] of finished) {
      expect(snapshot(join(exp, id)), id).toEqual(files);
      expect(readJson(join(exp, id, 'summary.json'))).toMatchObject({ status: 'ok' });
    }
  });

  it("stops the running cells with complete metric lines and summary.json saying interrupted", () => {
    expect(running.length).toBeGreaterThan(0);
    expect(running.length).toBeLessThanOrEqual(workers);
    for (const id of running) {
      const summary = readJson<{ status: string; steps: number }>(join(exp, id, 'summary.json'));
      expect(summary.status).toBe('interrupted');
      expect(summary.steps).toBeLessThan(1500);
      // A cell that a second worker took up just before the signal may not have a record yet.
      const records = completeLines(join(exp, id, 'metrics.ndjson')) as { step: number }[];
      if (records.length > 0) expect(records[0].step).toBe(0);
      // The lines written before the signal are the first lines of an uninterrupted run.
      for (const f of ['metrics.ndjson', 'histograms.ndjson']) {
        const part = readFileSync(join(exp, id, f));
        expect(part.equals(readFileSync(join(reference, 'intr', id, f)).subarray(0, part.length)), f).toBe(true);
      }
      completeLines(join(exp, id, 'histograms.ndjson'));
    }
    // The cell seen training keeps the records it had, unless it finished before the signal came.
    if (!done.includes(busy)) expect(lineCount(join(exp, busy, 'metrics.ndjson'))).toBeGreaterThanOrEqual(3);
    const index = readJson<Index>(join(exp, 'index.json'));
    // Nothing is left "running": every cell is finished, interrupted, or was never started.
    expect(index.cells.every((c) => ['ok', 'interrupted', 'pending'].includes(c.status))).toBe(true);
    for (const c of index.cells.filter((x) => x.status === 'pending')) expect(existsSync(join(exp, c.id, 'summary.json'))).toBe(false);
  });

  it('resumes with --resume: trains only the unfinished cells, and ends equal to an uninterrupted run', async () => {
    const r = await gradflow(['run', cfg, '--out', out, '--no-report', '--workers', String(workers), '--resume']);
    expect(r.code, r.stderr).toBe(0);
    for (const id of done) expect(r.stdout).toContain(`intr/${id}: skipped: already finished (ok) with the same config`);
    for (const id of finished.keys()) expect(snapshot(join(exp, id)), id).toEqual(finished.get(id));
    const trained = [...r.stdout.matchAll(/^intr\/(\S+): ok /gm)].map((m) => m[1]).sort();
    expect(trained).toEqual(CELLS.filter((c) => !done.includes(c)));
    expect(listFiles(exp)).toEqual(listFiles(join(reference, 'intr')));
    for (const id of CELLS) {
      for (const f of ['config.json', 'metrics.ndjson', 'histograms.ndjson']) {
        expect(readFileSync(join(exp, id, f)).equals(readFileSync(join(reference, 'intr', id, f))), `${id}/${f}`).toBe(true);
      }
      expect(timeless(readJson(join(exp, id, 'summary.json')))).toEqual(timeless(readJson(join(reference, 'intr', id, 'summary.json'))));
    }
    expect(readJson(join(exp, 'index.json'))).toEqual(readJson(join(reference, 'intr/index.json')));
  });
});
