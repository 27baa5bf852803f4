/**
 * The signal-propagation claims (docs/signal-propagation.md, "Claims"), decided from finished
 * runs of their configs: `npx tsx scripts/signal-claims.ts [results folder]` after
 *
 *   for c in jacobian-critical-mean spectrum-orthogonal-vs-gaussian spectrum-orthogonal-relu \
 *            phase-tanh-mnist finite-width-relu; do gradflow run configs/$c.json; done
 *
 * Prints each claim's measured numbers, its threshold and the verdict; exits 1 when a verdict is
 * "not reproduced". Thresholds and their reasons are fixed in the doc, before the runs.
 */
import { join } from 'node:path';
import { readSweep, runInfo, type SweepCell } from '../src/report/read.js';
import { theoryNumbersOf } from '../src/report/read-signal.js';

const out = process.argv[2] ?? 'results';
let failed = false;

function verdict(id: string, ok: boolean, lines: readonly string[]): void {
  console.log(`${id}: ${ok ? 'reproduced' : 'not reproduced'}`);
  for (const l of lines) console.log(`  ${l}`);
  if (!ok) failed = true;
}

const f = (x: number | null | undefined, d = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : Number(x.toPrecision(d)).toString());

/** Average ranks (ties share the mean of their positions), 1-based. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) r[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson's on average ranks). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const m = (ra.length + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i] - m) * (rb[i] - m);
    saa += (ra[i] - m) ** 2;
    sbb += (rb[i] - m) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function step0(cell: SweepCell) {
  const b = cell.run.summary?.spectra;
  const s = b?.steps.find((x) => x.step === 0);
  if (s === undefined || b === undefined) return null;
  return { ...s, logJv2: s.logJv2.filter((v): v is number => v !== null), predicted: b.predictedMeanS2, beta: Number.isFinite(b.beta) ? b.beta : null };
}

const groupOf = (id: string): string => id.split(',').filter((p) => !p.startsWith('seed=')).join(',');

async function critical(): Promise<void> {
  const sweep = readSweep(join(out, 'jacobian-critical-mean'));
  const groups = new Map<string, { sw2: number; logs: number[]; predicted: number | null }>();
  for (const c of sweep.cells) {
    const s = step0(c);
    const t = theoryNumbersOf(c.run.summary);
    if (s === null || t === null) continue;
    const g = groups.get(groupOf(c.id)) ?? { sw2: t.sigmaW2, logs: [], predicted: s.predicted };
    g.logs.push(Math.log(s.meanS2));
    groups.set(groupOf(c.id), g);
  }
  const lines: string[] = [];
  let ok = groups.size === 3;
  for (const [id, g] of [...groups].sort((a, b) => a[1].sw2 - b[1].sw2)) {
    const gm = Math.exp(g.logs.reduce((a, v) => a + v, 0) / g.logs.length);
    const crit = Math.abs(g.sw2 - 2) < 1e-9;
    const within = g.predicted !== null && Math.abs(Math.log(gm / g.predicted)) < Math.log(1.5);
    const pass = crit ? Math.abs(Math.log(gm)) < Math.log(1.5) && within : within && Math.abs(Math.log10(gm)) > 1;
    ok &&= pass;
    lines.push(`${id}: sigma_w^2 ${f(g.sw2)}, mean s^2 (geometric mean over ${g.logs.length} seeds) ${f(gm)}, theory ${f(g.predicted)} -> ${pass ? 'pass' : 'fail'}`);
  }
  lines.push('threshold: critical within a factor 1.5 of 1; every cell within a factor 1.5 of the chi_1 product; off-critical more than a factor 10 from 1');
  verdict('jacobian-critical-mean', ok, lines);
}

async function orthogonal(name: string, expectConcentrated: boolean): Promise<void> {
  const sweep = readSweep(join(out, name));
  const spread = new Map<string, number>();
  for (const c of sweep.cells) {
    const s = step0(c);
    if (s !== null) spread.set(runInfo(c.run.config).initName ?? c.id, s.varS2 / s.meanS2 ** 2);
  }
  const orth = spread.get('orthogonal');
  const gauss = [...spread].find(([k]) => k !== 'orthogonal')?.[1];
  const ratio = orth !== undefined && gauss !== undefined ? orth / gauss : NaN;
  const ok = expectConcentrated ? ratio < 0.1 : ratio > 0.25;
  verdict(expectConcentrated ? 'orthogonal-concentrates-tanh' : 'orthogonal-cannot-relu', ok, [
    `var(s^2) / mean(s^2)^2 at step 0: orthogonal ${f(orth)}, Gaussian ${f(gauss)}, ratio ${f(ratio)}`,
    expectConcentrated ? 'threshold: ratio < 0.1 (an order of magnitude)' : 'threshold: ratio > 0.25 (theory 0.5: L(1/p - 1) against L/p with p = 1/2)',
  ]);
}

async function trainableDepth(): Promise<void> {
  const sweep = readSweep(join(out, 'phase-tanh-mnist'));
  const bySw = new Map<number, { xi: number | null; depths: { depth: number; acc: number }[] }>();
  for (const c of sweep.cells) {
    const t = theoryNumbersOf(c.run.summary);
    const depth = runInfo(c.run.config).depth;
    const acc = c.run.summary?.testAcc;
    if (t === null || depth === null || acc === null || acc === undefined) continue;
    const key = Number(t.sigmaW2.toPrecision(6));
    const g = bySw.get(key) ?? { xi: t.xiC, depths: [] };
    g.depths.push({ depth, acc });
    bySw.set(key, g);
  }
  const rows = [...bySw].sort((a, b) => a[0] - b[0]).map(([sw2, g]) => {
    const trained = g.depths.filter((d) => d.acc >= 0.5).map((d) => d.depth);
    // xi_c diverges at chi_1 = 1: an infinite depth scale ranks above every finite one.
    return { sw2, xi: g.xi ?? Infinity, lmax: trained.length ? Math.max(...trained) : 0 };
  });
  const rho = spearman(rows.map((r) => r.lmax), rows.map((r) => (Number.isFinite(r.xi) ? r.xi : 1e9)));
  verdict('trainable-depth-scales-with-xi-c', rho >= 0.6, [
    ...rows.map((r) => `sigma_w^2 ${f(r.sw2)}: xi_c ${f(r.xi)}, 6 xi_c ${f(6 * r.xi)}, deepest with test accuracy >= 0.5: ${r.lmax}`),
    `Spearman rank correlation of that depth with xi_c: ${f(rho)}; threshold >= 0.6`,
  ]);
}

async function finiteWidth(): Promise<void> {
  const sweep = readSweep(join(out, 'finite-width-relu'));
  const groups = new Map<string, { beta: number; v: number[] }>();
  for (const c of sweep.cells) {
    const s = step0(c);
    if (s === null || s.beta === null) continue;
    const g = groups.get(groupOf(c.id)) ?? { beta: s.beta, v: [] };
    g.v.push(...s.logJv2);
    groups.set(groupOf(c.id), g);
  }
  const pts = [...groups].map(([id, g]) => {
    const m = g.v.reduce((a, x) => a + x, 0) / g.v.length;
    return { id, beta: g.beta, variance: g.v.reduce((a, x) => a + (x - m) ** 2, 0) / (g.v.length - 1), n: g.v.length };
  }).sort((a, b) => a.beta - b.beta);
  const rho = spearman(pts.map((p) => p.beta), pts.map((p) => p.variance));
  // Least squares through the origin: slope = sum(beta v) / sum(beta^2).
  const slope = pts.reduce((a, p) => a + p.beta * p.variance, 0) / pts.reduce((a, p) => a + p.beta ** 2, 0);
  verdict('log-norm-spread-grows-with-beta', rho >= 0.8 && slope >= 3.5 && slope <= 6.5, [
    ...pts.map((p) => `${p.id}: beta ${f(p.beta)}, variance of ln ||J e_1||^2 ${f(p.variance)} (${p.n} values), 5 beta ${f(5 * p.beta)}`),
    `Spearman(beta, variance) ${f(rho)} (threshold >= 0.8); slope through the origin ${f(slope)} (threshold 3.5 to 6.5, theory 5)`,
  ]);
}

await critical();
await orthogonal('spectrum-orthogonal-vs-gaussian', true);
await orthogonal('spectrum-orthogonal-relu', false);
await trainableDepth();
await finiteWidth();
process.exitCode = failed ? 1 : 0;
