// The dashboard app: tabs, KPI cards, the live stream connection and the token prompt.
import './style.css';
import {
  accountList,
  loadAccounts,
  onAccountChange,
  selectAccount,
  selectedAccount,
  severalAccounts,
} from './accounts.ts';
import { ApiFailure, get, setToken, token, whenUnauthorized } from './api.ts';
import { openControls } from './controls.ts';
import { h } from './dom.ts';
import { renderKpis, updateOpenCard } from './kpis.ts';
import { connectLive, onLive } from './live.ts';
import type { Status } from './types.ts';
import { renderAccountsOverview } from './views/accounts-overview.ts';
import { mountActors } from './views/actors.ts';
import { mountBacktests } from './views/backtests.ts';
import { mountLiveFeed } from './views/live-feed.ts';
import { mountPositions } from './views/positions.ts';
import { mountTrades } from './views/trades.ts';

const view = document.getElementById('view')!;
const kpis = document.getElementById('kpis')!;
const banner = document.getElementById('banner')!;
const conn = document.getElementById('conn')!;
const botState = document.getElementById('bot-state')!;
const controlsBtn = document.getElementById('controls-btn') as HTMLButtonElement;
const readOnly = document.getElementById('read-only')!;
const modal = document.getElementById('modal') as HTMLDialogElement;
const modalBody = document.getElementById('modal-body')!;
const accountsSection = document.getElementById('accounts')!;
const accountPicker = document.getElementById('account-picker')!;
const accountSelect = document.getElementById('account-select') as HTMLSelectElement;

const TABS: Record<string, (root: HTMLElement) => () => void> = {
  live: (root) => mountLiveFeed(root, modal, modalBody),
  positions: mountPositions,
  trades: mountTrades,
  actors: mountActors,
  backtests: mountBacktests,
};

let unmount: (() => void) | null = null;

function showTab(): void {
  const name = location.hash.replace('#', '') || 'live';
  const mount = TABS[name] ?? TABS.live!;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('.tabs a')) {
    a.classList.toggle('active', a.dataset.tab === name);
    if (a.dataset.tab === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  unmount?.();
  unmount = mount(view);
}

function askForToken(): void {
  if (!banner.hidden) return;
  const rejected = token() !== null;
  setToken(null);
  banner.hidden = false;
  const input = h('input', {
    type: 'password',
    placeholder: 'DASHBOARD_TOKEN',
    style: 'width:280px;text-transform:none',
  });
  banner.replaceChildren(
    h(
      'form',
      {
        onsubmit: (e: Event) => {
          e.preventDefault();
          setToken(input.value.trim());
          location.reload();
        },
      },
      rejected
        ? 'That token was not accepted: enter the DASHBOARD_TOKEN the bot was started with. '
        : 'This dashboard is exposed beyond this machine, so it needs the token the bot was started with. ',
      input,
      ' ',
      h('button', { type: 'submit' }, 'Unlock'),
    ),
  );
}

/** The selector (All accounts + each) and, with all selected, the overview; one account: neither. */
function renderAccounts(): void {
  const several = severalAccounts();
  accountPicker.hidden = !several;
  const chosen = selectedAccount();
  if (several) {
    accountSelect.replaceChildren(
      h('option', { value: '' }, 'All accounts'),
      ...accountList().map((a) =>
        h(
          'option',
          { value: a.accountId },
          a.name === a.accountId ? a.accountId : `${a.name} (${a.accountId})`,
        ),
      ),
    );
    accountSelect.value = chosen ?? '';
  }
  accountsSection.hidden = !several || chosen !== null;
  if (!accountsSection.hidden) renderAccountsOverview(accountsSection, accountList());
}

let accountsTimer: ReturnType<typeof setTimeout> | undefined;
async function refreshAccounts(): Promise<void> {
  await loadAccounts();
  renderAccounts();
}

let kpiTimer: ReturnType<typeof setTimeout> | undefined;
/** Refresh the cards after `delay`; `throttle` keeps an already scheduled refresh (frequent marks). */
function refreshKpis(delay = 0, throttle = false): void {
  if (throttle && kpiTimer !== undefined) return;
  clearTimeout(kpiTimer);
  kpiTimer = setTimeout(() => {
    kpiTimer = undefined;
    Promise.all([renderKpis(kpis), refreshAccounts()]).catch((error: unknown) => {
      if (!(error instanceof ApiFailure && error.status === 401)) console.error(error);
    });
  }, delay);
}

async function refreshStatus(): Promise<void> {
  const status = await get<Status>('/api/status');
  botState.textContent = status.paused === true ? 'paused' : status.paused === false ? 'trading' : '';
  botState.className = `pill ${status.paused ? 'paused' : 'conn-on'}`;
  controlsBtn.hidden = !status.controlsEnabled;
  readOnly.hidden = status.controlsEnabled;
}

whenUnauthorized(askForToken);
controlsBtn.addEventListener('click', () =>
  openControls(modal, modalBody, () => {
    void refreshStatus();
    refreshKpis();
  }),
);
modal.addEventListener('click', (e) => {
  if (e.target === modal) modal.close();
});
window.addEventListener('hashchange', showTab);
accountSelect.addEventListener('change', () => selectAccount(accountSelect.value || null));
// Another account: every view reloads for it (its tables, cards and guards), the figures too.
onAccountChange(() => {
  renderAccounts();
  showTab();
  refreshKpis();
});
connectLive((connected) => {
  conn.textContent = connected ? 'live' : 'reconnecting…';
  conn.className = `pill ${connected ? 'conn-on' : 'conn-off'}`;
});
onLive((event) => {
  if (event.type === 'position.finished' || event.type === 'control') refreshKpis(1500);
  if (event.type === 'control') void refreshStatus();
  if (event.type === 'marks') updateOpenCard(kpis, event.positions);
  // The overview's open P&L and headroom follow the marks, at most every 2 s.
  if (event.type === 'marks' && !accountsSection.hidden && accountsTimer === undefined)
    accountsTimer = setTimeout(() => {
      accountsTimer = undefined;
      refreshAccounts().catch(() => {});
    }, 2000);
  if (event.type === 'position') refreshKpis(1000, true);
});
setInterval(() => refreshKpis(), 15_000);
// The accounts first: the views filter by the remembered account from their first load.
void refreshAccounts()
  .catch(() => {})
  .finally(() => {
    refreshKpis();
    showTab();
  });
void refreshStatus().catch(() => {});
