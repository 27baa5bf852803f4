/**
 * Threads benchmark: one training step of W1 and W2 (and the 1024^3 product) with the wasm
 * kernel on 1 thread and on N threads (model.threads), interleaved in one process, and the
 * ratio of the medians. The bits are the same for every N (test/train/threads.test.ts), so
 * only the time differs.
 *
 *   npx tsx bench/threads.ts [--rounds 9] [--threads 2] [--only matmul,W1,W2,W1-bn,W1-ln] [--fma]
 *                            [--chunks-per-thread 2] [--spin-us 200] [--profile] [--torch]
 *   npx tsx bench/threads.ts --crossover [--rounds 9]
 *
 * --profile: after the table, where each thread of the N-thread kernel spent a step (ms per
 * step): computing chunks, waiting (the caller for the helpers' last chunks, a helper for the
 * next job; how many waits ended asleep), and the calls too small to split.
 *
 * With a TorchRounds (bench/torch-rounds.ts; `gradflow bench --torch`), PyTorch on one thread
 * runs as one more contender in every round, and each row also gives, per kernel, the median
 * over rounds of PyTorch's ms over the kernel's in the same round (paired: both saw the same
 * minute of the machine).
 *
 * --crossover times single calls (a product z = x W^T of a batch of 128, a tanh pass) on one
 * thread and cut in two for a second, at growing sizes (idle-core estimates): where the ratio
 * passes 1 is where kernels-threads.ts starts to cut (CHUNK_MIN_MACS, CHUNK_MIN_*ELEMENTS).
 *
 * Each round times every contender for >= 200 ms, in an order that alternates from round to
 * round, so a drift of the machine's load (shared with other jobs) hits them alike; the
 * ratio is taken of the medians over rounds. N threads need N idle cores to show their
 * speed-up, so beside the wall clock each sample also gives an estimate of its time on idle
 * cores from the threads' run-queue times (bench/sched.ts); on a busy machine read that one,
 * with the load average printed beside it.
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { TeamTuning, ThreadProfile } from '../src/net/kernels-threads.js';
import { createWasmKernels } from '../src/net/kernels-wasm.js';
import { WORKLOADS, gradflowMatmul, gradflowStep, stepFlops, type Runner } from './kernels.js';
import { callerTid, idleCoreEstimate, readThreadTimes, threadTimesSince } from './sched.js';
import { TorchRounds } from './torch-rounds.js';
import { median } from './w1.js';

/**
 * PyTorch 1.13 (Debian's python3-torch, OpenBLAS), one thread, on this machine's workloads,
 * GFLOP/s as docs/performance.md records them (2026-11-28): the comparison when `--torch` is
 * not given or PyTorch is not installed.
 */
export const TORCH_RECORDED: Readonly<Record<string, number>> = { 'matmul 1024^3': 87.4, W1: 47.2, W2: 69.3 };

export interface ThreadsRow {
  readonly task: string;
  readonly flops: number;
  /** Median ms per step (or product) by contender label: "1 thread", "2 threads", ... */
  readonly ms: Readonly<Record<string, number>>;
  /** Median of the idle-core estimates (bench/sched.ts), same labels. */
  readonly idleMs: Readonly<Record<string, number>>;
  /** With PyTorch in the rounds: its median ms per step, and per label the median over rounds of torch ms / kernel ms (wall, estimate). */
  readonly torch?: {
    readonly ms: number;
    readonly paired: Readonly<Record<string, number>>;
    readonly pairedIdle: Readonly<Record<string, number>>;
  };
}

export interface ThreadsOptions {
  readonly rounds?: number;
  /** Thread counts to compare with 1 (default [2]). */
  readonly threads?: readonly number[];
  readonly tasks?: readonly string[];
  /** Also time the relaxed-SIMD multiply-add kernel (machine-dependent bits). */
  readonly fma?: boolean;
  /** How the N-thread kernels cut their work (default: kernels-threads.ts's constants). */
  readonly tuning?: TeamTuning;
  /** Count where each thread's time goes (ThreadTeam.profile) and log it per task. */
  readonly profile?: boolean;
  /** PyTorch on one thread as one more contender in each round. */
  readonly torch?: TorchRounds | null;
  readonly log?: (line: string) => void;
}

