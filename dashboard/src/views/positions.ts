// Positions: filterable, sortable, paginated; rows on screen update live with P&L and the ladder.
import { accountColumn, inSelectedAccount, selectedAccount } from '../accounts.ts';
import { get, query } from '../api.ts';
import { h } from '../dom.ts';
import { pnlClass, price, stateLabel, usd, when } from '../format.ts';
import { ladder, rungOfState } from '../ladder.ts';
import { onLive } from '../live.ts';
import { type Column, renderPager, renderTable, type SortState } from '../table.ts';
import type { DashboardEvent, LivePosition, Paged, PositionSummary } from '../types.ts';

type Row = PositionSummary & { live: LivePosition | null };

const FINAL = new Set(['closed', 'cancelled']);

/** A live position the store has not written yet, shaped as a table row. */
function rowFromLive(p: LivePosition): Row {
  return {
    id: p.positionId,
    signalId: p.signalId,
    alertId: null,
    accountId: p.accountId,
    symbol: p.symbol,
    contractId: '',
    side: p.side,
    state: p.state as PositionSummary['state'],
    quantity: p.quantity,
    filledQuantity: p.filledQuantity,
    entryOrderId: null,
    entryPrice: p.entryPrice,
    fillPrice: p.fillPrice,
    stopPrice: p.stop,
    tp1: p.tp1,
    tp2: p.tp2,
    tp3: p.tp3,
    poc: 0,
    vah: 0,
    val: 0,
    confirmationScore: null,
    unrealizedPnl: p.unrealizedPnl,
    realizedPnl: p.realizedPnl,
    llmReasoning: null,
    llmConfidence: null,
    machineVersion: '',
    openedAt: p.openedAt,
    updatedAt: p.openedAt,
    closedAt: null,
    live: p,
  };
}

function matches(p: LivePosition, filters: { symbol: string; state: string; side: string }): boolean {
  if (filters.symbol && p.symbol !== filters.symbol) return false;
  if (filters.side && p.side !== filters.side) return false;
  if (filters.state === 'open') return !FINAL.has(p.state);
  if (filters.state) return p.state === filters.state;
  return true;
}

const STATES = ['', 'open', 'pending_entry', 'active', 'tp1', 'tp2', 'tp3', 'closed', 'cancelled'];

const columns: Column<Row>[] = [
  { label: 'Opened', sort: 'openedAt', cell: (r) => h('span', { class: 'mono' }, when(r.openedAt)) },
  {
    label: 'Symbol',
    sort: 'symbol',
    cell: (r) =>
      h(
        'span',
        {},
        h('strong', {}, r.symbol),
        r.live && !FINAL.has(r.live.state)
          ? h('span', { class: 'live-dot', title: 'live: updates with every mark' })
          : null,
      ),
  },
  { label: 'Side', sort: 'side', cell: (r) => h('span', { class: `chip ${r.side}` }, r.side.toUpperCase()) },
  {
    label: 'State',
    sort: 'state',
    cell: (r) => {
      const state = r.live?.state ?? r.state;
      return h('span', { class: `chip st-${state}`, 'data-testid': 'state' }, stateLabel(state));
    },
  },
  {
    label: 'Filled',
    sort: 'quantity',
    num: true,
    cell: (r) => `${r.live?.filledQuantity ?? r.filledQuantity}/${r.quantity}`,
  },
  {
    label: 'Entry',
    sort: 'entryPrice',
    num: true,
    cell: (r) => price(r.live?.fillPrice ?? r.fillPrice ?? r.entryPrice, r.symbol),
  },
  {
    label: 'Stop ladder',
    cell: (r) =>
      ladder({
        stop: r.live?.stop ?? r.stopPrice,
        entry: r.entryPrice,
        tp1: r.tp1,
        tp2: r.tp2,
        tp3: r.tp3,
        rung: r.live?.rung ?? rungOfState(r.state),
        symbol: r.symbol,
        pending: (r.live?.state ?? r.state) === 'pending_entry' || FINAL.has(r.live?.state ?? r.state),
      }),
  },
  { label: 'Last', num: true, cell: (r) => price(r.live?.lastPrice ?? null, r.symbol) },
  {
    label: 'Open P&L',
    sort: 'unrealizedPnl',
    num: true,
    cell: (r) => {
      if (FINAL.has(r.live?.state ?? r.state)) return h('span', { class: 'muted' }, '—');
      const v = r.live?.unrealizedPnl ?? r.unrealizedPnl;
      return h('span', { class: pnlClass(v), 'data-testid': 'unrealized' }, usd(v));
    },
  },
  {
    label: 'Realised',
    sort: 'realizedPnl',
    num: true,
    cell: (r) => {
      const v = r.live?.realizedPnl ?? r.realizedPnl;
      return h('span', { class: pnlClass(v) }, usd(v));
    },
  },
];

