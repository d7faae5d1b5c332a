/**
 * The page's only style and only script, as constants: the page's Content-Security-Policy allows
 * exactly these texts by hash (page.ts). No data is ever spliced into them; the script reads its data
 * from the embedded JSON (`#page-data`) and touches the page only through `textContent`, `hidden` and
 * attributes it owns, never `innerHTML`.
 */

/** Colours follow the user's light/dark preference; print drops the controls. */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e; --skipped: #6e7781; --info: #0969da; --neutral: #57606a; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
  --pass: #3fb950; --warn: #d29922; --fail: #f85149; --skipped: #8b949e; --info: #4493f8; --neutral: #9198a1; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
a { color: var(--info); }
.muted { color: var(--muted); }
.meta { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { flex: 1 1 130px; border: 1px solid var(--line); border-top: 4px solid var(--c, var(--neutral)); border-radius: 6px; padding: 10px 14px; background: var(--panel); }
.card-value { font-size: 26px; font-weight: 600; color: var(--c, var(--fg)); }
.card-label { font-weight: 600; }
.card-detail { color: var(--muted); font-size: 12px; }
.tone-pass { --c: var(--pass); } .tone-warn { --c: var(--warn); } .tone-fail { --c: var(--fail); }
.tone-skipped { --c: var(--skipped); } .tone-info { --c: var(--info); } .tone-neutral { --c: var(--neutral); }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
.chart { margin: 0; }
.chart figcaption { font-weight: 600; margin-bottom: 6px; }
.chart svg { max-width: 100%; height: auto; }
.bar rect { fill: var(--c); }
.bar-label, .bar-count { fill: var(--fg); font-size: 12px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; color: var(--bg); background: var(--c); white-space: nowrap; }
.banner { border: 1px solid var(--c); border-left: 6px solid var(--c); border-radius: 6px; padding: 10px 14px; margin: 12px 0; background: var(--panel); }
.banner p { margin: 4px 0; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: 4px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--panel); }
table.sortable th { position: sticky; top: 0; }
/* The package table: fixed layout, so column widths come from the header instead of from measuring every row. */
#packages { table-layout: fixed; min-width: 980px; }
#packages th:nth-child(1) { width: 20%; } #packages th:nth-child(2) { width: 7%; } #packages th:nth-child(3) { width: 12%; }
#packages th:nth-child(4) { width: 23%; } #packages th:nth-child(5) { width: 29%; } #packages th:nth-child(6) { width: 9%; }
td { overflow-wrap: anywhere; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
.table-controls { display: flex; align-items: center; gap: 8px; margin: 8px 0; }
.table-controls input { flex: 0 1 420px; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); font: inherit; }
button.sort { all: unset; cursor: pointer; font-weight: 600; }
button.sort::after { content: " \\2195"; color: var(--muted); }
th[aria-sort="ascending"] button.sort::after { content: " \\2191"; color: var(--fg); }
th[aria-sort="descending"] button.sort::after { content: " \\2193"; color: var(--fg); }
button.search-link { all: unset; cursor: pointer; color: var(--info); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
button.search-link:hover, button.search-link:focus-visible { text-decoration: underline; }
details > summary { cursor: pointer; }
ul.findings { margin: 4px 0 0; padding-left: 18px; }
.identity { display: grid; grid-template-columns: max-content 1fr; gap: 0 8px; margin: 0; }
.identity dt { color: var(--muted); }
.identity dd { margin: 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print { .table-controls, button.sort::after { display: none; } table.sortable th { position: static; } }
`

/**
 * For each table in `tables` of the page data: filter rows as the user types (every word must occur
 * in the row's search text), sort by a column on a header click (a second click reverses; ties keep
 * the server's order), count the matching rows. Buttons with `data-search` fill a table's search box.
 */
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var source = document.getElementById('page-data');
  var data = source ? JSON.parse(source.textContent) : {};
  var tables = data.tables || {};
  Object.keys(tables).forEach(function (id) { setUp(id, tables[id]); });

  function setUp(id, spec) {
    var table = document.getElementById(id);
    var input = document.getElementById(id + '-search');
    var count = document.getElementById(id + '-count');
    if (!table || !input || !count) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var column = -1;
    var direction = 1;

    function filter() {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var text = spec.rows[i].search;
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) shown++;
      });
      count.textContent = shown + ' of ' + rows.length;
    }

    function compare(a, b) {
      var x = spec.rows[a].keys[column];
      var y = spec.rows[b].keys[column];
      if (typeof x === 'string') x = x.toLowerCase();
      if (typeof y === 'string') y = y.toLowerCase();
      var order = x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
      return order * direction || a - b;
    }

    function sortBy(col, header) {
      direction = col === column ? -direction : 1;
      column = col;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute('aria-sort'); });
      header.setAttribute('aria-sort', direction === 1 ? 'ascending' : 'descending');
      var order = rows.map(function (_, i) { return i; }).sort(compare);
      var fragment = document.createDocumentFragment();
      order.forEach(function (i) { fragment.appendChild(rows[i]); });
      body.appendChild(fragment);
    }

    Array.prototype.forEach.call(table.tHead.querySelectorAll('button.sort'), function (button) {
      button.addEventListener('click', function () { sortBy(Number(button.getAttribute('data-col')), button.parentNode); });
    });
    input.addEventListener('input', filter);
    filter();
  }

  Array.prototype.forEach.call(document.querySelectorAll('button[data-search]'), function (button) {
    button.addEventListener('click', function () {
      var input = document.getElementById(button.getAttribute('data-search-table') + '-search');
      if (!input) return;
      input.value = button.getAttribute('data-search');
      input.dispatchEvent(new Event('input'));
      input.scrollIntoView({ block: 'start' });
      input.focus();
    });
  });
})();
`
