// Live feed: pending, filtered (with the reason) and executed signals as they happen, and the live positions.
import { accountName, inSelectedAccount, selectedAccount, severalAccounts } from '../accounts.ts';
import { get, query } from '../api.ts';
import { h } from '../dom.ts';
import { clock, pnlClass, price, stateLabel, usd, when } from '../format.ts';
import { ladder } from '../ladder.ts';
import { onLive } from '../live.ts';
import type { AlertSummary, DashboardEvent, LivePosition, Paged, SignalSummary } from '../types.ts';
import { openAlertDetail } from './alert-detail.ts';

interface FeedItem {
  readonly signalId: string;
  /** Unknown for events from an older bot: then shown under every account. */
  readonly accountId: string | null;
  readonly alertId: number | null;
  readonly symbol: string | null;
  readonly status: string;
  readonly reason: string;
  readonly ts: number;
  readonly fresh: boolean;
}

const FILTERS = [
  ['', 'All'],
  ['PENDING', 'Pending'],
  ['FILTERED', 'Filtered'],
  ['EXECUTED', 'Executed'],
] as const;

export function positionCard(p: LivePosition): HTMLElement {
  return h(
    'div',
    { class: 'panel pos-card', 'data-position': p.positionId },
    h(
      'header',
      {},
      h('strong', {}, p.symbol),
      severalAccounts()
        ? h(
            'span',
            { class: 'muted', 'data-testid': 'card-account' },
            p.accountName ?? accountName(p.accountId),
          )
        : null,
      h('span', { class: `chip ${p.side}` }, p.side.toUpperCase()),
      h('span', { class: `chip st-${p.state}` }, stateLabel(p.state)),
      h(
        'span',
        { class: `pnl ${pnlClass(p.unrealizedPnl)}`, 'data-testid': 'live-pnl' },
        usd(p.unrealizedPnl),
      ),
    ),
    ladder({
      stop: p.stop,
      entry: p.fillPrice ?? p.entryPrice,
      tp1: p.tp1,
      tp2: p.tp2,
      tp3: p.tp3,
      rung: p.rung,
      pending: p.state === 'pending_entry',
      symbol: p.symbol,
    }),
    h(
      'div',
      { class: 'muted', style: 'margin-top:8px;font-size:12px' },
      `${p.filledQuantity}/${p.quantity} filled · last ${price(p.lastPrice, p.symbol)} · realised ${usd(p.realizedPnl)} · ${p.positionId}`,
    ),
  );
}

