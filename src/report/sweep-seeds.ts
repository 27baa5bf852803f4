/**
 * The "Over seeds" section of a sweep's report, from sweep-summary.json: a table with one row per
 * group of cells that differ only in their seed, the share of seeds with a yes/no outcome and the
 * final loss over seeds against a numeric swept axis.
 */
import type { GroupSummary, NumericAggregate, Proportion, SweepSummary } from '../results/types.js';
import { escapeHtml, type Chart, type Section } from './html.js';
import { numCell } from './sweep-table.js';
import { SAFE_KEY, isSeedKey, valueLabel } from './sweep-shape.js';
import { lossBandSpec, proportionSpec, type SeedPoint } from './specs/sweep.js';
import { AXIS, NOTES, PAGE, SWEEP_CHARTS } from './text.js';

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