export function mountPositions(root: HTMLElement): () => void {
  const state: SortState = { sort: 'openedAt', order: 'desc', page: 1, limit: 25 };
  const filters = { symbol: '', state: '', side: '' };
  const live = new Map<string, LivePosition>();
  let page: Paged<PositionSummary> | null = null;
  let flash = new Set<string>();
  const tableHost = h('div');
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;

  const render = () => {
    if (!page) return;
    const stored: Row[] = page.items.map((p) => ({ ...p, live: live.get(p.id) ?? null }));
    // Live positions the store has not caught up with yet lead the first page.
    const pending =
      state.page === 1
        ? [...live.values()]
            .filter(
              (p) =>
                !FINAL.has(p.state) &&
                matches(p, filters) &&
                inSelectedAccount(p.accountId) &&
                !page!.items.some((r) => r.id === p.positionId),
            )
            .map(rowFromLive)
        : [];
    const rows = [...pending, ...stored];
    tableHost.replaceChildren(
      renderTable([...accountColumn<Row>(), ...columns], rows, state, () => void load(), {
        empty: 'No positions match these filters.',
        rowAttrs: (r) => ({
          'data-position': r.id,
          class: [flash.has(r.id) ? 'flash' : '', r.live ? 'live' : ''].join(' ').trim(),
        }),
      }),
      renderPager(page.pagination, state, () => void load()),
    );
    flash = new Set();
  };

  const load = async () => {
    const stateParam = filters.state === 'open' ? undefined : filters.state;
    page = await get<Paged<PositionSummary>>(
      `/api/positions${query({ ...state, account: selectedAccount(), symbol: filters.symbol, side: filters.side, state: stateParam, open: filters.state === 'open' ? 'true' : undefined })}`,
    );
    render();
  };

  const input = (name: 'symbol', placeholder: string) =>
    h('input', {
      type: 'text',
      name,
      placeholder,
      onchange: (e: Event) => {
        filters[name] = (e.target as HTMLInputElement).value.trim().toUpperCase();
        state.page = 1;
        void load();
      },
    });
  const select = (name: 'state' | 'side', options: readonly string[]) =>
    h(
      'select',
      {
        name,
        onchange: (e: Event) => {
          filters[name] = (e.target as HTMLSelectElement).value;
          state.page = 1;
          void load();
        },
      },
      ...options.map((o) =>
        h('option', { value: o }, o === '' ? 'any' : o === 'open' ? 'open (not final)' : stateLabel(o)),
      ),
    );

  const onEvent = (event: DashboardEvent) => {
    if (event.type === 'position' || event.type === 'marks') {
      const changed = event.type === 'position' ? [event.position] : event.positions;
      let unseen = false;
      for (const p of changed) {
        const before = live.get(p.positionId);
        live.set(p.positionId, p);
        if (event.type === 'position' && before?.state !== p.state) flash.add(p.positionId);
        if (!page?.items.some((r) => r.id === p.positionId)) unseen = true;
      }
      render();
      // A position the table has never seen: fetch the page again once the store has it.
      if (unseen && event.type === 'position') {
        clearTimeout(reloadTimer);
        reloadTimer = setTimeout(() => void load(), 1500);
      }
    } else if (event.type === 'position.finished') {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => void load(), 1500);
    }
  };
  const unsubscribe = onLive(onEvent);

  root.replaceChildren(
    h('h2', {}, 'Positions ', h('span', { class: 'muted' }, 'open P&L and the ladder update live')),
    h(
      'div',
      { class: 'panel' },
      h(
        'div',
        { class: 'toolbar' },
        h('label', {}, 'Symbol', input('symbol', 'ES')),
        h('label', {}, 'State', select('state', STATES)),
        h('label', {}, 'Side', select('side', ['', 'long', 'short'])),
      ),
      tableHost,
    ),
  );
  void get<{ items: LivePosition[] }>('/api/positions/live').then((r) => {
    for (const p of r.items) live.set(p.positionId, p);
    render();
  });
  void load();
  return () => {
    clearTimeout(reloadTimer);
    unsubscribe();
  };
}
