/**
 * The claims report: results/claims/report.html. Data first, like every gradflow report: the
 * verdicts and each check's figures become a `Page` (pure: `claimsPage`), and the shared HTML
 * writer of src/report renders it.
 *
 *   header      counts of each kind, apart: identities, empirical claims, untestable entries
 *   tables      empirical claims (effect, interval, threshold, arms, verdict); identities
 *               (measured values, verdict); statements not testable here, with the reason;
 *               errata (the claims that measure an error of the post)
 *   sections    one per claim: its figures, statement, what is measured, the arms with their
 *               learning rates and training gate, the effect per seed, every measure
 *
 * Every string from the claims file or a run reaches the page through `escapeHtml`.
 */
import { relative } from 'node:path';
import { escapeHtml, type Chart, type Page, type Section } from '../report/html.js';
import type { Evaluated } from './evaluate.js';
import { fmtNum } from './predicates.js';
import type { Verdict } from './schema.js';
import { PAGE } from './text.js';
import type { ClaimVerdict, Measure } from './types.js';

const VERDICT_CLASS: Record<Verdict, string> = {
  reproduced: 'ok', holds: 'ok', 'not reproduced': 'failed', fails: 'failed', inconclusive: 'interrupted', untestable: 'interrupted',
};

export function valueText(v: Measure['value']): string {
  if (v === null) return PAGE.notMeasured;
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'boolean') return v ? PAGE.yes : PAGE.no;
  return v;
}

const passMark = (p: boolean | null): string => (p === null ? '?' : p ? '✓' : '✗');
const badge = (v: Verdict): string => `<span class="status ${VERDICT_CLASS[v]}">${escapeHtml(v)}</span>`;
const anchor = (id: string): string => `claim-${id.toLowerCase()}`;
const idCell = (id: string): string => `<td data-v="${parseFloat(id)}"><a href="#${anchor(id)}">${escapeHtml(id)}</a></td>`;
const wide = (s: string, min = 20): string => `<td style="white-space: normal; min-width: ${min}ch">${s}</td>`;
const expectedNote = (v: ClaimVerdict): string => (v.verdict === v.expected ? '' : `<br><span class="note">${escapeHtml(PAGE.expected(v.expected))}</span>`);

/** "0.012 [-0.004, 0.028]". */
export function effectText(v: ClaimVerdict): string {
  const e = v.effect;
  if (!e) return '';
  return `${fmtNum(e.value)}${e.interval ? ` [${fmtNum(e.interval[0])}, ${fmtNum(e.interval[1])}]` : ''}`;
}

function armsText(v: ClaimVerdict): string {
  return (v.arms ?? [])
    .map((a) => `${escapeHtml(a.name)} (${a.lr === null ? '–' : fmtNum(a.lr)}, ${a.gated ? (a.trained ? PAGE.yes : PAGE.no) : PAGE.notGated}, ${a.diverged}/${a.seeds})`)
    .join('<br>');
}

