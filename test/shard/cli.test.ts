/**
 * Sharded runs end to end with the real bin: a 24-cell sweep as 4 shard processes, merged, gives
 * the bytes of a single-process run; rerunning a shard skips its finished cells, a changed config
 * retrains them; merge names missing, duplicate and unfinished cells; bad --shard values exit 2.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradflow as runCli, type CliResult } from '../helpers/cli.js';

/** The environment of the test process without any scheduler's shard variables. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const k of Object.keys(env)) if (/^(GRADFLOW_SHARD_|JOB_COMPLETION|SLURM_ARRAY_)/.test(k)) delete env[k];
  return { ...env, ...extra };
}

function gradflow(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { baseEnv: cleanEnv(), env: extraEnv });
}

/** 3 activations x 2 depths x 4 seeds = 24 tiny cells (depth 2-3, width 8, 20 steps). */
const SWEEP = {
  name: 'tiny',
  seed: 1,
  data: { kind: 'moons', samples: 200 },
  model: { depth: 2, width: 8, activation: 'tanh' },
  train: { steps: 20, batchSize: 32, lr: 0.1 },
  metrics: { every: 10, probe: 32, histogramsEvery: 10 },
  sweep: { 'model.activation': ['tanh', 'relu', 'sigmoid'], 'model.depth': [2, 3] },
  seeds: { count: 4 },
};

/** summary.json text without the timing lines, which differ from run to run. */
const untimed = (text: string): string => text.replace(/^\s*"(timeSec|stepsPerSec)": [^\n]*\n/gm, '');

const cellsOf = (expDir: string): string[] => readdirSync(expDir).filter((f) => statSync(join(expDir, f)).isDirectory()).sort();

