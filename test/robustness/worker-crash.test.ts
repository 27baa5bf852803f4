/**
 * A worker thread that dies while it trains a cell (an uncaught exception, or process.exit)
 * fails that cell only: the pool replaces the worker, the other cells of the sweep finish, the
 * index says `failed` for the one cell, and the run exits 1. A cell handed to a worker that was
 * already dying is not blamed: a fresh worker trains it. The crashes are injected from here:
 * crash-worker.mjs, preloaded into the CLI's threads, wraps the worker's message port.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { completeLines, gradflow, listFiles, readJson, STACK_FRAME, tmp, writeConfig } from './helpers.js';

/** The environment that preloads the crash hook into every thread of the CLI, set to `spec`; it logs to `log`. */
function crashEnv(spec: string, log: string): NodeJS.ProcessEnv {
  const hook = `--import=${pathToFileURL(join(import.meta.dirname, 'crash-worker.mjs')).href}`;
  return { NODE_OPTIONS: [process.env.NODE_OPTIONS, hook].filter(Boolean).join(' '), CRASH_CELL: spec, CRASH_LOG: log };
}

function logLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

const CONFIG = {
  name: 'crash',
  data: { kind: 'moons', samples: 200 },
  model: { depth: 2, width: 16 },
  train: { steps: 300, batchSize: 32 },
  metrics: { every: 10, probe: 32, histogramsEvery: null },
  sweep: { 'model.activation': ['relu', 'tanh', 'elu', 'gelu'] },
};
const VICTIM = 'activation=tanh';

describe.each([
  ['an uncaught exception', `throw:${VICTIM}`, /its worker thread crashed \(CRASH_CELL: simulated crash\) and exited with code 1/],
  ['process.exit', `exit:${VICTIM}`, /its worker thread crashed and exited with code 70/],
])('a worker that dies of %s', (_what, hook, reason) => {
  it('fails its cell, not the sweep: the other cells finish, exit 1', async () => {
    const dir = tmp();
    const out = join(dir, 'results');
    const r = await gradflow(['run', writeConfig(dir, CONFIG), '--out', out, '--workers', '2', '--no-report'], { env: crashEnv(hook, join(dir, 'crash.log')) });
    expect(logLines(join(dir, 'crash.log'))).toEqual([hook.replace(':', ' ')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^crash/${VICTIM}: failed: ${reason.source}$`, 'm'));
    expect(r.stdout + r.stderr).not.toMatch(STACK_FRAME);
    const exp = join(out, 'crash');
    const index = readJson<{ cells: { id: string; status: string }[] }>(join(exp, 'index.json'));
    expect(index.cells.map((c) => [c.id, c.status])).toEqual([
      ['activation=relu', 'ok'],
      [VICTIM, 'failed'],
      ['activation=elu', 'ok'],
      ['activation=gelu', 'ok'],
    ]);
    for (const id of ['activation=relu', 'activation=elu', 'activation=gelu']) {
      expect(readJson(join(exp, id, 'summary.json'))).toMatchObject({ status: 'ok', steps: 300 });
    }
    // The crashed cell wrote its first record and then nothing: complete lines, no summary.
    expect(listFiles(join(exp, VICTIM))).toEqual(['config.json', 'metrics.ndjson']);
    expect(completeLines(join(exp, VICTIM, 'metrics.ndjson')).length).toBeGreaterThanOrEqual(1);
    expect(listFiles(exp).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('a worker that dies after finishing a cell, holding the next one', () => {
  it('hands that next cell to a fresh worker instead of failing it: every cell ends ok', async () => {
    const dir = tmp();
    const out = join(dir, 'results');
    // relu is taken first; six cells after it, so that its worker is surely handed another
    // one: with only three, the other worker could take them all while this one starts slowly
    // (seen once under the full suite's load).
    const config = { ...CONFIG, sweep: { 'model.activation': ['relu', 'tanh', 'elu', 'gelu', 'sigmoid', 'silu', 'softsign'] } };
    const r = await gradflow(['run', writeConfig(dir, config), '--out', out, '--workers', '2', '--no-report', '--quiet'], { env: crashEnv('after:activation=relu', join(dir, 'crash.log')) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The dying worker was handed the next cell and dropped it.
    expect(logLines(join(dir, 'crash.log'))).toEqual([expect.stringMatching(/^ignored activation=(tanh|elu|gelu|sigmoid|silu|softsign)$/)]);
    const index = readJson<{ cells: { id: string; status: string }[] }>(join(out, 'crash/index.json'));
    expect(index.cells.map((c) => c.status)).toEqual(Array(7).fill('ok'));
  });
});
