/**
 * Parallel sweep benchmark: the bench's 16-cell sweep with `--workers 1` and `--workers 2`,
 * and where the time goes. Each cell's span is read back from its files (summary.json's
 * timeSec and the time it was written), so the breakdown needs no hook in the run command:
 *
 *   wall(2) = [sum of cell times(2) + start-up + hand-offs + tail] / 2
 *
 * where start-up is the time before each worker's first cell, hand-offs the gaps between a
 * worker's cells, and tail the time a worker sits idle at the end while the other finishes.
 * Against --workers 1 the speed-up loses to those idle times and to cells running slower two
 * at a time (shared caches and memory bandwidth, the main thread's own work, other jobs).
 *
 * On a machine shared with other jobs the wall clock mostly measures the load, so each run also
 * gives an estimate of its time on idle cores (bench/sched.ts): the wall time less the time the
 * thread that trains (the main thread with one worker; the busiest worker thread with several)
 * spent runnable but waiting for a core.
 *
 *   npx tsx bench/sweep.ts [--rounds 3] [--reports]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepare, runPrepared } from '../src/train/run.js';
import { workerEntry } from '../src/train/worker-bundle.js';
import { callerTid, readThreadTimes, threadTimesSince } from './sched.js';
import { median } from './w1.js';

/** 16 cells of ~1 s each (relu, tanh, elu, sigmoid x depth 4 to 10, moons, 1500 steps). */
export const SWEEP_CONFIG = {
  name: 'bench-sweep',
  seed: 0,
  data: { kind: 'moons', samples: 2000 },
  model: { depth: 6, width: 64, init: 'he_normal' },
  // Cells of ~1 s each, so worker start-up is a part of what is measured, not all of it.
  train: { steps: 1500, batchSize: 64, lr: 0.05 },
  sweep: { 'model.activation': ['relu', 'tanh', 'elu', 'sigmoid'], 'model.depth': [4, 6, 8, 10] },
} as const;

