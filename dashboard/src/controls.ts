// Control actions (pause, resume, flatten all, reset a latched guard): token + typed confirmation.
import { accountList, accountName, selectedAccount, severalAccounts } from './accounts.ts';
import { ApiFailure, post, setToken, token } from './api.ts';
import { h } from './dom.ts';

const ACTIONS = [
  { action: 'pause', word: 'PAUSE', label: 'Pause new entries', danger: false },
  { action: 'resume', word: 'RESUME', label: 'Resume', danger: false },
  { action: 'flatten-all', word: 'FLATTEN', label: 'Flatten all positions', danger: true },
  { action: 'reset-guard', word: 'RESET', label: 'Reset a latched guard', danger: true },
] as const;

export function openControls(modal: HTMLDialogElement, body: HTMLElement, onDone: () => void): void {
  const message = h('p', { class: 'note', 'data-testid': 'control-message' });
  const tokenInput = h('input', {
    type: 'password',
    placeholder: 'DASHBOARD_TOKEN',
    value: token() ?? '',
    style: 'width:260px;text-transform:none',
  });
  const guardSelect = h(
    'select',
    {},
    h('option', { value: 'dailyLoss' }, 'daily loss'),
    h('option', { value: 'trailingDrawdown' }, 'trailing drawdown'),
  );
  // Several accounts: flatten acts on the selected one (every one under All); a guard is one account's.
  const chosen = selectedAccount();
  const several = severalAccounts();
  const accountSelect = h(
    'select',
    { 'data-testid': 'guard-account', 'aria-label': 'Account' },
    ...accountList().map((a) =>
      h('option', { value: a.accountId, selected: a.accountId === chosen }, accountName(a.accountId)),
    ),
  );
  const labelOf = (action: string, label: string): string =>
    action === 'flatten-all' && several
      ? chosen === null
        ? 'Flatten all positions on every account'
        : `Flatten all positions on ${accountName(chosen)}`
      : label;
  const rows = ACTIONS.map(({ action, word, label: plain, danger }) => {
    const label = labelOf(action, plain);
    const confirm = h('input', { type: 'text', placeholder: `type ${word}`, style: 'width:130px' });
    const run = h('button', { type: 'button', class: danger ? 'danger' : '', 'data-action': action }, label);
    run.addEventListener('click', async () => {
      if (confirm.value.trim() !== word) {
        message.textContent = `Type ${word} in the box to confirm "${label}".`;
        return;
      }
      setToken(tokenInput.value.trim() || null);
      try {
        const res = await post<{ detail: string }>(`/api/control/${action}`, {
          confirm: word,
          ...(action === 'reset-guard' ? { guard: guardSelect.value } : {}),
          ...(action === 'reset-guard' && accountSelect.value ? { accountId: accountSelect.value } : {}),
          ...(action === 'flatten-all' && several && chosen !== null ? { account: chosen } : {}),
        });
        message.textContent = `Done: ${res.detail}.`;
        confirm.value = '';
        onDone();
      } catch (error) {
        message.textContent = error instanceof ApiFailure ? error.message : String(error);
      }
    });
    return h(
      'tr',
      {},
      h('td', {}, run),
      h('td', {}, confirm),
      h(
        'td',
        {},
        action === 'reset-guard' ? guardSelect : '',
        action === 'reset-guard' && several ? ' on ' : '',
        action === 'reset-guard' && several ? accountSelect : '',
      ),
    );
  });
  body.replaceChildren(
    h(
      'div',
      { class: 'modal-head' },
      h('h3', {}, 'Controls'),
      h('button', { type: 'button', class: 'ghost', onclick: () => modal.close() }, 'Close ✕'),
    ),
    h(
      'div',
      { class: 'modal-content' },
      h(
        'p',
        { class: 'muted' },
        'Every action needs the dashboard token and the confirmation word. The bot logs each one.',
      ),
      h('label', { class: 'muted' }, 'Token ', tokenInput),
      h('table', {}, h('tbody', {}, ...rows)),
      message,
    ),
  );
  if (!modal.open) modal.showModal();
}
