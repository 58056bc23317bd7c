// KPI cards: open positions, today's P&L, total P&L, win rate, guard headroom.
import { inSelectedAccount, selectedAccount } from './accounts.ts';
import { get, query } from './api.ts';
import { clear, h } from './dom.ts';
import { percent, pnlClass, usd } from './format.ts';
import type { GuardHeadroom, Kpis, LivePosition } from './types.ts';

function card(
  label: string,
  value: Node | string,
  sub: Node | string,
  extra?: Node,
  testid?: string,
): HTMLElement {
  return h(
    'div',
    { class: 'kpi', 'data-testid': testid },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
    h('div', { class: 'sub' }, sub),
    extra,
  );
}

function meter(used: number): HTMLElement {
  const left = Math.max(0, Math.min(1, used));
  const cls = left < 0.25 ? 'meter bad' : left < 0.5 ? 'meter warn' : 'meter';
  return h('div', { class: cls }, h('span', { style: `width:${(left * 100).toFixed(1)}%` }));
}

/** "Combine A (12345)", or the id when the account has no other name. */
function accountOf(g: GuardHeadroom): string {
  return g.accountName === undefined || g.accountName === g.accountId
    ? g.accountId
    : `${g.accountName} (${g.accountId})`;
}

function guardCard(guards: readonly GuardHeadroom[]): HTMLElement {
  if (guards.length === 0)
    return card('Guard headroom', '—', 'no guard state recorded yet', undefined, 'kpi-guard');
  // The account closest to a limit is the one that matters.
  const shares = guards.map((g) => {
    const daily =
      g.dailyLossHeadroom !== null && g.dailyLossLimit > 0 ? g.dailyLossHeadroom / g.dailyLossLimit : 1;
    return { g, daily };
  });
  shares.sort((a, b) => a.daily - b.daily);
  const { g, daily } = shares[0]!;
  const latched = g.dailyLossLatched || g.drawdownLatched;
  const value = g.brokerBlocked
    ? h('span', { class: 'down' }, 'BROKER BLOCKED')
    : latched
      ? h('span', { class: 'down' }, 'LATCHED')
      : h('span', {}, g.dailyLossHeadroom === null ? 'off' : usd(g.dailyLossHeadroom, false));
  const balance =
    g.broker?.mismatch === true
      ? ` · broker balance ${usd(g.broker.balance, false)} differs by ${usd(g.broker.difference, true)} (the broker's figure wins)`
      : '';
  const sub = g.brokerBlocked
    ? g.brokerBlocked
    : latched
      ? (g.latchedReason ?? 'a guard latched: reset it from Controls when you accept it')
      : `daily loss left · ${g.rules}: ${g.drawdownHeadroom === null ? 'no loss limit' : `${usd(g.drawdownHeadroom, false)} above the loss limit ${usd(g.drawdownFloor ?? 0, false)}`}${balance}${guards.length > 1 ? ` · ${accountOf(g)}` : ''}`;
  return card('Guard headroom', value, sub, meter(latched ? 0 : daily), 'kpi-guard');
}

export async function renderKpis(root: HTMLElement): Promise<void> {
  const k = await get<Kpis>(`/api/kpis${query({ account: selectedAccount() })}`);
  clear(root);
  root.append(
    card(
      'Open positions',
      String(k.openPositions),
      k.openPnl === null
        ? 'engine not attached'
        : h('span', {}, 'open P&L ', h('span', { class: pnlClass(k.openPnl) }, usd(k.openPnl))),
      undefined,
      'kpi-open',
    ),
    card(
      "Today's P&L",
      h('span', { class: pnlClass(k.todayPnl) }, usd(k.todayPnl)),
      `${k.todayTrades} trade${k.todayTrades === 1 ? '' : 's'} · ${k.tradingDay}`,
      undefined,
      'kpi-today',
    ),
    card(
      'Total P&L',
      h('span', { class: pnlClass(k.totalPnl) }, usd(k.totalPnl)),
      `${k.trades} trades · max drawdown ${usd(k.maxDrawdown, false)}`,
      undefined,
      'kpi-total',
    ),
    card(
      'Win rate',
      percent(k.winRate),
      `profit factor ${k.profitFactor === null ? (k.trades > 0 ? '∞' : '—') : k.profitFactor.toFixed(2)}`,
      undefined,
      'kpi-winrate',
    ),
    guardCard(k.guards),
  );
}

/** Between refreshes, the open-positions card follows the live marks. */
export function updateOpenCard(root: HTMLElement, positions: readonly LivePosition[]): void {
  const card = root.querySelector('[data-testid="kpi-open"]');
  if (!card) return;
  const open = positions.filter(
    (p) => p.state !== 'closed' && p.state !== 'cancelled' && inSelectedAccount(p.accountId),
  );
  const pnl = open.reduce((sum, p) => sum + p.unrealizedPnl, 0);
  card.querySelector('.value')?.replaceChildren(String(open.length));
  card
    .querySelector('.sub')
    ?.replaceChildren(h('span', {}, 'open P&L ', h('span', { class: pnlClass(pnl) }, usd(pnl))));
}
