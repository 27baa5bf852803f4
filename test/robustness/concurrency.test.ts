/**
 * Two `gradflow run` processes on the same experiment and output folder: the second refuses at
 * once, naming the lock file and the pid that holds it (exit 1), and writes nothing; the files
 * afterwards are those of one complete run. A lock left by a dead process is taken over. And
 * `gradflow report` on a run that is still writing reads only the complete lines.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRun } from '../../src/report/read.js';
import { InputError, prepare } from '../../src/train/run.js';
import { completeLines, gradflow, listFiles, readJson, start, STACK_FRAME, tmp, writeConfig } from './helpers.js';

/** Three cells of about a second each: long enough that two processes started together overlap. */
const CONFIG = {
  name: 'twice',
  data: { kind: 'moons', samples: 400 },
  model: { depth: 4, width: 128 },
  train: { steps: 1200, batchSize: 64 },
  metrics: { every: 50, probe: 64, histogramsEvery: 400 },
  sweep: { 'model.activation': ['relu', 'tanh', 'elu'] },
};
const CELLS = ['activation=elu', 'activation=relu', 'activation=tanh'];
const LOCKED = /^gradflow: (\S+\/twice\/\.lock): another gradflow run \(pid (\d+), started [^)]+\) is writing this experiment; wait for it to finish, or use another --out\./m;

/** Every file of one complete run of CONFIG, and nothing else, each whole and consistent. */
function expectOneCompleteRun(exp: string): void {
  expect(listFiles(exp)).toEqual([...CELLS.flatMap((c) => ['config.json', 'histograms.ndjson', 'metrics.ndjson', 'summary.json'].map((f) => `${c}/${f}`)), 'index.json']);
  const index = readJson<{ experiment: string; cells: { id: string; status: string }[] }>(join(exp, 'index.json'));
  expect(index.cells.map((c) => [c.id, c.status]).sort()).toEqual(CELLS.map((c) => [c, 'ok']));
  for (const c of CELLS) {
    const records = completeLines(join(exp, c, 'metrics.ndjson')) as { step: number }[];
    const steps = records.map((r) => r.step);
    // Interleaved writers would repeat steps or break lines; one writer gives each step once, in order.
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(1200);
    expect(steps.every((s, i) => i === 0 || s > steps[i - 1]), c).toBe(true);
    completeLines(join(exp, c, 'histograms.ndjson'));
    expect(readJson(join(exp, c, 'summary.json'))).toMatchObject({ status: 'ok', steps: 1200 });
    expect(readJson(join(exp, c, 'config.json'))).toMatchObject({ name: 'twice', model: { activation: { name: c.split('=')[1] } } });
  }
}

describe('two runs of one experiment into one folder', () => {
  it('lets one run and refuses the other, started at the same moment, naming the lock and the pid', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, CONFIG);
    const out = join(dir, 'results');
    const args = ['run', cfg, '--out', out, '--no-report', '--workers', '1'];
    const a = start(args);
    const b = start(args);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const results = [ra, rb].sort((x, y) => (x.code ?? 9) - (y.code ?? 9));
    const [winner, loser] = results;
    expect(winner.code, winner.stderr).toBe(0);
    expect(loser.code, loser.stderr).toBe(1);
    const m = LOCKED.exec(loser.stderr);
    expect(m, loser.stderr).not.toBeNull();
    expect(m![1]).toBe(join(out, 'twice/.lock'));
    expect(Number(m![2])).toBe((winner === ra ? a : b).child.pid);
    expect(loser.stdout).toBe('');
    expect(loser.stderr).not.toMatch(STACK_FRAME);
    expectOneCompleteRun(join(out, 'twice'));
  });

  it('refuses while a live process holds the lock, and writes nothing', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...CONFIG, sweep: {}, train: { ...CONFIG.train, steps: 5 } });
    const exp = join(dir, 'results/twice');
    mkdirSync(exp, { recursive: true });
    // This test process is alive: its pid holds the lock.
    writeFileSync(join(exp, '.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: '2024-01-01T00:00:00.000Z' }));
    const r = await gradflow(['run', cfg, '--out', join(dir, 'results'), '--no-report', '--workers', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(exp, '.lock')}: another gradflow run (pid ${process.pid}, started 2024-01-01T00:00:00.000Z) is writing this experiment`);
    expect(listFiles(exp)).toEqual(['.lock']);
  });

  it('takes over the lock of a process that is gone, and releases it at the end', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...CONFIG, sweep: {}, train: { ...CONFIG.train, steps: 5 } });
    const exp = join(dir, 'results/twice');
    mkdirSync(exp, { recursive: true });
    // A pid that has just exited: the lock it left is stale.
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    writeFileSync(join(exp, '.lock'), JSON.stringify({ pid: dead, host: hostname(), started: '2024-01-01T00:00:00.000Z' }));
    const r = await gradflow(['run', cfg, '--out', join(dir, 'results'), '--no-report', '--workers', '1', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(readJson(join(exp, 'run/summary.json'))).toMatchObject({ status: 'ok' });
    expect(existsSync(join(exp, '.lock'))).toBe(false);
    expect(listFiles(exp).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses two configs of one name in a single run, which would write one folder twice', () => {
    const dir = tmp();
    const a = writeConfig(dir, CONFIG, 'a.json');
    const b = writeConfig(dir, { ...CONFIG, description: 'another' }, 'b.json');
    let err: unknown;
    try {
      prepare([a, b], { out: join(dir, 'results'), set: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).messages).toEqual([
      `name: "twice" is the name of 2 of the configs (${a}, ${b}); expected one config per experiment name, since each writes <out>/twice`,
    ]);
  });

  it('keeps the shards of one sweep apart: each holds its own lock in the shared folder', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...CONFIG, train: { ...CONFIG.train, steps: 100 } });
    const out = join(dir, 'results');
    const [one, two] = await Promise.all([
      gradflow(['run', cfg, '--out', out, '--no-report', '--workers', '1', '--quiet', '--shard', '1/2']),
      gradflow(['run', cfg, '--out', out, '--no-report', '--workers', '1', '--quiet', '--shard', '2/2']),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(listFiles(join(out, 'twice')).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });
});

describe('gradflow report on a run that is writing', () => {
  it('reads only complete lines: a partial last line is skipped and said to be', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...CONFIG, sweep: {}, train: { ...CONFIG.train, steps: 200 } });
    const out = join(dir, 'results');
    expect((await gradflow(['run', cfg, '--out', out, '--no-report', '--workers', '1', '--quiet'])).code).toBe(0);
    // A copy of the cell as a live run leaves it: no summary yet, the last line half written.
    const live = join(dir, 'live');
    mkdirSync(live);
    copyFileSync(join(out, 'twice/run/config.json'), join(live, 'config.json'));
    const full = readFileSync(join(out, 'twice/run/metrics.ndjson'), 'utf8');
    const lines = full.trimEnd().split('\n');
    const cut = full.length - Math.floor(lines.at(-1)!.length / 2) - 1;
    writeFileSync(join(live, 'metrics.ndjson'), full.slice(0, cut));
    rmSync(join(live, 'summary.json'), { force: true });

    const run = await readRun(live);
    expect(run.partialLine).toBe(true);
    expect(run.badLines).toBe(0);
    expect(run.records.map((r) => r.step)).toEqual(lines.slice(0, -1).map((l) => (JSON.parse(l) as { step: number }).step));

    const r = await gradflow(['report', live]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const html = readFileSync(join(live, 'report.html'), 'utf8');
    expect(html).toContain('The last line of metrics.ndjson was incomplete (the run was writing) and was skipped.');
  });
});
