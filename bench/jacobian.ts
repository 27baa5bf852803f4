/**
 * The cost of `metrics.jacobian`, for `gradflow bench`: the same instrumented run as the
 * overhead bench (spirals, 10 x 128 tanh, batch 128, 1000 steps, metrics at the default cadence)
 * with the Jacobian off, at step 0 only, and at every record, 4 examples each; and one example's
 * J (forward mode, depth x width^3) and its singular values (one-sided Jacobi) on their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../src/config/index.js';
import { stackJacobian, type JacobianLayer } from '../src/metrics/jacobian.js';
import { singularValues } from '../src/metrics/svd.js';
import { createRng } from '../src/net/rng.js';
import { loadCellData, trainCell } from '../src/train/trainer.js';
import { median } from './w1.js';

type Arm = 'off' | 'step 0' | 'records';
const ARMS: readonly Arm[] = ['off', 'step 0', 'records'];

function config(arm: Arm): Record<string, unknown> {
  const jacobian = arm === 'off' ? {} : { jacobian: { steps: arm === 'records' ? 'records' : [0], examples: 4 } };
  return {
    name: 'bench-jacobian',
    seed: 0,
    data: { kind: 'spirals', samples: 4000 },
    model: { depth: 10, width: 128, activation: 'tanh', init: 'glorot_normal' },
    train: { steps: 1000, batchSize: 128, lr: 0.05, evalEvery: 500 },
    metrics: { ...jacobian },
  };
}

/** ms for one example's J and for its singular values, depth 10 x width 128 (9 factors). */
function oneExample(): { jacobian: number; svd: number } {
  const n = 128;
  const rng = createRng('bench-jacobian');
  const layers: JacobianLayer[] = Array.from({ length: 9 }, () => ({
    W: Float64Array.from({ length: n * n }, () => rng.normal() / Math.sqrt(n)),
    fanIn: n, fanOut: n, widthFactor: 1, d: Float64Array.from({ length: n }, () => rng.next()), norm: null, residualScale: null,
  }));
  const tj: number[] = [];
  const ts: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const { J } = stackJacobian(layers, n);
    const t1 = performance.now();
    singularValues(J, n, n);
    ts.push(performance.now() - t1);
    tj.push(t1 - t0);
  }
  return { jacobian: median(tj), svd: median(ts) };
}

export async function jacobianBench(rounds: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-bench-'));
  try {
    const configs = Object.fromEntries(ARMS.map((a) => [a, resolveConfig(config(a))])) as Record<Arm, ReturnType<typeof resolveConfig>>;
    const data = loadCellData(configs.off, dir);
    const cpu: Record<Arm, number[]> = { off: [], 'step 0': [], records: [] };
    for (let r = 0; r < rounds; r++) {
      for (const arm of ARMS) {
        const c0 = process.cpuUsage();
        await trainCell(configs[arm], { dir: join(dir, `${arm.replace(' ', '')}-${r}`), baseDir: dir, data });
        const c = process.cpuUsage(c0);
        cpu[arm].push((c.user + c.system) / 1000);
      }
    }
    const off = median(cpu.off);
    const pct = (arm: Arm): string => (100 * (median(cpu[arm]) / off - 1)).toFixed(1);
    const one = oneExample();
    return [
      `run: spirals, 10 x 128 tanh, batch 128, 1000 steps, metrics every ${configs.off.metrics.every}; Jacobian of 4 examples`,
      `CPU time: Jacobian off ${off.toFixed(0)} ms (the default), at step 0 ${median(cpu['step 0']).toFixed(0)} ms (+${pct('step 0')}%), ` +
        `at every record ${median(cpu.records).toFixed(0)} ms (+${pct('records')}%)`,
      `one example: J (forward mode, 9 x 128^3) ${one.jacobian.toFixed(1)} ms, its singular values ${one.svd.toFixed(1)} ms`,
      `(medians of ${rounds} interleaved rounds)`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
