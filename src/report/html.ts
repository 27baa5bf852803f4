/**
 * Wraps finished specs into one self-contained HTML page: vega, vega-lite and vega-embed inlined
 * from node_modules (no network, opens from file://), each chart's SVG rendered in Node as the
 * fallback shown with JavaScript off, and the specs as JSON data read by a small page script.
 *
 * Safety: every string from a results file goes through `escapeHtml`; the specs are embedded in
 * a `<script type="application/json">` with `<`, `>`, `&` and U+2028/9 written as \u escapes,
 * so no value can close the element; the page script never builds markup from data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSvg, renumberIds } from './render.js';
import type { Spec } from './specs/common.js';
import { PAGE, type ChartText } from './text.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (or an attribute value) as HTML: the five special characters escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface Chart {
  /** Unique within the page, [a-z0-9-]. */
  readonly id: string;
  readonly text: ChartText;
  readonly spec: Spec;
  /** Extra notes under the caption (from text.ts, with numbers filled in). */
  readonly notes?: readonly string[];
  /** Highlighted notes (where the post's code is wrong). */
  readonly callouts?: readonly string[];
}

export interface Section {
  readonly heading: string;
  readonly charts: readonly Chart[];
  /** Notes for charts that were omitted. */
  readonly notes?: readonly string[];
  /** Trusted markup built by the caller with escapeHtml (a table). */
  readonly html?: string;
}

export interface Page {
  readonly title: string;
  /** Trusted markup of the header, built with escapeHtml. */
  readonly header: string;
  readonly sections: readonly Section[];
  readonly footer: readonly string[];
}

const BUNDLES = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
] as const;

let bundleCache: string | null = null;

/** Finds node_modules/<pkg>/<file> the way Node resolves packages: upward from this file. */
function findBundle(pkg: string, file: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', pkg, file);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`gradflow report: cannot find ${pkg}/${file} in any node_modules above ${dirname(fileURLToPath(import.meta.url))}`);
    dir = up;
  }
}

/** The three libraries as inline <script> elements (read once per process). */
export function inlineLibraries(): string {
  if (bundleCache === null) {
    bundleCache = BUNDLES.map(([pkg, file]) => {
      const js = readFileSync(findBundle(pkg, file), 'utf8')
        .replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n')
        .replace(/<\/(script)/gi, '<\\/$1');
      return `<script>/* ${pkg} */\n${js}</script>`;
    }).join('\n');
  }
  return bundleCache;
}

type Cell = string | number | boolean | null;

/** Rows as columns: `f` the field names, `c[j][i]` the value of field j in row i (absent = null). */
export interface Columnar {
  readonly f: readonly string[];
  readonly c: readonly Cell[][];
}

export function toColumnar(rows: readonly Record<string, unknown>[]): Columnar {
  const f: string[] = [];
  const index = new Map<string, number>();
  for (const row of rows) for (const k of Object.keys(row)) if (!index.has(k)) index.set(k, f.push(k) - 1);
  const c: Cell[][] = f.map(() => new Array<Cell>(rows.length).fill(null));
  rows.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) {
      const cell = typeof v === 'number' ? (Number.isFinite(v) ? v : null) : (v as Cell) ?? null;
      c[index.get(k)!][i] = cell;
    }
  });
  return { f, c };
}

/** What the page script reads: specs without their data sets, the data sets once each, and who uses which. */
export interface PageData {
  readonly specs: Record<string, Spec>;
  readonly data: Record<string, Columnar>;
  readonly refs: Record<string, Record<string, string>>;
}

/**
 * Moves each spec's `datasets` into one page-level table, storing identical data sets once
 * (every per-layer chart of a run shares one) in column form.
 */
export function pageData(specs: Readonly<Record<string, Spec>>): PageData {
  const out: PageData = { specs: {}, data: {}, refs: {} };
  const seen = new Map<string, string>();
  for (const [id, spec] of Object.entries(specs)) {
    const { datasets, ...rest } = spec as Spec & { datasets?: Record<string, Record<string, unknown>[]> };
    out.specs[id] = rest as Spec;
    if (!datasets) continue;
    out.refs[id] = {};
    for (const [name, rows] of Object.entries(datasets)) {
      const key = JSON.stringify(rows);
      let ref = seen.get(key);
      if (ref === undefined) {
        ref = `d${seen.size}`;
        seen.set(key, ref);
        out.data[ref] = toColumnar(rows);
      }
      out.refs[id][name] = ref;
    }
  }
  return out;
}

