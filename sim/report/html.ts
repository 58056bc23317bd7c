/**
 * Self-contained HTML report: the lightweight-charts standalone build is inlined, so the file opens
 * offline. Charts: price (candles, trade markers, POC/VAH/VAL of each planned entry), equity and
 * drawdown, all on a UTC time axis. Large runs are downsampled to at most MAX_CANDLES candles.
 * Trade markers carry no text, so they never pile up: one marker per candle (a square when several
 * entries and exits share it), and the legend above the chart lists the candle's trades under the
 * crosshair. Tables: report/html-tables.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { money, rMultiple, symbolPrice } from '../../src/domain/format.ts';
import { resolveTicker } from '../../src/domain/instruments.ts';
import type { BacktestResult } from '../backtest.ts';
import type { BarSeries } from '../csv.ts';
import { drawdownCurve, EXIT_LABELS, type ReportTrade, reportTrades } from './content.ts';
import {
  escapeHtml,
  exitTables,
  filteredAlertTables,
  guardEventsTable,
  settingsSection,
  summaryCells,
  tradesTable,
  utcMinute,
} from './html-tables.ts';
import { verdictHtml } from './verdict.ts';

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

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const PRICE_LEGEND =
  'Markers: ▲ long entry, ▼ short entry, ● exit (green a profit, red a loss), ■ several entries and exits on one candle. ' +
  'Move the crosshair over a candle for its prices and trades.';

interface TradeMarker {
  time: number;
  position: 'aboveBar' | 'belowBar';
  color: string;
  shape: 'arrowUp' | 'arrowDown' | 'circle' | 'square';
}

interface TradeEvent {
  readonly kind: 'entry' | 'exit';
  readonly trade: ReportTrade;
}

function eventText({ kind, trade: t }: TradeEvent): string {
  const p = (v: number) => symbolPrice(t.symbol, v);
  if (kind === 'entry')
    return `${utcMinute(t.entryTime)}  entry ${t.side} ${t.quantity} @ ${p(t.entryPrice)}, stop ${p(t.initialStop)}, risk ${money(t.initialRisk)}`;
  return `${utcMinute(t.exitTime)}  exit ${t.side} ${t.quantity} @ ${p(t.exitPrice)}, ${EXIT_LABELS[t.exitReason]}, ${money(t.netPnl)}${t.r === null ? '' : ` (${rMultiple(t.r)})`}`;
}

function markerOf(time: number, events: readonly TradeEvent[]): TradeMarker {
  const only = events.length === 1 ? events[0]! : undefined;
  if (only?.kind === 'entry') {
    const long = only.trade.side === 'long';
    return {
      time,
      position: long ? 'belowBar' : 'aboveBar',
      color: long ? '#2962ff' : '#e91e63',
      shape: long ? 'arrowUp' : 'arrowDown',
    };
  }
  if (only !== undefined)
    return {
      time,
      position: only.trade.side === 'long' ? 'aboveBar' : 'belowBar',
      color: only.trade.netPnl >= 0 ? '#26a69a' : '#ef5350',
      shape: 'circle',
    };
  const exits = events.filter((e) => e.kind === 'exit');
  const net = exits.reduce((sum, e) => sum + e.trade.netPnl, 0);
  return {
    time,
    position: 'aboveBar',
    color: exits.length === 0 ? '#7e57c2' : net >= 0 ? '#26a69a' : '#ef5350',
    shape: 'square',
  };
}

/**
 * One marker per candle, without text, and the text of every entry and exit by candle time for the
 * legend: labels cannot overlap however many trades a stretch of candles holds.
 */