export function mountLiveFeed(
  root: HTMLElement,
  modal: HTMLDialogElement,
  modalBody: HTMLElement,
): () => void {
  let status = '';
  let items: FeedItem[] = [];
  const positions = new Map<string, LivePosition>();
  const list = h('ul', { class: 'feed', 'data-testid': 'feed' });
  const cards = h('div', { class: 'cards', 'data-testid': 'live-positions' });
  const filterBar = h('div', { class: 'toolbar' });

  const renderFilters = () => {
    filterBar.replaceChildren(
      ...FILTERS.map(([value, label]) =>
        h(
          'button',
          {
            type: 'button',
            class: status === value ? '' : 'ghost',
            'data-filter': value || 'all',
            onclick: () => {
              status = value;
              renderFilters();
              void load();
            },
          },
          label,
        ),
      ),
      h(
        'span',
        { class: 'muted', style: 'margin-left:auto' },
        'newest first · click a signal for its alert and profile',
      ),
    );
  };

  const renderFeed = () => {
    const shown = items.filter(
      (i) => (status === '' || i.status === status) && inSelectedAccount(i.accountId),
    );
    list.replaceChildren(
      ...(shown.length === 0
        ? [
            h(
              'li',
              { class: 'muted', style: 'cursor:default' },
              'No signals yet. They appear here the moment an alert is decided.',
            ),
          ]
        : []),
      ...shown.slice(0, 100).map((i) =>
        h(
          'li',
          {
            class: i.fresh ? 'new' : '',
            'data-signal': i.signalId,
            onclick: () => {
              if (i.alertId !== null) void openAlertDetail(modal, modalBody, i.alertId);
            },
            title: i.alertId === null ? 'the alert is not stored yet' : 'Open the alert',
          },
          h(
            'span',
            { class: 'mono muted', title: when(i.ts) },
            Date.now() - i.ts < 86_400_000 ? clock(i.ts) : when(i.ts).replace(/, /, ' '),
          ),
          h('span', {}, h('span', { class: `chip st-${i.status}` }, i.status)),
          h('strong', {}, i.symbol ?? '—'),
          h('span', { class: 'reason', title: i.reason }, i.reason || '—'),
          h(
            'span',
            { class: 'muted mono' },
            severalAccounts() && i.accountId
              ? h('span', { class: 'acct', 'data-testid': 'signal-account' }, accountName(i.accountId))
              : null,
            i.signalId,
          ),
        ),
      ),
    );
  };

  const alertsHost = h('ul', { class: 'feed alerts', 'data-testid': 'recent-alerts' });
  const loadAlerts = async () => {
    const page = await get<Paged<AlertSummary>>(`/api/alerts${query({ limit: 8 })}`);
    alertsHost.replaceChildren(
      ...(page.items.length === 0
        ? [h('li', { class: 'muted', style: 'cursor:default' }, 'No alerts received yet.')]
        : []),
      ...page.items.map((a) =>
        h(
          'li',
          {
            'data-alert': a.id,
            onclick: () => void openAlertDetail(modal, modalBody, a.id),
            title: a.reason ?? '',
          },
          h('span', { class: 'mono muted' }, clock(a.receivedAt)),
          h('span', {}, h('span', { class: `chip st-${a.status}` }, a.status)),
          h('strong', {}, a.parsed?.symbol ?? '—'),
          h(
            'span',
            { class: 'reason' },
            a.reason ?? `${a.parsed?.action ?? ''} ${a.parsed?.ticker ?? ''}`.trim(),
          ),
        ),
      ),
    );
  };

  const renderCards = () => {
    const open = [...positions.values()].filter(
      (p) => p.state !== 'closed' && p.state !== 'cancelled' && inSelectedAccount(p.accountId),
    );
    cards.replaceChildren(
      ...(open.length === 0 ? [h('p', { class: 'muted' }, 'No open positions.')] : open.map(positionCard)),
    );
  };

  const load = async () => {
    const page = await get<Paged<SignalSummary>>(
      `/api/signals${query({ status, account: selectedAccount(), limit: 100 })}`,
    );
    items = page.items.map((s) => ({
      signalId: s.id,
      accountId: s.accountId,
      alertId: s.alertId,
      symbol: s.symbol,
      status: s.status,
      reason: s.reason ?? '',
      ts: s.updatedAt,
      fresh: false,
    }));
    renderFeed();
  };

  const onEvent = (event: DashboardEvent) => {
    if (event.type === 'signal') {
      clearTimeout(alertsTimer);
      alertsTimer = setTimeout(() => void loadAlerts(), 1000);
      items = [
        {
          signalId: event.signalId,
          accountId: event.accountId ?? items.find((i) => i.signalId === event.signalId)?.accountId ?? null,
          alertId: event.alertId ?? items.find((i) => i.signalId === event.signalId)?.alertId ?? null,
          symbol: event.symbol ?? items.find((i) => i.signalId === event.signalId)?.symbol ?? null,
          status: event.status,
          reason: event.reason,
          ts: event.ts,
          fresh: true,
        },
        ...items.filter((i) => i.signalId !== event.signalId),
      ];
      renderFeed();
    } else if (event.type === 'position') {
      positions.set(event.position.positionId, event.position);
      renderCards();
    } else if (event.type === 'marks') {
      for (const p of event.positions) positions.set(p.positionId, p);
      renderCards();
    } else if (event.type === 'position.finished') {
      positions.delete(event.positionId);
      renderCards();
    }
  };
  let alertsTimer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = onLive(onEvent);

  renderFilters();
  root.replaceChildren(
    h(
      'div',
      { class: 'grid2' },
      h(
        'div',
        {},
        h('h2', {}, 'Signals ', h('span', { class: 'muted' }, 'pending, filtered with the reason, executed')),
        h('div', { class: 'panel' }, filterBar, list),
      ),
      h(
        'div',
        {},
        h('h2', {}, 'Open positions ', h('span', { class: 'muted' }, 'live, marked to market')),
        cards,
        h('h2', {}, 'Recent alerts ', h('span', { class: 'muted' }, 'as received, rejected ones included')),
        h('div', { class: 'panel' }, alertsHost),
      ),
    ),
  );
  void load();
  void loadAlerts();
  void get<{ items: LivePosition[] }>('/api/positions/live').then((r) => {
    for (const p of r.items) positions.set(p.positionId, p);
    renderCards();
  });
  renderCards();
  return () => {
    clearTimeout(alertsTimer);
    unsubscribe();
  };
}
