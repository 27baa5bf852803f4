/**
 * `gradflow bench` (`npm run bench`): the speed numbers, all measured in one process with
 * interleaved rounds so that machine drift cancels, reported as medians and ratios.
 *
 * 1. Kernels: the 1024^3 matmul and training steps of W1 (784 -> 20 x 256 tanh -> 10) and W2
 *    (784 -> 8 x 1024 tanh -> 10), batch 128, float32, for gradflow's ts and wasm kernels and
 *    TensorFlow.js's wasm backend (bench/kernels.ts); PyTorch too with --torch when Debian's
 *    python3-torch is installed.
 * 2. Threads: W1, W2 and W1 with batch norm or layer norm (W1-bn, W1-ln) with the wasm kernel
 *    on 2 threads against 1 (model.threads), and against PyTorch on one thread
 *    (bench/threads.ts); the relaxed-SIMD multiply-add kernel too.
 * 3. Instrumentation overhead: the same training run with metrics on at the default cadence
 *    and with metrics off, on 1 thread and on 2; and with metrics.jacobian at step 0 and at every
 *    record (bench/jacobian.ts).
 * 4. Parallel sweeps: a 16-cell sweep with --workers 1 and --workers 2, and where the time
 *    goes (bench/sweep.ts).
 * 5. Scaling: step time against width (64 to 1024) and depth (5 to 50).
 *
 * A step's FLOPs: 6 x batch x sum of fanIn x fanOut (three products a layer, two flops a
 * multiply-add). Timings go in docs/performance.md with the date and machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jacobianBench } from '../bench/jacobian.js';
import { median } from '../bench/w1.js';
import { WORKLOADS, formatBenchTable, gradflowStep, runKernelBench, stepFlops, type Workload } from '../bench/kernels.js';
import { callerTid, idleCoreEstimate, readThreadTimes, threadTimesSince } from '../bench/sched.js';
import { formatSweep, runSweepBench } from '../bench/sweep.js';
import { TORCH_RECORDED, formatThreadsTable, runThreadsBench, type ThreadsRow } from '../bench/threads.js';
import { TORCH_ENV, TORCH_SCRIPT, TorchRounds, torchPython } from '../bench/torch-rounds.js';
import { resolveConfig } from './config/index.js';
import { getKernels } from './net/kernels.js';
import { loadCellData, trainCell } from './train/trainer.js';

export interface BenchCliOptions {
  readonly log: (line: string) => void;
  /** Sections to run (default all): kernels, torch, threads, overhead, jacobian, sweep, scaling. */
  readonly only?: readonly string[];
  readonly torch?: boolean;
  readonly rounds?: number;
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

export async function runBench(opts: BenchCliOptions): Promise<void> {
  const { log } = opts;
  const want = (s: string): boolean => opts.only === undefined || opts.only.includes(s);
  const rounds = opts.rounds ?? 5;
  const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
  log(`gradflow bench — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, Node ${process.version}, load average ${load()}`);
  log('');
  if (want('kernels')) {
    log('## Kernels (single-threaded, float32, median of interleaved rounds)');
    const rows = await runKernelBench({ rounds });
    log(formatBenchTable(rows));
    log('');
  }
  let torch: Record<string, number> | null = null;
  if (want('torch') && opts.torch) {
    log('## PyTorch (same workloads, 1 thread)');
    const table = torchBench();
    log(table);
    torch = torchGflops(table);
    log('');
  } else if (want('torch')) {
    log(hasTorch() ? 'PyTorch: installed; pass --torch to include it.' : "PyTorch: skipped (Debian's python3-torch is not installed).");
    log('');
  }
  if (want('threads')) {
    // With --torch, PyTorch runs inside the rounds too, so the comparison is paired by round.
    const torchRounds = opts.torch ? await TorchRounds.start() : null;
    log(`## Threads (--threads 2 vs 1, wasm kernel${torchRounds === null ? '' : ', and PyTorch on 1 thread'}, medians of ${rounds} interleaved rounds; load average ${load()} before)`);
    let rows: ThreadsRow[];
    try {
      rows = await runThreadsBench({ rounds, threads: [2], tasks: ['W1', 'W2', 'W1-bn', 'W1-ln'], fma: true, torch: torchRounds });
    } finally {
      torchRounds?.close();
    }
    const pt = torch ?? TORCH_RECORDED;
    log(formatThreadsTable(rows, pt, torch === null ? 'as recorded in docs/performance.md' : 'measured apart'));
    log(threadsTargets(rows, pt));
    log(`(load average ${load()} after: two threads need two idle cores to show their speed-up)`);
    log('');
  }
  if (want('overhead')) {
    log('## Instrumentation overhead (metrics at the default cadence vs off)');
    log(await overheadBench(rounds));
    log('');
  }
  if (want('jacobian')) {
    log('## Jacobian spectra (metrics.jacobian; off by default)');
    log(await jacobianBench(rounds));
    log('');
  }
  if (want('sweep')) {
    log(`## Parallel sweep (16 cells; load average ${load()} before)`);
    log(formatSweep(await runSweepBench({ rounds: Math.max(1, Math.ceil(rounds / 2)) })));
    log(`target: >= 1.85x (load average ${load()} after)`);
    log('');
  }
  if (want('scaling')) {
    log('## Step time against width and depth (wasm kernel, batch 128, tanh)');
    log(scalingBench());
  }
}

