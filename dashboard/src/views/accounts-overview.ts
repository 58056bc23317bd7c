// All accounts at a glance (a bot trading several): each account's book, today's P&L and how far
// each loss limit is, counting open P&L as the guards do. A row opens that account.
import { selectAccount } from '../accounts.ts';
import { h } from '../dom.ts';
import { pnlClass, usd } from '../format.ts';
import type { AccountOverview } from '../types.ts';

/** Red under a quarter of the limit left, amber under half (as the guard card's meter). */
function headroomCell(left: number | null, of: number | null, testid: string, sub: string): HTMLElement {
  if (left === null) return h('td', { class: 'num muted', 'data-testid': testid }, 'off');
  const share = of && of > 0 ? left / of : 1;
  const cls = share < 0.25 ? 'down' : share < 0.5 ? 'warn' : '';
  return h(
    'td',
    { class: 'num', 'data-testid': testid },
    h('span', { class: cls }, usd(left, false)),
    h('div', { class: 'muted small' }, sub),
  );
}

function brokerCell(a: AccountOverview): HTMLElement {
  const g = a.guard;
  if (g?.brokerBlocked) return h('span', { class: 'down' }, `blocked: ${g.brokerBlocked}`);
  if (g && (g.dailyLossLatched || g.drawdownLatched))
    return h('span', { class: 'down', title: g.latchedReason ?? '' }, 'guard latched');
  if (g?.broker?.mismatch)
    return h('span', { class: 'warn' }, `broker balance ${usd(g.broker.balance, false)} (the broker's wins)`);
  return h('span', { class: 'up' }, 'trading');
}

function row(a: AccountOverview): HTMLElement {
  const g = a.guard;
  const label = a.name === a.accountId ? a.accountId : a.name;
  return h(
    'tr',
    {
      'data-account': a.accountId,
      class: 'clickable',
      title: `Show only ${label}`,
      onclick: () => selectAccount(a.accountId),
    },
    h(
      'td',
      {},
      h('strong', {}, label),
      a.name === a.accountId ? null : h('div', { class: 'muted small mono' }, a.accountId),
    ),
    h('td', { class: 'num', 'data-testid': 'acct-open' }, String(a.openPositions)),
    h(
      'td',
      { class: 'num', 'data-testid': 'acct-realized' },
      h('span', { class: pnlClass(a.realizedPnlToday) }, usd(a.realizedPnlToday)),
    ),
    h(
      'td',
      { class: 'num', 'data-testid': 'acct-open-pnl' },
      h('span', { class: pnlClass(a.openPnl) }, usd(a.openPnl)),
    ),
    headroomCell(
      a.dailyLossLeft,
      g?.dailyLossLimit ?? null,
      'acct-daily-left',
      g && a.dailyLossLeft !== null ? `of ${usd(g.dailyLossLimit, false)}` : '',
    ),
    headroomCell(
      a.aboveFloor,
      a.balance !== null && g?.drawdownFloor != null ? a.balance - g.drawdownFloor : null,
      'acct-floor-left',
      g?.drawdownFloor != null ? `floor ${usd(g.drawdownFloor, false)} · ${g.rules}` : '',
    ),
    h('td', { class: 'num', 'data-testid': 'acct-balance' }, usd(a.balance, false)),
    h('td', {}, brokerCell(a)),
  );
}

export function renderAccountsOverview(root: HTMLElement, accounts: readonly AccountOverview[]): void {
  root.replaceChildren(
    h(
      'h2',
      {},
      'All accounts ',
      h('span', { class: 'muted' }, 'open P&L counts against both limits · click an account to show only it'),
    ),
    h(
      'div',
      { class: 'panel' },
      h(
        'table',
        { 'data-testid': 'accounts-overview' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Account'),
            h('th', { class: 'num' }, 'Open'),
            h('th', { class: 'num' }, 'Realised today'),
            h('th', { class: 'num' }, 'Open P&L'),
            h('th', { class: 'num' }, 'Daily loss left'),
            h('th', { class: 'num' }, 'Above loss limit'),
            h('th', { class: 'num' }, 'Balance'),
            h('th', {}, 'Status'),
          ),
        ),
        h('tbody', {}, ...accounts.map(row)),
      ),
    ),
  );
}