export function tradeMarkers(
  trades: readonly ReportTrade[],
  onCandle: (ms: number) => number,
): { markers: TradeMarker[]; events: Record<number, string[]> } {
  const byCandle = new Map<number, TradeEvent[]>();
  const add = (time: number, event: TradeEvent) => {
    const list = byCandle.get(time);
    if (list === undefined) byCandle.set(time, [event]);
    else list.push(event);
  };
  for (const trade of trades) {
    add(onCandle(trade.entryTime), { kind: 'entry', trade });
    add(onCandle(trade.exitTime), { kind: 'exit', trade });
  }
  const times = [...byCandle.keys()].sort((a, b) => a - b);
  const events: Record<number, string[]> = {};
  const at = (e: TradeEvent) => (e.kind === 'entry' ? e.trade.entryTime : e.trade.exitTime);
  for (const time of times) byCandle.get(time)!.sort((a, b) => at(a) - at(b));
  for (const time of times) events[time] = byCandle.get(time)!.map(eventText);
  return { markers: times.map((time) => markerOf(time, byCandle.get(time)!)), events };
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
  const trades = reportTrades(result.trades);
  const { markers, events } = tradeMarkers(trades, onCandle);
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
  const drawdown = drawdownCurve(m).map((p) => ({ time: sec(p.ts), value: p.drawdown }));
  const dedupe = <T extends { time: number }>(points: T[]) =>
    points.filter((p, i) => i === points.length - 1 || points[i + 1]!.time !== p.time);
  const resolved = resolveTicker(result.symbol);
  const instrument = resolved.ok ? resolved.instrument : undefined;
  const data = {
    candles,
    priceFormat: {
      type: 'price',
      precision: instrument?.decimals ?? 2,
      minMove: instrument?.tickSize ?? 0.01,
    },
    markers,
    events,
    levels: levelSeries,
    equity: dedupe(equity),
    drawdown: dedupe(drawdown),
  };
  const summary = summaryCells(result, trades);
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
td.text, th { text-align: left; } h3 { font-size: 14px; margin: 12px 0 6px; }
.side-by-side { display: flex; gap: 48px; flex-wrap: wrap; }
.legend { font-size: 12px; min-height: 3.2em; white-space: pre-wrap; color: #1e222d; }
details { margin-top: 8px; } summary { cursor: pointer; color: #2962ff; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">${escapeHtml(new Date(m.from).toISOString())} → ${escapeHtml(new Date(m.to).toISOString())} · ${result.stats.bars} bars · path policy ${escapeHtml(result.policy)}</p>
<div class="summary">${summary.map(([k, v]) => `<div><span>${escapeHtml(k)}</span>${escapeHtml(v)}</div>`).join('')}</div>
<h2>Account rules, risk settings and settings</h2>
${settingsSection(result)}
<h2>Guard events: when trading stopped, why, when it resumed</h2>
${guardEventsTable(result)}
<h2>Combine verdict</h2>
${verdictHtml(result)}
<h2>Price, trades and profile levels (POC / VAH / VAL at each entry), UTC</h2>
<div id="price-legend" class="legend">${escapeHtml(PRICE_LEGEND)}</div>
<div id="price" class="chart"></div>
<h2>Equity (at each trade's close), UTC</h2>
<div id="equity-legend" class="legend"></div>
<div id="equity" class="chart small"></div>
<h2>Drawdown below the equity peak, UTC</h2>
<div id="drawdown-legend" class="legend"></div>
<div id="drawdown" class="chart small"></div>
<h2>Exits</h2>
${exitTables(result)}
<h2>Trades (R = net P&amp;L ÷ the planned risk from entry to initial stop)</h2>
${tradesTable(trades)}
<h2>Filtered alerts and their reasons</h2>
${filteredAlertTables(result)}
<p class="note">Metrics: ${escapeHtml(m.definition)}</p>
<script>${chartLibrary()}</script>
<script>
const data = ${scriptJson(data)};
const LC = window.LightweightCharts;
// The page's copy of money() in src/domain/format.ts (the browser test checks they agree).
const CENTS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const money = (v) => { const c = Math.round(v * 100) / 100 || 0; return (c < 0 ? '-' : '') + '$' + CENTS.format(Math.abs(c)); };
window.reportMoney = money;
const utc = (sec) => new Date(sec * 1000).toISOString().slice(0, 16).replace('T', ' ');
const options = (el, priceFormatter) => ({ width: el.clientWidth, height: el.clientHeight, timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.01 }, layout: { background: { color: '#ffffff' }, textColor: '#1e222d' }, localization: priceFormatter ? { priceFormatter } : {} });
const priceEl = document.getElementById('price');
const price = LC.createChart(priceEl, options(priceEl));
const candles = price.addSeries(LC.CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350', priceFormat: data.priceFormat });
candles.setData(data.candles);
LC.createSeriesMarkers(candles, data.markers);
const priceLegend = document.getElementById('price-legend');
const legendDefault = priceLegend.textContent;
const fixed = (v) => v.toFixed(data.priceFormat.precision);
const eventTimes = Object.keys(data.events).map(Number).sort((a, b) => a - b);
const MARKER_REACH = 6;
price.subscribeCrosshairMove((param) => {
  const bar = param.time === undefined ? undefined : param.seriesData.get(candles);
  if (bar === undefined) { priceLegend.textContent = legendDefault; return; }
  const head = utc(param.time) + '  O ' + fixed(bar.open) + '  H ' + fixed(bar.high) + '  L ' + fixed(bar.low) + '  C ' + fixed(bar.close);
  // A marker is wider than a candle when candles are dense: list the trades within a few pixels.
  const scale = price.timeScale();
  const near = (dx) => scale.coordinateToTime(param.point.x + dx) ?? param.time;
  const [from, to] = [near(-MARKER_REACH), near(MARKER_REACH)];
  const lines = eventTimes.filter((t) => t >= from && t <= to).flatMap((t) => data.events[t]);
  priceLegend.textContent = [head, ...lines].join('\\n');
});
const levelColors = { poc: '#ff9800', vah: '#7e57c2', val: '#7e57c2' };
for (const key of ['poc', 'vah', 'val']) {
  const s = price.addSeries(LC.LineSeries, { color: levelColors[key], lineWidth: 1, lineStyle: key === 'poc' ? 0 : 2, priceLineVisible: false, lastValueVisible: false, title: key.toUpperCase() });
  s.setData(data.levels[key]);
}
price.timeScale().fitContent();
const equityEl = document.getElementById('equity');
const equity = LC.createChart(equityEl, options(equityEl, money));
const equitySeries = equity.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2, lineType: LC.LineType.WithSteps });
equitySeries.setData(data.equity);
equity.timeScale().fitContent();
const ddEl = document.getElementById('drawdown');
const dd = LC.createChart(ddEl, options(ddEl, money));
const ddSeries = dd.addSeries(LC.AreaSeries, { lineColor: '#f23645', topColor: 'rgba(242,54,69,0.05)', bottomColor: 'rgba(242,54,69,0.4)', invertFilledArea: false, lineType: LC.LineType.WithSteps });
ddSeries.setData(data.drawdown);
dd.timeScale().fitContent();
// Equity and drawdown share their points, so one logical range keeps both on the same time window.
const follow = (from, to) => from.timeScale().subscribeVisibleLogicalRangeChange((range) => { if (range) to.timeScale().setVisibleLogicalRange(range); });
follow(equity, dd);
follow(dd, equity);
for (const [chart, series, id, label] of [[equity, equitySeries, 'equity-legend', 'equity'], [dd, ddSeries, 'drawdown-legend', 'drawdown']]) {
  const el = document.getElementById(id);
  chart.subscribeCrosshairMove((param) => {
    const point = param.time === undefined ? undefined : param.seriesData.get(series);
    el.textContent = point === undefined ? '' : utc(param.time) + '  ' + label + ' ' + money(point.value);
  });
}
window.addEventListener('resize', () => { for (const [c, el] of [[price, priceEl], [equity, equityEl], [dd, ddEl]]) c.resize(el.clientWidth, el.clientHeight); });
// For the browser test: the data and the price chart.
window.reportData = data;
window.reportChart = price;
window.reportReady = true;
</script>
</body>
</html>
`;
}