/** The targets of the threads rows: W2 >= 1.7x, W1 >= 1.5x, W1 on 2 threads >= PyTorch on 1. */
function threadsTargets(rows: readonly ThreadsRow[], torch: Readonly<Record<string, number>>): string {
  const pt = torch.W1 ?? NaN;
  const ok = (b: boolean): string => (b ? 'met' : 'not met');
  const lines = ['targets (wall clock / idle-core estimate):'];
  for (const [task, floor] of [['W2', 1.7], ['W1', 1.5]] as const) {
    const r = rows.find((x) => x.task === task);
    if (r === undefined) continue;
    const wall = r.ms['1 thread'] / r.ms['2 threads'];
    const est = r.idleMs['1 thread'] / r.idleMs['2 threads'];
    lines.push(`  ${task} 2 threads vs 1 >= ${fmt(floor, 2)}x: ${fmt(wall, 2)}x / ${fmt(est, 2)}x, ${ok(wall >= floor)} / ${ok(est >= floor)}`);
  }
  const w1 = rows.find((x) => x.task === 'W1');
  if (w1?.torch !== undefined) {
    const wall = w1.torch.paired['2 threads'];
    const est = w1.torch.pairedIdle['2 threads'];
    lines.push(`  W1 on 2 threads >= PyTorch on 1 (${fmt(w1.flops / w1.torch.ms / 1e6)} GFLOP/s, in the same rounds): ${fmt(wall, 2)}x / ${fmt(est, 2)}x (median of the rounds' ratios), ${ok(wall >= 1)} / ${ok(est >= 1)}`);
  } else if (w1 !== undefined) {
    const wall = w1.flops / w1.ms['2 threads'] / 1e6;
    const est = w1.flops / w1.idleMs['2 threads'] / 1e6;
    lines.push(`  W1 on 2 threads >= PyTorch on 1 (${fmt(pt)} GFLOP/s): ${fmt(wall)} / ${fmt(est)} GFLOP/s, ${ok(wall >= pt)} / ${ok(est >= pt)}`);
  }
  return lines.join('\n');
}

/** Config of a mid-sized instrumented training run (spirals, 10 x 128 tanh, batch 128, 1000 steps). */
function overheadConfig(enabled: boolean, threads: number): Record<string, unknown> {
  return {
    name: 'bench-overhead',
    seed: 0,
    data: { kind: 'spirals', samples: 4000 },
    model: { depth: 10, width: 128, activation: 'tanh', init: 'glorot_normal', threads },
    // Evaluation is part of the recipe, not of the instruments: the same in both runs.
    train: { steps: 1000, batchSize: 128, lr: 0.05, evalEvery: 500 },
    metrics: { enabled },
  };
}

