/**
 * The claims report: results/claims/report.html. Data first, like every gradflow report: the
 * verdicts and each check's chart spec become a `Page` (pure: `claimsPage`), and the shared HTML
 * writer of src/report renders it (vega, vega-lite and vega-embed inlined; SVG fallbacks).
 *
 * Every string from the claims file or a run reaches the page through `escapeHtml`.
 */
import { escapeHtml, type Chart, type Page, type Section } from '../report/html.js';
import type { Spec } from '../report/specs/common.js';
import { fmtNum } from './predicates.js';
import type { Claim, Verdict } from './schema.js';
import { ERRATA, PAGE } from './text.js';
import type { ClaimVerdict, Measure } from './types.js';

/** One claim as the page shows it. */
export interface ClaimEntry {
  readonly claim: Claim;
  readonly verdict: ClaimVerdict;
  readonly chart: Spec | null;
  readonly caption?: string;
  /** Links to the runs' reports (relative to the page) and the experiments' sweep reports. */
  readonly runLinks: readonly { readonly ref: string; readonly href: string }[];
  readonly experimentLinks: readonly { readonly name: string; readonly href: string }[];
}

const VERDICT_CLASS: Record<Verdict, string> = { reproduced: 'ok', 'not reproduced': 'failed', inconclusive: 'interrupted' };

export function valueText(v: Measure['value']): string {
  if (v === null) return PAGE.notMeasured;
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'boolean') return v ? PAGE.yes : PAGE.no;
  return v;
}

const passMark = (p: boolean | null): string => (p === null ? '?' : p ? '✓' : '✗');

function badge(v: Verdict): string {
  return `<span class="status ${VERDICT_CLASS[v]}">${escapeHtml(v)}</span>`;
}

function anchor(id: string): string {
  return `claim-${id.toLowerCase()}`;
}

function evidenceCell(e: ClaimEntry): string {
  if (e.runLinks.length === 0) return escapeHtml(PAGE.analytic);
  return e.experimentLinks.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.name)}</a>`).join('<br>');
}

/** The measures the overview shows: the ones that failed (or could not be measured), else the first, at most three. */
export function keyMeasures(measures: readonly Measure[], max = 3): Measure[] {
  const failed = measures.filter((m) => m.pass !== true);
  return (failed.length ? failed : measures).slice(0, max);
}

function overviewTable(entries: readonly ClaimEntry[]): string {
  const h = PAGE.heads;
  const rows = entries.map((e) => {
    const v = e.verdict;
    const shown = keyMeasures(v.measures);
    const met = v.measures.filter((m) => m.pass === true).length;
    const measured = [
      ...shown.map((m) => `${passMark(m.pass)} ${escapeHtml(m.label)}: <strong>${escapeHtml(valueText(m.value))}</strong>`),
      `<span class="note">${escapeHtml(PAGE.met(met, v.measures.length))}</span>`,
    ].join('<br>');
    const thresholds = shown.map((m) => escapeHtml(m.threshold)).join('<br>');
    const expected = v.verdict === v.expected ? '' : `<br><span class="note">${escapeHtml(PAGE.expected(v.expected))}</span>`;
    return `<tr>
<td data-v="${parseFloat(v.id)}"><a href="#${anchor(v.id)}">${escapeHtml(v.id)}</a></td>
<td style="white-space: normal; min-width: 20ch">${escapeHtml(e.claim.title)}</td>
<td style="white-space: normal">${escapeHtml(e.claim.section)}</td>
<td style="white-space: normal">${evidenceCell(e)}</td>
<td style="white-space: normal; min-width: 30ch">${measured}</td>
<td>${thresholds}</td>
<td>${badge(v.verdict)}${expected}</td>
</tr>`;
  });
  return `<p class="note">${escapeHtml(PAGE.tableCaption)}</p>