export interface SweepTiming {
  readonly workers: number;
  /** Wall time of runPrepared, ms. */
  readonly wall: number;
  /** Wall time less the training threads' waits for a core (the slowest of them), ms. */
  readonly idle: number;
  /** CPU time of the whole process (every thread), ms: the work, whatever the load. */
  readonly cpu: number;
  /** CPU time of the main thread, ms (with several workers: messages, index writes; NaN without /proc). */
  readonly mainCpu: number;
  /** Sum of the cells' own times (summary.json timeSec), ms. */
  readonly cells: number;
  /** Before each worker's first cell, summed over workers, ms. */
  readonly startup: number;
  /** Gaps between consecutive cells of one worker, summed, ms. */
  readonly handoff: number;
  /** After each worker's last cell until the run ends, summed, ms. */
  readonly tail: number;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** Each cell's [start, end] in ms after `t0` (performance.timeOrigin-based), from its summary.json. */
function cellSpans(expDir: string, t0: number): Span[] {
  const spans: Span[] = [];
  for (const d of readdirSync(expDir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const file = join(expDir, d.name, 'summary.json');
    const end = statSync(file).mtimeMs - (performance.timeOrigin + t0);
    const timeSec = (JSON.parse(readFileSync(file, 'utf8')) as { timeSec: number }).timeSec;
    spans.push({ start: end - timeSec * 1000, end });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * Assigns spans to `lanes` workers and sums the idle times: a cell goes to a lane not used yet
 * while there is one (its start counts as start-up), else to the lane that freed last before it
 * started (the end times and timeSec are rounded to a few ms, so "before" is up to 50 ms late).
 */
function breakdown(spans: readonly Span[], lanes: number, wall: number): Omit<SweepTiming, 'workers' | 'wall' | 'idle' | 'cpu' | 'mainCpu'> {
  const last: number[] = [];
  let startup = 0;
  let handoff = 0;
  for (const s of spans) {
    const free = last.map((e, l) => [e, l]).filter(([e]) => e <= s.start + 50);
    if (last.length < lanes && free.length === 0) {
      startup += Math.max(0, s.start);
      last.push(s.end);
      continue;
    }
    // The lane that freed last before the start, or failing that the one that frees first.
    const pick = free.length > 0 ? free.reduce((a, b) => (b[0] > a[0] ? b : a))[1] : last.indexOf(Math.min(...last));
    handoff += Math.max(0, s.start - last[pick]);
    last[pick] = s.end;
  }
  while (last.length < lanes) last.push(0);
  const tail = last.reduce((t, e) => t + Math.max(0, wall - e), 0);
  return { cells: spans.reduce((t, s) => t + (s.end - s.start), 0), startup, handoff, tail };
}

/** Runs the sweep once with `workers` workers in a fresh folder under `dir`. */
export async function timeSweep(dir: string, workers: number, reports = false): Promise<SweepTiming> {
  const file = join(dir, 'sweep.json');
  writeFileSync(file, JSON.stringify(SWEEP_CONFIG));
  const out = mkdtempSync(join(dir, `w${workers}-`));
  const experiments = prepare([file], { out, set: [], workers });
  const caller = callerTid();
  const before = readThreadTimes();
  // Worker threads end with the run, and their times with them: keep the last reading of each.
  const latest = new Map(before ?? []);
  const poll = setInterval(() => {
    for (const [tid, t] of readThreadTimes() ?? []) latest.set(tid, t);
  }, 50);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await runPrepared(experiments, { out, set: [], quiet: true, reports, log: () => {}, workers });
  } finally {
    clearInterval(poll);
  }
  const wall = performance.now() - t0;
  const used = process.cpuUsage(c0);
  const cpu = (used.user + used.system) / 1000;
  for (const [tid, t] of readThreadTimes() ?? []) latest.set(tid, t);
  const after = before === null ? null : latest;
  let idle = wall;
  let mainCpu = NaN;
  if (before !== null && after !== null && caller !== null) {
    const times = threadTimesSince(before, after);
    mainCpu = times.get(caller)?.cpu ?? NaN;
    // The training threads: the caller inline, else the `workers` threads that used most CPU.
    const trainers = workers === 1 ? [times.get(caller)] : [...times.entries()].filter(([t]) => t !== caller).map(([, v]) => v).sort((a, b) => b.cpu - a.cpu).slice(0, workers);
    idle = Math.max(...trainers.map((t) => wall - (t?.runQueue ?? 0)));
  }
  const spans = cellSpans(join(out, SWEEP_CONFIG.name), t0);
  return { workers, wall, idle, cpu, mainCpu, ...breakdown(spans, workers, wall) };
}

/** `rounds` interleaved pairs of --workers 1 and 2; the medians of each quantity. */
export interface SweepResult {
  readonly one: SweepTiming;
  readonly two: SweepTiming;
  /** --workers 1 / --workers 2 of each round, by the wall clock and by the idle-core estimate. */
  readonly ratios: readonly number[];
  readonly idleRatios: readonly number[];
}

export async function runSweepBench(opts: { rounds?: number; reports?: boolean; log?: (line: string) => void } = {}): Promise<SweepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-bench-'));
  const rounds = opts.rounds ?? 3;
  const runs: Record<number, SweepTiming[]> = { 1: [], 2: [] };
  const ratios: number[] = [];
  const idleRatios: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const pair: SweepTiming[] = [];
      for (const w of r % 2 === 0 ? [1, 2] : [2, 1]) {
        const t = await timeSweep(dir, w, opts.reports);
        runs[w].push(t);
        pair[w] = t;
      }
      ratios.push(pair[1].wall / pair[2].wall);
      idleRatios.push(pair[1].idle / pair[2].idle);
      opts.log?.(`sweep round ${r + 1}/${rounds}: --workers 1 ${(pair[1].wall / 1000).toFixed(2)} s (idle cores ${(pair[1].idle / 1000).toFixed(2)}), 2 ${(pair[2].wall / 1000).toFixed(2)} s (${(pair[2].idle / 1000).toFixed(2)}) (load ${loadavg()[0].toFixed(2)})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (w: number): SweepTiming => {
    const xs = runs[w];
    const m = (f: (t: SweepTiming) => number): number => median(xs.map(f));
    return { workers: w, wall: m((t) => t.wall), idle: m((t) => t.idle), cpu: m((t) => t.cpu), mainCpu: m((t) => t.mainCpu), cells: m((t) => t.cells), startup: m((t) => t.startup), handoff: m((t) => t.handoff), tail: m((t) => t.tail) };
  };
  return { one: med(1), two: med(2), ratios, idleRatios };
}

const s = (ms: number): string => (ms / 1000).toFixed(2);

/** The speed-up and where --workers 2 loses against a perfect 2x, as text. */
/** Where the pool's workers start from: the bundle, or (stale or missing) the sources through tsx, ~0.3 s slower a worker. */
function workerStart(): string {
  return workerEntry().pathname.endsWith('/worker.mjs') ? 'the bundle (build/train/worker.mjs)' : 'the sources through tsx (the bundle is stale or missing: npm run build)';
}

export function formatSweep({ one, two, ratios, idleRatios }: SweepResult): string {
  const ideal = one.wall / 2;
  const lost = two.wall - ideal;
  const pct = (ms: number): string => `${((100 * ms) / two.wall).toFixed(1)}%`;
  const slower = (two.cells - one.cells) / 2;
  return [
    `--workers 1: ${s(one.wall)} s   --workers 2: ${s(two.wall)} s   speed-up: ${(one.wall / two.wall).toFixed(2)}x (median of ${ratios.length} paired ratios: ${median(ratios).toFixed(2)}x)`,
    `on idle cores (estimate): --workers 1: ${s(one.idle)} s   --workers 2: ${s(two.idle)} s   speed-up: ${(one.idle / two.idle).toFixed(2)}x (paired: ${median(idleRatios).toFixed(2)}x)`,
    `CPU time of the process: --workers 1: ${s(one.cpu)} s   --workers 2: ${s(two.cpu)} s (+${s(two.cpu - one.cpu)} s, of which the main thread ${s(two.mainCpu)} s;`,
    `  the rest: worker start-up, a second isolate's JIT warm-up, cells slower side by side); CPU alone bounds the speed-up to ${(2 * one.cpu / two.cpu).toFixed(2)}x`,
    `where --workers 2 spends its ${s(two.wall)} s beyond the ideal ${s(ideal)} s (${s(lost)} s, ${pct(lost)} of its wall time):`,
    `  cells run slower two at a time: sum of cell times ${s(one.cells)} s -> ${s(two.cells)} s, ${s(slower)} s of wall`,
    `  worker start-up (before each worker's first cell): ${s(two.startup / 2)} s of wall; workers start from ${workerStart()}`,
    `  hand-offs between cells: ${s(two.handoff / 2)} s of wall`,
    `  tail (a worker idle while the other finishes): ${s(two.tail / 2)} s of wall`,
    `  less what --workers 1 spends outside its cells (index writes, scheduling): -${s((one.wall - one.cells) / 2)} s`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const rounds = argv.includes('--rounds') ? Number(argv[argv.indexOf('--rounds') + 1]) : 3;
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const r = await runSweepBench({ rounds, reports: argv.includes('--reports'), log: (l) => console.error(l) });
  console.log(formatSweep(r));
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  process.exit(0);
}
