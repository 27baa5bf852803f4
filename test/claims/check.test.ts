import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASELINE_CONFIGS_DIR, BASELINES_DIR, runCheck, type BaselineFile } from '../../src/claims/check.js';
import { runClaims } from '../../src/claims/index.js';
import type { VerdictsFile } from '../../src/claims/types.js';
import { ACTIVATIONS, SELU_ALPHA, type ActivationDef } from '../../src/net/activations.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradflow-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `body` with selu's batched kernels using lambda = `lambda`, and restores them after. */
async function withSeluLambda<T>(lambda: number, body: () => Promise<T>): Promise<T> {
  const selu = ACTIVATIONS.selu as unknown as { -readonly [K in 'forward' | 'backward']: ActivationDef[K] };
  const saved = { forward: selu.forward, backward: selu.backward };
  selu.forward = (z, a, rows, units) => {
    for (let i = 0; i < rows * units; i++) a[i] = lambda * (z[i] > 0 ? z[i] : SELU_ALPHA * Math.expm1(z[i]));
  };
  selu.backward = (z, a, da, dz, rows, units) => {
    for (let i = 0; i < rows * units; i++) dz[i] = da[i] * (z[i] > 0 ? lambda : a[i] + lambda * SELU_ALPHA);
  };
  try {
    return await body();
  } finally {
    selu.forward = saved.forward;
    selu.backward = saved.backward;
  }
}

