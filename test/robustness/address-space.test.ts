/**
 * Under `ulimit -v` (HPC login nodes set it) V8 reserves ~10 GiB of address space per
 * WebAssembly instance, so the kernels (and tsx's own lexer) failed to instantiate with a stack
 * trace. The CLI restarts itself with explicit bounds checks there; every command works, exit
 * codes pass through, and an interrupted run still ends with 130.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BIN, shell, STACK_FRAME, tmp, waitFor } from './helpers.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const LIMIT_KB = 16_000_000;
const limited = (args: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  shell(`ulimit -v ${LIMIT_KB} && exec node ${BIN} ${args}`);

describe(`gradflow under ulimit -v ${LIMIT_KB}`, () => {
  it('lists the registries', async () => {
    const r = await limited('list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^activations:/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('trains on the WebAssembly kernel with two workers', async () => {
    const out = tmp();
    const r = await limited(`run configs/deep-sigmoid.json --set train.steps=20 --set model.kernel=wasm --workers 2 --no-report --out ${out}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Out of memory|STACK/);
  });

  it('passes exit code 2 through for a bad config', async () => {
    const r = await limited('run configs/deep-sigmoid.json --set train.steps=-1');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('passes a SIGINT on to the run, which stops cleanly with 130', async () => {
    const out = tmp();
    const child = spawn('bash', ['-c', `ulimit -v ${LIMIT_KB} && exec node ${BIN} run configs/deep-sigmoid.json --set train.steps=200000 --no-report --workers 1 --out ${out}`], { stdio: 'ignore' });
    const metrics = join(out, 'deep-sigmoid/run/metrics.ndjson');
    await waitFor('the first records', () => existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 2, 60_000);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(130);
    const summary = JSON.parse(readFileSync(join(out, 'deep-sigmoid/run/summary.json'), 'utf8')) as { status: string };
    expect(summary.status).toBe('interrupted');
  });
});
