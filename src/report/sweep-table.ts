/**
 * The row of each cell (names from its config, growth factors from its first record) and the
 * sortable table of all cells, each id linking to the cell's own report.
 */
import type { MetricRecord } from '../metrics/types.js';
import { blockNumber, blowupOverTimeOf } from './blocks.js';
import { escapeHtml } from './html.js';
import { choiceLabel, runInfo, type SweepCell, type SweepData } from './read.js';
import type { CellRow } from './specs/sweep.js';
import { PAGE, fmt } from './text.js';

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

export function numCell(v: number | null | undefined, digits?: (x: number) => string): string {
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

