import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A static file the console serves under `/console/assets/`. */
export interface ConsoleAsset {
  type: string;
  body: string;
}

/**
 * The console's static files: its own stylesheet and script, and uPlot's, read once from the installed
 * package (so they work from `src/` under tsx and from `dist/` after a build alike). A missing uPlot
 * only costs the charts: the pages still render, and the script draws nothing.
 */
export function loadConsoleAssets(): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>([
    ['console.css', { type: 'text/css; charset=utf-8', body: CONSOLE_CSS }],
    ['console.js', { type: 'text/javascript; charset=utf-8', body: CONSOLE_SCRIPT }],
  ]);
  const require = createRequire(import.meta.url);
  const files: Array<[string, string, string]> = [
    ['uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
    ['uPlot.min.css', 'uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
  ];
  for (const [name, specifier, type] of files) {
    try {
      assets.set(name, { type, body: readFileSync(require.resolve(specifier), 'utf8') });
    } catch {
      // Not installed: see above.
    }
  }
  return assets;
}

// Plain ES5-ish browser script, no build step. Two jobs: refresh the health table every 5 s by
// fetching the same page and swapping the table (the server renders and escapes it once), and draw
// the usage charts from the JSON the usage page embeds.
const CONSOLE_SCRIPT = `(function () {
  'use strict';
  function refreshHealth() {
    var current = document.getElementById('health');
    if (!current || !window.fetch || !window.DOMParser) return;
    setInterval(function () {
      fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var fresh = doc.getElementById('health');
          var live = document.getElementById('health');
          // Never swap the table under a button the operator is about to press.
          if (!fresh || !live || live.contains(document.activeElement)) return;
          live.replaceWith(document.importNode(fresh, true));
          var stamp = doc.getElementById('updated');
          var shown = document.getElementById('updated');
          if (stamp && shown) shown.textContent = stamp.textContent;
        })
        .catch(function () {});
    }, 5000);
  }
  // The buckets are UTC hours and days, so the axis speaks UTC too, whatever the browser's zone.
  function utc(seconds) { return window.uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'); }
  var COLORS = ['#1f5fbf', '#d1342f', '#2e9e5b', '#b34d00'];
  function drawCharts() {
    var source = document.getElementById('usage-data');
    if (!source || typeof window.uPlot !== 'function') return;
    var data = JSON.parse(source.textContent || '{}');
    var plots = [];
    (data.charts || []).forEach(function (chart) {
      var box = document.getElementById(chart.id);
      if (!box) return;
      var series = [{}];
      var columns = [data.x];
      chart.series.forEach(function (line, index) {
        series.push({ label: line.label, stroke: COLORS[index % COLORS.length], width: 2, points: { show: data.x.length < 60 } });
        columns.push(line.values);
      });
      var plot = new window.uPlot({ width: Math.max(240, box.clientWidth), height: 200, series: series, scales: { x: { time: true } }, legend: { live: false }, tzDate: utc }, columns, box);
      plots.push({ plot: plot, box: box });
    });
    window.addEventListener('resize', function () {
      plots.forEach(function (entry) { entry.plot.setSize({ width: Math.max(240, entry.box.clientWidth), height: 200 }); });
    });
  }
  refreshHealth();
  drawCharts();
})();
`;

const CONSOLE_CSS = `
:root{--ok:#1e7f46;--warn:#9a6a00;--bad:#b42318;--info:#1f5fbf;--ink:#1b1f24;--muted:#4b5563;--line:#e3e6ea;--bg:#f6f7f9}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;color:var(--ink);background:var(--bg)}
.wrap{max-width:1200px;margin:0 auto;padding:0 16px}.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:9}
.top{background:#111827;color:#fff}.top .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:4px 16px;padding-top:10px;padding-bottom:10px}
.brand{font-weight:700;font-size:1.05rem;margin-right:8px;color:#fff;text-decoration:none}
.top nav{flex:1}.nav{display:flex;flex-wrap:wrap;gap:2px;list-style:none;margin:0;padding:0}.nav a{display:block;color:#d1d5db;text-decoration:none;padding:6px 10px;border-radius:6px}
.nav a:hover{background:#1f2937;color:#fff}.nav a[aria-current=page]{background:#374151;color:#fff;font-weight:600}
.logout{margin:0}.logout button{background:none;border:1px solid #4b5563;color:#d1d5db;border-radius:6px;padding:4px 10px;cursor:pointer;font:inherit}
h1{font-size:1.35rem;margin:20px 0 4px}h2{font-size:1.1rem;margin:24px 0 8px}.sub{color:var(--muted);margin:0 0 16px;font-size:.9rem}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin-bottom:14px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:10px;overflow:hidden;font-size:.9rem}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}th{background:#f0f2f5;font-weight:600;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;overflow-wrap:anywhere}
.pill{display:inline-block;border-radius:999px;padding:0 8px;font-size:.78rem;font-weight:600;white-space:nowrap;border:1px solid currentColor;margin:0 4px 2px 0}
.pill.ok{color:var(--ok)}.pill.warn{color:var(--warn)}.pill.bad{color:var(--bad)}.pill.info{color:var(--info)}.pill.muted{color:var(--muted)}
button,.button{font:inherit;border-radius:6px;padding:4px 12px;cursor:pointer;border:1px solid #9ca3af;background:#fff;color:var(--ink)}
button.danger{border-color:var(--bad);color:var(--bad)}button.primary{background:#111827;color:#fff;border-color:#111827}
button:focus,a:focus,input:focus,select:focus{outline:3px solid #1f5fbf;outline-offset:1px}
.inline{display:inline;margin:0}.empty{color:var(--muted)}.error{color:var(--bad);font-weight:600}
.notice{background:#ecfdf3;border:1px solid #a6e3bf;border-radius:8px;padding:8px 12px;margin:8px 0}
.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end;margin-bottom:12px}.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
input,select{font:inherit;padding:5px 8px;border:1px solid #9ca3af;border-radius:6px;background:#fff;min-width:0}
.login{max-width:380px;margin:12vh auto;background:#fff;border:1px solid var(--line);border-radius:12px;padding:24px}.login h1{margin-top:0}
.login label{display:block;font-size:.85rem;color:var(--muted);margin-bottom:4px}.login input{width:100%;margin-bottom:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:14px}.chart{min-height:230px;overflow:hidden}.chart-card h2{margin:0 0 6px;font-size:1rem}
.incident{border-left:5px solid var(--bad)}.incident.resolved{border-left-color:var(--line)}.incident h2{margin:0 0 4px}
.timeline{list-style:none;margin:8px 0 0;padding:0}.timeline li{border-top:1px solid var(--line);padding:6px 0}.timeline time{color:var(--muted);font-size:.8rem;display:block}
dl.evidence{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0;font-size:.85rem}dl.evidence dt{color:var(--muted)}dl.evidence dd{margin:0;overflow-wrap:anywhere}
.pager{margin:12px 0 32px}.meta{color:var(--muted);font-size:.85rem;margin:0}
@media (max-width:700px){
 .wrap{padding:0 10px}.top .brand{flex:1}.top nav{flex-basis:100%;order:3}.nav a{padding:6px 8px}
 table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}table.stack thead{display:none}
 table.stack tr{border-bottom:2px solid var(--line);padding:4px 0}table.stack td{display:flex;justify-content:space-between;gap:12px;border:0;padding:4px 10px;text-align:right}
 table.stack td::before{content:attr(data-label);color:var(--muted);font-size:.8rem;text-align:left;flex:none}
 .filters label{flex:1 1 40%}
}
`;
