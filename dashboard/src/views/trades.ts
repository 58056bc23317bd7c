// Trade log: every closed trade, sortable and paginated, filtered by symbol, side and date.
import { accountColumn, selectedAccount } from '../accounts.ts';
import { get, query } from '../api.ts';
import { h } from '../dom.ts';
import { duration, exitReasonName, pnlClass, price, usd, when } from '../format.ts';
import { onLive } from '../live.ts';
import { type Column, renderPager, renderTable, type SortState } from '../table.ts';
import type { Paged, StoredTrade } from '../types.ts';

const columns: Column<StoredTrade>[] = [
  { label: 'Exit', sort: 'exitTime', cell: (t) => h('span', { class: 'mono' }, when(t.exitTime)) },
  { label: 'Symbol', sort: 'symbol', cell: (t) => h('strong', {}, t.symbol) },
  { label: 'Side', sort: 'side', cell: (t) => h('span', { class: `chip ${t.side}` }, t.side.toUpperCase()) },
  { label: 'Qty', sort: 'quantity', num: true, cell: (t) => String(t.quantity) },
  { label: 'Entry', num: true, cell: (t) => price(t.entryPrice, t.symbol) },
  { label: 'Exit price', num: true, cell: (t) => price(t.exitPrice, t.symbol) },
  {
    label: 'Net P&L',
    sort: 'netPnl',
    num: true,
    cell: (t) => h('span', { class: pnlClass(t.netPnl), 'data-testid': 'net' }, usd(t.netPnl)),
  },
  { label: 'Costs', num: true, cell: (t) => usd(t.commissions, false) },
  { label: 'Exit reason', sort: 'exitReason', cell: (t) => exitReasonName(t.exitReason) },
  {
    label: 'Target',
    sort: 'highestTarget',
    num: true,
    cell: (t) => (t.highestTarget > 0 ? `TP${t.highestTarget}` : '—'),
  },
  { label: 'Held', num: true, cell: (t) => duration(t.exitTime - t.entryTime) },
];

export function mountTrades(root: HTMLElement): () => void {
  const state: SortState = { sort: 'exitTime', order: 'desc', page: 1, limit: 25 };
  const filters = { symbol: '', side: '', from: '', to: '' };
  const tableHost = h('div');
  const summary = h('span', { class: 'muted', style: 'margin-left:auto' });

  const load = async () => {
    // Dates are local calendar days; `to` includes its whole day.
    const from = filters.from ? new Date(`${filters.from}T00:00:00`).getTime() : undefined;
    const to = filters.to ? new Date(`${filters.to}T00:00:00`).getTime() + 86_400_000 : undefined;
    const page = await get<Paged<StoredTrade>>(
      `/api/trades-log${query({ ...state, account: selectedAccount(), symbol: filters.symbol, side: filters.side, from, to })}`,
    );
    const items = page.items;
    const net = items.reduce((s, t) => s + t.netPnl, 0);
    summary.replaceChildren('this page: ', h('span', { class: pnlClass(net) }, usd(net)));
    tableHost.replaceChildren(
      renderTable([...accountColumn<StoredTrade>(), ...columns], items, state, () => void load(), {
        empty: 'No trades match these filters.',
        rowAttrs: (t) => ({ 'data-trade': t.positionId }),
      }),
      renderPager(page.pagination, state, () => void load()),
    );
  };

  const field = (name: keyof typeof filters, control: HTMLInputElement | HTMLSelectElement) => {
    control.name = name;
    control.addEventListener('change', () => {
      filters[name] = name === 'symbol' ? control.value.trim().toUpperCase() : control.value;
      state.page = 1;
      void load();
    });
    return control;
  };

  root.replaceChildren(
    h('h2', {}, 'Trade log ', h('span', { class: 'muted' }, 'immutable record of every closed trade')),
    h(
      'div',
      { class: 'panel' },
      h(
        'div',
        { class: 'toolbar' },
        h('label', {}, 'Symbol', field('symbol', h('input', { type: 'text', placeholder: 'ES' }))),
        h(
          'label',
          {},
          'Side',
          field(
            'side',
            h(
              'select',
              {},
              h('option', { value: '' }, 'any'),
              h('option', { value: 'long' }, 'long'),
              h('option', { value: 'short' }, 'short'),
            ),
          ),
        ),
        h('label', {}, 'From', field('from', h('input', { type: 'date' }))),
        h('label', {}, 'To', field('to', h('input', { type: 'date' }))),
        summary,
      ),
      tableHost,
    ),
  );
  void load();
  return onLive((event) => {
    if (event.type === 'position.finished' && state.page === 1) setTimeout(() => void load(), 1500);
  });
}