/** Repeats `run` for at least minMs (and at least once): the repetitions and the ms they took. */
function repeat(run: () => void, minMs: number): { reps: number; ms: number } {
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (reps === 0 || t - t0 < minMs) {
    run();
    reps++;
    t = performance.now();
  }
  return { reps, ms: t - t0 };
}

/** Mean ms of `run` over >= minMs of repetitions. */
export function sample(run: () => void, minMs = 200): number {
  const { reps, ms } = repeat(run, minMs);
  return ms / reps;
}

/** Wall ms per run of `run` over >= minMs, and its idle-core estimate (the wall where /proc is missing). */
export function sampleWithEstimate(run: () => void, helpers: boolean, minMs = 200): { wall: number; idle: number } {
  const caller = callerTid();
  const before = readThreadTimes();
  const { reps, ms } = repeat(run, minMs);
  const after = readThreadTimes();
  const times = before === null || after === null ? null : threadTimesSince(before, after);
  return { wall: ms / reps, idle: idleCoreEstimate(ms, times, caller, helpers) / reps };
}

const label = (threads: number, fma = false): string => `${threads} thread${threads > 1 ? 's' : ''}${fma ? ', fma' : ''}`;

export async function runThreadsBench(opts: ThreadsOptions = {}): Promise<ThreadsRow[]> {
  const rounds = opts.rounds ?? 7;
  const counts = [1, ...(opts.threads ?? [2])];
  const tasks = opts.tasks ?? ['W1', 'W2'];
  const log = opts.log ?? (() => {});
  const tuning: TeamTuning = { ...opts.tuning, profile: opts.profile === true };
  const kernels = counts.map((t) => ({ name: label(t), threads: t, k: createWasmKernels({ threads: t, tuning }) }));
  if (opts.fma) for (const t of counts) kernels.push({ name: label(t, true), threads: t, k: createWasmKernels({ threads: t, fma: true, tuning }) });
  for (const { name, k } of kernels) if (k === null) throw new Error(`bench: the ${name} kernel does not load; run npm run build:wasm`);
  const rows: ThreadsRow[] = [];
  for (const task of tasks) {
    const runners: Runner[] = kernels.map(({ name, k }) =>
      task === 'matmul' ? gradflowMatmul(k!, 1024, name) : gradflowStep(k!, WORKLOADS[task as keyof typeof WORKLOADS], name));
    const flops = task === 'matmul' ? 2 * 1024 ** 3 : stepFlops(WORKLOADS[task as keyof typeof WORKLOADS]);
    for (const r of runners) for (let i = 0; i < 3; i++) r.run();
    const steps = runners.map(() => 0);
    const profiles: (ThreadProfile[] | null)[] = runners.map(() => null);
    const samples = runners.map(() => [] as number[]);
    const idle = runners.map(() => [] as number[]);
    const torch = opts.torch ?? null;
    const torchMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Contender runners.length is PyTorch, when it runs.
      const order = [...runners.keys(), ...(torch === null ? [] : [runners.length])];
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        if (i === runners.length) {
          torchMs.push(await torch!.round(task, 200));
          continue;
        }
        kernels[i].k!.threadProfile(true);
        const r = sampleWithEstimate(() => {
          runners[i].run();
          steps[i]++;
        }, kernels[i].threads > 1);
        profiles[i] = addProfiles(profiles[i], kernels[i].k!.threadProfile(true));
        samples[i].push(r.wall);
        idle[i].push(r.idle);
      }
      const pt = torch === null ? '' : `, PyTorch 1 thread ${torchMs[round].toFixed(2)} ms`;
      log(`${task} round ${round + 1}/${rounds}: ${runners.map((r, i) => `${r.contender} ${samples[i][round].toFixed(2)} ms (idle cores ${idle[i][round].toFixed(2)})`).join(', ')}${pt} (load ${loadavg()[0].toFixed(2)})`);
    }
    if (opts.profile) {
      kernels.forEach(({ name }, i) => {
        const p = profiles[i];
        if (p !== null) log(formatProfile(`${task}, ${name}`, p, steps[i]));
      });
    }
    rows.push({
      task: task === 'matmul' ? 'matmul 1024^3' : task,
      flops,
      ms: Object.fromEntries(runners.map((r, i) => [r.contender, median(samples[i])])),
      idleMs: Object.fromEntries(runners.map((r, i) => [r.contender, median(idle[i])])),
      torch: torch === null ? undefined : {
        ms: median(torchMs),
        paired: Object.fromEntries(runners.map((r, i) => [r.contender, median(torchMs.map((t, k) => t / samples[i][k]))])),
        pairedIdle: Object.fromEntries(runners.map((r, i) => [r.contender, median(torchMs.map((t, k) => t / idle[i][k]))])),
      },
    });
  }
  return rows;
}