describe('runCheck', () => {
  it('passes on the committed float64 baseline, which records its machine and tolerances', async () => {
    const base = JSON.parse(readFileSync(join(BASELINES_DIR, 'baseline-float64.json'), 'utf8')) as BaselineFile;
    expect(Object.keys(base.cells)).toEqual(['activation=tanh', 'activation=selu', 'activation=prelu', 'activation=crelu']);
    expect(base.producedBy.node).toMatch(/^v\d+/);
    expect(base.tolerances.status).toBe('exact');
    const lines: string[] = [];
    // workers: 1 trains on this thread, so the runs use this process's activation registry.
    const code = await runCheck({ only: ['baseline-float64'], workers: 1, out: join(tmp, 'ok'), log: (l) => lines.push(l) });
    expect(lines.at(-1)).toMatch(/^check: 4 cells, \d+ metrics, all as in the baselines/);
    expect(code).toBe(0);
  });

  it('fails with a table of the moved metrics when an activation constant changes (SELU lambda 1.0507 -> 1.05)', async () => {
    const lines: string[] = [];
    const code = await withSeluLambda(1.05, () => runCheck({ only: ['baseline-float64'], workers: 1, out: join(tmp, 'bad'), log: (l) => lines.push(l) }));
    expect(code).toBe(1);
    const table = lines.join('\n');
    expect(table).toMatch(/baseline-float64\/activation=selu\s+finalLoss\s+\S+\s+\S+\s+rel 1e-9\s+REGRESSION/);
    // Only the SELU cell moved.
    expect(table).not.toMatch(/activation=tanh|activation=prelu|activation=crelu/);
    expect(lines.at(-1)).toMatch(/^check: \d+ metric\(s\) moved, \d+ beyond tolerance/);
  });

  it('restores the registry after the perturbation, so the check passes again', async () => {
    expect(await runCheck({ only: ['baseline-float64'], workers: 1, out: join(tmp, 'again'), log: () => {} })).toBe(0);
  });

  it('writes baselines with --update into the folder it is given, and they check clean', async () => {
    const dir = join(tmp, 'baselines');
    expect(await runCheck({ update: true, only: ['baseline-regression'], workers: 1, out: join(tmp, 'upd'), baselinesDir: dir, log: () => {} })).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'baseline-regression.json'), 'utf8')) as BaselineFile;
    expect(written.cells.run.status).toBe('ok');
    expect(await runCheck({ workers: 1, out: join(tmp, 'upd2'), baselinesDir: dir, log: () => {} })).toBe(0);
  });

  it('refuses to write a baseline from a failed or diverged cell unless told to', async () => {
    const configs = join(tmp, 'configs');
    mkdirSync(configs, { recursive: true });
    const config = JSON.parse(readFileSync(join(BASELINE_CONFIGS_DIR, 'baseline-regression.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(configs, 'baseline-blowup.json'), JSON.stringify({ ...config, name: 'baseline-blowup', train: { ...(config.train as object), lr: 1e6 } }));
    const dir = join(tmp, 'refused');
    const lines: string[] = [];
    expect(await runCheck({ update: true, workers: 1, out: join(tmp, 'ref'), baselinesDir: dir, configsDir: configs, log: (l) => lines.push(l) })).toBe(1);
    expect(lines.at(-1)).toMatch(/^check --update: not writing the baselines: 1 cell\(s\) did not end ok \(baseline-blowup\/run\); .* --accept-failed/);
    expect(existsSync(join(dir, 'baseline-blowup.json'))).toBe(false);
    expect(await runCheck({ update: true, acceptFailed: true, workers: 1, out: join(tmp, 'ref'), baselinesDir: dir, configsDir: configs, log: () => {} })).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'baseline-blowup.json'), 'utf8')) as BaselineFile).cells.run.status).toBe('diverged');
  });

  it('guards the wasm kernel, and a ReLU6 cell that reaches its cap and so differs from ReLU', () => {
    const wasm = JSON.parse(readFileSync(join(BASELINES_DIR, 'baseline-wasm.json'), 'utf8')) as BaselineFile;
    const wasmConfig = JSON.parse(readFileSync(join(BASELINE_CONFIGS_DIR, 'baseline-wasm.json'), 'utf8')) as { model: { kernel: string } };
    expect(wasmConfig.model.kernel).toBe('wasm');
    expect(Object.keys(wasm.cells).length).toBeGreaterThanOrEqual(8);
    const cap = JSON.parse(readFileSync(join(BASELINES_DIR, 'baseline-relu6-cap.json'), 'utf8')) as BaselineFile;
    const r6 = cap.cells['activation=relu6'];
    const maxAbs = Object.entries(r6).filter(([k]) => k.startsWith('initial.actMaxAbs[')).map(([, v]) => v);
    expect(maxAbs).toContain(6);
    expect(r6.finalLoss).not.toBe(cap.cells['activation=relu'].finalLoss);
    for (const metric of ['actMean', 'actStd', 'zeroFraction', 'updateRatio']) expect(Object.keys(r6)).toContain(`final.${metric}[0]`);
  });

  it('answers an unknown baseline name as bad input', async () => {
    const lines: string[] = [];
    expect(await runCheck({ only: ['baseline-nope'], workers: 1, out: join(tmp, 'x'), log: (l) => lines.push(l) })).toBe(2);
    expect(lines[0]).toMatch(/^check: no baseline named baseline-nope; baselines: /);
  });
});

describe('runClaims', () => {
  it('writes verdicts and a report for a subset of claims, with the figures and a link to each arm', async () => {
    const out = join(tmp, 'claims');
    const lines: string[] = [];
    const code = await runClaims({ out, only: ['19', '21'], workers: 1, log: (l) => lines.push(l) });
    expect(code).toBe(0);
    const v = JSON.parse(readFileSync(join(out, 'claims', 'verdicts.json'), 'utf8')) as VerdictsFile;
    expect(v.claims.map((c) => [c.id, c.kind, c.verdict])).toEqual([['19', 'identity', 'holds'], ['21', 'identity', 'holds']]);
    expect(v.claims[0].runs).toEqual(['crelu.crelu/seed=0', 'crelu.crelu/seed=1']);
    const html = readFileSync(join(out, 'claims', 'report.html'), 'utf8');
    expect(html).toContain('href="runs/crelu.crelu/"');
    expect(existsSync(join(out, 'claims', 'runs', 'crelu.crelu', 'seed=0', 'metrics.ndjson'))).toBe(true);
    expect(html).toContain('Errata');
  });
});