<table class="sortable"><thead><tr><th>${h.id}</th><th>${h.claim}</th><th>${h.section}</th><th>${h.evidence}</th><th>${h.measured}</th><th>${h.threshold}</th><th>${h.verdict}</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function detail(e: ClaimEntry): string {
  const c = e.claim;
  const v = e.verdict;
  const mh = PAGE.measuresHeads;
  const dl = (k: string, val: string): string => `<div><dt>${escapeHtml(k)}</dt><dd style="font-weight: normal">${escapeHtml(val)}</dd></div>`;
  const facts = [
    dl(PAGE.statement, c.statement),
    dl(PAGE.metric, c.metric),
    dl(PAGE.predicate, c.predicate),
    dl(PAGE.reason, c.reason),
    ...(c.notes ? [dl(PAGE.notes, c.notes)] : []),
    ...(c.why ? [dl(PAGE.why, c.why)] : []),
  ];
  const rows = v.measures.map(
    (m) => `<tr><td style="white-space: normal">${escapeHtml(m.label)}</td><td class="num">${escapeHtml(valueText(m.value))}</td><td>${escapeHtml(m.threshold)}</td><td>${passMark(m.pass)}</td></tr>`,
  );
  const info = [...(v.reason ? [v.reason] : []), ...v.info].map((s) => `<p class="note">${escapeHtml(s)}</p>`).join('\n');
  const runs = e.runLinks.length
    ? `<p class="note">${escapeHtml(PAGE.runs)}: ${[
        ...e.experimentLinks.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.name)}</a>`),
        ...e.runLinks.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.ref)}</a>`),
      ].join(' · ')}</p>`
    : '';
  return `<p>${badge(v.verdict)} <span class="note">${escapeHtml(PAGE.expected(v.expected))}</span></p>
<dl class="facts" style="grid-template-columns: 1fr">${facts.join('')}</dl>
<table><thead><tr><th>${mh.measure}</th><th>${mh.value}</th><th>${mh.threshold}</th><th>${mh.pass}</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${info}
${runs}`;
}

function errata(): string {
  const items = ERRATA.map((e) => {
    const links = e.claims.map((id) => `<a href="#${anchor(id)}">${escapeHtml(id)}</a>`).join(', ');
    return `<li><strong>${escapeHtml(e.section)}</strong>: ${escapeHtml(e.text)} <span class="note">(${escapeHtml(PAGE.errataClaims)} ${links})</span></li>`;
  });
  return `<p class="note">${escapeHtml(PAGE.errataIntro)}</p><ul>${items.join('\n')}</ul>`;
}

/** The page: overview table, one section per claim (chart, measures, links), the post's errata. */
export function claimsPage(entries: readonly ClaimEntry[], meta: { readonly wallSec: number; readonly claimsFile: string }): Page {
  const counts: Record<Verdict, number> = { reproduced: 0, 'not reproduced': 0, inconclusive: 0 };
  for (const e of entries) counts[e.verdict.verdict]++;
  const header = `<p class="kicker">${escapeHtml(PAGE.kicker)}</p>
<h1>${escapeHtml(PAGE.heading)}</h1>
<p class="desc">${escapeHtml(PAGE.intro)}</p>
<p>${badge('reproduced')} ${counts.reproduced} &nbsp; ${badge('not reproduced')} ${counts['not reproduced']} &nbsp; ${badge('inconclusive')} ${counts.inconclusive}</p>`;
  const sections: Section[] = [{ heading: PAGE.overview, charts: [], html: overviewTable(entries) }];
  for (const e of entries) {
    const charts: Chart[] = e.chart === null
      ? []
      : [{ id: anchor(e.claim.id), text: { title: e.claim.title, caption: e.caption ?? e.claim.metric }, spec: e.chart }];
    sections.push({ heading: PAGE.verdictFor(e.claim.id, e.claim.title, e.verdict.verdict), charts, html: detail(e) });
  }
  sections.push({ heading: PAGE.errata, charts: [], html: errata() });
  return { title: PAGE.title, header, sections, footer: [PAGE.footer(meta.wallSec, meta.claimsFile)] };
}
