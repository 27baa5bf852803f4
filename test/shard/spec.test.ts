/**
 * `--shard I/N` and `--shard auto`: the flag's form, and each scheduler's variables with their
 * error cases (texts pinned, since users read them in a job log).
 */
import { describe, expect, it } from 'vitest';
import { shardIndexFile, SHARD_INDEX_FILE } from '../../src/results/layout.js';
import { parseShard, shardFromEnv, type Env } from '../../src/shard/spec.js';

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('--shard I/N', () => {
  it.each([
    ['1/1', 1, 1],
    ['1/4', 1, 4],
    ['4/4', 4, 4],
    [' 3/7 ', 3, 7],
  ])('reads %j as shard %i of %i (1-based)', (value, index, count) => {
    expect(parseShard(value, {})).toMatchObject({ index, count });
  });

  it.each(['0/4', '5/4', '1/0', '0/0', '2', '1/2/3', 'a/4', '1.5/4', '-1/4', '', '/4', '1/', 'one/two'])('refuses %j naming the flag, the value and the allowed form', (value) => {
    expect(errorOf(() => parseShard(value, {}))).toBe(
      `--shard: ${JSON.stringify(value)} is not allowed: expected I/N with integers 1 <= I <= N (1-based, like vitest and Playwright: --shard 1/4 ... --shard 4/4), or "auto" to read the scheduler's variables`,
    );
  });

  it('names the index file after the shard', () => {
    expect(shardIndexFile({ index: 2, count: 4 })).toBe('index.shard-2-of-4.json');
    expect(SHARD_INDEX_FILE.exec('index.shard-2-of-4.json')?.slice(1)).toEqual(['2', '4']);
    expect(SHARD_INDEX_FILE.test('index.json')).toBe(false);
  });
});