/** Thread by thread, field by field, the sum of two profiles (null: none yet). */
function addProfiles(a: readonly ThreadProfile[] | null, b: readonly ThreadProfile[] | null): ThreadProfile[] | null {
  if (b === null) return a === null ? null : [...a];
  if (a === null) return [...b];
  return b.map((t, i) => ({
    computeMs: t.computeMs + a[i].computeMs, chunks: t.chunks + a[i].chunks, waitMs: t.waitMs + a[i].waitMs,
    sleeps: t.sleeps + a[i].sleeps, jobs: t.jobs + a[i].jobs, aloneCalls: t.aloneCalls + a[i].aloneCalls, aloneMs: t.aloneMs + a[i].aloneMs,
  }));
}

/** One line per thread: ms per step computing, waiting, alone (see --profile). */
export function formatProfile(what: string, p: readonly ThreadProfile[], steps: number): string {
  const f = (x: number): string => (x / steps).toFixed(2);
  const lines = [`${what}: per step (${steps} steps)`];
  p.forEach((t, i) => {
    const who = i === 0 ? 'caller' : `helper ${i}`;
    const alone = i === 0 ? `; alone (too small to split): ${f(t.aloneCalls)} calls, ${f(t.aloneMs)} ms` : '';
    lines.push(`  ${who}: chunks ${f(t.computeMs)} ms (${f(t.chunks)} of ${f(t.jobs)} jobs), waiting ${f(t.waitMs)} ms (${f(t.sleeps)} asleep)${alone}`);
  });
  return lines.join('\n');
}

/**
 * The table: per task and contender, by the wall clock and by the idle-core estimate: ms,
 * GFLOP/s and the speed-up over 1 thread, and the speed against PyTorch on one thread: paired
 * round by round when PyTorch ran in the rounds (row.torch), else against `torch` (GFLOP/s by
 * task, recorded or measured apart).
 */
export function formatThreadsTable(rows: readonly ThreadsRow[], torch: Readonly<Record<string, number>>, torchNote: string): string {
  const paired = rows.some((r) => r.torch !== undefined);
  const out = [
    `| task | kernel | wall ms/step | wall GFLOP/s | wall x 1 thread | idle-core est. ms/step | est. GFLOP/s | est. x 1 thread | x PyTorch 1 thread, wall / est. (${paired ? 'paired by round' : torchNote}) |`,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const base = r.ms['1 thread'];
    const baseIdle = r.idleMs['1 thread'];
    for (const [name, ms] of Object.entries(r.ms)) {
      const est = r.idleMs[name];
      const gflops = r.flops / est / 1e6;
      const pt = torch[r.task];
      const vs = r.torch !== undefined ? `${r.torch.paired[name].toFixed(2)} / ${r.torch.pairedIdle[name].toFixed(2)}`
        : pt === undefined ? '-' : `${(r.flops / ms / 1e6 / pt).toFixed(2)} / ${(gflops / pt).toFixed(2)}`;
      out.push(`| ${r.task} | wasm, ${name} | ${ms.toFixed(2)} | ${(r.flops / ms / 1e6).toFixed(1)} | ${(base / ms).toFixed(2)} | ` +
        `${est.toFixed(2)} | ${gflops.toFixed(1)} | ${(baseIdle / est).toFixed(2)} | ${vs} |`);
    }
    if (r.torch !== undefined) {
      out.push(`| ${r.task} | PyTorch, 1 thread | ${r.torch.ms.toFixed(2)} | ${(r.flops / r.torch.ms / 1e6).toFixed(1)} | - | - | - | - | 1 |`);
    }
  }
  return out.join('\n');
}

