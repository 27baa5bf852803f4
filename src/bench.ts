/**
 * `gradflow bench` (`npm run bench`): the speed numbers, all measured in one process with
 * interleaved rounds so that machine drift cancels, reported as medians and ratios.
 *
 * 1. Kernels: the 1024^3 matmul and training steps of W1 (784 -> 20 x 256 tanh -> 10) and W2
 *    (784 -> 8 x 1024 tanh -> 10), batch 128, float32, for gradflow's ts and wasm kernels and
 *    TensorFlow.js's wasm backend (bench/kernels.ts); PyTorch too with --torch when Debian's
 *    python3-torch is installed.
 * 2. Instrumentation overhead: the same training run with metrics on at the default cadence
 *    and with metrics off.
 * 3. Parallel sweeps: a 16-cell sweep with --workers 1 and --workers 2.
 * 4. Scaling: step time against width (64 to 1024) and depth (5 to 50).
 *
 * A step's FLOPs: 6 x batch x sum of fanIn x fanOut (three products a layer, two flops a
 * multiply-add). Timings go in docs/performance.md with the date and machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from '../bench/w1.js';
import { WORKLOADS, formatBenchTable, gradflowStep, runKernelBench, stepFlops, type Workload } from '../bench/kernels.js';
import { resolveConfig } from './config/index.js';
import { getKernels } from './net/kernels.js';
import { prepare, runPrepared } from './train/run.js';
import { loadCellData, trainCell } from './train/trainer.js';

export interface BenchCliOptions {
  readonly log: (line: string) => void;
  /** Sections to run (default all): kernels, overhead, sweep, scaling, torch. */
  readonly only?: readonly string[];
  readonly torch?: boolean;
  readonly rounds?: number;
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