/**
 * Embeds every chart: vega-embed renders into a new element; the fallback SVG sits in a
 * <noscript>, so with JavaScript on the browser never builds its DOM (it stays text, used only if
 * embedding fails), and with JavaScript off it is what the reader sees. data-marks records the
 * number of mark items drawn and data-counts the marks and items per mark type (tests read
 * them); body[data-charts] is set when all have settled.
 *
 * Charts that define the selection `pick` (a sweep's charts, specs/series.ts) share it: when its
 * store changes in one chart, the page copies the store's tuples into every other chart that
 * has one, so picking a series in one legend highlights it everywhere. data-pick holds the
 * picked values as JSON on every chart ("[]" when nothing is picked).
 */
const PAGE_SCRIPT = `
(function () {
  var page = JSON.parse(document.getElementById('gradflow-specs').textContent);
  function rows(col) {
    var n = col.c.length ? col.c[0].length : 0, out = new Array(n);
    for (var i = 0; i < n; i++) {
      var o = {};
      for (var j = 0; j < col.f.length; j++) o[col.f[j]] = col.c[j][i];
      out[i] = o;
    }
    return out;
  }
  function spec(id) {
    var s = page.specs[id], refs = page.refs[id];
    if (refs) {
      s.datasets = {};
      for (var name in refs) s.datasets[name] = rows(page.data[refs[name]]);
    }
    return s;
  }
  var options = { renderer: 'canvas', actions: { export: true, source: false, compiled: false, editor: false } };
  function count(node) {
    var n = 0;
    if (node && node.marktype && node.role === 'mark') n += (node.items || []).length;
    var items = (node && node.items) || [];
    for (var i = 0; i < items.length; i++) n += count(items[i]);
    return n;
  }
  function counts(node, acc) {
    if (node && node.marktype && node.role === 'mark') {
      var c = acc[node.marktype] || (acc[node.marktype] = { marks: 0, items: 0 });
      c.marks++;
      c.items += (node.items || []).length;
    }
    var items = (node && node.items) || [];
    for (var i = 0; i < items.length; i++) counts(items[i], acc);
    return acc;
  }
  var STORE = 'pick_store';
  var views = [];
  var picked = null, tuples = [];
  function storeOf(view) {
    try { return view.data(STORE); } catch (e) { return null; }
  }
  function copy(t) { return { unit: t.unit, fields: t.fields, values: t.values.slice() }; }
  function share(from, ts) {
    // One tuple per unit that defines the selection: the picked values are the distinct ones.
    var seen = {}, values = [];
    ts.forEach(function (t) {
      var k = JSON.stringify(t.values);
      if (!seen[k]) { seen[k] = true; values.push(t.values); }
    });
    var key = JSON.stringify(values);
    if (key === picked) return;
    picked = key;
    tuples = ts.map(copy);
    views.forEach(function (v) {
      v.el.setAttribute('data-pick', key);
      if (v.view !== from) v.view.data(STORE, tuples.map(copy)).runAsync();
    });
  }
  function join(el, view) {
    if (!storeOf(view)) return;
    views.push({ el: el, view: view });
    el.setAttribute('data-pick', picked === null ? '[]' : picked);
    if (tuples.length) view.data(STORE, tuples.map(copy)).runAsync();
    view.addDataListener(STORE, function (name, value) { share(view, value || []); });
  }
  var charts = document.querySelectorAll('[data-chart]');
  // One chart at a time, in page order, so the browser paints the top of the page first.
  function draw(k) {
    if (k === charts.length) {
      document.body.setAttribute('data-charts', String(charts.length));
      return;
    }
    var el = charts[k];
    var id = el.getAttribute('data-chart');
    var target = document.createElement('div');
    target.className = 'live';
    el.insertBefore(target, el.firstChild);
    vegaEmbed(target, spec(id), options).then(function (result) {
      var root = result.view.scenegraph().root;
      el.setAttribute('data-marks', String(count(root)));
      el.setAttribute('data-counts', JSON.stringify(counts(root, {})));
      join(el, result.view);
    }).catch(function (err) {
      // Show the static SVG instead (kept in <noscript>, whose content is text while scripts run).
      var fallback = el.querySelector('noscript');
      target.innerHTML = fallback ? fallback.textContent : '';
      el.setAttribute('data-error', String(err));
      console.error('gradflow: chart ' + id + ' could not be drawn: ' + err);
    }).then(function () { setTimeout(function () { draw(k + 1); }, 0); });
  }
  draw(0);
})();
`;

