/**
 * Self-contained HTML report: the lightweight-charts standalone build is inlined, so the file opens
 * offline. Charts: price (candles, trade markers, POC/VAH/VAL of each planned entry), equity and
 * drawdown. Large runs are downsampled to at most MAX_CANDLES candles for the price chart.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProfitFactor } from '../../src/domain/metrics.ts';
import type { BacktestResult } from '../backtest.ts';
import type { BarSeries } from '../csv.ts';
import { riskLines } from './terminal.ts';

const MAX_CANDLES = 20_000;

function chartLibrary(): string {
  // The package's exports hide dist/; find it beside the resolved ESM entry point.
  const entry = fileURLToPath(import.meta.resolve('lightweight-charts'));
  return readFileSync(join(dirname(entry), 'lightweight-charts.standalone.production.js'), 'utf8');
}

interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Candles in seconds, merged into larger buckets when there are too many. */
export function candlesFor(bars: BarSeries, barMs: number, max = MAX_CANDLES): Candle[] {
  const factor = Math.max(1, Math.ceil(bars.length / max));
  const bucketMs = barMs * factor;
  const out: Candle[] = [];
  for (let i = 0; i < bars.length; i++) {
    const t = factor === 1 ? bars.ts[i]! : Math.floor(bars.ts[i]! / bucketMs) * bucketMs;
    const last = out[out.length - 1];
    if (last !== undefined && last.time === t / 1000) {
      last.high = Math.max(last.high, bars.high[i]!);
      last.low = Math.min(last.low, bars.low[i]!);
      last.close = bars.close[i]!;
    } else {
      out.push({
        time: t / 1000,
        open: bars.open[i]!,
        high: bars.high[i]!,
        low: bars.low[i]!,
        close: bars.close[i]!,
      });
    }
  }
  return out;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function htmlReport(
  result: BacktestResult,
  bars: BarSeries,
  barMs: number,
  title = `Backtest ${result.symbol}`,
): string {
  const m = result.metrics;
  const sec = (ms: number) => Math.floor(ms / 1000);
  const candles = candlesFor(bars, barMs);
  // Markers sit on candle times: snap each to the start of its candle.
  const bucketSec = Math.max(1, Math.ceil(bars.length / MAX_CANDLES)) * (barMs / 1000);
  const onCandle = (ms: number) => Math.floor(sec(ms) / bucketSec) * bucketSec;
  const markers = result.trades
    .flatMap((t) => [
      {
        time: onCandle(t.entryTime),
        position: t.side === 'long' ? 'belowBar' : 'aboveBar',
        color: t.side === 'long' ? '#2962ff' : '#e91e63',
        shape: t.side === 'long' ? 'arrowUp' : 'arrowDown',
        text: `${t.side} ${t.quantity} @ ${t.entryPrice}`,
      },
      {
        time: onCandle(t.exitTime),
        position: t.side === 'long' ? 'aboveBar' : 'belowBar',
        color: t.netPnl >= 0 ? '#26a69a' : '#ef5350',
        shape: 'circle',
        text: `${t.exitReason} ${t.netPnl >= 0 ? '+' : ''}${t.netPnl.toFixed(2)}`,
      },
    ])
    .sort((a, b) => a.time - b.time);
  const exitByAlert = new Map(result.trades.map((t) => [t.alertId, t.exitTime]));
  // One line series per level; a point's colour paints the segment that starts at it, so each
  // level's last point is transparent and the jumps between levels do not show.
  const levelSeries: Record<'poc' | 'vah' | 'val', { time: number; value: number; color?: string }[]> = {
    poc: [],
    vah: [],
    val: [],
  };
  let lastTime = -1;
  result.levels.forEach((level, i) => {
    const next = result.levels[i + 1]?.ts ?? Number.POSITIVE_INFINITY;
    const end = Math.min(
      exitByAlert.get(level.alertId) ?? level.ts + result.settings.entryTimeoutMs,
      next - 1000,
    );
    const start = sec(level.ts);
    const stop = Math.max(start + 1, sec(end));
    if (start <= lastTime) return;
    for (const key of ['poc', 'vah', 'val'] as const) {
      levelSeries[key].push(
        { time: start, value: level[key] },
        { time: stop, value: level[key], color: 'rgba(0,0,0,0)' },
      );
    }
    lastTime = stop;
  });
  const equity = m.equityCurve.map((p) => ({ time: sec(p.ts), value: p.equity }));
  let peak = Number.NEGATIVE_INFINITY;
  const drawdown = m.equityCurve.map((p) => {
    peak = Math.max(peak, p.equity);
    return { time: sec(p.ts), value: Math.round((p.equity - peak) * 100) / 100 };
  });
  const dedupe = <T extends { time: number }>(points: T[]) =>
    points.filter((p, i) => i === points.length - 1 || points[i + 1]!.time !== p.time);
  const data = {
    candles,
    markers,
    levels: levelSeries,
    equity: dedupe(equity),
    drawdown: dedupe(drawdown),
  };
  const summary: [string, string][] = [
    ['Trades', `${m.trades} (cancelled entries ${m.cancelledEntries})`],
    ['Win rate', m.winRate === null ? 'n/a' : `${(m.winRate * 100).toFixed(1)}%`],
    ['Net P&L', `$${m.totalNetPnl.toFixed(2)}`],
    ['Profit factor', formatProfitFactor(m)],
    ['Expectancy', m.expectancy === null ? 'n/a' : `$${m.expectancy.toFixed(2)}`],
    ['Max drawdown', `$${m.maxDrawdown.toFixed(2)} (${m.maxDrawdownPercent.toFixed(2)}%)`],
    ['Sharpe / Sortino', `${m.sharpe?.toFixed(2) ?? 'n/a'} / ${m.sortino?.toFixed(2) ?? 'n/a'}`],
    ['Commissions', `$${m.totalCommissions.toFixed(2)}`],
  ];
  const tradeRows = result.trades
    .map(
      (t) =>
        `<tr><td>${new Date(t.entryTime).toISOString().slice(0, 16).replace('T', ' ')}</td><td>${t.side}</td><td>${t.quantity}</td><td>${t.entryPrice}</td><td>${t.exitPrice}</td><td>${escapeHtml(t.exitReason)}</td><td class="${t.netPnl >= 0 ? 'win' : 'loss'}">${t.netPnl.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #1e222d; background: #fff; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.summary { display: grid; grid-template-columns: repeat(4, minmax(160px, 1fr)); gap: 8px 24px; }
.summary div span { display: block; color: #787b86; font-size: 12px; }
.chart { width: 100%; height: 420px; } .small { height: 220px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
td, th { padding: 3px 10px; border-bottom: 1px solid #e0e3eb; text-align: right; }
.win { color: #089981; } .loss { color: #f23645; }
.note { color: #787b86; font-size: 12px; }
.risk { font-size: 12px; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">${escapeHtml(new Date(m.from).toISOString())} → ${escapeHtml(new Date(m.to).toISOString())} · ${result.stats.bars} bars · path policy ${escapeHtml(result.policy)}</p>
<div class="summary">${summary.map(([k, v]) => `<div><span>${escapeHtml(k)}</span>${escapeHtml(v)}</div>`).join('')}</div>
<h2>Account rules and guard events</h2>
<pre class="risk">${escapeHtml(riskLines(result).join('\n'))}</pre>
<h2>Price, trades and profile levels (POC / VAH / VAL at each entry)</h2>
<div id="price" class="chart"></div>
<h2>Equity</h2>
<div id="equity" class="chart small"></div>
<h2>Drawdown</h2>
<div id="drawdown" class="chart small"></div>
<h2>Trades</h2>
<table><thead><tr><th>entry (UTC)</th><th>side</th><th>qty</th><th>entry</th><th>exit</th><th>exit reason</th><th>net $</th></tr></thead>
<tbody>
${tradeRows}
</tbody></table>
<p class="note">Metrics: ${escapeHtml(m.definition)}</p>
<script>${chartLibrary()}</script>
<script>
const data = ${scriptJson(data)};
const LC = window.LightweightCharts;
const options = (el) => ({ width: el.clientWidth, height: el.clientHeight, timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.01 }, layout: { background: { color: '#ffffff' }, textColor: '#1e222d' } });
const priceEl = document.getElementById('price');
const price = LC.createChart(priceEl, options(priceEl));
const candles = price.addSeries(LC.CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
candles.setData(data.candles);
LC.createSeriesMarkers(candles, data.markers);
const levelColors = { poc: '#ff9800', vah: '#7e57c2', val: '#7e57c2' };
for (const key of ['poc', 'vah', 'val']) {
  const s = price.addSeries(LC.LineSeries, { color: levelColors[key], lineWidth: 1, lineStyle: key === 'poc' ? 0 : 2, priceLineVisible: false, lastValueVisible: false, title: key.toUpperCase() });
  s.setData(data.levels[key]);
}
price.timeScale().fitContent();
const equityEl = document.getElementById('equity');
const equity = LC.createChart(equityEl, options(equityEl));
equity.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2 }).setData(data.equity);
equity.timeScale().fitContent();
const ddEl = document.getElementById('drawdown');
const dd = LC.createChart(ddEl, options(ddEl));
dd.addSeries(LC.AreaSeries, { lineColor: '#f23645', topColor: 'rgba(242,54,69,0.05)', bottomColor: 'rgba(242,54,69,0.4)', invertFilledArea: false }).setData(data.drawdown);
dd.timeScale().fitContent();
window.addEventListener('resize', () => { for (const [c, el] of [[price, priceEl], [equity, equityEl], [dd, ddEl]]) c.resize(el.clientWidth, el.clientHeight); });
window.reportReady = true;
</script>
</body>
</html>
`;
}
