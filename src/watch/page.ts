/**
 * The HTML of the live pages: a folder listing, an experiment's cells, a cell's live charts.
 * Markup is built here with escapeHtml (as the static reports are) and each page's settings are
 * embedded with scriptJson; vega, vega-lite and vega-embed are inlined from node_modules like the
 * static reports, so the page needs nothing but this server. The scripts are in client.ts.
 */
import { escapeHtml, inlineLibraries, scriptJson } from '../report/html.js';
import { CELL_SCRIPT, EXPERIMENT_SCRIPT, FOLDER_SCRIPT } from './client.js';
import type { CellView, ExperimentView, FolderView } from './folder.js';
import { LOSS_SERIES, liveCharts } from './specs.js';
import { WATCH } from './text.js';

/** Milliseconds between two polls of a page. */
export const POLL_MS = 1000;

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; padding-bottom: 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 28px 0 8px; }
.kicker { color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .06em; margin: 0; }
.note, #conn { color: var(--muted); font-size: 13px; margin: 4px 0; }
#conn { color: #a40e26; }
nav a { margin-right: 14px; }
.status { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; background: var(--bg); }
.status.ok { background: #dafbe1; color: #116329; }
.status.running { background: #ddf4ff; color: #0550ae; }
.status.diverged, .status.failed { background: #ffebe9; color: #a40e26; }
.status.interrupted, .status.stopped { background: #fff8c5; color: #7d4e00; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--bg); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
progress { width: 140px; }
figure.chart { margin: 16px 0 28px; }
figcaption { max-width: 90ch; margin-top: 6px; }
ul.entries li { margin: 4px 0; }
`;

const pageLink = (path: string): string => `/?dir=${encodeURIComponent(path)}`;
const fileLink = (path: string): string => `/files/${path.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`;
const parentOf = (path: string): string => path.split('/').slice(0, -1).join('/');

const fmt = (x: number | null): string => (x === null ? '–' : x.toPrecision(4));

function statusBadge(status: CellView['status']): string {
  return `<span class="status ${status}" data-status="${status}">${escapeHtml(WATCH.status[status])}</span>`;
}

function frame(title: string, header: string, main: string, settings: unknown, script: string, libraries: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>${header}<p id="conn" role="status"></p></header>
<main>
${main}
<p class="note">${escapeHtml(WATCH.updated)}</p>
</main>
<script type="application/json" id="gradflow-live">${scriptJson(settings)}</script>
${libraries ? inlineLibraries() : ''}
<script>${script}</script>
</body>
</html>
`;
}

const commonText = { status: WATCH.status, lost: WATCH.connectionLost, cells: WATCH.cells };

function countsText(cells: readonly CellView[]): string {
  const counts: Record<string, number> = {};
  for (const c of cells) counts[c.status] = (counts[c.status] ?? 0) + 1;
  return WATCH.counts(counts, cells.length);
}

function cellRow(c: CellView): string {
  return `<tr data-cell="${escapeHtml(c.id)}"><td><a href="${escapeHtml(pageLink(c.path))}">${escapeHtml(c.id)}</a></td>` +
    `<td>${statusBadge(c.status)}</td>` +
    `<td><progress max="1"${c.progress === null ? '' : ` value="${c.progress}"`}></progress></td>` +
    `<td class="num step">${escapeHtml(WATCH.stepOf(c.step, c.steps))}</td><td class="num loss">${escapeHtml(fmt(c.loss))}</td>` +
    `<td class="shard">${escapeHtml(c.shard ?? '')}</td></tr>`;
}

export function experimentPage(v: ExperimentView): string {
  const up = v.path === '' ? '' : `<a href="${escapeHtml(pageLink(parentOf(v.path)))}">${escapeHtml(WATCH.up)}</a>`;
  const report = v.report ? `<a href="${escapeHtml(fileLink(`${v.path}/report.html`))}">${escapeHtml(WATCH.staticReport)}</a>` : '';
  const header = `<p class="kicker">${escapeHtml(WATCH.kicker)} · ${escapeHtml(WATCH.experimentKicker)}</p>
<h1>${escapeHtml(v.name)}</h1>
<p id="counts">${escapeHtml(countsText(v.cells))}</p>
<p class="note">${escapeHtml(WATCH.shards(v.shards))}</p>
<nav>${up}${report}</nav>`;
  const c = WATCH.columns;
  const main = `<section><h2>${escapeHtml(WATCH.cellsHeading)}</h2>
<table class="cells"><thead><tr><th>${c.cell}</th><th>${c.status}</th><th>${c.progress}</th><th>${c.step}</th><th>${c.loss}</th><th>${c.shard}</th></tr></thead>
<tbody>
${v.cells.map(cellRow).join('\n')}
</tbody></table></section>`;
  const settings = { api: `/api/experiment?dir=${encodeURIComponent(v.path)}`, every: POLL_MS, text: commonText };
  return frame(v.name, header, main, settings, EXPERIMENT_SCRIPT, false);
}

export function cellPage(name: string, c: CellView): string {
  const up = `<a href="${escapeHtml(pageLink(parentOf(c.path)))}">${escapeHtml(WATCH.up)}</a>`;
  const report = c.report ? `<a href="${escapeHtml(fileLink(`${c.path}/report.html`))}">${escapeHtml(WATCH.staticReport)}</a>` : '';
  const header = `<p class="kicker">${escapeHtml(WATCH.kicker)} · ${escapeHtml(WATCH.cellKicker)}</p>
<h1>${escapeHtml(name)}</h1>
<p>${statusBadge(c.status).replace('<span ', '<span id="status" ')} <span id="step">${escapeHtml(WATCH.stepOf(c.step, c.steps))}</span> · <span id="records">${escapeHtml(WATCH.records.replace('{n}', '0'))}</span></p>
<nav>${up}${report}</nav>`;
  const charts = liveCharts();
  const figures = charts.map((ch) => `<figure class="chart"><div class="vis" data-chart="${ch.id}" data-points="0"></div>
<figcaption>${escapeHtml(WATCH.charts[ch.id].caption)}</figcaption></figure>`).join('\n');
  const main = `<section><h2>${escapeHtml(WATCH.chartsHeading)}</h2>\n${figures}\n</section>`;
  const settings = {
    api: `/api/cell?dir=${encodeURIComponent(c.path)}`,
    every: POLL_MS,
    charts: charts.map((ch) => ({ id: ch.id, data: ch.data, spec: ch.spec })),
    series: LOSS_SERIES,
    text: { ...commonText, records: WATCH.records },
  };
  return frame(name, header, main, settings, CELL_SCRIPT, true);
}

export function folderPage(v: FolderView): string {
  const up = v.path === '' ? '' : `<nav><a href="${escapeHtml(pageLink(parentOf(v.path)))}">${escapeHtml(WATCH.up)}</a></nav>`;
  const header = `<p class="kicker">${escapeHtml(WATCH.kicker)}</p><h1>${escapeHtml(WATCH.folderTitle)}${v.path === '' ? '' : `: ${escapeHtml(v.path)}`}</h1>${up}`;
  const main = v.entries.length === 0
    ? `<p class="note">${escapeHtml(WATCH.folderEmpty)}</p>`
    : `<ul class="entries">${v.entries.map((e) => `<li><a href="${escapeHtml(pageLink(e.path))}">${escapeHtml(e.name)}</a> <span class="note">${e.kind}</span></li>`).join('')}</ul>`;
  const settings = { api: `/api/folder?dir=${encodeURIComponent(v.path)}`, every: POLL_MS * 2, entries: v.entries, text: commonText };
  return frame(WATCH.folderTitle, header, main, settings, FOLDER_SCRIPT, false);
}
