/**
 * `gradflow claims`: load the claims file, train every arm the selected claims read (each once,
 * on the evaluation seeds seedBase + 0 .. n - 1), judge each claim, and write
 * `<out>/claims/verdicts.json` and `<out>/claims/report.html`.
 *
 *   runClaims({ out: 'results', only: ['12b'], workers: 2, seedBase: 0 }) -> exit code
 *
 * Exit code: 0 when every claim has its expected verdict, 1 when any verdict differs from the
 * expected one in either direction (an inconclusive verdict included), 2 for bad input (the
 * claims file, --only, --seed-base), 130 when the training was interrupted (no verdicts written). `gradflow check` (metric baselines) lives in check.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderPage } from '../report/html.js';
import { stopOnSignals } from '../train/run.js';
import { evaluateClaim, type Evaluated } from './evaluate.js';
import { ClaimsError, loadClaims } from './load.js';
import { fmtNum } from './predicates.js';
import { claimsPage } from './report.js';
import type { ArmRuns } from './runs.js';
import { MAX_SEED_BASE, selects } from './schema.js';
import { trainArms } from './runner.js';
import * as text from './text.js';
import type { ClaimVerdict, VerdictsFile } from './types.js';

export { loadClaims, ClaimsError, CLAIMS_FILE, CONFIGS_DIR, type LoadedClaim, type LoadedClaims } from './load.js';
export { CHECKS, CHECK_NAMES, type CheckName, type CheckDef } from './checks/index.js';
export { runCheck, type CheckOptions } from './check.js';
export type { Claim, ClaimsFile, Verdict } from './schema.js';
export type { ClaimVerdict, Measure, VerdictsFile } from './types.js';

export interface ClaimsOptions {
  /** Results folder; the claims go to `<out>/claims/` (default `results`). */
  readonly out?: string;
  /** Claim ids to run: 12 selects 12 and 12b, '12b' only 12b (default: all). */
  readonly only?: readonly number[] | readonly string[];
  /** Cells trained at once (default: the machine's available parallelism). */
  readonly workers?: number;
  /** Shifts every evaluation seed (default 0). */
  readonly seedBase?: number;
  readonly log?: (line: string) => void;
  /** Write each run's report.html (default false: the claims report carries the figures). */
  readonly reports?: boolean;
  readonly claimsFile?: string;
  readonly configsDir?: string;
}

/** The counts of verdicts.json. */
export function countVerdicts(vs: readonly ClaimVerdict[]): VerdictsFile['counts'] {
  const n = (v: string): number => vs.filter((x) => x.verdict === v).length;
  return {
    identity: { holds: n('holds'), fails: n('fails') },
    empirical: { reproduced: n('reproduced'), 'not reproduced': n('not reproduced'), inconclusive: n('inconclusive') },
    untestable: n('untestable'),
  };
}

/** The ids whose verdict differs from the expected one, in either direction. */
export function unexpectedIds(vs: readonly ClaimVerdict[]): string[] {
  return vs.filter((v) => v.verdict !== v.expected).map((v) => v.id);
}

/** The exit code of a set of verdicts: 1 when any differs from its expected verdict. */
export function exitCodeOf(vs: readonly ClaimVerdict[]): 0 | 1 {
  return unexpectedIds(vs).length ? 1 : 0;
}

/** The one-line summary of a verdict for the log. */
function summaryOf(v: ClaimVerdict): string {
  if (v.kind === 'untestable') return v.reason ?? '';
  if (v.effect) {
    const iv = v.effect.interval;
    const shown = `${v.effect.name}: ${fmtNum(v.effect.value)}${iv ? ` [${fmtNum(iv[0])}, ${fmtNum(iv[1])}]` : ''} (${v.effect.direction} ${fmtNum(v.effect.threshold)})`;
    return v.reason ? `${shown}; ${v.reason}` : shown;
  }
  const failed = v.measures.filter((m) => m.pass !== true);
  return v.reason ?? (failed.length ? failed : v.measures).slice(0, 2).map((m) => `${m.label}: ${typeof m.value === 'number' ? fmtNum(m.value) : String(m.value)} (${m.threshold})`).join('; ');
}

