// The accounts this bot trades and which one the page shows: the selector, and the filter every view applies.
import { get } from './api.ts';
import { h } from './dom.ts';
import type { Column } from './table.ts';
import type { AccountOverview } from './types.ts';

const KEY = 'valuearea.account';
let accounts: AccountOverview[] = [];
let selected: string | null = sessionStorage.getItem(KEY);
const listeners = new Set<() => void>();

/** The accounts as last loaded (with their book and headroom), in the configured order. */
export function accountList(): readonly AccountOverview[] {
  return accounts;
}

/** True when the bot trades more than one account: the selector, the account column and the overview show. */
export function severalAccounts(): boolean {
  return accounts.length > 1;
}

/** The account the page shows, or null for all of them. */
export function selectedAccount(): string | null {
  return selected;
}

export function selectAccount(accountId: string | null): void {
  if (accountId === selected) return;
  selected = accountId;
  if (accountId === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, accountId);
  for (const fn of listeners) fn();
}

export function onAccountChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Does a row belong on the page? Rows that do not say their account show under every selection. */
export function inSelectedAccount(accountId: string | null | undefined): boolean {
  return selected === null || accountId === undefined || accountId === null || accountId === selected;
}

/** "Combine A" for an id (the id itself when the bot gave it no other name). */
export function accountName(accountId: string): string {
  return accounts.find((a) => a.accountId === accountId)?.name ?? accountId;
}

export async function loadAccounts(): Promise<readonly AccountOverview[]> {
  accounts = (await get<{ items: AccountOverview[] }>('/api/accounts')).items;
  // A remembered account the bot no longer trades (or a single-account bot): show everything.
  if (selected !== null && (accounts.length <= 1 || !accounts.some((a) => a.accountId === selected)))
    selectAccount(null);
  return accounts;
}

/** An Account column for tables of rows that carry their account (only when there are several). */
export function accountColumn<T extends { readonly accountId: string }>(): Column<T>[] {
  if (!severalAccounts()) return [];
  return [
    {
      label: 'Account',
      cell: (r) =>
        h(
          'span',
          { class: 'muted', 'data-testid': 'row-account', title: r.accountId },
          accountName(r.accountId),
        ),
    },
  ];
}
