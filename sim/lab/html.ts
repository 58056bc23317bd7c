/**
 * The lab's self-contained HTML report: header, best cell, heatmap of the objective over the two
 * heatmap settings, the top ranked cells, their daily equity, and the walk-forward. Inline CSS and
 * inline SVG only (no script, font or network), so it opens offline and inside the dashboard's
 * sandboxed frame. Every string from the report is escaped; the output is a function of the report
 * alone (no generation time), like the report itself.
 */
import { money } from '../../src/domain/format.ts';
import { escapeHtml } from '../report/escape.ts';
import type { HeatmapData, LabReport, RankedCell, WalkForwardReport } from './lab.ts';
import { type CellSummary, figure, figureText, LOWER_IS_BETTER, OBJECTIVE_NAMES } from './objective.ts';

const TOP_ROWS = 20;
const LINE_COLOURS = ['#2962ff', '#e91e63', '#ff9800', '#089981', '#7e57c2', '#795548'];
const NO_CELL_FILL = '#e0e3eb';

const esc = (value: unknown) => escapeHtml(String(value));
const fixed = (v: number | null, digits = 2) => (v === null ? 'n/a' : v.toFixed(digits));
const pnlClass = (v: number | null) => (v === null || v === 0 ? '' : v > 0 ? 'win' : 'loss');
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const cell = (text: string, cls = '') => `<td${cls === '' ? '' : ` class="${cls}"`}>${esc(text)}</td>`;
const textCell = (text: string) => `<td class="text">${esc(text)}</td>`;

function table(id: string, headers: readonly string[], rows: readonly string[], empty: string): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body =
    rows.length > 0
      ? rows.join('\n')
      : `<tr><td class="text" colspan="${headers.length}">${esc(empty)}</td></tr>`;
  return `<table id="${id}"><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

function objectiveLine(report: LabReport): string {
  const direction = LOWER_IS_BETTER.has(report.objective) ? 'lower is better' : 'higher is better';
  return `${OBJECTIVE_NAMES[report.objective]} (${report.objective}, ${direction})`;
}

function header(report: LabReport): string {
  const run =
    report.random === null
      ? `${report.cells.length} of ${report.gridCells} cells (the whole grid)`
      : `${report.cells.length} of ${report.gridCells} cells (a random sample)`;
  const constraints = report.constraints.length === 0 ? 'none' : report.constraints.join(' · ');
  const wf = report.walkForward;
  const items: [string, string][] = [
    ['Symbol', report.symbol],
    ['Data', report.data.source],
    ['Bars', `${report.data.bars} (${utcDay(report.data.firstTs)} → ${utcDay(report.data.lastTs)} UTC)`],
    ['Alerts', String(report.alerts)],
    ['Cells run', run],
    ['Objective', objectiveLine(report)],
    ['Constraints', constraints],
    ['Seed', `${report.seed} (Monte Carlo ${report.monteCarlo.runs} runs)`],
    ['Path policy', report.policy],
    [
      'Walk-forward',
      wf === null
        ? 'off'
        : `${wf.windows.length} window(s): ${wf.inSampleDays} day(s) in sample, ${wf.outOfSampleDays} out${wf.anchored ? ', anchored' : ''}`,
    ],
  ];
  const swept = report.parameters.map((p) => `${p.name}: ${p.values.map(String).join(', ')}`).join('\n');
  return `<h1>${esc(`Strategy lab: ${report.name}`)}</h1>
