/**
 * `gradflow check`: metric regression against committed baselines.
 *
 * `results/baselines/<experiment>.json` holds, for each cell of a baseline experiment
 * (`experiments/configs/baseline-*.json`), the key metrics of its summary.json with a tolerance
 * per metric and the machine and version that produced them. `runCheck` reruns the experiments,
 * prints every metric that moved (baseline, now, tolerance) and resolves to 1 when one moved
 * beyond its tolerance (or a cell or metric appeared or vanished), else 0; with `update` it
 * rewrites the baselines from the fresh runs instead.
 *
 * Tolerances: statuses, step counts, flags and counts (dead units, dead and saturated fractions,
 * accuracies: all ratios of integer counts) are exact. Floats are relative, 1e-9: a run is
 * bit-identical on the same machine (seeded streams, fixed summation order) and, in practice,
 * on any x86-64 machine with the same Node major (V8's Math functions are fdlibm ports, typed
 * arrays round by IEEE 754); 1e-9 absorbs a last-bit difference in a float64 reduction and
 * nothing more, while any change to an activation, a kernel or an optimizer moves a float32
 * run by 1e-7 or more relative.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { arch, cpus, platform, release } from 'node:os';
import { availableParallelism } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LayerRecord, Summary } from '../results/types.js';
import { writeFileAtomic } from '../results/write.js';
import { REPO_ROOT } from './load.js';
import { trainConfigs } from './runner.js';
import { readArm, type Cell } from './runs.js';
import { CHECK } from './text.js';

export const BASELINES_DIR = join(REPO_ROOT, 'results', 'baselines');
export const BASELINE_CONFIGS_DIR = join(REPO_ROOT, 'experiments', 'configs');

export type Value = number | string | boolean | null;
export type Tolerance = 'exact' | { readonly relative: number };

/** Relative tolerance of every float metric (see the module comment). */
export const FLOAT_TOLERANCE = 1e-9;

/** Metrics compared exactly (by name without the layer index); every other metric is a float. */
const EXACT = new Set([
  'status', 'steps', 'trainAcc', 'testAcc', 'bornDead',
  'initial.deadUnits', 'final.deadUnits', 'initial.deadFraction', 'final.deadFraction',
  'initial.saturatedFraction', 'final.saturatedFraction', 'initial.zeroFraction', 'final.zeroFraction',
]);

/** Per-layer fields guarded at step 0 and at the end, hidden layers only (they are statistics of the activation). */
const HIDDEN_FIELDS = ['deadFraction', 'saturatedFraction', 'zeroFraction', 'actMean', 'actStd', 'actMaxAbs', 'updateRatio'] as const satisfies readonly (keyof LayerRecord)[];

export const TOLERANCE_NOTE =
  'exact: statuses, step counts, flags and ratios of integer counts (accuracies, dead and saturated fractions); ' +
  `relative ${FLOAT_TOLERANCE} for floats: runs are bit-identical on one machine and across x86-64 machines with the same Node major, ` +
  'so the slack covers only a last-bit difference in a float64 reduction.';

export interface BaselineFile {
  readonly experiment: string;
  /** The config, relative to the repository root. */
  readonly config: string;
  readonly producedBy: { readonly gradflow: string; readonly node: string; readonly os: string; readonly cpu: string };
  readonly toleranceNote: string;
  /** Metric name (layer index dropped: "initial.gradNorm") -> tolerance. */
  readonly tolerances: Readonly<Record<string, Tolerance>>;
  /** Cell id -> metric key ("initial.gradNorm[2]") -> value. */
  readonly cells: Readonly<Record<string, Readonly<Record<string, Value>>>>;
}

/** "initial.gradNorm[2]" -> "initial.gradNorm". */
export const metricName = (key: string): string => key.replace(/\[\d+\]$/, '');

export function toleranceFor(key: string): Tolerance {
  return EXACT.has(metricName(key)) ? 'exact' : { relative: FLOAT_TOLERANCE };
}