function table(heads: readonly string[], rows: readonly string[]): string {
  return `<p class="note">${escapeHtml(PAGE.tableNote)}</p>
<table class="sortable"><thead><tr>${heads.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function empiricalTable(es: readonly Evaluated[]): string {
  const h = PAGE.heads;
  const rows = es.map(({ verdict: v }) => `<tr>${idCell(v.id)}${wide(escapeHtml(v.title))}${wide(`${escapeHtml(v.effect?.name ?? '')}: <strong>${escapeHtml(effectText(v))}</strong>`, 24)}<td>${escapeHtml(v.effect ? `${v.effect.direction} ${fmtNum(v.effect.threshold)}` : '')}</td>${wide(armsText(v), 24)}<td class="num">${v.seeds ?? ''}</td><td>${badge(v.verdict)}${expectedNote(v)}</td></tr>`);
  return table([h.id, h.claim, h.effect, h.threshold, h.arms, h.seeds, h.verdict], rows);
}

function identityTable(es: readonly Evaluated[]): string {
  const h = PAGE.heads;
  const rows = es.map(({ verdict: v }) => {
    const failed = v.measures.filter((m) => m.pass !== true);
    const shown = (failed.length ? failed : v.measures).slice(0, 3);
    const measured = shown.map((m) => `${passMark(m.pass)} ${escapeHtml(m.label)}: <strong>${escapeHtml(valueText(m.value))}</strong> (${escapeHtml(m.threshold)})`).join('<br>');
    return `<tr>${idCell(v.id)}${wide(escapeHtml(v.title))}${wide(measured, 30)}<td>${badge(v.verdict)}${expectedNote(v)}</td></tr>`;
  });
  return table([h.id, h.claim, h.measured, h.verdict], rows);
}

function untestableTable(es: readonly Evaluated[]): string {
  const h = PAGE.heads;
  return table([h.id, h.claim, h.reason], es.map(({ verdict: v }) => `<tr>${idCell(v.id)}${wide(escapeHtml(v.title))}${wide(escapeHtml(v.reason ?? ''), 40)}</tr>`));
}

function errataList(es: readonly Evaluated[]): string {
  const items = es.map(({ claim, verdict: v }) => {
    const m = v.measures.find((x) => x.pass !== true) ?? v.measures[0];
    const measured = m ? `${m.label}: ${valueText(m.value)} (${m.threshold})` : v.reason ?? '';
    return `<li><a href="#${anchor(v.id)}">${escapeHtml(v.id)}</a> <strong>${escapeHtml(claim.section)}</strong>: ${escapeHtml(claim.statement)} — ${badge(v.verdict)} <span class="note">${escapeHtml(measured)}</span></li>`;
  });
  return `<ul>${items.join('\n')}</ul>`;
}

function armsDetail(v: ClaimVerdict): string {
  if (!v.arms?.length) return '';
  const h = PAGE.armsHeads;
  const rows = v.arms.map((a) => `<tr><td>${escapeHtml(a.name)}</td><td>${escapeHtml(a.role)}</td><td class="num">${a.lr === null ? '–' : fmtNum(a.lr)}</td><td class="num">${a.seeds}</td><td class="num">${fmtNum(a.testAcc)}</td><td>${a.gated ? (a.trained ? PAGE.yes : PAGE.no) : PAGE.notGated}</td><td class="num">${a.diverged}</td></tr>`);
  return `<table><thead><tr>${[h.arm, h.role, h.lr, h.seeds, h.acc, h.trained, h.diverged].map((x) => `<th>${escapeHtml(x)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function seedsDetail(v: ClaimVerdict): string {
  if (!v.effect) return '';
  const h = PAGE.seedsHeads;
  const rows = v.effect.perSeed.map((s) => `<tr><td class="num">${s.seed}</td><td class="num">${fmtNum(s.value)}</td><td>${escapeHtml(s.note ?? '')}</td></tr>`);
  return `<table><thead><tr><th>${h.seed}</th><th>${h.value}</th><th>${h.note}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function detail(e: Evaluated, dir: string): string {
  const c = e.claim;
  const v = e.verdict;
  const dl = (k: string, val: string): string => `<div><dt>${escapeHtml(k)}</dt><dd style="font-weight: normal">${escapeHtml(val)}</dd></div>`;
  const facts = [
    dl(PAGE.statement, c.statement),
    ...(c.kind !== 'untestable' ? [dl(PAGE.metric, c.metric), dl(PAGE.predicate, c.predicate), dl(PAGE.reason, c.reason)] : []),
    ...(c.notes ? [dl(PAGE.notes, c.notes)] : []),
    ...(c.kind !== 'untestable' && c.why ? [dl(PAGE.why, c.why)] : []),
  ];
  const mh = PAGE.measuresHeads;
  const measures = v.measures.length
    ? `<table><thead><tr><th>${mh.measure}</th><th>${mh.value}</th><th>${mh.threshold}</th><th>${mh.pass}</th></tr></thead><tbody>${v.measures
        .map((m) => `<tr><td style="white-space: normal">${escapeHtml(m.label)}</td><td class="num">${escapeHtml(valueText(m.value))}</td><td>${escapeHtml(m.threshold)}</td><td>${passMark(m.pass)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const info = [...(v.reason ? [v.reason] : []), ...v.info].map((s) => `<p class="note">${escapeHtml(s)}</p>`).join('\n');
  const links = e.armDirs.length
    ? `<p class="note">${escapeHtml(PAGE.runs)}: ${e.armDirs.map((a) => `<a href="${escapeHtml(relative(dir, a.dir).split(/[\\/]/).map(encodeURIComponent).join('/'))}/">${escapeHtml(a.ref)}</a>`).join(' · ')}</p>`
    : '';
  return `<p>${badge(v.verdict)} <span class="note">${escapeHtml(PAGE.expected(v.expected))}</span></p>
<dl class="facts" style="grid-template-columns: 1fr">${facts.join('')}</dl>
${armsDetail(v)}
${seedsDetail(v)}
${measures}
${info}
${links}`;
}

/** The page: counts, the three tables and the errata, one section per claim. */
export function claimsPage(entries: readonly Evaluated[], meta: { readonly wallSec: number; readonly cpuSec: number; readonly seedBase: number; readonly claimsFile: string; readonly dir: string }): Page {
  const of = (k: string): Evaluated[] => entries.filter((e) => e.verdict.kind === k);
  const count = (v: Verdict): number => entries.filter((e) => e.verdict.verdict === v).length;
  const header = `<p class="kicker">${escapeHtml(PAGE.kicker)}</p>
<h1>${escapeHtml(PAGE.heading)}</h1>
<p class="desc">${escapeHtml(PAGE.intro)}</p>
<p>${escapeHtml(PAGE.empirical)}: ${badge('reproduced')} ${count('reproduced')} &nbsp; ${badge('not reproduced')} ${count('not reproduced')} &nbsp; ${badge('inconclusive')} ${count('inconclusive')}</p>
<p>${escapeHtml(PAGE.identities)}: ${badge('holds')} ${count('holds')} &nbsp; ${badge('fails')} ${count('fails')} &nbsp; · &nbsp; ${escapeHtml(PAGE.untestable)}: ${count('untestable')}</p>`;
  const sections: Section[] = [
    { heading: PAGE.empirical, charts: [], html: empiricalTable(of('empirical')) },
    { heading: PAGE.identities, charts: [], html: identityTable(of('identity')) },
    { heading: PAGE.untestable, charts: [], html: untestableTable(of('untestable')) },
    { heading: PAGE.errata, charts: [], html: errataList(entries.filter((e) => e.claim.erratum)) },
  ];
  for (const e of entries) {
    const charts: Chart[] = e.figures.map((f, i) => ({ id: i === 0 ? anchor(e.claim.id) : `${anchor(e.claim.id)}-${i}`, text: { title: e.claim.title, caption: f.caption }, spec: f.spec }));
    const html = charts.length ? detail(e, meta.dir) : `<a id="${anchor(e.claim.id)}"></a>${detail(e, meta.dir)}`;
    sections.push({ heading: PAGE.verdictFor(e.claim.id, e.claim.title, e.verdict.verdict), charts, html });
  }
  return { title: PAGE.title, header, sections, footer: [PAGE.footer(meta.wallSec, meta.cpuSec, meta.claimsFile, meta.seedBase)] };
}
