/**
 * `gradflow submit slurm` on a real Slurm: a 2-task array of a 4-cell sweep and its merge job,
 * submitted through the CLI to the cluster that scripts/slurm-local.sh starts (.ci/run starts
 * it before the tests). The merged experiment must equal a whole `gradflow run` of the same
 * config byte for byte, timing fields aside. And when the pinned config is edited after the
 * scripts were written, every task refuses (exit 2) and Slurm cancels the merge.
 *
 * The cluster is found through SLURM_CONF, else $GRADFLOW_SLURM_DIR/slurm.conf (default
 * /tmp/gradflow-slurm). Without sbatch or without a cluster that answers the suite is skipped,
 * and says why in its name; with GRADFLOW_REQUIRE_SLURM=1 (CI) it fails instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradflow as runCli, tmp, writeConfig, type CliResult } from '../helpers/cli.js';
import { onPath } from '../../src/cluster/slurm.js';
import { cleanEnv, expectSameExperiment, TINY } from './helpers.js';

const SLURM_CONF = process.env.SLURM_CONF ?? join(process.env.GRADFLOW_SLURM_DIR ?? '/tmp/gradflow-slurm', 'slurm.conf');
const REQUIRED = process.env.GRADFLOW_REQUIRE_SLURM === '1';
/** Longest wait for the array and the merge to finish (they take a few seconds on an idle node). */
const JOBS_TIMEOUT_MS = 240_000;
const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE']);

const slurmEnv = (): NodeJS.ProcessEnv => cleanEnv({ SLURM_CONF });

