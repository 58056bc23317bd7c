// Alert detail: the decision, the plan's levels and the profile panel (candles + volume histogram).
// The plan's stop (from the plan at entry) and the current ladder stop are shown apart: after TP1
// the ladder moves the stop, and the plan's risk is still measured from the plan's stop.
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  LineStyle,
  type UTCTimestamp,
} from 'lightweight-charts';
import { get } from '../api.ts';
import { h } from '../dom.ts';
import { price, stopRungName, when } from '../format.ts';
import type { AlertDetail, ProfilePanel } from '../types.ts';

type Detail = AlertDetail & { profilePanel: ProfilePanel };

const LEVEL_COLORS: Record<string, string> = {
  poc: '#f5b942',
  vah: '#3d8bfd',
  val: '#3d8bfd',
  entry: '#d9e1ea',
  'plan stop': '#f0506e',
  'stop now': '#ff8fa3',
  tp1: '#26c281',
  tp2: '#26c281',
  tp3: '#26c281',
};

export async function openAlertDetail(
  modal: HTMLDialogElement,
  body: HTMLElement,
  alertId: number,
): Promise<void> {
  const d = await get<Detail>(`/api/alerts/${alertId}`);
  const p = d.profilePanel;
  const a = d.alert;
  const close = h('button', { type: 'button', class: 'ghost', onclick: () => modal.close() }, 'Close ✕');
  const signal = d.signals[0];
  const levelBox = (label: string, value: string, testId?: string) =>
    h('div', { 'data-testid': testId }, h('b', {}, label), value);
  const L = p.levels;
  const position = d.positions[0];
  const ended = position?.state === 'closed' || position?.state === 'cancelled';
  const rung = L.currentStopRung === null ? '' : ` (${stopRungName(L.currentStopRung)})`;
  const chartHost = h('div', { class: 'chart', 'data-testid': 'profile-chart' });
  const histogram = h('canvas', { class: 'histogram', 'data-testid': 'profile-histogram' });
  const content = h(
    'div',
    { class: 'modal-content' },
    h(
      'dl',
      { class: 'kv' },
      h('dt', {}, 'Received'),
      h('dd', {}, when(a.receivedAt)),
      h('dt', {}, 'Alert'),
      h(
        'dd',
        {},
        `${a.parsed?.ticker ?? '—'} · ${a.parsed?.action ?? '—'} · ${a.parsed?.dialect ?? 'unparsed'}`,
      ),
      h('dt', {}, 'Intake'),
      h('dd', {}, h('span', { class: `chip st-${a.status}` }, a.status), a.reason ? ` ${a.reason}` : ''),
      h('dt', {}, 'Decision'),
      h(
        'dd',
        { 'data-testid': 'decision' },
        signal ? h('span', { class: `chip st-${signal.status}` }, signal.status) : 'no signal',
        signal?.reason ? ` ${signal.reason}` : '',
      ),
    ),
    h(
      'h2',
      {},
      'Profile ',
      h(
        'span',
        { class: 'muted' },
        p.profile ? `${p.profile.lookbackMinutes} min lookback, ${p.profile.rows.length} rows` : '',
      ),
    ),
    h(
      'div',
      { class: 'levels', 'data-testid': 'levels' },
      levelBox('POC', price(p.profile?.poc ?? L.poc, p.symbol)),
      levelBox('VAH', price(p.profile?.vah ?? L.vah, p.symbol)),
      levelBox('VAL', price(p.profile?.val ?? L.val, p.symbol)),
      levelBox(
        'Confirmation',
        L.confirmationScore === null ? '—' : `${L.confirmationScore.toFixed(0)} / 100`,
      ),
      levelBox('Entry', price(L.entry, p.symbol)),
      levelBox('Plan stop', price(L.planStop, p.symbol), 'plan-stop'),
      levelBox(
        ended ? 'Stop at the end' : 'Current stop',
        `${price(L.currentStop, p.symbol)}${rung}`,
        'current-stop',
      ),
      levelBox(
        'TP1 / TP2 / TP3',
        `${price(L.tp1, p.symbol)} / ${price(L.tp2, p.symbol)} / ${price(L.tp3, p.symbol)}`,
      ),
    ),
    p.note ? h('p', { class: 'note' }, p.note) : null,
    p.candles.length > 0 ? h('div', { class: 'profile-wrap' }, chartHost, histogram) : null,
    d.events.length > 0 ? h('h2', {}, 'Events') : null,
    d.events.length > 0
      ? h(
          'table',
          {},
          h(
            'tbody',
            {},
            ...d.events.map((e) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono' }, when(e.ts)),
                h('td', {}, `${e.entityType} ${e.entityId}`),
                h('td', {}, `${e.fromState ?? '∅'} → ${e.toState}`),
              ),
            ),
          ),
        )
      : null,
    h('h2', {}, 'Raw alert ', h('span', { class: 'muted' }, 'secrets redacted')),
    h('pre', {}, a.rawBody),
  );
  body.replaceChildren(
    h('div', { class: 'modal-head' }, h('h3', {}, `Alert #${a.id} · ${p.symbol ?? 'unknown symbol'}`), close),
    content,
  );
  if (!modal.open) modal.showModal();
  if (p.candles.length > 0) drawProfile(chartHost, histogram, p);
}

