/**
 * The scripts of the live pages, run in the browser. Each reads its settings from the page's
 * `<script type="application/json" id="gradflow-live">` element, polls the server's JSON API, and
 * changes the page only through textContent, setAttribute and new elements: no string from the
 * results folder is ever parsed as markup. Attributes the tests read:
 *
 *   cell page        [data-chart] data-points (rows in the chart's data set), data-marks (items
 *                    drawn); #status data-status; body data-records (records received)
 *   experiment page  tr[data-cell] for each cell, its .status data-status and progress value
 */

/** Shared helpers: settings, status badges, polling with a retry, the number format. */
const COMMON = `
  var cfg = JSON.parse(document.getElementById('gradflow-live').textContent);
  var conn = document.getElementById('conn');
  function setStatus(el, status) {
    el.className = 'status ' + status;
    el.setAttribute('data-status', status);
    el.textContent = cfg.text.status[status] || status;
  }
  function fmt(x) { return x === null || x === undefined ? '\\u2013' : Number(x).toPrecision(4); }
  function stepText(step, steps) { return step === null ? '\\u2013' : steps === null ? String(step) : step + ' / ' + steps; }
  function getJson(url) {
    return fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    });
  }
  var stopped = false;
  window.addEventListener('pagehide', function () { stopped = true; });
  function loop(step) {
    if (stopped) return;
    step().then(function (delay) {
      conn.textContent = '';
      setTimeout(function () { loop(step); }, delay);
    }, function () {
      conn.textContent = cfg.text.lost;
      setTimeout(function () { loop(step); }, cfg.every * 2);
    });
  }
`;

/** The cell page: embeds the live charts, then inserts the new records of every poll. */
export const CELL_SCRIPT = `
(function () {
${COMMON}
  var statusEl = document.getElementById('status');
  var stepEl = document.getElementById('step');
  var views = [];
  var pos = null;
  var records = 0;
  function count(node) {
    var n = 0;
    if (node && node.marktype && node.role === 'mark') n += (node.items || []).length;
    var items = (node && node.items) || [];
    for (var i = 0; i < items.length; i++) n += count(items[i]);
    return n;
  }
  function rowsOf(list) {
    var rows = { loss: [], layers: [] };
    list.forEach(function (r) {
      if (r.loss !== null) rows.loss.push({ step: r.step, value: r.loss, series: cfg.series.batch });
      if (r.trainLoss !== null) rows.loss.push({ step: r.step, value: r.trainLoss, series: cfg.series.train });
      if (r.testLoss !== null) rows.loss.push({ step: r.step, value: r.testLoss, series: cfg.series.test });
      r.layers.forEach(function (l) { rows.layers.push({ step: r.step, layer: l[0], gradNorm: l[1], actStd: l[2] }); });
    });
    return rows;
  }
  function apply(chunk) {
    var rows = rowsOf(chunk.records);
    records = chunk.reset ? chunk.records.length : records + chunk.records.length;
    document.body.setAttribute('data-records', String(records));
    document.getElementById('records').textContent = cfg.text.records.replace('{n}', String(records));
    return Promise.all(views.map(function (v) {
      var change = vega.changeset();
      if (chunk.reset) change = change.remove(vega.truthy);
      // resize: lay the axes out again, since new values may need wider labels.
      v.view.change(v.data, change.insert(rows[v.data])).resize();
      return v.view.runAsync().then(function () {
        v.el.setAttribute('data-points', String(v.view.data(v.data).length));
        v.el.setAttribute('data-marks', String(count(v.view.scenegraph().root)));
      });
    }));
  }
  function poll() {
    var url = cfg.api + (pos === null ? '' : '&file=' + encodeURIComponent(pos.file) + '&offset=' + pos.offset);
    return getJson(url).then(function (d) {
      setStatus(statusEl, d.cell.status);
      stepEl.textContent = stepText(d.cell.step, d.cell.steps);
      if (d.chunk === null) return cfg.every;
      return apply(d.chunk).then(function () {
        pos = d.chunk.next;
        return d.chunk.more ? 0 : cfg.every;
      });
    });
  }
  var options = { renderer: 'canvas', actions: { export: true, source: false, compiled: false, editor: false } };
  Promise.all(cfg.charts.map(function (c) {
    var el = document.querySelector('[data-chart="' + c.id + '"]');
    return vegaEmbed(el, c.spec, options).then(function (result) {
      views.push({ view: result.view, data: c.data, el: el });
    });
  })).then(function () {
    document.body.setAttribute('data-live', 'ready');
    loop(poll);
  }, function (err) {
    document.body.setAttribute('data-live', 'error');
    console.error('gradflow watch: ' + err);
  });
})();
`;

/** The experiment page: one table row per cell, updated (and added) on every poll. */
export const EXPERIMENT_SCRIPT = `
(function () {
${COMMON}
  var body = document.querySelector('table.cells tbody');
  var rows = new Map();
  Array.prototype.forEach.call(body.rows, function (tr) { rows.set(tr.getAttribute('data-cell'), tr); });
  function td(cls) { var c = document.createElement('td'); if (cls) c.className = cls; return c; }
  function newRow(cell) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-cell', cell.id);
    var name = td();
    var a = document.createElement('a');
    a.href = '/?dir=' + encodeURIComponent(cell.path);
    a.textContent = cell.id;
    name.appendChild(a);
    var status = td();
    var badge = document.createElement('span');
    status.appendChild(badge);
    var progress = td();
    var bar = document.createElement('progress');
    bar.max = 1;
    progress.appendChild(bar);
    tr.appendChild(name); tr.appendChild(status); tr.appendChild(progress);
    tr.appendChild(td('num step')); tr.appendChild(td('num loss')); tr.appendChild(td('shard'));
    body.appendChild(tr);
    rows.set(cell.id, tr);
    return tr;
  }
  function update(cell) {
    var tr = rows.get(cell.id) || newRow(cell);
    setStatus(tr.querySelector('span'), cell.status);
    var bar = tr.querySelector('progress');
    if (cell.progress === null) bar.removeAttribute('value'); else bar.value = cell.progress;
    tr.querySelector('.step').textContent = stepText(cell.step, cell.steps);
    tr.querySelector('.loss').textContent = fmt(cell.loss);
    tr.querySelector('.shard').textContent = cell.shard || '';
  }
  function poll() {
    return getJson(cfg.api).then(function (d) {
      if (d.kind !== 'experiment') { location.reload(); return cfg.every; }
      d.cells.forEach(update);
      var counts = {};
      d.cells.forEach(function (c) { counts[c.status] = (counts[c.status] || 0) + 1; });
      document.getElementById('counts').textContent = d.cells.length + ' ' + cfg.text.cells + ': ' +
        Object.keys(counts).map(function (k) { return counts[k] + ' ' + k; }).join(', ');
      document.body.setAttribute('data-polls', String(Number(document.body.getAttribute('data-polls') || 0) + 1));
      return cfg.every;
    });
  }
  loop(poll);
})();
`;

/** A folder page: reloads when the experiment and cell folders below it change. */
export const FOLDER_SCRIPT = `
(function () {
${COMMON}
  var seen = JSON.stringify(cfg.entries);
  function poll() {
    return getJson(cfg.api).then(function (d) {
      if (d.kind !== 'folder' || JSON.stringify(d.entries) !== seen) location.reload();
      return cfg.every;
    });
  }
  loop(poll);
})();
`;