<div class="summary" id="lab-header">${items.map(([k, v]) => `<div><span>${esc(k)}</span>${esc(v)}</div>`).join('')}</div>
<details><summary>Swept settings</summary><pre class="risk">${esc(swept)}</pre></details>`;
}

function summaryFigures(s: CellSummary): [string, string, string][] {
  return [
    ['Trades', String(s.trades), ''],
    ['Net P&L', money(s.netPnl), pnlClass(s.netPnl)],
    ['Profit factor', figureText('profitFactor', s.profitFactor), ''],
    ['Sharpe', fixed(s.sharpe), ''],
    ['Max drawdown', money(s.maxDrawdown), ''],
    ['Expectancy', figureText('expectancyR', s.expectancyR), pnlClass(s.expectancyR)],
    ['Win rate', figureText('winRate', s.winRate), ''],
    ['Combine pass probability', figureText('passProbability', s.passProbability), ''],
  ];
}

function bestSection(report: LabReport): string {
  const best = report.best;
  if (best === null)
    return `<p id="no-best">No cell met the constraints (${esc(report.constraints.join(' · ') || 'none')}); the table below ranks every cell by the objective anyway, with the constraints each breaks.</p>`;
  const figures = summaryFigures(best.summary)
    .map(([k, v, cls]) => `<div><span>${esc(k)}</span><b class="${cls}">${esc(v)}</b></div>`)
    .join('');
  const settings = Object.entries(best.values).map(
    ([k, v]) => `<tr>${textCell(k)}${textCell(String(v))}</tr>`,
  );
  return `<div id="best">
<p><b>${esc(best.label)}</b> <span class="note">cell ${best.index}, ${esc(OBJECTIVE_NAMES[report.objective])} ${esc(
    figureText(report.objective, figure(best.summary, report.objective)),
  )}</span></p>
<div class="summary">${figures}</div>
<p class="note">Combine verdict: ${esc(best.summary.verdict)}</p>
<h3>Its settings</h3>
${table('best-settings', ['setting', 'value'], settings, 'no swept settings')}
</div>`;
}

type Rgb = readonly [number, number, number];
const BAD: Rgb = [239, 83, 80];
const MID: Rgb = [255, 238, 153];
const GOOD: Rgb = [38, 166, 154];
const hex = (c: Rgb) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const mix = (a: Rgb, b: Rgb, t: number): Rgb =>
  [0, 1, 2].map((i) => a[i]! + (b[i]! - a[i]!) * t) as unknown as Rgb;

/** 0 = worst, 1 = best on the red → yellow → green scale. */
export function scaleColour(goodness: number): string {
  const t = Math.max(0, Math.min(1, goodness));
  return hex(t < 0.5 ? mix(BAD, MID, t * 2) : mix(MID, GOOD, (t - 0.5) * 2));
}

function heatmapSection(report: LabReport, map: HeatmapData | null): string {
  if (map === null)
    return '<p class="note">No heatmap: it needs two swept settings (the lab file\'s heatmap: [x, y]).</p>';
  const values = map.z.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 0;
  const lower = LOWER_IS_BETTER.has(report.objective);
  const goodness = (v: number) => {
    const t = hi === lo ? 1 : (v - lo) / (hi - lo);
    return lower ? 1 - t : t;
  };
  // Wide enough on the left for the y setting's name and values (about 7 px a character).
  const longest = Math.max(map.y.length + 2, ...map.yValues.map((v) => String(v).length));
  const [w, hgt, left, top] = [96, 36, Math.max(60, longest * 7 + 16), 40];
  const width = left + w * map.xValues.length + 16;
  const height = top + hgt * map.yValues.length + 8;
  const parts: string[] = [];
  parts.push(
    `<text x="${left + (w * map.xValues.length) / 2}" y="14" text-anchor="middle" class="axis">${esc(map.x)} →</text>`,
  );
  map.xValues.forEach((xv, xi) => {
    parts.push(`<text x="${left + xi * w + w / 2}" y="32" text-anchor="middle">${esc(String(xv))}</text>`);
  });
  map.yValues.forEach((yv, yi) => {
    const y = top + yi * hgt;
    parts.push(`<text x="${left - 8}" y="${y + hgt / 2 + 4}" text-anchor="end">${esc(String(yv))}</text>`);
    map.xValues.forEach((xv, xi) => {
      const v = map.z[yi]?.[xi] ?? null;
      const at = `${esc(map.x)}=${esc(String(xv))} ${esc(map.y)}=${esc(String(yv))}`;
      const text = v === null ? '—' : figureText(report.objective, v);
      const fill = v === null ? NO_CELL_FILL : scaleColour(goodness(v));
      const why =
        v === null ? 'no qualifying cell' : `${esc(OBJECTIVE_NAMES[report.objective])} ${esc(text)}`;
      parts.push(
        `<g><rect class="square" x="${left + xi * w}" y="${y}" width="${w - 2}" height="${hgt - 2}" fill="${fill}"><title>${at}: ${why}</title></rect>` +
          `<text class="value" x="${left + xi * w + w / 2 - 1}" y="${y + hgt / 2 + 4}" text-anchor="middle">${esc(text)}</text></g>`,
      );
    });
  });
  const axisY = `<text x="${left - 8}" y="32" class="axis" text-anchor="end">${esc(map.y)} ↓</text>`;
  const svg = `<svg id="heatmap" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(OBJECTIVE_NAMES[report.objective])} by ${esc(map.x)} and ${esc(map.y)}">${axisY}${parts.join('')}</svg>`;
  return `${svg}\n${heatmapLegend(report, lo, hi, values.length > 0)}`;
}