describe('--shard auto', () => {
  it.each<[string, Env, number, number]>([
    ['gradflow variables (1-based)', { GRADFLOW_SHARD_INDEX: '3', GRADFLOW_SHARD_COUNT: '8' }, 3, 8],
    ['a Kubernetes Indexed Job with the count in GRADFLOW_SHARD_COUNT', { JOB_COMPLETION_INDEX: '0', GRADFLOW_SHARD_COUNT: '4' }, 1, 4],
    ['a Kubernetes Indexed Job with the count in JOB_COMPLETIONS', { JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '4' }, 4, 4],
    ['both Kubernetes counts when they agree', { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '4', GRADFLOW_SHARD_COUNT: '4' }, 3, 4],
    ['a Slurm array from 0', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }, 1, 4],
    ['a Slurm array from 1', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4', SLURM_ARRAY_TASK_STEP: '1' }, 4, 4],
    ['a Slurm array from 10 without MAX', { SLURM_ARRAY_TASK_ID: '11', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '10' }, 2, 3],
    ['gradflow variables before a scheduler\'s', { GRADFLOW_SHARD_INDEX: '1', GRADFLOW_SHARD_COUNT: '2', JOB_COMPLETION_INDEX: '5', JOB_COMPLETIONS: '6' }, 1, 2],
  ])('reads %s', (_name, env, index, count) => {
    expect(parseShard('auto', env)).toMatchObject({ index, count });
    expect(shardFromEnv(env)).toMatchObject({ index, count });
  });

  it('says where the shard came from', () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '1', GRADFLOW_SHARD_COUNT: '4' }).source).toBe('JOB_COMPLETION_INDEX=1 of GRADFLOW_SHARD_COUNT=4');
  });

  it.each<[string, Env, string]>([
    ['no variables', {}, '--shard auto: no shard in the environment: expected GRADFLOW_SHARD_INDEX (1-based) with GRADFLOW_SHARD_COUNT, JOB_COMPLETION_INDEX (Kubernetes Indexed Job) with GRADFLOW_SHARD_COUNT, or SLURM_ARRAY_TASK_ID (Slurm job array)'],
    ['only a count', { GRADFLOW_SHARD_COUNT: '4' }, '--shard auto: no shard in the environment: expected GRADFLOW_SHARD_INDEX (1-based) with GRADFLOW_SHARD_COUNT, JOB_COMPLETION_INDEX (Kubernetes Indexed Job) with GRADFLOW_SHARD_COUNT, or SLURM_ARRAY_TASK_ID (Slurm job array)'],
    ['a gradflow index without a count', { GRADFLOW_SHARD_INDEX: '1' }, '--shard auto: GRADFLOW_SHARD_INDEX is set but GRADFLOW_SHARD_COUNT is not'],
    ['a gradflow index of 0', { GRADFLOW_SHARD_INDEX: '0', GRADFLOW_SHARD_COUNT: '4' }, '--shard auto: GRADFLOW_SHARD_INDEX=0 is not allowed: expected an integer in [1, 4] (1-based; GRADFLOW_SHARD_COUNT=4)'],
    ['a gradflow index past the count', { GRADFLOW_SHARD_INDEX: '5', GRADFLOW_SHARD_COUNT: '4' }, '--shard auto: GRADFLOW_SHARD_INDEX=5 is not allowed: expected an integer in [1, 4] (1-based; GRADFLOW_SHARD_COUNT=4)'],
    ['a count of 0', { GRADFLOW_SHARD_INDEX: '1', GRADFLOW_SHARD_COUNT: '0' }, '--shard auto: GRADFLOW_SHARD_COUNT=0 is not allowed: expected an integer >= 1'],
    ['a non-integer', { GRADFLOW_SHARD_INDEX: 'two', GRADFLOW_SHARD_COUNT: '4' }, '--shard auto: GRADFLOW_SHARD_INDEX="two" is not allowed: expected a non-negative integer'],
    ['a Kubernetes index without a count', { JOB_COMPLETION_INDEX: '2' }, '--shard auto: JOB_COMPLETION_INDEX is set but GRADFLOW_SHARD_COUNT or JOB_COMPLETIONS is not (Kubernetes does not export the completions count: add `env: [{name: GRADFLOW_SHARD_COUNT, value: "<completions>"}]` to the pod template; see docs/scale-out.md)'],
    ['a Kubernetes index past the count', { JOB_COMPLETION_INDEX: '4', GRADFLOW_SHARD_COUNT: '4' }, '--shard auto: JOB_COMPLETION_INDEX=4 is not allowed: expected an integer in [0, 3] (0-based; GRADFLOW_SHARD_COUNT=4)'],
    ['two Kubernetes counts that disagree', { JOB_COMPLETION_INDEX: '0', GRADFLOW_SHARD_COUNT: '4', JOB_COMPLETIONS: '5' }, '--shard auto: GRADFLOW_SHARD_COUNT=4 and JOB_COMPLETIONS=5 disagree: expected the same shard count in both (or set only one)'],
    ['a Slurm id without count and min', { SLURM_ARRAY_TASK_ID: '3' }, '--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN are not (Slurm sets them for job arrays: submit with sbatch --array=0-<N-1>)'],
    ['a Slurm array with a step', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '4', SLURM_ARRAY_TASK_STEP: '2' }, '--shard auto: the Slurm array is not contiguous (SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_MAX=4, SLURM_ARRAY_TASK_COUNT=3, SLURM_ARRAY_TASK_STEP=2): expected an array without gaps or steps such as --array=0-2; or pass --shard I/N yourself'],
    ['a Slurm array with gaps (--array=1,5,9)', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '9' }, '--shard auto: the Slurm array is not contiguous (SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=9, SLURM_ARRAY_TASK_COUNT=3): expected an array without gaps or steps such as --array=0-2; or pass --shard I/N yourself'],
    ['a Slurm id outside the array', { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' }, '--shard auto: SLURM_ARRAY_TASK_ID=7 is not allowed: expected an integer in [1, 4] (SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_COUNT=4)'],
    ['a Slurm count that GRADFLOW_SHARD_COUNT contradicts', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', GRADFLOW_SHARD_COUNT: '8' }, '--shard auto: GRADFLOW_SHARD_COUNT=8 and SLURM_ARRAY_TASK_COUNT=4 disagree: expected the same shard count in both (or set only one)'],
  ])('refuses %s with a clear message', (_name, env, message) => {
    expect(errorOf(() => parseShard('auto', env))).toBe(message);
  });
});