/** Runs the selected claims; resolves to the exit code. */
export async function runClaims(opts: ClaimsOptions = {}): Promise<number> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const seedBase = opts.seedBase ?? 0;
  if (!Number.isInteger(seedBase) || seedBase < 0 || seedBase > MAX_SEED_BASE) {
    log(text.badSeedBase(opts.seedBase, MAX_SEED_BASE));
    return 2;
  }
  const dir = resolve(opts.out ?? 'results', 'claims');
  let loaded;
  try {
    loaded = loadClaims(opts.claimsFile, opts.configsDir);
  } catch (err) {
    if (!(err instanceof ClaimsError)) throw err;
    for (const m of err.messages) log(m);
    return 2;
  }
  const only = opts.only?.map(String);
  for (const o of only ?? []) {
    if (!loaded.claims.some((c) => selects([o], c.claim.id))) {
      log(text.unknownOnly(o, loaded.claims.map((c) => c.claim.id)));
      return 2;
    }
  }
  const selected = loaded.claims.filter((c) => selects(only, c.claim.id));
  const workers = Math.max(1, opts.workers ?? availableParallelism());
  mkdirSync(dir, { recursive: true });
  const refs = [...new Set(selected.flatMap((c) => c.armRefs))];
  // One SIGINT or SIGTERM anywhere in the training, between studies too, stops it cleanly.
  const arms: Map<string, ArmRuns> | null = refs.length
    ? await stopOnSignals((abort) => trainArms(loaded.data, refs, { dir, configsDir: loaded.configsDir, workers, seedBase, reports: opts.reports ?? false, log, abort }))
    : new Map();
  if (arms === null) {
    // An interrupted run would be judged as if its missing cells had failed: no verdicts.
    log(text.interrupted());
    return 130;
  }
  const notOk = [...arms.values()].flatMap((a) => a.cells.filter((c) => c.summary?.status !== 'ok').map((c) => `${c.ref} (${c.summary?.status ?? 'missing'})`));
  if (notOk.length) log(text.runsNotOk(notOk));

  // Every check, the timing one included, runs after training, with the workers gone.
  const entries: Evaluated[] = [];
  for (const kind of ['empirical', 'identity', 'untestable'] as const) {
    const these = selected.filter((c) => c.claim.kind === kind);
    if (these.length) log(text.heading(kind === 'empirical' ? 'empirical claims' : kind === 'identity' ? 'identities' : 'not testable here'));
    for (const c of these) {
      const e = await evaluateClaim(c, arms, seedBase, loaded.data);
      entries.push(e);
      log(text.verdictLine(e.verdict.id, e.verdict.verdict, e.verdict.expected, summaryOf(e.verdict)));
    }
  }
  const verdicts = entries.map((e) => e.verdict);
  const counts = countVerdicts(verdicts);
  const unexpected = unexpectedIds(verdicts);
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const claimsFile = relative(dir, loaded.file);
  const file: VerdictsFile = { claimsFile, counts, unexpected, wallSec: Math.round(wallSec * 10) / 10, cpuSec: Math.round(cpuSec * 10) / 10, seedBase, claims: verdicts };
  writeFileSync(join(dir, 'verdicts.json'), `${JSON.stringify(file, null, 2)}\n`);
  const html = await renderPage(claimsPage(entries, { wallSec, cpuSec, seedBase, claimsFile: relative(process.cwd(), loaded.file) || loaded.file, dir }));
  writeFileSync(join(dir, 'report.html'), html);
  log(text.claimsDone(counts, wallSec, cpuSec, relative(process.cwd(), join(dir, 'report.html')) || join(dir, 'report.html')));
  if (unexpected.length) log(text.unexpectedClaims(unexpected));
  return exitCodeOf(verdicts);
}
