/**
 * A sweep's report: reads results/<name>/index.json and every cell's files and writes
 * <expDir>/report.html: training curves, per-layer gradient profiles and heat maps, dead and
 * saturated units, the per-cell charts at initialisation (sweep-charts.ts, chosen from the
 * sweep's shape), the aggregates over seeds when sweep-summary.json has a group of several seeds
 * (sweep-seeds.ts), the phase diagrams when two swept axes are numeric, and a sortable table
 * linking to each cell's report (sweep-table.ts).
 */
import { join } from 'node:path';
import { escapeHtml, renderPage, type Chart, type Section } from './html.js';
import { readSweep, runInfo, type SweepCell, type SweepData } from './read.js';
import { REPORT_FILE } from '../results/layout.js';
import { writeFileAtomic } from '../results/write.js';
import { curveCharts, profileCharts, scalarCharts, unitCharts } from './sweep-charts.js';
import { seedSection } from './sweep-seeds.js';
import { SAFE_KEY, isSeedKey, sweepShape, sweptKeys, valueLabel } from './sweep-shape.js';
import { cellRow, tableMarkup } from './sweep-table.js';
import { phaseSpec, type CellRow, type PhasePoint } from './specs/sweep.js';
import { NOTES, PAGE, SWEEP_CHARTS } from './text.js';

export { cellRow, tableMarkup, vanishingOf } from './sweep-table.js';
export { chooseOutcome, seedAxes, seedSection, seedTableMarkup, type OutcomeChoice } from './sweep-seeds.js';

/** Sweep keys whose values are numbers in every cell and take at least two values (seeds excluded). */
export function numericAxes(cells: readonly SweepCell[]): string[] {
  if (cells.length === 0) return [];
  const keys = Object.keys(cells[0].overrides).filter((k) => !isSeedKey(k));
  return keys.filter((k) => {
    const vals = cells.map((c) => c.overrides[k]);
    return vals.every((v) => typeof v === 'number' && Number.isFinite(v)) && new Set(vals).size >= 2;
  });
}

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

  const shape = sweepShape(sweep.cells);
  const runs = sweep.cells.map((c) => c.run);
  const curves = curveCharts(shape, runs);
  const profiles = profileCharts(shape, runs);
  const units = unitCharts(shape, runs);
  const scalars = scalarCharts(shape, rows);
  const phase = phaseCharts(sweep, rows);
  const missing = sweep.cells.filter((c) => c.run.records.length === 0).map((c) => PAGE.missingCell(c.id));
  const seeds = seedSection(sweep.summary);
  const sections: Section[] = [
    { heading: PAGE.sectionCurves, ...curves },
    { heading: PAGE.sectionProfiles, ...profiles },
    { heading: PAGE.sectionUnits, ...units },
    { heading: PAGE.sectionCompare, ...scalars },
    ...(seeds ? [seeds] : []),
    { heading: PAGE.sectionPhase, charts: phase.charts, notes: phase.notes },
    { heading: PAGE.sectionTable, charts: [], notes: missing, html: tableMarkup(sweep, rows) },
  ];
  return { title: `${PAGE.sweepTitle}: ${name}`, header, sections, footer: [PAGE.footer] };
}

/** Renders <expDir>/report.html from index.json and the cell folders; returns its path. */
export async function writeSweepReport(expDir: string): Promise<string> {
  const sweep = await readSweep(expDir);
  const html = await renderPage(sweepPage(sweep));
  const out = join(expDir, REPORT_FILE);
  writeFileAtomic(out, html);
  return out;
}
