/**
 * Where a training step goes, pass by pass: the W1 or W2 step of bench/kernels.ts on the wasm
 * kernel's fused paths (gradflowFusedStep), each call timed.
 * Prints, per pass, the least time a step spent in it over `--steps` steps (the least: on a
 * shared machine a slow minute only ever adds), their sum, the step's 10th, 50th and 90th
 * percentiles, and with threads where each thread's time went (ThreadTeam.profile).
 *
 *   npx tsx bench/passes.ts [--task W1|W2] [--threads 1] [--steps 300]
 */
import { pathToFileURL } from 'node:url';
import { createWasmKernels } from '../src/net/kernels-wasm.js';
import { WORKLOADS, gradflowFusedStep } from './kernels.js';
import { formatProfile } from './threads.js';

export interface PassTimes {
  /** Least ms a step spent in each pass, by pass name, in the order the step runs them. */
  readonly least: Readonly<Record<string, number>>;
  /** Step ms at the 10th, 50th and 90th percentile. */
  readonly quantiles: readonly [number, number, number];
  readonly profile: string | null;
}

export function timePasses(task: 'W1' | 'W2', threads: number, steps: number): PassTimes {
  const kernels = createWasmKernels({ threads, tuning: { profile: true } });
  if (kernels === null) throw new Error('bench: the wasm kernel does not load; run npm run build:wasm');
  const spent: Record<string, number> = {};
  const step = gradflowFusedStep(kernels, WORKLOADS[task], (pass, call) => {
    const t0 = performance.now();
    call();
    spent[pass] = (spent[pass] ?? 0) + performance.now() - t0;
  });
  for (let i = 0; i < 10; i++) step.run();
  kernels.threadProfile(true);
  const least: Record<string, number> = {};
  const stepMs: number[] = [];
  for (let s = 0; s < steps; s++) {
    for (const k of Object.keys(spent)) spent[k] = 0;
    const t0 = performance.now();
    step.run();
    stepMs.push(performance.now() - t0);
    for (const [k, v] of Object.entries(spent)) least[k] = Math.min(least[k] ?? Infinity, v);
  }
  stepMs.sort((a, b) => a - b);
  const q = (f: number): number => stepMs[Math.floor(f * (stepMs.length - 1))];
  const prof = kernels.threadProfile(true);
  return { least, quantiles: [q(0.1), q(0.5), q(0.9)], profile: prof === null ? null : formatProfile(`${task}, ${threads} threads`, prof, steps) };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const task = arg('task', 'W1');
  if (task !== 'W1' && task !== 'W2') throw new Error(`bench/passes.ts: --task must be W1 or W2, got ${task}`);
  const threads = Number(arg('threads', '1'));
  const r = timePasses(task, threads, Number(arg('steps', '300')));
  const sum = Object.values(r.least).reduce((a, b) => a + b, 0);
  console.log(`| ${task}, ${threads} thread${threads > 1 ? 's' : ''}: pass | least ms a step | share |`);
  console.log('| --- | ---: | ---: |');
  for (const [k, v] of Object.entries(r.least)) console.log(`| ${k} | ${v.toFixed(3)} | ${((100 * v) / sum).toFixed(1)}% |`);
  console.log(`| sum | ${sum.toFixed(2)} | |`);
  console.log(`step ms, 10th / 50th / 90th percentile: ${r.quantiles.map((x) => x.toFixed(2)).join(' / ')}`);
  if (r.profile !== null) console.log(r.profile);
  process.exit(0);
}