/**
 * Per-call time on 1 thread and on 2 (always cut in two chunks), by size: z = x W^T with
 * x [128, s], W [s, s] and a tanh pass over 128 s elements, s = 16 ... 512.
 */
export function runCrossover(rounds: number, log: (line: string) => void = () => {}): string {
  const one = createWasmKernels({ threads: 1 });
  const two = createWasmKernels({ threads: 2, tuning: { chunkMinMacs: 1, chunkMinElements: 8, chunkMinCostlyElements: 8, chunksPerThread: 1 } });
  if (one === null || two === null) throw new Error('bench: the wasm kernels do not load; run npm run build:wasm');
  const lines = [
    '| s | MACs of x W^T | 1 thread us | 2 threads us | x | tanh elements | 1 thread us | 2 threads us | x |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of [16, 24, 32, 48, 64, 96, 128, 192, 256, 512]) {
    const m = 128;
    const calls = [one, two].map((k) => {
      const [x, W, b, z, a] = k.allocBuffers('float32', [m * s, s * s, s, m * s, m * s]);
      for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
      for (let i = 0; i < W.length; i++) W[i] = Math.cos(i) / s;
      return {
        gemm: () => k.gemmABt(x, W, b, z, m, s, s),
        tanh: () => k.activationForward('tanh', {}, z, a, m * s),
      };
    });
    // Idle-core estimates (bench/sched.ts), so that the table means something on a busy machine.
    const t: number[][] = [[], [], [], []];
    for (let r = 0; r < rounds; r++) {
      t[0].push(sampleWithEstimate(calls[0].gemm, false, 50).idle);
      t[1].push(sampleWithEstimate(calls[1].gemm, true, 50).idle);
      t[2].push(sampleWithEstimate(calls[0].tanh, false, 50).idle);
      t[3].push(sampleWithEstimate(calls[1].tanh, true, 50).idle);
    }
    const us = t.map((x) => median(x) * 1000);
    lines.push(`| ${s} | ${m * s * s} | ${us[0].toFixed(1)} | ${us[1].toFixed(1)} | ${(us[0] / us[1]).toFixed(2)} | ${m * s} | ${us[2].toFixed(1)} | ${us[3].toFixed(1)} | ${(us[2] / us[3]).toFixed(2)} |`);
    log(lines[lines.length - 1]);
  }
  return lines.join('\n');
}

function parseArgs(argv: readonly string[]): ThreadsOptions {
  const opts: { rounds?: number; threads?: number[]; tasks?: string[]; fma?: boolean; profile?: boolean; tuning?: TeamTuning } = {};
  const tune = (t: TeamTuning): void => void (opts.tuning = { ...opts.tuning, ...t });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--threads') opts.threads = argv[++i].split(',').map(Number);
    else if (a === '--only') opts.tasks = argv[++i].split(',');
    else if (a === '--fma') opts.fma = true;
    else if (a === '--profile') opts.profile = true;
    else if (a === '--chunks-per-thread') tune({ chunksPerThread: Number(argv[++i]) });
    else if (a === '--spin-us') tune({ spinUs: Number(argv[++i]) });
    else if (a === '--crossover' || a === '--torch') continue;
    else throw new Error(`bench/threads.ts: unknown argument ${a}`);
  }
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = parseArgs(process.argv.slice(2));
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (process.argv.includes('--crossover')) {
    console.log(runCrossover(opts.rounds ?? 7));
  } else {
    const torch = process.argv.includes('--torch') ? await TorchRounds.start() : null;
    if (process.argv.includes('--torch') && torch === null) console.log("PyTorch: skipped (Debian's python3-torch is not installed)");
    try {
      const rows = await runThreadsBench({ ...opts, torch, log: (s) => console.error(s) });
      console.log(formatThreadsTable(rows, TORCH_RECORDED, 'recorded'));
    } finally {
      torch?.close();
    }
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  process.exit(0);
}
