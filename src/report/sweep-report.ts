/**
 * A sweep's report: reads results/<name>/index.json and every cell's files, reduces each cell to
 * a row (sweep specs), and writes <expDir>/report.html with the comparison charts, the
 * aggregates over seeds when sweep-summary.json has a group of several seeds, the phase
 * diagrams when two swept axes are numeric, and a sortable table linking to each cell's report.
 */
import { join } from 'node:path';
import { REPORT_FILE } from '../results/layout.js';
import type { GroupSummary, MetricRecord, NumericAggregate, Proportion, SweepSummary } from '../results/types.js';
import { writeFileAtomic } from '../results/write.js';
import { blockNumber, blowupOverTimeOf } from './blocks.js';
import { downsample } from './downsample.js';
import { escapeHtml, renderPage, type Chart, type Section } from './html.js';
import { choiceLabel, readSweep, runInfo, type SweepCell, type SweepData } from './read.js';
import { depthOf } from './specs/common.js';
import {
  blowupSpec, deadByActivationSpec, lossBandSpec, phaseSpec, proportionSpec, vanishingDepthSpec,
  type CellRow, type DeadRow, type PhasePoint, type SeedPoint,
} from './specs/sweep.js';
import { AXIS, NOTES, PAGE, SWEEP_CHARTS, fmt } from './text.js';

/** Points per cell in the dead-fraction chart. */
const DEAD_BUDGET = 200;

/** log10(||dL/dW|| of layer 0 / of layer depth-1) of one record, as MetricRecord.vanishing defines it. */
export function vanishingOf(r: MetricRecord): number | null {
  if (r.vanishing !== undefined && Number.isFinite(r.vanishing)) return r.vanishing;
  const depth = r.layers.reduce((m, l) => Math.max(m, l.layer), -1);
  const g0 = r.layers.find((l) => l.layer === 0)?.gradNorm;
  const gl = r.layers.find((l) => l.layer === depth - 1)?.gradNorm;
  if (g0 === undefined || gl === undefined || !(g0 > 0) || !(gl > 0) || !Number.isFinite(g0 / gl)) return null;
  return Math.log10(g0 / gl);
}

const firstFinite = (...xs: (number | null | undefined)[]): number | null => {
  for (const x of xs) if (x !== null && x !== undefined && Number.isFinite(x)) return x;
  return null;
};

/** The row of one cell: names from its config (else its overrides), factors from its first record. */
export function cellRow(cell: SweepCell): CellRow {
  const info = runInfo(cell.run.config);
  const first = cell.run.records[0];
  const override = (k: string): string | null => choiceLabel(cell.overrides[k]);
  return {
    cell: cell.id,
    activation: info.activationName ?? override('model.activation') ?? PAGE.unknown,
    init: info.initName ?? override('model.init') ?? PAGE.unknown,
    depth: info.depth ?? (typeof cell.overrides['model.depth'] === 'number' ? cell.overrides['model.depth'] : null),
    status: cell.run.summary?.status ?? cell.status,
    vanishing: firstFinite(first ? vanishingOf(first) : null, blockNumber(cell.run.summary, 'initial', 'vanishing')),
    deltaGrowth: firstFinite(first?.deltaGrowth, blockNumber(cell.run.summary, 'initial', 'deltaGrowth')),
    actGrowth: firstFinite(first?.actGrowth, blockNumber(cell.run.summary, 'initial', 'actGrowth')),
    overTime: blowupOverTimeOf(cell.run.summary),
  };
}

/** Mean dead fraction over the hidden layers, per (thinned) record of each cell. */
export function deadRows(cells: readonly SweepCell[], rows: readonly CellRow[]): DeadRow[] {
  const out: DeadRow[] = [];
  cells.forEach((cell, i) => {
    const depth = depthOf(cell.run.records);
    for (const r of downsample(cell.run.records, DEAD_BUDGET).items) {
      const vals = r.layers.filter((l) => l.layer < depth && l.deadFraction !== undefined && Number.isFinite(l.deadFraction)).map((l) => l.deadFraction!);
      if (vals.length) out.push({ cell: cell.id, activation: rows[i].activation, step: r.step, dead: Number((vals.reduce((s, v) => s + v, 0) / vals.length).toPrecision(6)) });
    }
  });
  return out;
}

const isSeedKey = (k: string): boolean => /(^|\.)seeds?$/i.test(k);
const SAFE_KEY = /^[A-Za-z0-9_.[\]-]{1,80}$/;