const fin = (x: unknown): Value => (typeof x === 'number' ? (Number.isFinite(x) ? x : null) : x === undefined ? null : (x as Value));

interface Point {
  readonly vanishing?: number | null;
  readonly deltaGrowth?: number | null;
  readonly actGrowth?: number | null;
  readonly deadUnits?: number;
  readonly layers: readonly LayerRecord[];
}

/** summary.initial / summary.final with its layers, or null. */
function pointOf(summary: Summary | null, which: 'initial' | 'final'): Point | null {
  const p = summary?.[which];
  return typeof p === 'object' && p !== null && 'layers' in p && Array.isArray(p.layers) ? (p as Point) : null;
}

/**
 * The key metrics of one summary.json: final loss and accuracies; per layer gradNorm and
 * deltaNorm at step 0 and at the end (every layer, the output one included); for the hidden
 * layers the dead, saturated and zero fractions, the activation's mean, std and largest |a|, and
 * the update ratio; the vanishing and growth factors; dead-unit counts; status.
 */
export function keyMetrics(summary: Summary | null, depth: number): Record<string, Value> {
  const out: Record<string, Value> = {
    status: summary?.status ?? 'missing',
    steps: fin(summary?.steps),
    finalLoss: fin(summary?.finalLoss),
    trainAcc: fin(summary?.trainAcc),
    testAcc: fin(summary?.testAcc),
    trainLoss: fin(summary?.trainLoss),
    testLoss: fin(summary?.testLoss),
    bornDead: typeof summary?.bornDead === 'boolean' ? summary.bornDead : null,
  };
  const overTime = Array.isArray(summary?.actRmsGrowthOverTime) ? (summary.actRmsGrowthOverTime as unknown[]).filter((x): x is number => typeof x === 'number') : [];
  out.blowUpOverTime = overTime.length ? Math.max(...overTime) : null;
  for (const w of ['initial', 'final'] as const) {
    const p = pointOf(summary, w);
    out[`${w}.vanishing`] = p?.vanishing ?? null;
    out[`${w}.deltaGrowth`] = p?.deltaGrowth ?? null;
    out[`${w}.actGrowth`] = p?.actGrowth ?? null;
    out[`${w}.deadUnits`] = p === null ? null : fin(p.deadUnits);
    for (const l of p?.layers ?? []) {
      out[`${w}.gradNorm[${l.layer}]`] = fin(l.gradNorm);
      out[`${w}.deltaNorm[${l.layer}]`] = fin(l.deltaNorm);
      if (l.layer < depth) for (const f of HIDDEN_FIELDS) out[`${w}.${f}[${l.layer}]`] = fin(l[f]);
    }
  }
  return out;
}

/** One difference between a baseline and now. */
export interface Moved {
  readonly cell: string;
  readonly metric: string;
  readonly baseline: Value | undefined;
  readonly now: Value | undefined;
  readonly tolerance: string;
  /** Beyond tolerance (or appeared/vanished). */
  readonly regression: boolean;
  readonly note: string;
}

function within(a: Value, b: Value, tol: Tolerance): boolean {
  if (a === b) return true;
  if (tol === 'exact' || typeof a !== 'number' || typeof b !== 'number') return false;
  return Math.abs(a - b) <= tol.relative * Math.max(Math.abs(a), Math.abs(b));
}

const tolText = (t: Tolerance): string => (t === 'exact' ? 'exact' : `rel ${t.relative}`);

