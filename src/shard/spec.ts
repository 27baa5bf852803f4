/**
 * Which shard this process runs: `--shard I/N` with I counted from 1 (as vitest's, Playwright's
 * and Jest's `--shard`: `1/4` ... `4/4`), or `--shard auto`, which reads the scheduler's own
 * variables, first match wins:
 *
 *   gradflow     GRADFLOW_SHARD_INDEX (1-based, like the flag) and GRADFLOW_SHARD_COUNT
 *   Kubernetes   JOB_COMPLETION_INDEX (0-based, set on every pod of an Indexed Job) and the
 *                completions count, which Kubernetes does not export: the manifest passes it as
 *                GRADFLOW_SHARD_COUNT (or JOB_COMPLETIONS; both set must agree)
 *   Slurm        SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN of a
 *                contiguous array (`--array=0-7`, `--array=1-8`; steps and lists are refused),
 *                shard = ID - MIN + 1
 *
 * A missing, non-integer or inconsistent value throws `ShardSpecError`, whose message names the
 * variable, the value and what is allowed (the CLI exits 2).
 */
import * as msg from '../messages.js';
import type { Shard } from '../results/types.js';

export type { Shard } from '../results/types.js';

export class ShardSpecError extends Error {
  override readonly name = 'ShardSpecError';
}

export type Env = Readonly<Record<string, string | undefined>>;

const INTEGER = /^(0|[1-9][0-9]*)$/;

/** A non-negative integer from a flag or variable, or null when it is not one. */
function integer(text: string): number | null {
  const t = text.trim();
  if (!INTEGER.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** The value of `--shard`: "I/N" or "auto" (then `env` decides). */
export function parseShard(value: string, env: Env): Shard {
  if (value.trim() === 'auto') return shardFromEnv(env);
  const m = /^\s*([^/]*)\/([^/]*)\s*$/.exec(value);
  const i = m ? integer(m[1]) : null;
  const n = m ? integer(m[2]) : null;
  if (i === null || n === null || n < 1 || i < 1 || i > n) throw new ShardSpecError(msg.badShardFlag(value));
  return { index: i, count: n, source: `--shard ${i}/${n}` };
}

/** A variable that is set (and not blank), or undefined. */
function get(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** A variable that must be an integer; undefined when unset. */
function intVar(env: Env, name: string): number | undefined {
  const v = get(env, name);
  if (v === undefined) return undefined;
  const n = integer(v);
  if (n === null) throw new ShardSpecError(msg.shardEnvNotInteger(name, v));
  return n;
}

/** The shard that the scheduler's variables name (see the module comment). */
export function shardFromEnv(env: Env): Shard {
  if (get(env, 'GRADFLOW_SHARD_INDEX') !== undefined) {
    const index = intVar(env, 'GRADFLOW_SHARD_INDEX')!;
    const count = intVar(env, 'GRADFLOW_SHARD_COUNT');
    if (count === undefined) throw new ShardSpecError(msg.shardEnvMissing('GRADFLOW_SHARD_INDEX', ['GRADFLOW_SHARD_COUNT']));
    if (count < 1) throw new ShardSpecError(msg.shardEnvRange('GRADFLOW_SHARD_COUNT', count, 'an integer >= 1'));
    if (index < 1 || index > count) {
      throw new ShardSpecError(msg.shardEnvRange('GRADFLOW_SHARD_INDEX', index, `an integer in [1, ${count}] (1-based; GRADFLOW_SHARD_COUNT=${count})`));
    }
    return { index, count, source: `GRADFLOW_SHARD_INDEX=${index} of GRADFLOW_SHARD_COUNT=${count}` };
  }

  if (get(env, 'JOB_COMPLETION_INDEX') !== undefined) {
    const k = intVar(env, 'JOB_COMPLETION_INDEX')!;
    const fromGradflow = intVar(env, 'GRADFLOW_SHARD_COUNT');
    const fromJob = intVar(env, 'JOB_COMPLETIONS');
    if (fromGradflow !== undefined && fromJob !== undefined && fromGradflow !== fromJob) {
      throw new ShardSpecError(msg.shardEnvDisagree('GRADFLOW_SHARD_COUNT', fromGradflow, 'JOB_COMPLETIONS', fromJob));
    }
    const count = fromGradflow ?? fromJob;
    const countVar = fromGradflow !== undefined ? 'GRADFLOW_SHARD_COUNT' : 'JOB_COMPLETIONS';
    if (count === undefined) throw new ShardSpecError(msg.shardEnvMissing('JOB_COMPLETION_INDEX', ['GRADFLOW_SHARD_COUNT', 'JOB_COMPLETIONS']));
    if (count < 1) throw new ShardSpecError(msg.shardEnvRange(countVar, count, 'an integer >= 1 (the Job\'s completions)'));
    if (k >= count) {
      throw new ShardSpecError(msg.shardEnvRange('JOB_COMPLETION_INDEX', k, `an integer in [0, ${count - 1}] (0-based; ${countVar}=${count})`));
    }
    return { index: k + 1, count, source: `JOB_COMPLETION_INDEX=${k} of ${countVar}=${count}` };
  }

  if (get(env, 'SLURM_ARRAY_TASK_ID') !== undefined) {
    const id = intVar(env, 'SLURM_ARRAY_TASK_ID')!;
    const count = intVar(env, 'SLURM_ARRAY_TASK_COUNT');
    const min = intVar(env, 'SLURM_ARRAY_TASK_MIN');
    const absent = [count === undefined ? 'SLURM_ARRAY_TASK_COUNT' : null, min === undefined ? 'SLURM_ARRAY_TASK_MIN' : null].filter((x): x is string => x !== null);
    if (absent.length > 0) throw new ShardSpecError(msg.shardEnvMissing('SLURM_ARRAY_TASK_ID', absent, true));
    if (count! < 1) throw new ShardSpecError(msg.shardEnvRange('SLURM_ARRAY_TASK_COUNT', count, 'an integer >= 1'));
    const max = intVar(env, 'SLURM_ARRAY_TASK_MAX');
    const step = intVar(env, 'SLURM_ARRAY_TASK_STEP');
    if ((step !== undefined && step !== 1) || (max !== undefined && max - min! + 1 !== count)) {
      throw new ShardSpecError(msg.shardEnvSlurmGaps(min!, max, count!, step));
    }
    if (id < min! || id - min! >= count!) {
      throw new ShardSpecError(msg.shardEnvRange('SLURM_ARRAY_TASK_ID', id, `an integer in [${min}, ${min! + count! - 1}] (SLURM_ARRAY_TASK_MIN=${min}, SLURM_ARRAY_TASK_COUNT=${count})`));
    }
    const other = intVar(env, 'GRADFLOW_SHARD_COUNT');
    if (other !== undefined && other !== count) throw new ShardSpecError(msg.shardEnvDisagree('GRADFLOW_SHARD_COUNT', other, 'SLURM_ARRAY_TASK_COUNT', count!));
    return { index: id - min! + 1, count: count!, source: `SLURM_ARRAY_TASK_ID=${id} of SLURM_ARRAY_TASK_COUNT=${count} (from ${min})` };
  }

  throw new ShardSpecError(msg.shardEnvNone());
}