/** Sweep keys whose values are numbers in every cell and take at least two values (seeds excluded). */
export function numericAxes(cells: readonly SweepCell[]): string[] {
  if (cells.length === 0) return [];
  const keys = Object.keys(cells[0].overrides).filter((k) => !isSeedKey(k));
  return keys.filter((k) => {
    const vals = cells.map((c) => c.overrides[k]);
    return vals.every((v) => typeof v === 'number' && Number.isFinite(v)) && new Set(vals).size >= 2;
  });
}

/** All swept keys (seeds excluded), in index order. */
function sweptKeys(cells: readonly SweepCell[]): string[] {
  const keys: string[] = [];
  for (const c of cells) for (const k of Object.keys(c.overrides)) if (!isSeedKey(k) && !keys.includes(k)) keys.push(k);
  return keys;
}

const valueLabel = (v: unknown): string => choiceLabel(v ?? null) ?? JSON.stringify(v ?? null);

function phaseCharts(sweep: SweepData, rows: readonly CellRow[]): { charts: Chart[]; notes: string[] } {
  const axes = numericAxes(sweep.cells);
  if (axes.length < 2) return { charts: [], notes: [NOTES.noPhase] };
  const [xKey, yKey] = axes;
  const others = sweptKeys(sweep.cells).filter((k) => k !== xKey && k !== yKey);
  const classification = sweep.cells.some((c) => c.run.summary?.trainAcc !== null && c.run.summary?.trainAcc !== undefined);
  const points = (metric: 'trainAcc' | 'lossRatio' | 'vanishing'): PhasePoint[] =>
    sweep.cells.map((c, i) => {
      let value: number | null;
      if (metric === 'vanishing') value = rows[i].vanishing;
      else if (metric === 'trainAcc') value = c.run.summary?.trainAcc ?? null;
      else {
        const l0 = c.run.records[0]?.loss;
        const l1 = c.run.summary?.finalLoss;
        value = l0 !== undefined && l1 !== null && l1 !== undefined && l0 > 0 && l1 > 0 ? Math.log10(l1 / l0) : null;
      }
      return {
        x: c.overrides[xKey] as number,
        y: c.overrides[yKey] as number,
        value: value !== null && Number.isFinite(value) ? value : null,
        cell: c.id,
        panel: others.map((k) => `${k}=${valueLabel(c.overrides[k])}`).join(', '),
        diverged: (c.run.summary?.status ?? c.status) === 'diverged',
      };
    });
  const xTitle = SAFE_KEY.test(xKey) ? xKey : PAGE.axisX;
  const yTitle = SAFE_KEY.test(yKey) ? yKey : PAGE.axisY;
  const trainMetric = classification ? 'trainAcc' : 'lossRatio';
  return {
    charts: [
      { id: 'phase-trainability', text: SWEEP_CHARTS.phaseTrainability, spec: phaseSpec(points(trainMetric), { chart: 'phaseTrainability', xTitle, yTitle, metric: trainMetric }) },
      { id: 'phase-gradient', text: SWEEP_CHARTS.phaseGradient, spec: phaseSpec(points('vanishing'), { chart: 'phaseGradient', xTitle, yTitle, metric: 'vanishing' }) },
    ],
    notes: [],
  };
}

function numCell(v: number | null | undefined, digits?: (x: number) => string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return `<td class="num" data-v="">${escapeHtml(PAGE.unknown)}</td>`;
  return `<td class="num" data-v="${v}">${escapeHtml((digits ?? fmt)(v))}</td>`;
}

/** The sortable table: one row per cell, the id linking to the cell's report. */
export function tableMarkup(sweep: SweepData, rows: readonly CellRow[]): string {
  const h = PAGE.tableHeads;
  const heads = [h.cell, h.status, h.activation, h.init, h.depth, h.width, h.vanishing, h.blowup, h.overTime, h.trainAcc, h.testAcc, h.loss, h.stepsPerSec];
  const body = sweep.cells.map((c, i) => {
    const r = rows[i];
    const info = runInfo(c.run.config);
    const s = c.run.summary;
    return `<tr><td><a href="${escapeHtml(c.href)}">${escapeHtml(c.id)}</a></td>` +
      `<td>${escapeHtml(r.status)}</td><td>${escapeHtml(r.activation)}</td><td>${escapeHtml(r.init)}</td>` +
      numCell(r.depth) + numCell(info.width) + numCell(r.vanishing) + numCell(r.deltaGrowth) + numCell(r.overTime) +
      numCell(s?.trainAcc) + numCell(s?.testAcc) + numCell(s?.finalLoss) + numCell(s?.stepsPerSec) + '</tr>';
  });
  return `<div class="vis"><table class="sortable"><thead><tr>${heads.map((x) => `<th scope="col">${escapeHtml(x)}</th>`).join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody></table></div><p class="note">${escapeHtml(PAGE.tableCaption)}</p>`;
}