describe('a sweep in 4 shards', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-shard-'));
  const cfg = join(dir, 'tiny.json');
  const single = join(dir, 'single');
  const shared = join(dir, 'shared');
  const merged = join(dir, 'merged');
  const shardRuns: CliResult[] = [];
  let merge: CliResult;

  beforeAll(async () => {
    writeFileSync(cfg, JSON.stringify(SWEEP));
    const one = await gradflow(['run', cfg, '--out', single, '--no-report', '--workers', '1', '--quiet']);
    expect(one.code).toBe(0);
    // Four processes at once into one shared --out, as the pods of an Indexed Job would.
    shardRuns.push(...(await Promise.all([1, 2, 3, 4].map((i) => gradflow(['run', cfg, '--out', shared, '--no-report', '--workers', '1', '--shard', `${i}/4`])))));
    merge = await gradflow(['merge', join(shared, 'tiny'), '--out', merged, '--no-report']);
  });

  it('runs each cell in exactly one shard, each shard writing its own index file', () => {
    for (const r of shardRuns) expect(r.code, r.stderr).toBe(0);
    expect(shardRuns.map((r) => r.stdout.split('\n')[0])).toEqual([1, 2, 3, 4].map((i) => `shard ${i}/4 (--shard ${i}/4): tiny: 6 of 24 cells, 25.0% of the estimated cost`));
    const trained = shardRuns.flatMap((r) => [...r.stdout.matchAll(/^tiny\/(\S+): ok /gm)].map((m) => m[1]));
    expect(trained).toHaveLength(24);
    expect(new Set(trained).size).toBe(24);
    const files = readdirSync(join(shared, 'tiny')).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['index.shard-1-of-4.json', 'index.shard-2-of-4.json', 'index.shard-3-of-4.json', 'index.shard-4-of-4.json']);
    const index = JSON.parse(readFileSync(join(shared, 'tiny/index.shard-3-of-4.json'), 'utf8'));
    expect(index.shard).toMatchObject({ index: 3, count: 4 });
    expect(index.plan).toHaveLength(24);
    expect(index.cells.map((c: { id: string }) => c.id).sort()).toEqual(index.plan.filter((p: { shard: number }) => p.shard === 3).map((p: { id: string }) => p.id).sort());
  });

  it('merges into the bytes of a single-process run (summaries up to their timing)', () => {
    expect(merge.stderr).toBe('');
    expect(merge.code).toBe(0);
    expect(merge.stdout).toContain('tiny: merged 24 cells from 1 folder');
    const a = join(single, 'tiny');
    const b = join(merged, 'tiny');
    expect(cellsOf(b)).toEqual(cellsOf(a));
    expect(cellsOf(a)).toHaveLength(24);
    expect(readFileSync(join(b, 'index.json'), 'utf8')).toBe(readFileSync(join(a, 'index.json'), 'utf8'));
    for (const c of cellsOf(a)) {
      for (const f of ['config.json', 'metrics.ndjson', 'histograms.ndjson']) {
        expect(readFileSync(join(b, c, f)).equals(readFileSync(join(a, c, f))), `${c}/${f}`).toBe(true);
      }
      const sa = readFileSync(join(a, c, 'summary.json'), 'utf8');
      expect(untimed(sa)).not.toBe(sa);
      expect(untimed(readFileSync(join(b, c, 'summary.json'), 'utf8')), `${c}/summary.json`).toBe(untimed(sa));
    }
  });

  it('writes sweep-summary.json with aggregates over the 4 seeds of each of the 6 settings', async () => {
    const s = JSON.parse(readFileSync(join(merged, 'tiny/sweep-summary.json'), 'utf8'));
    expect(s.groups.map((g: { group: string; n: number }) => `${g.group}:${g.n}`)).toEqual(
      ['tanh', 'relu', 'sigmoid'].flatMap((act) => [2, 3].map((d) => `activation=${act},depth=${d}:4`)),
    );
    expect(s.groups[0].seeds).toEqual([1, 2, 3, 4]);
    expect(s.groups[0].metrics.finalLoss.n).toBe(4);
    expect(s.groups[0].proportions.ok).toMatchObject({ k: 4, n: 4, p: 1 });
    // The same aggregates from the single-process folder, merged in place.
    const inPlace = await gradflow(['merge', join(single, 'tiny'), '--out', single, '--no-report', '--quiet']);
    expect(inPlace.code).toBe(0);
    expect(readFileSync(join(single, 'tiny/sweep-summary.json'), 'utf8')).toBe(readFileSync(join(merged, 'tiny/sweep-summary.json'), 'utf8'));
  });

  it('skips the finished cells when a shard runs again, and retrains them when the config changed', async () => {
    const metrics = (c: string): number => statSync(join(shared, 'tiny', c, 'metrics.ndjson')).mtimeMs;
    const mine = JSON.parse(readFileSync(join(shared, 'tiny/index.shard-2-of-4.json'), 'utf8')).cells.map((c: { id: string }) => c.id) as string[];
    const before = mine.map(metrics);
    const again = await gradflow(['run', cfg, '--out', shared, '--no-report', '--workers', '1', '--shard', '2/4']);
    expect(again.code).toBe(0);
    expect([...again.stdout.matchAll(/^tiny\/(\S+): skipped: already finished \(ok\) with the same config$/gm)].map((m) => m[1]).sort()).toEqual([...mine].sort());
    expect(again.stdout).toContain('tiny: 6 of 6 cells already finished, skipped; training 0');
    expect(mine.map(metrics)).toEqual(before);

    const changed = await gradflow(['run', cfg, '--out', shared, '--no-report', '--workers', '1', '--shard', '2/4', '--set', 'train.lr=0.05']);
    expect(changed.code).toBe(0);
    expect(changed.stdout).not.toContain('skipped');
    expect(changed.stdout.match(/: finished \(ok\) with another config; training it again$/gm)).toHaveLength(6);
    for (const c of mine) expect(JSON.parse(readFileSync(join(shared, 'tiny', c, 'config.json'), 'utf8')).train.lr).toBe(0.05);
    // Shard 2 now belongs to another config than shards 1, 3 and 4: merge refuses to mix them.
    const mixed = await gradflow(['merge', join(shared, 'tiny'), '--out', join(dir, 'mixed'), '--no-report']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/list different cells or configs: expected shards of one config/);
    expect(existsSync(join(dir, 'mixed'))).toBe(false);
  });

  it('skips finished cells of an unsharded run with --resume only', async () => {
    const resumed = await gradflow(['run', cfg, '--out', single, '--no-report', '--workers', '1', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout.match(/: skipped: already finished \(ok\) with the same config$/gm)).toHaveLength(24);
    expect(JSON.parse(readFileSync(join(single, 'tiny/index.json'), 'utf8')).cells.every((c: { status: string }) => c.status === 'ok')).toBe(true);
  });

  it('names a missing, a duplicate and an unfinished cell, exits 1 and writes nothing', () => {
    // Two artifacts: `a` holds every cell but one missing and one unfinished; `b` a copy of one of a's cells.
    const a = join(dir, 'artifacts/a/tiny');
    const b = join(dir, 'artifacts/b/tiny');
    cpSync(join(merged, 'tiny'), a, { recursive: true });
    rmSync(join(a, 'index.json'));
    rmSync(join(a, 'sweep-summary.json'));
    for (const i of [1, 2, 3, 4]) cpSync(join(shared, 'tiny', `index.shard-${i}-of-4.json`), join(a, `index.shard-${i}-of-4.json`));
    // Shard 2 was rerun with another lr above: leave its index file out (the others carry the plan).
    rmSync(join(a, 'index.shard-2-of-4.json'));
    const plan = JSON.parse(readFileSync(join(a, 'index.shard-1-of-4.json'), 'utf8')).plan as { id: string; shard: number }[];
    const missing = plan.find((p) => p.shard === 3)!.id;
    const dup = plan.find((p) => p.shard === 1)!.id;
    const unfinished = plan.find((p) => p.shard === 4)!.id;
    rmSync(join(a, missing), { recursive: true });
    const summaryPath = join(a, unfinished, 'summary.json');
    writeFileSync(summaryPath, readFileSync(summaryPath, 'utf8').replace('"status": "ok"', '"status": "interrupted"'));
    mkdirSync(b, { recursive: true });
    cpSync(join(a, dup), join(b, dup), { recursive: true });
    cpSync(join(a, 'index.shard-1-of-4.json'), join(b, 'index.shard-1-of-4.json'));
    return gradflow(['merge', join(dir, 'artifacts/a'), join(dir, 'artifacts/b'), '--out', join(dir, 'm'), '--no-report']).then((r) => {
      expect(r.code).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toContain(`gradflow: tiny/${missing}: missing (shard 3/4): no folder of this cell in the merged folders`);
      expect(lines.some((l) => l.startsWith(`gradflow: tiny/${dup}: duplicate: found in `) && l.endsWith('; expected exactly one'))).toBe(true);
      expect(lines.some((l) => l.startsWith(`gradflow: tiny/${unfinished}: not finished (interrupted) in `))).toBe(true);
      expect(lines.at(-1)).toBe('gradflow: tiny: 3 of 24 cells missing, duplicated or unfinished; nothing written');
      expect(existsSync(join(dir, 'm'))).toBe(false);
    });
  });
});

