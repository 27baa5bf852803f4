/**
 * `gradflow claims`: load the claims file, train every config the selected claims need (each
 * once, cells in parallel), run each claim's check on what the runs wrote, and write
 * `<out>/claims/verdicts.json` and `<out>/claims/report.html`.
 *
 *   runClaims({ out: 'results', only: [4, '12b'], workers: 2, log: console.log }) -> exit code
 *
 * Exit code: 0 when every claim has its expected verdict (or is reproduced although the file
 * expects otherwise), 1 when a claim the file expects to be reproduced is not, 2 for bad input
 * (the claims file, --only). `gradflow check` (metric baselines) lives in check.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderPage } from '../report/html.js';
import { Evidence, MissingEvidenceError, readEvidence, reportHref, runExperiments, type CellEvidence } from './evidence.js';
import { ClaimsError, loadClaims, type LoadedClaim } from './load.js';
import { claimsPage, valueText, type ClaimEntry } from './report.js';
import { VERDICTS, selects, type Verdict } from './schema.js';
import * as text from './text.js';
import { verdictOf, type ClaimVerdict, type Outcome, type VerdictsFile } from './types.js';

export { loadClaims, ClaimsError, CLAIMS_FILE, CONFIGS_DIR, type LoadedClaim, type LoadedClaims } from './load.js';
export { CHECKS, CHECK_NAMES, type CheckName, type CheckDef } from './checks.js';
export { runCheck, type CheckOptions } from './check.js';
export type { Claim, ClaimsFile, Verdict } from './schema.js';
export type { ClaimVerdict, Measure, Outcome, VerdictsFile } from './types.js';

export interface ClaimsOptions {
  /** Results folder; the claims go to `<out>/claims/` (default `results`). */
  readonly out?: string;
  /** Claim ids to run: 12 selects 12 and 12b, '12b' only 12b (default: all). */
  readonly only?: readonly number[] | readonly string[];
  /** Cells trained at once (default: the machine's available parallelism). */
  readonly workers?: number;
  readonly log?: (line: string) => void;
  /** Write each run's report.html (default true; the claims report links to them). */
  readonly reports?: boolean;
  readonly claimsFile?: string;
  readonly configsDir?: string;
}

/** The claims (and cells) a selection needs: refs of every role. */
function refsOf(c: LoadedClaim): string[] {
  return Object.values(c.claim.cells).flat();
}

async function evaluate(c: LoadedClaim, evidence: Evidence): Promise<Outcome & { error?: string }> {
  const roles = c.claim.cells;
  const ctx = {
    claim: c.claim,
    t: c.claim.thresholds,
    params: c.params,
    one: (role: string): CellEvidence => evidence.get(roles[role] as string),
    many: (role: string): CellEvidence[] => (roles[role] as string[]).map((r) => evidence.get(r)),
    all: (): CellEvidence[] => evidence.of(c.experiments),
  };
  try {
    return await c.def.evaluate(ctx);
  } catch (err) {
    // A missing run or an unreadable file leaves the claim undecided, not failed.
    return { measures: [], chart: null, error: err instanceof MissingEvidenceError ? err.message : text.checkError(c.claim.id, err) };
  }
}