/** Which yes/no outcome the chart over seeds draws, and why (the reason is shown as a note). */
export interface OutcomeChoice {
  readonly outcome: 'bornDead' | 'diverged';
  readonly why: 'varies' | 'happened' | 'default';
}

/**
 * Born dead, or diverged: the first of the two whose share differs between groups; else the
 * first that happened at all; else born dead (every bar is then an upper bound).
 */
export function chooseOutcome(groups: readonly GroupSummary[]): OutcomeChoice {
  const order = ['bornDead', 'diverged'] as const;
  for (const o of order) {
    if (new Set(groups.map((g) => g.proportions[o].p).filter((p) => p !== null)).size > 1) return { outcome: o, why: 'varies' };
  }
  for (const o of order) if (groups.some((g) => g.proportions[o].k > 0)) return { outcome: o, why: 'happened' };
  return { outcome: 'bornDead', why: 'default' };
}

/**
 * The x axis of the charts over seeds: a swept key whose value is a finite number in every group
 * and takes at least two values (model.depth when it qualifies, else the first such key), and
 * the other swept keys, which colour the series. x is null when no key qualifies.
 */
export function seedAxes(groups: readonly GroupSummary[]): { x: string | null; others: string[] } {
  const keys: string[] = [];
  for (const g of groups) for (const k of Object.keys(g.overrides)) if (!isSeedKey(k) && !keys.includes(k)) keys.push(k);
  const numeric = keys.filter((k) => {
    const vals = groups.map((g) => g.overrides[k]);
    return vals.every((v) => typeof v === 'number' && Number.isFinite(v)) && new Set(vals).size >= 2;
  });
  const x = numeric.includes('model.depth') ? 'model.depth' : numeric[0] ?? null;
  return { x, others: keys.filter((k) => k !== x) };
}

const meanCell = (a: NumericAggregate): string =>
  a.mean === null
    ? `<td class="num" data-v="">${escapeHtml(PAGE.unknown)}</td>`
    : `<td class="num" data-v="${a.mean}">${escapeHtml(PAGE.meanStd(a.mean, a.std, a.p5, a.p95))}</td>`;

const proportionCell = (p: Proportion): string =>
  p.n === 0 || p.p === null
    ? `<td class="num" data-v="">${escapeHtml(PAGE.unknown)}</td>`
    : `<td class="num" data-v="${p.p}">${escapeHtml(PAGE.proportion(p.k, p.n, p.lo, p.hi))}</td>`;

/** The "Over seeds" table: one row per group of sweep-summary.json. */
export function seedTableMarkup(groups: readonly GroupSummary[]): string {
  const h = PAGE.seedHeads;
  const heads = [h.group, h.n, h.finalLoss, h.testAcc, h.vanishing, h.ok, h.diverged, h.bornDead];
  const body = groups.map((g) =>
    // <wbr> after each comma of the (escaped) label: a long group id wraps between its swept values.
    `<tr><td>${escapeHtml(g.group).replace(/,/g, ',<wbr>')}</td>` + numCell(g.n) +
    meanCell(g.metrics.finalLoss) + meanCell(g.metrics.testAcc) + numCell(g.metrics['initial.vanishing'].p50) +
    proportionCell(g.proportions.ok) + proportionCell(g.proportions.diverged) + proportionCell(g.proportions.bornDead) + '</tr>');
  return `<div class="vis"><table class="sortable seeds"><thead><tr>${heads.map((x) => `<th scope="col">${escapeHtml(x)}</th>`).join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody></table></div><p class="note">${escapeHtml(PAGE.seedsCaption)}</p>`;
}