function drawProfile(host: HTMLElement, canvas: HTMLCanvasElement, p: ProfilePanel): void {
  const chart: IChartApi = createChart(host, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: '#0f161e' },
      textColor: '#8496a9',
      attributionLogo: false,
    },
    grid: { vertLines: { color: '#17212c' }, horzLines: { color: '#17212c' } },
    timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#233140' },
    rightPriceScale: { borderColor: '#233140' },
  });
  const series: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, {
    upColor: '#26c281',
    downColor: '#f0506e',
    borderVisible: false,
    wickUpColor: '#26c281',
    wickDownColor: '#f0506e',
  });
  series.setData(
    p.candles.map((b) => ({
      time: (b.ts / 1000) as UTCTimestamp,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
    })),
  );
  const levels: [string, number | null][] = [
    ['POC', p.profile?.poc ?? p.levels.poc],
    ['VAH', p.profile?.vah ?? p.levels.vah],
    ['VAL', p.profile?.val ?? p.levels.val],
    ['entry', p.levels.entry],
    ['plan stop', p.levels.planStop],
    // The moved stop gets its own line only once it differs from the plan's.
    ['stop now', p.levels.currentStop === p.levels.planStop ? null : p.levels.currentStop],
    ['TP1', p.levels.tp1],
    ['TP2', p.levels.tp2],
    ['TP3', p.levels.tp3],
  ];
  for (const [title, value] of levels) {
    if (value === null) continue;
    series.createPriceLine({
      price: value,
      color: LEVEL_COLORS[title.toLowerCase()] ?? '#8496a9',
      lineWidth: 1,
      lineStyle: title === 'POC' || title === 'VAH' || title === 'VAL' ? LineStyle.Solid : LineStyle.Dashed,
      axisLabelVisible: true,
      title,
    });
  }
  // Mark the alert on the candle it fired in.
  const alertBar = [...p.candles].reverse().find((b) => b.ts <= p.at);
  if (alertBar) {
    createSeriesMarkers(series, [
      {
        time: (alertBar.ts / 1000) as UTCTimestamp,
        position: 'belowBar',
        color: '#f5b942',
        shape: 'arrowUp',
        text: 'alert',
      },
    ]);
  }
  chart.timeScale().fitContent();
  const paint = () => paintHistogram(canvas, p, (value) => series.priceToCoordinate(value));
  chart.timeScale().subscribeVisibleLogicalRangeChange(() => requestAnimationFrame(paint));
  new ResizeObserver(() => requestAnimationFrame(paint)).observe(canvas);
  requestAnimationFrame(() => requestAnimationFrame(paint));
}

/** Rows drawn at the chart's own price coordinates, so the histogram lines up with the candles. */
function paintHistogram(
  canvas: HTMLCanvasElement,
  p: ProfilePanel,
  y: (price: number) => number | null,
): void {
  const profile = p.profile;
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx || !profile) return;
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  const max = Math.max(...profile.rows.map((r) => r.total), 1);
  for (const row of profile.rows) {
    const top = y(row.top);
    const bottom = y(row.bottom);
    if (top === null || bottom === null) continue;
    const h = Math.max(1, bottom - top - 1);
    const inValueArea = row.bottom >= profile.val - 1e-9 && row.top <= profile.vah + 1e-9;
    const isPoc = profile.poc >= row.bottom && profile.poc <= row.top;
    const w = (row.total / max) * (width - 20);
    ctx.fillStyle = isPoc ? '#f5b942' : inValueArea ? '#3d8bfd' : '#3a4b5e';
    ctx.fillRect(4, top, w, h);
  }
  ctx.fillStyle = '#8496a9';
  ctx.font = '11px system-ui';
  ctx.fillText('volume by price', 6, 14);
  ctx.fillStyle = '#f5b942';
  ctx.fillRect(6, 22, 8, 8);
  ctx.fillStyle = '#3d8bfd';
  ctx.fillRect(46, 22, 8, 8);
  ctx.fillStyle = '#8496a9';
  ctx.fillText('POC', 17, 30);
  ctx.fillText('value area', 57, 30);
}