/** Sorts any table.sortable by a clicked column heading (numbers by data-v, text otherwise). */
const TABLE_SCRIPT = `
(function () {
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.querySelectorAll('th');
    heads.forEach(function (th, col) {
      th.setAttribute('tabindex', '0');
      function sort() {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var p = parseFloat(x.getAttribute('data-v')), q = parseFloat(y.getAttribute('data-v'));
          var c;
          if (!isNaN(p) || !isNaN(q)) c = (isNaN(p) ? Infinity : p) - (isNaN(q) ? Infinity : q);
          else c = x.textContent.localeCompare(y.textContent);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
    });
  });
})();
`;

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; padding-bottom: 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 26px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.kicker { color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .06em; margin: 0; }
.desc { margin: 4px 0 12px; max-width: 80ch; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 6px 18px; margin: 12px 0; }
dl.facts div { background: var(--bg); border-radius: 6px; padding: 6px 10px; }
dl.facts dt { color: var(--muted); font-size: 12px; }
dl.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.status { display: inline-block; padding: 4px 10px; border-radius: 999px; font-weight: 600; }
.status.ok { background: #dafbe1; color: #116329; }
.status.diverged, .status.failed { background: #ffebe9; color: #a40e26; }
.status.interrupted, .status.missing { background: #fff8c5; color: #7d4e00; }
figure.chart { margin: 16px 0 28px; }
.vis { overflow-x: auto; }
.vis svg { max-width: 100%; height: auto; }
figcaption { color: var(--ink); max-width: 90ch; margin-top: 6px; }
.note { color: var(--muted); font-size: 13px; max-width: 90ch; margin: 4px 0; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.seeds th, table.seeds td { padding: 4px 6px; }
table.seeds th { white-space: normal; vertical-align: bottom; }
table.seeds td:first-child { white-space: normal; }
th { cursor: pointer; background: var(--bg); user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
.gallery { display: grid; grid-template-columns: 1fr; gap: 8px; }
.badge { font-size: 12px; background: #ddf4ff; color: #0550ae; border-radius: 999px; padding: 1px 8px; margin-left: 6px; }
.post-note { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 6px 10px; margin: 6px 0; max-width: 90ch; }
footer { color: var(--muted); font-size: 13px; padding-top: 16px; padding-bottom: 32px; border-top: 1px solid var(--line); margin-top: 32px; }
`;

/**
 * The SVG with the quotes of its text content written as entities. vega escapes < and & in text
 * but leaves quotes, which are harmless there; written as entities, no string from a results
 * file (a swept value in a legend) appears in the page source with its quotes, as it would in
 * an attribute.
 */
export function quoteTextEntities(svg: string): string {
  return svg.replace(/>([^<]+)</g, (_m, text: string) => `>${text.replace(/"/g, '&quot;').replace(/'/g, '&#39;')}<`);
}

function chartMarkup(chart: Chart, svg: string): string {
  const notes = [
    ...(chart.callouts ?? []).map((n) => `<p class="post-note">${escapeHtml(n)}</p>`),
    ...(chart.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`),
  ].join('');
  return `<figure class="chart" id="${chart.id}">
<div class="vis" data-chart="${chart.id}"><noscript>${svg}</noscript></div>
<figcaption>${escapeHtml(chart.text.caption)}</figcaption>${notes}
</figure>`;
}

/** The page, every chart rendered to SVG. Deterministic: the same input gives the same bytes. */
export async function renderPage(page: Page): Promise<string> {
  const specs: Record<string, Spec> = {};
  const body: string[] = [];
  for (const section of page.sections) {
    body.push(`<section><h2>${escapeHtml(section.heading)}</h2>`);
    for (const chart of section.charts) {
      if (!/^[a-z0-9-]+$/.test(chart.id) || chart.id in specs) throw new Error(`gradflow report: bad or repeated chart id ${chart.id}`);
      specs[chart.id] = chart.spec;
      const { svg } = await renderSvg(chart.spec);
      body.push(chartMarkup(chart, quoteTextEntities(renumberIds(svg, `svg-${chart.id}`))));
    }
    for (const n of section.notes ?? []) body.push(`<p class="note">${escapeHtml(n)}</p>`);
    if (section.html) body.push(section.html);
    body.push('</section>');
  }
  const footer = page.footer.map((f) => `<p>${escapeHtml(f)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>${page.header}</header>
<main>
${body.join('\n')}
</main>
<footer>
<p>${escapeHtml(PAGE.fallbackNote)}</p>
${footer}
</footer>
<script type="application/json" id="gradflow-specs">${scriptJson(pageData(specs))}</script>
${inlineLibraries()}
<script>${PAGE_SCRIPT}</script>
<script>${TABLE_SCRIPT}</script>
</body>
</html>
`;
}