/** Every metric that differs between a baseline and the fresh metrics of the same experiment. */
export function compareBaseline(base: BaselineFile, now: Readonly<Record<string, Readonly<Record<string, Value>>>>): Moved[] {
  const out: Moved[] = [];
  const exp = base.experiment;
  for (const cell of new Set([...Object.keys(base.cells), ...Object.keys(now)])) {
    const b = base.cells[cell];
    const n = now[cell];
    const label = `${exp}/${cell}`;
    if (b === undefined || n === undefined) {
      out.push({ cell: label, metric: '*', baseline: undefined, now: undefined, tolerance: 'exact', regression: true, note: b === undefined ? CHECK.newCell : CHECK.missingCell });
      continue;
    }
    for (const key of new Set([...Object.keys(b), ...Object.keys(n)])) {
      const tol = base.tolerances[metricName(key)] ?? toleranceFor(key);
      if (!(key in b) || !(key in n)) {
        out.push({ cell: label, metric: key, baseline: b[key], now: n[key], tolerance: tolText(tol), regression: true, note: key in b ? CHECK.missingMetric : CHECK.newMetric });
        continue;
      }
      if (b[key] === n[key]) continue;
      const ok = within(b[key], n[key], tol);
      out.push({ cell: label, metric: key, baseline: b[key], now: n[key], tolerance: tolText(tol), regression: !ok, note: ok ? CHECK.withinTolerance : CHECK.regression });
    }
  }
  return out;
}

