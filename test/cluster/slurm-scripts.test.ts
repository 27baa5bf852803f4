/**
 * `gradflow submit slurm --dry-run` without a cluster: the scripts it writes, run by bash with
 * the variables Slurm would set, train the sweep and merge it into the bytes of a whole run; a
 * changed config file stops them before anything runs; bad flags and configs exit 2 with one
 * line each and write nothing. The real cluster is in slurm-cluster.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradflow as runCli, shell, tmp, writeConfig, type CliResult } from '../helpers/cli.js';
import { cleanEnv, expectSameExperiment, TINY } from './helpers.js';

const gradflow = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { baseEnv: cleanEnv(), env });

describe('submit slurm --dry-run', () => {
  const dir = tmp('gradflow-slurm-dry-');
  const cfg = writeConfig(dir, TINY, 'tiny.json');
  const out = join(dir, 'out');
  const scripts = join(out, 'tiny/slurm');
  let dry: CliResult;

  beforeAll(async () => {
    dry = await gradflow(['submit', 'slurm', cfg, '--shards', '2', '--out', out, '--time', '0:10:00', '--partition', 'short', '--cpus-per-task', '1', '--no-report', '--dry-run']);
  });

  it('writes the pinned config, an array of 2 tasks and a merge, and prints how to submit them', () => {
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(readdirSync(scripts).sort()).toEqual(['array.sbatch', 'logs', 'merge.sbatch', 'tiny.json']);
    const lines = dry.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^tiny: wrote .*array\.sbatch, .*merge\.sbatch, .*tiny\.json \(config sha256 [0-9a-f]{12}\)$/);
    expect(lines.at(-1)).toBe(`  jid=$(sbatch --parsable ${scripts}/array.sbatch) && sbatch --parsable --dependency=afterok:\${jid%%;*} ${scripts}/merge.sbatch`);
    const array = readFileSync(join(scripts, 'array.sbatch'), 'utf8');
    const sha = /^CONFIG_SHA256=([0-9a-f]{64})$/m.exec(array)?.[1];
    expect(sha).toBeDefined();
    for (const line of [
      '#SBATCH --array=1-2', '#SBATCH --cpus-per-task=1', '#SBATCH --time=0:10:00', '#SBATCH --partition=short',
      `#SBATCH --output=${scripts}/logs/%x_%A_%a.out`, `CONFIG=${scripts}/tiny.json`, `NODE=${process.execPath}`, 'export GRADFLOW_SHARD_COUNT=2',
    ]) expect(array.split('\n')).toContain(line);
    const merge = readFileSync(join(scripts, 'merge.sbatch'), 'utf8');
    expect(merge).toContain(`CONFIG_SHA256=${sha}\n`);
    expect(merge).toContain('#SBATCH --kill-on-invalid-dep=yes\n');
    expect(merge).toMatch(/merge "\$OUT"\/tiny --out "\$OUT" --no-report\n$/);
  });

  it('pins the resolved config: defaults filled in, the same cells as the original', () => {
    const pinned = JSON.parse(readFileSync(join(scripts, 'tiny.json'), 'utf8'));
    expect(pinned.model.init).toEqual({ name: 'glorot_uniform', gain: 1 });
    expect(pinned.sweep).toEqual(TINY.sweep);
    expect(pinned.seeds).toEqual([1, 2]);
  });

  it('runs under bash with the variables of a Slurm array and merges into the bytes of a whole run', async () => {
    const whole = await gradflow(['run', cfg, '--out', join(dir, 'whole'), '--no-report', '--workers', '1', '--quiet']);
    expect(whole.code, whole.stderr).toBe(0);
    const merged = await gradflow(['merge', join(dir, 'whole/tiny'), '--out', join(dir, 'whole'), '--no-report', '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    const task = (id: number): Promise<CliResult> =>
      shell(`env SLURM_ARRAY_TASK_ID=${id} SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=2 SLURM_ARRAY_TASK_COUNT=2 SLURM_CPUS_PER_TASK=1 bash ${scripts}/array.sbatch`);
    const tasks = await Promise.all([task(1), task(2)]);
    for (const t of tasks) expect(t.code, t.stderr).toBe(0);
    expect(tasks.map((t) => t.stdout.split('\n')[0])).toEqual([1, 2].map((i) => expect.stringMatching(new RegExp(`^shard ${i}/2 \\(SLURM_ARRAY_TASK_ID=${i} `))));
    const merge = await shell(`bash ${scripts}/merge.sbatch`);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toContain('tiny: merged 4 cells from 1 folder');
    expectSameExperiment(join(dir, 'whole/tiny'), join(out, 'tiny'), 4);
  });

  it('refuses to run, exit 2, when the pinned config changed after the scripts were written', async () => {
    const file = join(scripts, 'tiny.json');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before.replace('"lr": 0.1', '"lr": 0.2'));
    try {
      const r = await shell(`env SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=2 bash ${scripts}/array.sbatch`);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^gradflow: ${file}: changed since the script was written \\(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\\): nothing run; run gradflow submit slurm again\\n$`));
      const m = await shell(`bash ${scripts}/merge.sbatch`);
      expect(m.code).toBe(2);
    } finally {
      writeFileSync(file, before);
    }
  });
});

describe('submit slurm: bad input exits 2 with one line and writes nothing', () => {
  const dir = tmp('gradflow-slurm-bad-');
  const cfg = writeConfig(dir, TINY, 'tiny.json');
  const out = join(dir, 'out');

  it.each([
    [['--shards', '0'], '--shards: 0 is not allowed: expected an integer >= 1, the number of array tasks or pods'],
    [['--shards', '5'], '--shards: 5 is not allowed: expected an integer in [1, 4]: tiny has 4 cells, and a shard without cells would only start a job that does nothing'],
    [['--shards', '2', '--cpus-per-task', '1.5'], '--cpus-per-task: 1.5 is not allowed: expected an integer >= 1'],
    [['--shards', '2', '--time', 'soon'], '--time: "soon" is not allowed: expected a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED'],
    [['--shards', '2', '--partition', 'a b'], '--partition: "a b" is not allowed: expected a partition name or a comma-separated list of them ([A-Za-z0-9_.-])'],
    [['--shards', '2', '--set', 'model.depth=-1'], 'model.depth: -1 is not allowed: expected an integer >= 0'],
  ])('%j', async (flags, message) => {
    const r = await gradflow(['submit', 'slurm', cfg, '--out', out, '--dry-run', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`gradflow: ${message}`);
    expect(existsSync(out)).toBe(false);
  });

  it('names the missing sbatch when it would submit, and writes nothing', async () => {
    const r = await gradflow(['submit', 'slurm', cfg, '--out', out, '--shards', '2'], { PATH: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('gradflow: sbatch: not found on PATH: run gradflow submit slurm on a machine that submits to Slurm (a login node), or add --dry-run to only write the scripts\n');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an --out whose path an #SBATCH line cannot hold', async () => {
    const spaced = join(dir, 'with space');
    mkdirSync(spaced);
    const r = await gradflow(['submit', 'slurm', cfg, '--out', spaced, '--shards', '2', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out: "${spaced}/tiny/slurm" is not allowed: expected a folder whose absolute path has no blanks`);
    expect(readdirSync(spaced)).toEqual([]);
  });

  it('needs --shards', async () => {
    const r = await gradflow(['submit', 'slurm', cfg, '--out', out, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shards/);
    expect(existsSync(out)).toBe(false);
  });
});