describe('a divergence in a shard', () => {
  it('is a finished result: the shard exits 0, a rerun skips it, merge counts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradflow-shard-div-'));
    const cfg = join(dir, 'div.json');
    writeFileSync(cfg, JSON.stringify({ ...SWEEP, name: 'div', model: { ...SWEEP.model, activation: 'relu' }, sweep: { 'train.lr': [0.1, 1e30] }, seeds: undefined }));
    const out = join(dir, 'out');
    const first = await gradflow(['run', cfg, '--out', out, '--no-report', '--workers', '1', '--shard', '1/1']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^div\/lr=1e\+30: diverged /m);
    const again = await gradflow(['run', cfg, '--out', out, '--no-report', '--workers', '1', '--shard', '1/1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('div/lr=1e+30: skipped: already finished (diverged) with the same config');
    // Unsharded, a divergence still fails the run (exit 1), resumed or not.
    const resumed = await gradflow(['run', cfg, '--out', out, '--no-report', '--workers', '1', '--resume', '--quiet']);
    expect(resumed.code).toBe(1);
    const merged = await gradflow(['merge', out, '--out', out, '--no-report', '--quiet']);
    expect(merged.code).toBe(0);
    const groups = JSON.parse(readFileSync(join(out, 'div/sweep-summary.json'), 'utf8')).groups;
    expect(groups.map((g: { proportions: { diverged: { k: number } } }) => g.proportions.diverged.k)).toEqual([0, 1]);
  });
});

describe('bad shard input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-shard-bad-'));
  const cfg = join(dir, 'tiny.json');
  writeFileSync(cfg, JSON.stringify({ ...SWEEP, sweep: { 'model.activation': ['tanh', 'relu'] }, seeds: undefined }));

  it.each(['0/4', '5/4', 'x'])('exits 2 on --shard %s, naming the flag and the allowed form, and writes nothing', async (value) => {
    const r = await gradflow(['run', cfg, '--out', join(dir, 'out'), '--no-report', '--shard', value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `gradflow: --shard: ${JSON.stringify(value)} is not allowed: expected I/N with integers 1 <= I <= N (1-based, like vitest and Playwright: --shard 1/4 ... --shard 4/4), or "auto" to read the scheduler's variables\n`,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('exits 2 on --shard auto outside a scheduler', async () => {
    const r = await gradflow(['run', cfg, '--out', join(dir, 'out'), '--no-report', '--shard', 'auto']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gradflow: --shard auto: no shard in the environment: expected GRADFLOW_SHARD_INDEX/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('reads a Kubernetes Indexed Job pod\'s shard with --shard auto', async () => {
    const r = await gradflow(['run', cfg, '--out', join(dir, 'k8s'), '--no-report', '--workers', '1', '--shard', 'auto'], { JOB_COMPLETION_INDEX: '1', GRADFLOW_SHARD_COUNT: '2' });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('shard 2/2 (JOB_COMPLETION_INDEX=1 of GRADFLOW_SHARD_COUNT=2): tiny: 1 of 2 cells, 50.0% of the estimated cost');
    expect(readdirSync(join(dir, 'k8s/tiny'))).toContain('index.shard-2-of-2.json');
  });

  it('exits 2 when merge is given a folder that is not a run', async () => {
    const r = await gradflow(['merge', join(dir, 'nowhere'), '--out', join(dir, 'm')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`gradflow: ${join(dir, 'nowhere')}: not a folder: expected an experiment folder (with index.json or index.shard-I-of-N.json) or a folder of them\n`);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r2 = await gradflow(['merge', empty, '--out', join(dir, 'm')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/no experiment found/);
  });
});
