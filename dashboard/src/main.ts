// The dashboard app: tabs, KPI cards, the live stream connection and the token prompt.
import './style.css';
import { ApiFailure, get, setToken, token, whenUnauthorized } from './api.ts';
import { openControls } from './controls.ts';
import { h } from './dom.ts';
import { renderKpis, updateOpenCard } from './kpis.ts';
import { connectLive, onLive } from './live.ts';
import type { Status } from './types.ts';
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

let kpiTimer: ReturnType<typeof setTimeout> | undefined;
/** Refresh the cards after `delay`; `throttle` keeps an already scheduled refresh (frequent marks). */
function refreshKpis(delay = 0, throttle = false): void {
  if (throttle && kpiTimer !== undefined) return;
  clearTimeout(kpiTimer);
  kpiTimer = setTimeout(() => {
    kpiTimer = undefined;
    renderKpis(kpis).catch((error: unknown) => {
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
connectLive((connected) => {
  conn.textContent = connected ? 'live' : 'reconnecting…';
  conn.className = `pill ${connected ? 'conn-on' : 'conn-off'}`;
});
onLive((event) => {
  if (event.type === 'position.finished' || event.type === 'control') refreshKpis(1500);
  if (event.type === 'control') void refreshStatus();
  if (event.type === 'marks') updateOpenCard(kpis, event.positions);
  if (event.type === 'position') refreshKpis(1000, true);
});
setInterval(() => refreshKpis(), 15_000);
refreshKpis();
void refreshStatus().catch(() => {});
showTab();
