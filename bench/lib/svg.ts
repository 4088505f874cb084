/** Tiny SVG charts (no dependencies): horizontal bars and line series. */

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b83280', '#718096'];
const fmt = (v: number) =>
  v >= 100 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100);

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, one per row, each labelled with its value. */
export function barChart(title: string, unit: string, bars: readonly Bar[]): string {
  const width = 760;
  const left = 300;
  const row = 28;
  const top = 40;
  const height = top + bars.length * row + 20;
  const max = Math.max(1e-9, ...bars.map((b) => b.value));
  const plot = width - left - 120;
  const rows = bars
    .map((bar, i) => {
      const y = top + i * row;
      const w = Math.max(1, (bar.value / max) * plot);
      return [
        `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${row - 8}" fill="${COLORS[i % COLORS.length] ?? '#2b6cb0'}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 17}">${escape(`${fmt(bar.value)} ${unit}`)}</text>`,
      ].join('');
    })
    .join('\n');
  return svg(width, height, title, rows);
}

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

/** Line series on linear axes with four ticks each. */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
): string {
  const width = 760;
  const height = 400;
  const left = 70;
  const right = 180;
  const top = 40;
  const bottom = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(1e-9, ...xs);
  const yMax = Math.max(1e-9, ...ys);
  const px = (x: number) => left + (x / xMax) * (width - left - right);
  const py = (y: number) => height - bottom - (y / yMax) * (height - top - bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const x = px(f * xMax);
      const y = py(f * yMax);
      return [
        `<line x1="${x.toFixed(1)}" y1="${height - bottom}" x2="${x.toFixed(1)}" y2="${height - bottom + 4}" stroke="#333"/>`,
        `<text x="${x.toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${fmt(f * xMax)}</text>`,
        `<line x1="${left - 4}" y1="${y.toFixed(1)}" x2="${width - right}" y2="${y.toFixed(1)}" stroke="#eee"/>`,
        `<text x="${left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmt(f * yMax)}</text>`,
      ].join('');
    })
    .join('\n');
  const lines = series
    .map((s, i) => {
      const color = COLORS[i % COLORS.length] ?? '#2b6cb0';
      const d = s.points
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
        .join(' ');
      const ly = top + 10 + i * 18;
      return [
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`,
        `<rect x="${width - right + 12}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`,
        `<text x="${width - right + 30}" y="${ly + 1}">${escape(s.name)}</text>`,
      ].join('');
    })
    .join('\n');
  const axes = [
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#333"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text x="16" y="${(top + height - bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + height - bottom) / 2})">${escape(yLabel)}</text>`,
  ].join('');
  return svg(width, height, title, `${ticks}\n${axes}\n${lines}`);
}

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>
${body}
</svg>
`;
}

/** A sorted sample as CDF points: (latency, percentile). */
export function cdfPoints(sorted: readonly number[]): [number, number][] {
  return sorted.map((v, i) => [v, ((i + 1) / sorted.length) * 100]);
}