function heatmapLegend(report: LabReport, lo: number, hi: number, any: boolean): string {
  const lower = LOWER_IS_BETTER.has(report.objective);
  const [worst, best] = lower ? [hi, lo] : [lo, hi];
  const scale = any
    ? `<svg width="200" height="14" viewBox="0 0 200 14" aria-hidden="true"><defs><linearGradient id="heat-scale"><stop offset="0" stop-color="${scaleColour(0)}"/><stop offset="0.5" stop-color="${scaleColour(0.5)}"/><stop offset="1" stop-color="${scaleColour(1)}"/></linearGradient></defs><rect width="200" height="14" fill="url(#heat-scale)"/></svg>`
    : '';
  const ends = any
    ? `worst ${esc(figureText(report.objective, worst))} ${scale} best ${esc(figureText(report.objective, best))}`
    : 'no square has a qualifying cell';
  return `<p class="legend" id="heatmap-legend">${ends} <span class="swatch" style="background:${NO_CELL_FILL}"></span> no qualifying cell · each square: the best ${esc(OBJECTIVE_NAMES[report.objective])} over the other settings among the cells that meet the constraints (${lower ? 'lower' : 'higher'} is better)</p>`;
}

function topTable(report: LabReport): string {
  const rows = report.cells.slice(0, TOP_ROWS).map((c: RankedCell) => {
    const s = c.summary;
    return `<tr${c.broken.length > 0 ? ' class="broken"' : ''}>${cell(String(c.rank))}${textCell(c.label)}${cell(String(s.trades))}${cell(money(s.netPnl), pnlClass(s.netPnl))}${cell(figureText('profitFactor', s.profitFactor))}${cell(fixed(s.sharpe))}${cell(money(s.maxDrawdown))}${cell(figureText('expectancyR', s.expectancyR), pnlClass(s.expectancyR))}${cell(figureText('passProbability', s.passProbability))}${textCell(c.broken.length === 0 ? '—' : c.broken.join(' · '))}</tr>`;
  });
  const note =
    report.cells.length > TOP_ROWS
      ? `<p class="note">The first ${TOP_ROWS} of ${report.cells.length} ranked cells; the JSON report holds them all.</p>`
      : '';
  return `${table(
    'ranked',
    [
      'rank',
      'settings',
      'trades',
      'net P&L',
      'profit factor',
      'Sharpe',
      'max drawdown',
      'expectancy',
      'pass probability',
      'constraints broken',
    ],
    rows,
    'no cells',
  )}\n${note}`;
}

interface Curve {
  readonly label: string;
  readonly points: readonly (readonly [string, number])[];
}