export async function runBench(opts: BenchCliOptions): Promise<void> {
  const { log } = opts;
  const want = (s: string): boolean => opts.only === undefined || opts.only.includes(s);
  const rounds = opts.rounds ?? 5;
  log(`gradflow bench — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  log('');
  if (want('kernels')) {
    log('## Kernels (single-threaded, float32, median of interleaved rounds)');
    const rows = await runKernelBench({ rounds });
    log(formatBenchTable(rows));
    log('');
  }
  if (want('torch') && opts.torch) {
    log('## PyTorch (same workloads, 1 thread)');
    log(torchBench());
    log('');
  } else if (want('torch')) {
    log(hasTorch() ? 'PyTorch: installed; pass --torch to include it.' : "PyTorch: skipped (Debian's python3-torch is not installed).");
    log('');
  }
  if (want('overhead')) {
    log('## Instrumentation overhead (metrics at the default cadence vs off)');
    log(await overheadBench(rounds));
    log('');
  }
  if (want('sweep')) {
    log('## Parallel sweep (16 cells)');
    log(await sweepBench());
    log('');
  }
  if (want('scaling')) {
    log('## Step time against width and depth (wasm kernel, batch 128, tanh)');
    log(scalingBench());
  }
}

/** Config of a mid-sized instrumented training run (spirals, 10 x 128 tanh, batch 128, 1000 steps). */
function overheadConfig(enabled: boolean): Record<string, unknown> {
  return {
    name: 'bench-overhead',
    seed: 0,
    data: { kind: 'spirals', samples: 4000 },
    model: { depth: 10, width: 128, activation: 'tanh', init: 'glorot_normal' },
    // Evaluation is part of the recipe, not of the instruments: the same in both runs.
    train: { steps: 1000, batchSize: 128, lr: 0.05, evalEvery: 500 },
    metrics: { enabled },
  };
}

async function overheadBench(rounds: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-bench-'));
  try {
    const on = resolveConfig(overheadConfig(true));
    const off = resolveConfig(overheadConfig(false));
    const data = loadCellData(on, dir);
    const times = { on: [] as number[], off: [] as number[] };
    const cpu = { on: [] as number[], off: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const [key, config] of [['on', on], ['off', off]] as const) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await trainCell(config, { dir: join(dir, `${key}-${r}`), baseDir: dir, data });
        times[key].push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu[key].push((c.user + c.system) / 1000);
      }
    }
    const ratio = (xs: { on: number[]; off: number[] }): string => fmt(100 * (median(xs.on) / median(xs.off) - 1));
    return [
      `run: spirals, 10 x 128 tanh, batch 128, 1000 steps, probe ${on.metrics.probe}, every ${on.metrics.every}, histograms every ${on.metrics.histogramsEvery}`,
      `wall: metrics off ${fmt(median(times.off))} ms, on ${fmt(median(times.on))} ms, overhead ${ratio(times)}%`,
      `CPU time (what the process itself spent; steadier on a shared machine): off ${fmt(median(cpu.off))} ms, on ${fmt(median(cpu.on))} ms, overhead ${ratio(cpu)}%`,
      `(medians of ${rounds} interleaved rounds)`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sweepBench(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-bench-'));
  try {
    const config = {
      name: 'bench-sweep',
      seed: 0,
      data: { kind: 'moons', samples: 2000 },
      model: { depth: 6, width: 64, init: 'he_normal' },
      // Cells of ~1 s each, so worker start-up (tsx in each thread, ~0.5 s) is not what is measured.
      train: { steps: 1500, batchSize: 64, lr: 0.05 },
      sweep: { 'model.activation': ['relu', 'tanh', 'elu', 'sigmoid'], 'model.depth': [4, 6, 8, 10] },
    };
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify(config));
    const wall: Record<number, number> = {};
    for (const workers of [1, 2]) {
      const experiments = prepare([file], { out: join(dir, `w${workers}`), set: [], workers });
      const t0 = performance.now();
      await runPrepared(experiments, { out: join(dir, `w${workers}`), set: [], quiet: true, reports: false, log: () => {}, workers });
      wall[workers] = performance.now() - t0;
    }
    return `--workers 1: ${fmt(wall[1] / 1000, 2)} s   --workers 2: ${fmt(wall[2] / 1000, 2)} s   speed-up: ${fmt(wall[1] / wall[2], 2)}x`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timeStep(w: Workload): number {
  const runner = gradflowStep(getKernels('auto'), w, 'gradflow');
  for (let i = 0; i < 2; i++) runner.run();
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    let reps = 0;
    while (reps === 0 || performance.now() - t0 < 100) {
      runner.run();
      reps++;
    }
    samples.push((performance.now() - t0) / reps);
  }
  return median(samples);
}

function scalingBench(): string {
  const lines = ['| workload | ms/step | GFLOP/s |', '| --- | ---: | ---: |'];
  const base = WORKLOADS.W1;
  for (const width of [64, 128, 256, 512, 1024]) {
    const w = { ...base, name: `depth 10, width ${width}`, depth: 10, width };
    const ms = timeStep(w);
    lines.push(`| ${w.name} | ${fmt(ms, 2)} | ${fmt(stepFlops(w) / ms / 1e6)} |`);
  }
  for (const depth of [5, 10, 20, 50]) {
    const w = { ...base, name: `depth ${depth}, width 256`, depth, width: 256 };
    const ms = timeStep(w);
    lines.push(`| ${w.name} | ${fmt(ms, 2)} | ${fmt(stepFlops(w) / ms / 1e6)} |`);
  }
  return lines.join('\n');
}

/** Debian's python3-torch lives in /usr/bin/python3, which a pyenv shim on PATH may shadow. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

function torchPython(): string | null {
  for (const py of PYTHONS) {
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
      return py;
    } catch {
      // not this one
    }
  }
  return null;
}

function hasTorch(): boolean {
  return torchPython() !== null;
}

/** Runs bench/torch_bench.py (same workloads, one thread) and returns its table. */
function torchBench(): string {
  const py = torchPython();
  if (py === null) return "skipped: Debian's python3-torch is not installed (apt-get install python3-torch)";
  const script = fileURLToPath(new URL('../bench/torch_bench.py', import.meta.url));
  return execFileSync(py, [script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } }).trimEnd();
}