function slurm(cmd: string, args: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: slurmEnv(), timeout: 20_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Why the suite cannot run here, or null when a cluster answers. */
function unavailable(): string | null {
  if (!onPath('sbatch')) return 'sbatch is not on PATH (apt-get install slurm-wlm munge; then scripts/slurm-local.sh start)';
  if (!existsSync(SLURM_CONF)) return `no cluster: ${SLURM_CONF} does not exist (start one with scripts/slurm-local.sh start, or set SLURM_CONF)`;
  const ping = slurm('scontrol', ['ping']);
  if (ping.code !== 0 || !/UP/.test(ping.out)) return `no cluster answers at SLURM_CONF=${SLURM_CONF}: scontrol ping says ${JSON.stringify(ping.out.trim())}`;
  return null;
}

const reason = unavailable();
if (reason !== null && REQUIRED) throw new Error(`GRADFLOW_REQUIRE_SLURM=1, but ${reason}`);
if (reason !== null) console.warn(`submit slurm on a real cluster: skipped: ${reason}`);

/** The state of every task of `ids` (`scontrol -o show job` lists each array task on its own line). */
function states(ids: readonly string[]): string[] {
  return ids.flatMap((id) => {
    const r = slurm('scontrol', ['-o', 'show', 'job', id]);
    return [...r.out.matchAll(/JobState=(\S+)/g)].map((m) => m[1]);
  });
}

/** Waits until the `tasks` jobs and array tasks of `ids` have all ended; their final states. */
async function waitForJobs(ids: readonly string[], tasks = 3): Promise<string[]> {
  const deadline = Date.now() + JOBS_TIMEOUT_MS;
  for (;;) {
    const s = states(ids);
    if (s.length >= tasks && s.every((x) => FINAL.has(x))) return s;
    if (Date.now() > deadline) {
      slurm('scancel', [...ids]);
      throw new Error(`jobs ${ids.join(', ')} not finished after ${JOBS_TIMEOUT_MS / 1000}s: ${s.join(', ')}; cancelled`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(reason !== null)(`submit slurm on a real cluster${reason === null ? '' : ` (skipped: ${reason})`}`, () => {
  const dir = tmp('gradflow-slurm-real-');
  const ids: string[] = [];

  afterAll(() => {
    // Whatever happened, no job of this test stays queued.
    if (ids.length) slurm('scancel', ids);
  });

  it('runs a 2-task array and its merge, and the merged sweep equals a whole run byte for byte', async () => {
    const cfg = writeConfig(dir, TINY, 'tiny.json');
    const shared = join(dir, 'shared');
    const [submitted, whole] = await Promise.all([
      runCli(['submit', 'slurm', cfg, '--shards', '2', '--out', shared, '--no-report'], { baseEnv: slurmEnv() }),
      runCli(['run', cfg, '--out', join(dir, 'whole'), '--no-report', '--workers', '1', '--quiet'], { baseEnv: cleanEnv() }),
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const m = /^tiny: submitted array job (\d+) \(2 tasks\) and merge job (\d+) /m.exec(submitted.stdout);
    expect(m, submitted.stdout).not.toBeNull();
    ids.push(m![1], m![2]);
    expect(submitted.stdout).toContain(`  follow:  squeue -j ${m![1]},${m![2]}\n`);
    expect(whole.code, whole.stderr).toBe(0);
    const wholeMerge: CliResult = await runCli(['merge', join(dir, 'whole/tiny'), '--out', join(dir, 'whole'), '--no-report', '--quiet'], { baseEnv: cleanEnv() });
    expect(wholeMerge.code, wholeMerge.stderr).toBe(0);

    const final = await waitForJobs(ids);
    const logs = join(shared, 'tiny/slurm/logs');
    const logText = (): string => readdirSync(logs).map((f) => `--- ${f}\n${readFileSync(join(logs, f), 'utf8')}`).join('\n');
    expect(final, logText()).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(readdirSync(logs).sort()).toEqual([`gradflow-tiny-merge_${ids[1]}.out`, `gradflow-tiny_${ids[0]}_1.out`, `gradflow-tiny_${ids[0]}_2.out`]);
    const first = (f: string): string => readFileSync(join(logs, f), 'utf8').split('\n')[0];
    expect(first(`gradflow-tiny_${ids[0]}_2.out`)).toBe('shard 2/2 (SLURM_ARRAY_TASK_ID=2 of SLURM_ARRAY_TASK_COUNT=2 (from 1)): tiny: 2 of 4 cells, 50.0% of the estimated cost');
    expect(readFileSync(join(logs, `gradflow-tiny-merge_${ids[1]}.out`), 'utf8')).toContain('tiny: merged 4 cells from 1 folder');
    expectSameExperiment(join(dir, 'whole/tiny'), join(shared, 'tiny'), 4);
  });

  it('runs nothing when the pinned config changed, and Slurm then cancels the merge', async () => {
    const cfg = writeConfig(dir, TINY, 'tiny.json');
    const out = join(dir, 'changed');
    const dry = await runCli(['submit', 'slurm', cfg, '--shards', '2', '--out', out, '--no-report', '--dry-run'], { baseEnv: slurmEnv() });
    expect(dry.code, dry.stderr).toBe(0);
    const scripts = join(out, 'tiny/slurm');
    const pinned = join(scripts, 'tiny.json');
    writeFileSync(pinned, readFileSync(pinned, 'utf8').replace('"lr": 0.1', '"lr": 0.3'));
    const sbatch = (args: string[]): string => {
      const r = slurm('sbatch', ['--parsable', ...args]);
      expect(r.code, r.out).toBe(0);
      return r.out.trim().split(';')[0];
    };
    const array = sbatch([join(scripts, 'array.sbatch')]);
    ids.push(array);
    const merge = sbatch([`--dependency=afterok:${array}`, join(scripts, 'merge.sbatch')]);
    ids.push(merge);
    expect(await waitForJobs([array, merge])).toEqual(['FAILED', 'FAILED', 'CANCELLED']);
    const logs = readdirSync(join(scripts, 'logs'));
    expect(logs).toHaveLength(2);
    for (const f of logs) expect(readFileSync(join(scripts, 'logs', f), 'utf8')).toMatch(/: changed since the script was written \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\): nothing run; /);
    expect(readdirSync(join(out, 'tiny')).sort()).toEqual(['slurm']);
  });
});