/** The "Over seeds" section, or null when there is no sweep-summary.json or no group of two seeds or more. */
export function seedSection(summary: SweepSummary | null): Section | null {
  if (summary === null || !summary.groups.some((g) => g.n > 1)) return null;
  const groups = summary.groups;
  const html = seedTableMarkup(groups);
  const { x, others } = seedAxes(groups);
  if (x === null) return { heading: PAGE.sectionSeeds, charts: [], notes: [NOTES.noSeedAxis], html };
  const seriesOf = (g: GroupSummary): string => others.map((k) => valueLabel(g.overrides[k])).join(', ');
  const base = (g: GroupSummary): SeedPoint => ({ group: g.group, x: g.overrides[x] as number, series: seriesOf(g), n: g.n });
  const manySeries = new Set(groups.map(seriesOf)).size > 1;
  const xTitle = SAFE_KEY.test(x) ? x : PAGE.axisX;
  const seriesTitle = !manySeries ? null : others.every((k) => SAFE_KEY.test(k)) ? others.join(', ') : AXIS.otherAxes;
  const choice = chooseOutcome(groups);
  const points = groups.map((g) => ({ ...base(g), ...g.proportions[choice.outcome] }));
  const losses = groups.map((g) => {
    const m = g.metrics.finalLoss;
    return { ...base(g), mean: m.mean, std: m.std, p5: m.p5, p95: m.p95 };
  });
  const charts: Chart[] = [
    {
      id: 'seeds-proportion',
      text: choice.outcome === 'bornDead' ? SWEEP_CHARTS.seedsBornDead : SWEEP_CHARTS.seedsDiverged,
      spec: proportionSpec(points, { outcome: choice.outcome, xTitle, seriesTitle }),
      notes: [NOTES.seedsDrawn(choice.outcome, choice.why)],
    },
  ];
  if (losses.some((l) => l.mean !== null)) {
    charts.push({ id: 'seeds-loss', text: SWEEP_CHARTS.seedsLoss, spec: lossBandSpec(losses, { xTitle, seriesTitle }) });
  }
  return { heading: PAGE.sectionSeeds, charts, html };
}

/** The page model of a sweep's report. */
export function sweepPage(sweep: SweepData): { title: string; header: string; sections: Section[]; footer: string[] } {
  const rows = sweep.cells.map(cellRow);
  const firstInfo = runInfo(sweep.cells.find((c) => c.run.config)?.run.config ?? null);
  const name = sweep.experiment || firstInfo.name;
  const keys = sweptKeys(sweep.cells);
  const statusCounts = new Map<string, number>();
  for (const r of rows) statusCounts.set(r.status, (statusCounts.get(r.status) ?? 0) + 1);
  const header = `<p class="kicker">${escapeHtml(PAGE.sweepTitle)}</p>
<h1>${escapeHtml(name)}</h1>
<p class="desc">${escapeHtml(firstInfo.description || PAGE.noDescription)}</p>
<p>${escapeHtml(PAGE.sweepCells(sweep.cells.length, keys.length ? keys.join(' × ') : PAGE.noSweepAxes))}</p>
<dl class="facts">${[...statusCounts].map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;

  const compare: Chart[] = [];
  const compareNotes: string[] = [];
  if (rows.some((r) => r.vanishing !== null && r.depth !== null)) {
    compare.push({ id: 'vanishing-depth', text: SWEEP_CHARTS.vanishingDepth, spec: vanishingDepthSpec(rows) });
  } else compareNotes.push(NOTES.noVanishing);
  const dead = deadRows(sweep.cells, rows);
  if (dead.length) compare.push({ id: 'dead-activation', text: SWEEP_CHARTS.deadByActivation, spec: deadByActivationSpec(dead) });
  else compareNotes.push(NOTES.noDeadSweep);
  if (rows.some((r) => (r.deltaGrowth ?? 0) > 0 || (r.actGrowth ?? 0) > 0 || (r.overTime ?? 0) > 0)) {
    compare.push({ id: 'blowup', text: SWEEP_CHARTS.blowup, spec: blowupSpec(rows) });
  } else compareNotes.push(NOTES.noBlowup);
  const phase = phaseCharts(sweep, rows);
  const missing = sweep.cells.filter((c) => c.run.records.length === 0).map((c) => PAGE.missingCell(c.id));
  const seeds = seedSection(sweep.summary);
  const sections: Section[] = [
    { heading: PAGE.sectionCompare, charts: compare, notes: compareNotes },
    ...(seeds ? [seeds] : []),
    { heading: PAGE.sectionPhase, charts: phase.charts, notes: phase.notes },
    { heading: PAGE.sectionTable, charts: [], notes: missing, html: tableMarkup(sweep, rows) },
  ];
  return { title: `${PAGE.sweepTitle}: ${name}`, header, sections, footer: [PAGE.footer] };
}

/** Renders <expDir>/report.html from index.json and the cell folders; returns its path. */
export async function writeSweepReport(expDir: string): Promise<string> {
  const sweep = readSweep(expDir);
  const html = await renderPage(sweepPage(sweep));
  const out = join(expDir, REPORT_FILE);
  writeFileAtomic(out, html);
  return out;
}