/** Daily equity lines on one money axis; days are "YYYY-MM-DD", so they sort as text. */
export function equityChart(id: string, curves: readonly Curve[], empty: string): string {
  const days = [...new Set(curves.flatMap((c) => c.points.map((p) => p[0])))].sort();
  const equities = curves.flatMap((c) => c.points.map((p) => p[1]));
  if (days.length === 0) return `<p class="note" id="${id}">${esc(empty)}</p>`;
  const [width, height, left, right, top, bottom] = [900, 280, 96, 16, 12, 28];
  let lo = Math.min(...equities);
  let hi = Math.max(...equities);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const x = (day: string) =>
    days.length === 1
      ? left + (width - left - right) / 2
      : left + (dayIndex.get(day)! / (days.length - 1)) * (width - left - right);
  const y = (v: number) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);
  const grid: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    grid.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(money(v))}</text>`,
    );
  }
  // The first and last day's labels stay inside the chart.
  const anchor = (i: number) =>
    days.length === 1 ? 'middle' : i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle';
  const ticks = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])].map(
    (i) =>
      `<text x="${x(days[i]!).toFixed(1)}" y="${height - 8}" text-anchor="${anchor(i)}">${esc(days[i]!)}</text>`,
  );
  const lines = curves.map((c, i) => {
    const colour = LINE_COLOURS[i % LINE_COLOURS.length]!;
    const pts = c.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    // A one-day curve is a dot: a polyline of one point draws nothing.
    const dots =
      c.points.length === 1
        ? `<circle cx="${x(c.points[0]![0]).toFixed(1)}" cy="${y(c.points[0]![1]).toFixed(1)}" r="4" fill="${colour}"/>`
        : '';
    return `<polyline class="curve" fill="none" stroke="${colour}" stroke-width="2" points="${pts}"><title>${esc(c.label)}</title></polyline>${dots}`;
  });
  const legend = curves
    .map(
      (c, i) =>
        `<li><span class="swatch" style="background:${LINE_COLOURS[i % LINE_COLOURS.length]}"></span>${esc(c.label)}</li>`,
    )
    .join('');
  return `<svg id="${id}" width="100%" viewBox="0 0 ${width} ${height}" role="img" aria-label="daily equity">${grid.join('')}${ticks.join('')}${lines.join('')}</svg>
<ul class="curve-legend" id="${id}-legend">${legend}</ul>`;
}

function walkForwardSection(report: LabReport, wf: WalkForwardReport): string {
  const o = report.objective;
  const span = (w: { firstDay: string; lastDay: string; days: number }) =>
    `${w.firstDay} → ${w.lastDay} (${w.days} d)`;
  const money2 = (v: number | null) => (v === null ? 'n/a' : money(v));
  const rows = wf.windows.map(
    (w) =>
      `<tr>${cell(String(w.n))}${textCell(span(w.inSample))}${textCell(span(w.outOfSample))}${textCell(w.chosen === null ? 'none: no cell qualified in sample' : w.chosen.label)}${cell(figureText(o, w.inSampleObjective))}${cell(figureText(o, w.outOfSampleObjective))}${cell(money2(w.inSampleNetPerDay), pnlClass(w.inSampleNetPerDay))}${cell(money2(w.outOfSampleNetPerDay), pnlClass(w.outOfSampleNetPerDay))}</tr>`,
  );
  const s = wf.stitched;
  const figures: [string, string][] = [
    ['Trades', String(s.trades)],
    ['Net P&L', money(s.netPnl)],
    ['Profit factor', fixed(s.profitFactor)],
    ['Sharpe', fixed(s.sharpe)],
    ['Max drawdown', money(s.maxDrawdown)],
    ['Expectancy', figureText('expectancyR', s.expectancyR)],
    ['Win rate', figureText('winRate', s.winRate)],
    ['Efficiency (out ÷ in net per day)', fixed(wf.efficiency)],
    [`Mean in-sample ${OBJECTIVE_NAMES[o]}`, figureText(o, wf.meanInSampleObjective)],
    [`Mean out-of-sample ${OBJECTIVE_NAMES[o]}`, figureText(o, wf.meanOutOfSampleObjective)],
  ];
  return `<section id="walk-forward">
