// A static rendering of the Grafana dashboard from a real Prometheus, for docs/deploy.md's
// screenshot (Grafana itself is not installable on the machines this project is built on). It
// reads deploy/grafana/invalidator.dashboard.json, runs every panel query as a range query
// (dashboard variables at their saved values) and writes one HTML page of SVG charts laid out on
// the dashboard's grid. Not Grafana: no interaction, simplified axes.
//
//   node deploy/grafana/render-static.mjs --prometheus http://127.0.0.1:59090 \
//     --minutes 10 --out /tmp/dashboard.html
//   chromium --headless --screenshot=docs/images/dashboard.png --window-size=1600,2200 \
//     file:///tmp/dashboard.html
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    prometheus: { type: 'string', default: 'http://127.0.0.1:59090' },
    minutes: { type: 'string', default: '10' },
    out: { type: 'string', default: 'dashboard.html' },
  },
});
const dashboard = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'invalidator.dashboard.json'), 'utf8'),
);
const end = Math.floor(Date.now() / 1000);
const start = end - Number(args.minutes) * 60;
const step = Math.max(1, Math.floor((end - start) / 300));
const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#f2495c', '#b877d9', '#8ab8ff'];
const CELL = 34; // px per grid row unit

function substitute(expr) {
  let out = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m');
  for (const v of dashboard.templating?.list ?? []) {
    const value = v.current?.value;
    if (typeof value === 'string') out = out.replaceAll(`$${v.name}`, value);
  }
  return out;
}

async function rangeQuery(expr) {
  const url = `${args.prometheus}/api/v1/query_range?query=${encodeURIComponent(substitute(expr))}&start=${start}&end=${end}&step=${step}`;
  const body = await (await fetch(url)).json();
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

function legend(format, metric) {
  if (!format) return Object.values(metric).join(' ') || 'value';
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => metric[k] ?? '');
}

function formatValue(value, unit) {
  if (!Number.isFinite(value)) return '–';
  const fixed = (v, suffix) =>
    `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${suffix}`;
  switch (unit) {
    case 's':
      return value >= 1 ? fixed(value, ' s') : fixed(value * 1000, ' ms');
    case 'bytes':
      return fixed(value / 1024 / 1024, ' MiB');
    case 'percentunit':
      return fixed(value * 100, '%');
    case 'ops':
      return fixed(value, '/s');
    default:
      return fixed(value, '');
  }
}

function chart(series, unit, width, height) {
  const points = series.flatMap((s) => s.points);
  const max = Math.max(1e-9, ...points.map(([, v]) => v).filter(Number.isFinite));
  const x = (t) => 40 + ((t - start) / (end - start)) * (width - 50);
  const y = (v) => height - 18 - (v / max) * (height - 30);
  const lines = series.map((s, i) => {
    const path = s.points
      .filter(([, v]) => Number.isFinite(v))
      .map(([t, v], j) => `${j === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`)
      .join(' ');
    return `<path d="${path}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>`;
  });
  return `<svg width="${width}" height="${height}">
    <line x1="40" y1="${y(0)}" x2="${width - 10}" y2="${y(0)}" stroke="#444"/>
    <text x="2" y="${y(max) + 4}" class="axis">${formatValue(max, unit)}</text>
    <text x="2" y="${y(0)}" class="axis">0</text>
    <text x="40" y="${height - 2}" class="axis">-${args.minutes} min</text>
    <text x="${width - 40}" y="${height - 2}" class="axis">now</text>
    ${lines.join('\n')}</svg>`;
}

async function renderPanel(panel) {
  const { x, y, w, h } = panel.gridPos;
  const style = `grid-column:${x + 1} / span ${w};grid-row:${y + 1} / span ${h}`;
  if (panel.type === 'row') return `<div class="row" style="${style}">${panel.title}</div>`;
  const unit = panel.fieldConfig?.defaults?.unit;
  const series = [];
  for (const target of panel.targets ?? []) {
    for (const result of await rangeQuery(target.expr)) {
      series.push({
        name: legend(target.legendFormat, result.metric),
        points: result.values.map(([t, v]) => [t, Number(v)]),
      });
    }
  }
  const width = (w / 24) * 1560 - 16;
  const height = h * CELL - 16;
  if (panel.type === 'stat') {
    const last = series[0]?.points.filter(([, v]) => Number.isFinite(v)).at(-1)?.[1] ?? NaN;
    const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
    const color = steps.filter((t) => t.value === null || last >= t.value).at(-1)?.color;
    return `<div class="panel" style="${style}"><div class="title">${panel.title}</div>
      <div class="stat" style="color:${color === 'red' ? '#f2495c' : '#73bf69'}">${formatValue(last, unit)}</div></div>`;
  }
  const legendRows = series
    .map((s, i) => {
      const last = s.points.filter(([, v]) => Number.isFinite(v)).at(-1)?.[1] ?? NaN;
      return `<span style="color:${COLORS[i % COLORS.length]}">■</span> ${s.name} <b>${formatValue(last, unit)}</b>`;
    })
    .join(' &nbsp; ');
  return `<div class="panel" style="${style}"><div class="title">${panel.title}</div>
    ${chart(series, unit, width, height - 58)}<div class="legend">${legendRows}</div></div>`;
}

const panels = await Promise.all(dashboard.panels.map(renderPanel));
const html = `<!doctype html><html><head><meta charset="utf-8"><style>
  body { background:#111217; color:#ccccdc; font:12px sans-serif; margin:12px; width:1560px }
  h1 { font-size:16px; margin:0 0 8px }
  .grid { display:grid; grid-template-columns:repeat(24, 1fr); grid-auto-rows:${CELL}px; gap:6px }
  .panel { background:#181b1f; border:1px solid #2c3235; padding:6px; overflow:hidden }
  .row { font-weight:bold; font-size:14px; align-self:end }
  .title { font-weight:bold; margin-bottom:4px }
  .stat { font-size:32px; color:#73bf69; text-align:center; margin-top:8px }
  .axis { fill:#8e8e8e; font-size:10px }
  .legend { font-size:11px; line-height:15px; max-height:44px; overflow:hidden }
</style></head><body>
<h1>${dashboard.title} — static rendering from Prometheus ${args.prometheus}, ${new Date(start * 1000).toISOString()} to ${new Date(end * 1000).toISOString()}</h1>
<div class="grid">${panels.join('\n')}</div></body></html>`;
writeFileSync(args.out, html);
console.log(`wrote ${args.out} (${dashboard.panels.length} panels)`);