/** The moved metrics as an aligned text table. */
export function movedTable(moved: readonly Moved[]): string {
  const show = (v: Value | undefined): string => (v === undefined ? '-' : typeof v === 'number' ? String(v) : JSON.stringify(v));
  const rows = [CHECK.heads as readonly string[], ...moved.map((m) => [m.cell, m.metric, show(m.baseline), show(m.now), m.tolerance, m.note])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function machine(): BaselineFile['producedBy'] {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    // A missing package.json leaves the version unknown; the baseline is still usable.
  }
  return { gradflow: version, node: process.version, os: `${platform()} ${release()} ${arch()}`, cpu: cpus()[0]?.model?.trim() ?? 'unknown' };
}

export interface CheckOptions {
  /** Rewrite the baselines from fresh runs instead of comparing. */
  readonly update?: boolean;
  readonly log?: (line: string) => void;
  /** Cells trained at once; 1 trains on this thread (default: available parallelism). */
  readonly workers?: number;
  /** Baseline experiment names to check (default: all). */
  readonly only?: readonly string[];
  /** Results folder; the runs go to `<out>/check/` (default `results`). */
  readonly out?: string;
  readonly baselinesDir?: string;
  readonly configsDir?: string;
  /** With `update`: write cells that failed or diverged too (otherwise update refuses and exits 1). */
  readonly acceptFailed?: boolean;
}

/** The cell id of a cell read back (`<experiment>/<cell id>`). */
const cellId = (c: Cell): string => c.ref.slice(c.ref.indexOf('/') + 1);

interface Selected {
  readonly names: string[];
  readonly paths: string[];
  readonly baselines: ReadonlyMap<string, BaselineFile>;
}

/**
 * The experiments to rerun: those with a baseline file (check), or with a baseline config too
 * (update), narrowed by `only`; an exit code (after saying why) when that cannot be done.
 */
function selectBaselines(opts: CheckOptions, baseDir: string, configsDir: string, log: (line: string) => void): Selected | number {
  const files = existsSync(baseDir) ? readdirSync(baseDir).filter((f) => f.endsWith('.json')).sort() : [];
  const baselines = new Map<string, BaselineFile>();
  for (const f of files) {
    const b = JSON.parse(readFileSync(join(baseDir, f), 'utf8')) as BaselineFile;
    baselines.set(b.experiment, b);
  }
  const configNames = existsSync(configsDir) ? readdirSync(configsDir).filter((f) => /^baseline-.*\.json$/.test(f)).map((f) => basename(f, '.json')).sort() : [];
  const known = opts.update ? [...new Set([...configNames, ...baselines.keys()])] : [...baselines.keys()];
  if (known.length === 0) {
    log(CHECK.noBaselines(baseDir));
    return 1;
  }
  for (const o of opts.only ?? []) {
    if (!known.includes(o)) {
      log(CHECK.unknownOnly(o, known));
      return 2;
    }
  }
  const names = known.filter((n) => !opts.only?.length || opts.only.includes(n));
  const paths: string[] = [];
  for (const n of names) {
    const rel = baselines.get(n)?.config;
    const path = rel !== undefined && !opts.update ? resolve(REPO_ROOT, rel) : join(configsDir, `${n}.json`);
    if (!existsSync(path)) {
      log(CHECK.configGone(n, path));
      return 1;
    }
    paths.push(path);
  }
  return { names, paths, baselines };
}

/** The key metrics of every cell of the rerun experiments, by experiment and cell, and the cells that did not end ok. */
function readRerun(experiments: readonly string[], runsDir: string): { now: Map<string, Record<string, Record<string, Value>>>; notOk: string[] } {
  const now = new Map<string, Record<string, Record<string, Value>>>();
  const notOk: string[] = [];
  for (const name of experiments) {
    const arm = readArm({ ref: name, study: name, arm: name, dir: join(runsDir, name), lr: null });
    const cells: Record<string, Record<string, Value>> = {};
    for (const c of arm.cells) {
      cells[cellId(c)] = keyMetrics(c.summary, c.depth);
      if (c.summary?.status !== 'ok') notOk.push(c.ref);
    }
    now.set(name, cells);
  }
  return { now, notOk };
}

/** Writes one baseline file per experiment from its rerun; the paths written, relative to the working folder. */
function writeBaselines(baseDir: string, experiments: readonly string[], paths: readonly string[], now: ReadonlyMap<string, Record<string, Record<string, Value>>>): string[] {
  mkdirSync(baseDir, { recursive: true });
  return experiments.map((name, i) => {
    const cells = now.get(name) ?? {};
    const tolerances: Record<string, Tolerance> = {};
    for (const m of Object.values(cells)) for (const k of Object.keys(m)) tolerances[metricName(k)] = toleranceFor(k);
    const file: BaselineFile = {
      experiment: name,
      config: relative(REPO_ROOT, paths[i]).split('\\').join('/'),
      producedBy: machine(),
      toleranceNote: TOLERANCE_NOTE,
      tolerances,
      cells,
    };
    const path = join(baseDir, `${name}.json`);
    writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
    return relative(process.cwd(), path) || path;
  });
}

/** Reruns the baselines and compares (or rewrites them); resolves to the exit code. */
export async function runCheck(opts: CheckOptions = {}): Promise<number> {
  const t0 = performance.now();
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const baseDir = opts.baselinesDir ?? BASELINES_DIR;
  const runsDir = resolve(opts.out ?? 'results', 'check');
  const selected = selectBaselines(opts, baseDir, opts.configsDir ?? BASELINE_CONFIGS_DIR, log);
  if (typeof selected === 'number') return selected;
  const { names, paths, baselines } = selected;

  mkdirSync(runsDir, { recursive: true });
  const workers = Math.max(1, opts.workers ?? availableParallelism());
  const experiments = paths.map((p) => String((JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown }).name));
  log(CHECK.running(names.length));
  const outcome = await trainConfigs(paths, runsDir, { workers, reports: false, log: () => {} });
  if (outcome !== 'ok') log(CHECK.runFailed);
  const { now, notOk } = readRerun(experiments, runsDir);
  const sec = (): number => (performance.now() - t0) / 1000;

  if (opts.update) {
    if (notOk.length && !opts.acceptFailed) {
      log(CHECK.refuseUpdate(notOk));
      return 1;
    }
    log(CHECK.updated(writeBaselines(baseDir, experiments, paths, now)));
    return 0;
  }

  const moved: Moved[] = [];
  let metrics = 0;
  let cells = 0;
  for (const n of names) {
    const cur = now.get(n) ?? {};
    cells += Object.keys(cur).length;
    for (const m of Object.values(cur)) metrics += Object.keys(m).length;
    moved.push(...compareBaseline(baselines.get(n)!, cur));
  }
  const regressions = moved.filter((m) => m.regression).length;
  if (moved.length === 0) {
    log(CHECK.allSame(cells, metrics, sec()));
    return 0;
  }
  log(movedTable(moved));
  log(CHECK.moved(moved.length, regressions, sec()));
  return regressions > 0 ? 1 : 0;
}