<h2>Walk-forward: the best in-sample cell of each window, run out of sample</h2>
<p class="note">${wf.inSampleDays} trading day(s) in sample, ${wf.outOfSampleDays} out of sample, ${wf.anchored ? 'anchored (in sample from the first day)' : 'rolling'}.</p>
${table(
  'walk-forward-windows',
  [
    'window',
    'in sample',
    'out of sample',
    'chosen cell',
    `in-sample ${OBJECTIVE_NAMES[o]}`,
    `out-of-sample ${OBJECTIVE_NAMES[o]}`,
    'in net/day',
    'out net/day',
  ],
  rows,
  'no windows',
)}
<h3>Stitched out of sample (every window's out-of-sample trades, one account)</h3>
<div class="summary" id="stitched">${figures.map(([k, v]) => `<div><span>${esc(k)}</span>${esc(v)}</div>`).join('')}</div>
<p class="note">Efficiency 1 means the in-sample edge held out of sample; below 0 it reversed; n/a without an in-sample profit.</p>
${equityChart('stitched-equity', [{ label: 'stitched out of sample', points: s.equity }], 'No out-of-sample trading day: no equity to draw.')}
</section>`;
}

export function labHtmlReport(report: LabReport): string {
  const title = `Strategy lab ${report.name} ${report.symbol}`;
  const top = report.top.map((t) => ({ label: t.label, points: t.equity }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #1e222d; background: #fff; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; } h3 { font-size: 14px; margin: 12px 0 6px; }
.summary { display: grid; grid-template-columns: repeat(4, minmax(160px, 1fr)); gap: 8px 24px; }
.summary div span { display: block; color: #787b86; font-size: 12px; }
.summary b { font-weight: 500; }
.summary div { min-width: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
td, th { padding: 3px 10px; border-bottom: 1px solid #e0e3eb; text-align: right; }
td.text, th { text-align: left; }
tr.broken td { color: #787b86; }
.win { color: #089981; } .loss { color: #f23645; }
.note { color: #787b86; font-size: 12px; }
.risk { font-size: 12px; white-space: pre-wrap; }
details { margin-top: 8px; } summary { cursor: pointer; color: #2962ff; }
svg { font: 11px system-ui, sans-serif; fill: #1e222d; font-variant-numeric: tabular-nums; }
svg .axis { font-weight: 600; } svg .grid { stroke: #e0e3eb; }
.legend { font-size: 12px; display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.curve-legend { list-style: none; padding: 0; display: flex; gap: 8px 20px; flex-wrap: wrap; font-size: 12px; }
</style>
</head>
<body>
${header(report)}
<h2>Best cell</h2>
${bestSection(report)}
<h2>Heatmap: ${esc(OBJECTIVE_NAMES[report.objective])}${report.heatmap === null ? '' : ` by ${esc(report.heatmap.x)} and ${esc(report.heatmap.y)}`}</h2>
${heatmapSection(report, report.heatmap)}
<h2>Ranked cells</h2>
${topTable(report)}
<h2>Daily equity of the best cells</h2>
${equityChart('top-equity', top, 'No cell met the constraints: no equity to draw.')}
${report.walkForward === null ? '' : walkForwardSection(report, report.walkForward)}
<p class="note">Figures per docs/metrics.md; max drawdown in dollars below the equity peak; expectancy in R (net P&amp;L ÷ the planned risk); pass probability from ${report.monteCarlo.runs} Monte Carlo runs of the Combine (seed ${report.monteCarlo.seed}).</p>
</body>
</html>
`;
}