/** Runs the selected claims; resolves to the exit code. */
export async function runClaims(opts: ClaimsOptions = {}): Promise<number> {
  const t0 = performance.now();
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = resolve(opts.out ?? 'results', 'claims');
  const runsDir = join(dir, 'runs');
  let loaded;
  try {
    loaded = loadClaims(opts.claimsFile, opts.configsDir);
  } catch (err) {
    if (err instanceof ClaimsError) {
      for (const m of err.messages) log(m);
      return 2;
    }
    throw err;
  }
  const only = opts.only?.map(String);
  for (const o of only ?? []) {
    if (!loaded.claims.some((c) => selects([o], c.claim.id))) {
      log(text.unknownOnly(o, loaded.claims.map((c) => c.claim.id)));
      return 2;
    }
  }
  const selected = loaded.claims.filter((c) => selects(only, c.claim.id));
  const paths = [...new Set(selected.flatMap((c) => c.configPaths))];
  const workers = Math.max(1, opts.workers ?? availableParallelism());
  mkdirSync(runsDir, { recursive: true });

  let trained: Awaited<ReturnType<typeof runExperiments>> = { outcome: 'ok', experiments: [] };
  if (paths.length > 0) {
    trained = await runExperiments(paths, {
      runsDir, workers, reports: opts.reports ?? true, log,
      announce: (cells) => log(text.runningConfigs(paths.length, cells, workers)),
    });
  }
  const evidence = await readEvidence(trained.experiments);
  const notOk = evidence.of(trained.experiments.map((e) => e.name)).filter((c) => c.summary?.status !== 'ok').map((c) => c.ref);
  if (notOk.length) log(text.runsNotOk(notOk));

  // Analytic checks (the timing one included) run after training, with the workers gone.
  const entries: ClaimEntry[] = [];
  for (const c of selected) {
    const outcome = await evaluate(c, evidence);
    const verdict: Verdict = outcome.error !== undefined ? 'inconclusive' : verdictOf(outcome);
    const expected = c.claim.expected;
    const refs = [...new Set([...refsOf(c), ...(c.def.runs ? evidence.of(c.experiments).map((e) => e.ref) : [])])];
    const v: ClaimVerdict = {
      id: c.claim.id,
      title: c.claim.title,
      section: c.claim.section,
      verdict,
      expected,
      asExpected: verdict === expected || verdict === 'reproduced',
      ...(outcome.error !== undefined ? { reason: outcome.error } : outcome.inconclusive !== undefined ? { reason: outcome.inconclusive } : {}),
      measures: outcome.measures,
      info: outcome.info ?? [],
      runs: refs,
      thresholds: c.claim.thresholds,
    };
    const runLinks = refs.flatMap((ref) => {
      try {
        return [{ ref, href: reportHref(dir, evidence.get(ref).dir) }];
      } catch {
        return [];
      }
    });
    const experimentLinks = trained.experiments
      .filter((e) => c.experiments.includes(e.name))
      .map((e) => ({ name: e.name, href: relative(dir, join(e.dir, 'report.html')).split(/[\\/]/).map(encodeURIComponent).join('/') }));
    entries.push({ claim: c.claim, verdict: v, chart: outcome.chart, caption: outcome.caption, runLinks, experimentLinks });
    const failed = v.measures.filter((m) => m.pass !== true);
    const summary = v.reason ?? (failed.length ? failed : v.measures).slice(0, 2).map((m) => `${m.label}: ${valueText(m.value)} (${m.threshold})`).join('; ');
    log(text.verdictLine(v.id, v.verdict, v.expected, summary));
  }

  const counts = Object.fromEntries(VERDICTS.map((k) => [k, entries.filter((e) => e.verdict.verdict === k).length])) as Record<Verdict, number>;
  const unexpected = entries.filter((e) => e.verdict.expected === 'reproduced' && e.verdict.verdict !== 'reproduced').map((e) => e.verdict.id);
  for (const e of entries) {
    if (e.verdict.verdict === 'reproduced' && e.verdict.expected !== 'reproduced') log(text.betterThanExpected(e.verdict.id, e.verdict.expected));
  }
  const wallSec = (performance.now() - t0) / 1000;
  const claimsFile = relative(dir, loaded.file);
  const file: VerdictsFile = { claimsFile, counts, unexpected, wallSec: Math.round(wallSec * 10) / 10, claims: entries.map((e) => e.verdict) };
  writeFileSync(join(dir, 'verdicts.json'), `${JSON.stringify(file, null, 2)}\n`);
  const html = await renderPage(claimsPage(entries, { wallSec, claimsFile: relative(process.cwd(), loaded.file) || loaded.file }));
  writeFileSync(join(dir, 'report.html'), html);
  log(text.claimsDone(counts, (performance.now() - t0) / 1000, relative(process.cwd(), join(dir, 'report.html')) || join(dir, 'report.html')));
  if (unexpected.length) log(text.unexpectedClaims(unexpected));
  return unexpected.length ? 1 : 0;
}
