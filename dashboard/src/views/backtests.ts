// Backtests: the reports from `npm run backtest` (folder) and the stored runs; open one for its
// metrics, equity curve and trades, with the self-contained HTML report beside it. Strategy-lab
// sweeps (`npm run lab`) in the folder are listed too, marked "sweep", with their best cell.
import { ColorType, createChart, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import { rMultiple } from '../../../src/domain/format.ts';
import { get, query, withToken } from '../api.ts';
import { h } from '../dom.ts';
import { percent, pnlClass, price, usd, when } from '../format.ts';
import { type Column, renderPager, renderTable, type SortState } from '../table.ts';
import type { BacktestSummary, Paged, SweepSummary } from '../types.ts';

/** Stored runs carry no kind: they are backtests. */
type Listed = BacktestSummary & {
  source: 'file' | 'store';
  htmlUrl: string | null;
  kind?: 'backtest' | 'sweep';
  sweep?: SweepSummary | null;
};
type Opened = Listed & { report: Record<string, unknown> };

/** A lab objective's value as a trader reads it ("—" when missing). */
function objectiveText(objective: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (objective === 'netPnl') return usd(value);
  if (objective === 'maxDrawdown') return usd(value, false);
  if (objective === 'expectancyR') return rMultiple(value);
  if (objective === 'passProbability' || objective === 'winRate') return percent(value);
  return value.toFixed(2);
}

/** "sweep: 200 of 240 cells, best netPnl +$1,500.00 (profileRows=48 …)". */
export function sweepLine(s: SweepSummary): string {
  const cells = s.cells === s.gridCells ? `${s.cells} cells` : `${s.cells} of ${s.gridCells} cells`;
  const best =
    s.bestLabel === null
      ? 'no cell met the constraints'
      : `best ${s.objective} ${objectiveText(s.objective, s.bestValue)} (${s.bestLabel})`;
  return `sweep: ${cells}, ${best}`;
}

interface RankedRow {
  rank?: number;
  label?: string;
  broken?: string[];
  summary?: Record<string, number | null | undefined>;
}

interface ReportTrade {
  positionId?: string;
  symbol?: string;
  side?: string;
  quantity?: number;
  entryPrice?: number;
  exitPrice?: number;
  netPnl?: number;
  exitReason?: string;
  entryTime?: number;
  exitTime?: number;
}

const listColumns: Column<Listed>[] = [
  {
    label: 'Report',
    cell: (b) =>
      b.kind === 'sweep' && b.sweep
        ? h(
            'span',
            { 'data-sweep': b.id },
            h('strong', {}, b.name || b.id),
            ' ',
            h('span', { class: 'chip' }, 'SWEEP'),
            h('div', { class: 'muted' }, sweepLine(b.sweep)),
          )
        : h('strong', {}, b.name || b.id),
  },
  { label: 'Symbol', cell: (b) => b.symbol ?? '—' },
  { label: 'Trades', num: true, cell: (b) => (b.trades === null ? '—' : String(b.trades)) },
  {
    label: 'Net P&L',
    num: true,
    cell: (b) => h('span', { class: pnlClass(b.totalNetPnl) }, usd(b.totalNetPnl)),
  },
  { label: 'Win rate', num: true, cell: (b) => percent(b.winRate) },
  { label: 'Created', cell: (b) => h('span', { class: 'mono' }, when(b.createdAt)) },
  {
    label: 'Source',
    cell: (b) => h('span', { class: 'muted' }, b.source === 'file' ? 'reports folder' : 'database'),
  },
];

const METRICS: [string, string, (v: unknown) => string][] = [
  ['trades', 'Trades', (v) => String(v ?? '—')],
  ['totalNetPnl', 'Net P&L', (v) => usd(v as number)],
  ['winRate', 'Win rate', (v) => percent(v as number)],
  ['profitFactor', 'Profit factor', (v) => (typeof v === 'number' ? v.toFixed(2) : '∞ / —')],
  ['expectancy', 'Expectancy', (v) => usd(v as number)],
  ['maxDrawdown', 'Max drawdown', (v) => usd(v as number, false)],
  ['sharpe', 'Sharpe', (v) => (typeof v === 'number' ? v.toFixed(2) : '—')],
  ['sortino', 'Sortino', (v) => (typeof v === 'number' ? v.toFixed(2) : '—')],
  ['totalCommissions', 'Costs', (v) => usd(v as number, false)],
  ['exposure', 'Exposure', (v) => percent(v as number)],
];

function reportLink(b: Listed): Node | null {
  return b.htmlUrl
    ? h(
        'a',
        { href: withToken(b.htmlUrl), target: '_blank', rel: 'noopener', style: 'margin-left:auto' },
        'Open the HTML report ↗',
      )
    : null;
}

/** A sweep: its grid, best cell and first ranked cells; the HTML report has the heatmap and the rest. */
function sweepDetail(b: Opened, s: SweepSummary): Node[] {
  const cells = (Array.isArray(b.report.cells) ? b.report.cells : []) as RankedRow[];
  const figures: [string, string][] = [
    ['Cells run', s.cells === s.gridCells ? String(s.cells) : `${s.cells} of ${s.gridCells}`],
    ['Objective', s.objective],
    ['Best cell', s.bestLabel ?? 'none met the constraints'],
    [`Best ${s.objective}`, objectiveText(s.objective, s.bestValue)],
    ['Constraints', s.constraints.length === 0 ? 'none' : s.constraints.join(' · ')],
    [
      'Walk-forward',
      s.walkForwardWindows === null
        ? 'off'
        : `${s.walkForwardWindows} windows, efficiency ${s.walkForwardEfficiency?.toFixed(2) ?? '—'}`,
    ],
  ];
  const fixed = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(2) : '—');
  const parts: (Node | null)[] = [
    h(
      'div',
      { class: 'toolbar' },
      h('strong', {}, b.name || b.id),
      h('span', { class: 'muted' }, `${b.symbol ?? ''} · reports folder · sweep`),
      reportLink(b),
    ),
    h(
      'div',
      { class: 'bt-metrics', 'data-testid': 'sweep-metrics' },
      ...figures.map(([label, value]) => h('div', {}, h('b', {}, label), value)),
    ),
    h(
      'h2',
      { style: 'padding:0 12px' },
      'Ranked cells ',
      h('span', { class: 'muted' }, cells.length > 20 ? `first 20 of ${cells.length}` : String(cells.length)),
    ),
    h(
      'table',
      { 'data-testid': 'sweep-cells' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[
            'Rank',
            'Settings',
            'Trades',
            'Net P&L',
            'Profit factor',
            'Sharpe',
            'Max drawdown',
            'Broken',
          ].map((l) => h('th', {}, l)),
        ),
      ),
      h(
        'tbody',
        {},
        ...cells
          .slice(0, 20)
          .map((c) =>
            h(
              'tr',
              {},
              h('td', { class: 'num' }, String(c.rank ?? '')),
              h('td', { class: 'mono' }, c.label ?? ''),
              h('td', { class: 'num' }, String(c.summary?.trades ?? '—')),
              h(
                'td',
                { class: 'num' },
                h('span', { class: pnlClass(c.summary?.netPnl) }, usd(c.summary?.netPnl)),
              ),
              h('td', { class: 'num' }, fixed(c.summary?.profitFactor)),
              h('td', { class: 'num' }, fixed(c.summary?.sharpe)),
              h('td', { class: 'num' }, usd(c.summary?.maxDrawdown, false)),
              h('td', { class: 'muted' }, (c.broken ?? []).join(' · ') || '—'),
            ),
          ),
      ),
    ),
    b.htmlUrl ? h('h2', { style: 'padding:0 12px' }, 'HTML report') : null,
    b.htmlUrl
      ? h('iframe', {
          class: 'report',
          src: withToken(b.htmlUrl),
          title: 'Sweep HTML report',
          'data-testid': 'report-frame',
        })
      : null,
  ];
  return parts.filter((p): p is Node => p !== null);
}