async function overheadBench(rounds: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-bench-'));
  try {
    const keys = ['off 1', 'on 1', 'off 2', 'on 2'] as const;
    const configs = Object.fromEntries(keys.map((k) => [k, resolveConfig(overheadConfig(k.startsWith('on'), Number(k.slice(-1))))]));
    const data = loadCellData(configs['on 1'], dir);
    const times: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
    const idle: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
    const cpu: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
    const caller = callerTid();
    for (let r = 0; r < rounds; r++) {
      for (const key of r % 2 === 0 ? keys : [...keys].reverse()) {
        const before = readThreadTimes();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await trainCell(configs[key], { dir: join(dir, `${key.replace(' ', '-')}-${r}`), baseDir: dir, data });
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        const after = readThreadTimes();
        times[key].push(wall);
        idle[key].push(idleCoreEstimate(wall, before && after && threadTimesSince(before, after), caller, key.endsWith('2')));
        cpu[key].push((c.user + c.system) / 1000);
      }
    }
    const over = (xs: Record<string, number[]>, t: number): string => fmt(100 * (median(xs[`on ${t}`]) / median(xs[`off ${t}`]) - 1));
    // Each round's on / off: the two runs of a round are minutes closer than the medians' runs,
    // so a slow spell of a shared machine (another tenant on the core's sibling) hits both.
    const paired = (t: number): string => fmt(100 * (median(times[`on ${t}`].map((v, r) => v / times[`off ${t}`][r])) - 1));
    const on = configs['on 1'];
    const lines = [`run: spirals, 10 x 128 tanh, batch 128, 1000 steps, probe ${on.metrics.probe}, every ${on.metrics.every}, histograms every ${on.metrics.histogramsEvery}`];
    for (const t of [1, 2]) {
      const m = (xs: Record<string, number[]>, k: string): string => fmt(median(xs[`${k} ${t}`]));
      lines.push(`--threads ${t}: wall: metrics off ${m(times, 'off')} ms, on ${m(times, 'on')} ms, overhead ${over(times, t)}% (paired by round: ${paired(t)}%); ` +
        `on idle cores (estimate): off ${m(idle, 'off')} ms, on ${m(idle, 'on')} ms, overhead ${over(idle, t)}%; ` +
        `process CPU time: off ${m(cpu, 'off')} ms, on ${m(cpu, 'on')} ms, overhead ${over(cpu, t)}%`);
    }
    lines.push(`(medians of ${rounds} interleaved rounds; read the estimate on a shared machine; target: overhead <= 10%, with threads on too)`);
    return lines.join('\n');
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

function hasTorch(): boolean {
  return torchPython() !== null;
}

/** GFLOP/s by task from bench/torch_bench.py's table (`| task | contender | ms | GFLOP/s |`). */
function torchGflops(table: string): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const g = Number(cells[4]);
    if (cells.length >= 6 && cells[2].startsWith('pytorch') && Number.isFinite(g)) out[cells[1]] = g;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** Runs bench/torch_bench.py (same workloads, one thread) and returns its table. */
function torchBench(): string {
  const py = torchPython();
  if (py === null) return "skipped: Debian's python3-torch is not installed (apt-get install python3-torch)";
  const table = execFileSync(py, [TORCH_SCRIPT], { encoding: 'utf8', env: { ...process.env, ...TORCH_ENV } }).trimEnd();
  const matmul = torchGflops(table)?.['matmul 1024^3'];
  // Debian's torch multiplies through libblas.so.3: the reference BLAS (2-4 GFLOP/s here) unless
  // an optimised one such as libopenblas0-pthread is installed (~95 GFLOP/s on one thread here).
  return matmul !== undefined && matmul < TORCH_SLOW_BLAS_GFLOPS ? `${table}\nwarning: PyTorch's 1024^3 product ran at ${matmul} GFLOP/s: its libblas.so.3 is the reference BLAS, not a comparison point (apt-get install libopenblas0-pthread)` : table;
}

/** Below this, PyTorch's 1024^3 product is not using an optimised BLAS. */
const TORCH_SLOW_BLAS_GFLOPS = 15;