export function mountBacktests(root: HTMLElement): () => void {
  const state: SortState = { sort: '', order: 'desc', page: 1, limit: 8 };
  const listHost = h('div');
  const detailHost = h(
    'div',
    { 'data-testid': 'backtest-detail' },
    h('p', { class: 'muted', style: 'padding:12px' }, 'Open a report from the list.'),
  );
  let openId: string | null = null;

  const load = async (openFirst = false) => {
    const page = await get<Paged<Listed>>(`/api/backtests${query({ page: state.page, limit: state.limit })}`);
    if (openFirst && page.items[0] && openId === null) {
      void open(page.items[0].id);
      return;
    }
    listHost.replaceChildren(
      renderTable(listColumns, page.items, state, () => void load(), {
        empty: 'No backtests yet: run npm run backtest -- --json reports/run.json --html reports/run.html',
        rowAttrs: (b) => ({
          'data-backtest': b.id,
          class: b.id === openId ? 'selected' : '',
          style: 'cursor:pointer',
        }),
      }),
      renderPager(page.pagination, state, () => void load()),
    );
    for (const tr of listHost.querySelectorAll<HTMLTableRowElement>('tr[data-backtest]')) {
      tr.addEventListener('click', () => void open(tr.dataset.backtest!));
    }
  };

  const open = async (id: string) => {
    openId = id;
    void load();
    const b = await get<Opened>(`/api/backtests/${encodeURIComponent(id)}`);
    if (b.kind === 'sweep' && b.sweep) {
      detailHost.replaceChildren(...sweepDetail(b, b.sweep));
      return;
    }
    const metrics = (b.report.metrics ?? {}) as Record<string, unknown>;
    const trades = (Array.isArray(b.report.trades) ? b.report.trades : []) as ReportTrade[];
    const equity = (Array.isArray(metrics.equityCurve) ? metrics.equityCurve : []) as {
      ts: number;
      equity: number;
    }[];
    const chartHost = h('div', { class: 'equity', 'data-testid': 'equity-chart' });
    const parts: (Node | null)[] = [
      h(
        'div',
        { class: 'toolbar' },
        h('strong', {}, b.name || b.id),
        h(
          'span',
          { class: 'muted' },
          `${b.symbol ?? ''} · ${b.source === 'file' ? 'reports folder' : 'database'}`,
        ),
        b.htmlUrl
          ? h(
              'a',
              { href: withToken(b.htmlUrl), target: '_blank', rel: 'noopener', style: 'margin-left:auto' },
              'Open the HTML report ↗',
            )
          : null,
      ),
      h(
        'div',
        { class: 'bt-metrics', 'data-testid': 'backtest-metrics' },
        ...METRICS.filter(([key]) => key in metrics).map(([key, label, fmt]) =>
          h('div', {}, h('b', {}, label), fmt(metrics[key])),
        ),
      ),
      equity.length > 1 ? chartHost : null,
      h(
        'h2',
        { style: 'padding:0 12px' },
        'Trades ',
        h(
          'span',
          { class: 'muted' },
          trades.length > 200 ? `first 200 of ${trades.length}` : String(trades.length),
        ),
      ),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Entry', 'Side', 'Qty', 'Entry price', 'Exit price', 'Net P&L', 'Exit reason'].map((l) =>
              h('th', {}, l),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          ...trades
            .slice(0, 200)
            .map((t) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono' }, when(t.entryTime)),
                h('td', {}, h('span', { class: `chip ${t.side}` }, String(t.side ?? '').toUpperCase())),
                h('td', { class: 'num' }, String(t.quantity ?? '')),
                h('td', { class: 'num' }, price(t.entryPrice, t.symbol)),
                h('td', { class: 'num' }, price(t.exitPrice, t.symbol)),
                h('td', { class: 'num' }, h('span', { class: pnlClass(t.netPnl) }, usd(t.netPnl))),
                h('td', {}, t.exitReason ?? ''),
              ),
            ),
        ),
      ),
      b.htmlUrl ? h('h2', { style: 'padding:0 12px' }, 'HTML report') : null,
      b.htmlUrl
        ? h('iframe', {
            class: 'report',
            src: withToken(b.htmlUrl),
            title: 'Backtest HTML report',
            'data-testid': 'report-frame',
          })
        : null,
    ];
    detailHost.replaceChildren(...parts.filter((p): p is Node => p !== null));
    if (equity.length > 1) {
      const chart = createChart(chartHost, {
        autoSize: true,
        layout: {
          background: { type: ColorType.Solid, color: '#121a23' },
          textColor: '#8496a9',
          attributionLogo: false,
        },
        grid: { vertLines: { color: '#17212c' }, horzLines: { color: '#17212c' } },
        timeScale: { timeVisible: true, borderColor: '#233140' },
        rightPriceScale: { borderColor: '#233140' },
      });
      const line = chart.addSeries(LineSeries, { color: '#3d8bfd', lineWidth: 2 });
      // One point per second at most (the chart needs strictly increasing times).
      const points = new Map<number, number>();
      for (const p of equity) points.set(Math.floor(p.ts / 1000), p.equity);
      line.setData(
        [...points]
          .sort((a, b) => a[0] - b[0])
          .map(([time, value]) => ({ time: time as UTCTimestamp, value })),
      );
      chart.timeScale().fitContent();
    }
  };

  root.replaceChildren(
    h('h2', {}, 'Backtests ', h('span', { class: 'muted' }, 'reports from npm run backtest and stored runs')),
    h(
      'div',
      { class: 'bt-layout' },
      h('div', { class: 'panel' }, listHost),
      h('div', { class: 'panel' }, detailHost),
    ),
  );
  void load(true);
  return () => {};
}
