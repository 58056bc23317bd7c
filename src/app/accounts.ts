/**
 * Accounts as configuration (docs/accounts.md): the list of accounts one process trades, each with
 * its own rules profile and figures (`settings`, any trading setting), a size multiplier, its symbols
 * and an enabled flag. Every alert goes to every account; each decides it on its own settings and
 * guards, with its own ids and order tags, so one account's breach or rejection never blocks another.
 *
 * With no list the bot trades one account (--account-id, PROJECTX_ACCOUNT_ID or the venue's first),
 * exactly as before: ids keep their single-account form. With a list of two or more, each account's
 * signal and position ids (hence its order tags) end in the account's `tag`, derived from its id
 * unless set, so the same alert gives every account its own idempotent orders.
 */

import { z } from 'zod';
import { getInstrument, SUPPORTED_SYMBOLS } from '../domain/instruments.ts';
import { ownValue } from '../domain/lookup.ts';
import type { BotSettings } from '../domain/settings.ts';
import { parseSettingsPatch, SettingsError } from '../settings/schema.ts';

/** At most this many characters of an account tag (positionId + tag + `-s123` must stay within 40). */
export const MAX_ACCOUNT_TAG = 6;
const TAG_RE = /^[A-Za-z0-9]{1,6}$/;

export interface AccountConfig {
  /** The broker's account id (TopstepX: the number shown in the platform). */
  readonly id: string;
  /** The trader's name for it; default the id. */
  readonly name: string;
  readonly enabled: boolean;
  /** Root symbols this account trades; default the bot's --symbol list. */
  readonly symbols: readonly string[] | null;
  /** Risk per trade and the contract cap scale by this (2 = twice the size); default 1. */
  readonly sizeMultiplier: number;
  /** This account's own trading settings (accountRules, riskPerTrade, startingBalance, dailyLossLimit…). */
  readonly settings: Partial<BotSettings>;
  /** Ends this account's ids and order tags when several accounts are configured. */
  readonly tag: string;
}

const entrySchema = z
  .object({
    id: z.union([z.string().regex(/^[A-Za-z0-9_-]{1,40}$/), z.number().int().positive()]),
    name: z.string().min(1).max(60).optional(),
    enabled: z.boolean().optional(),
    symbols: z.array(z.string().min(1)).min(1).optional(),
    sizeMultiplier: z.number().positive().max(100).optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    tag: z.string().regex(TAG_RE).optional(),
  })
  .strict();

const FIX: Record<string, string> = {
  id: 'give the broker account id, e.g. "id": "12345678"',
  name: 'a name of 1–60 characters, e.g. "name": "Combine 50K #1"',
  enabled: 'true or false',
  symbols: `a list of root symbols, e.g. ["ES", "NQ"] (supported: ${SUPPORTED_SYMBOLS.join(', ')})`,
  sizeMultiplier: 'a number above 0 and at most 100, e.g. 0.5 or 2',
  settings: 'an object of trading settings (docs/settings.md), e.g. {"accountRules": "combine-50k"}',
  tag: `1–${MAX_ACCOUNT_TAG} letters or digits, unique per account`,
};

/**
 * Check the configured list (config file `accounts`, or VALUEAREA_ACCOUNTS as JSON). Problems name
 * the entry and field (`accounts[1].settings.riskPerTrade: …`) with the fix; none means `accounts`.
 */
export function parseAccounts(
  raw: unknown,
  origin: string,
): { accounts: AccountConfig[]; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(raw) || raw.length === 0) {
    return {
      accounts: [],
      problems: [
        `${origin}: expected a non-empty list of accounts, e.g. [{"id": "12345678", "name": "Combine A"}]`,
      ],
    };
  }
  const accounts: AccountConfig[] = [];
  raw.forEach((entry, index) => {
    const where = `${origin}[${index}]`;
    const result = entrySchema.safeParse(entry);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const field = String(issue.path[0] ?? '');
        if (issue.code === 'unrecognized_keys') {
          problems.push(
            `${where}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; use id, name, enabled, symbols, sizeMultiplier, settings or tag`,
          );
        } else {
          problems.push(`${where}.${field || 'entry'}: ${issue.message}; ${ownValue(FIX, field) ?? FIX.id}`);
        }
      }
      return;
    }
    const value = result.data;
    const id = String(value.id);
    let settings: Partial<BotSettings> = {};
    if (value.settings !== undefined) {
      try {
        settings = parseSettingsPatch(value.settings, `${where}.settings`) as Partial<BotSettings>;
      } catch (error) {
        if (!(error instanceof SettingsError)) throw error;
        for (const problem of error.problems) problems.push(`${where}.settings.${problem}`);
      }
    }
    const symbols = value.symbols?.map((s) => s.trim().toUpperCase()) ?? null;
    for (const symbol of symbols ?? []) {
      if (!getInstrument(symbol))
        problems.push(`${where}.symbols: ${symbol} is not a supported instrument; ${FIX.symbols}`);
    }
    accounts.push({
      id,
      name: value.name ?? id,
      enabled: value.enabled ?? true,
      symbols,
      sizeMultiplier: value.sizeMultiplier ?? 1,
      settings,
      tag: value.tag ?? defaultTag(id),
    });
  });
  const byId = new Map<string, number>();
  const byTag = new Map<string, string>();
  for (const account of accounts) {
    if (byId.has(account.id)) problems.push(`${origin}: account ${account.id} is listed twice; list it once`);
    byId.set(account.id, 1);
    const other = byTag.get(account.tag.toLowerCase());
    if (other !== undefined)
      problems.push(
        `${origin}: accounts ${other} and ${account.id} share the tag "${account.tag}"; give one of them its own "tag" (${FIX.tag})`,
      );
    byTag.set(account.tag.toLowerCase(), account.id);
  }
  return { accounts, problems };
}

/** The last characters of the id that are letters or digits (TopstepX ids differ there). */
export function defaultTag(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9]/g, '');
  return (clean || 'acct').slice(-MAX_ACCOUNT_TAG);
}

/**
 * The account's settings on top of the shared ones (read on every alert, so a dashboard change of a
 * shared setting reaches every account): its own settings win, its symbols become its watchlist, a
 * disabled account refuses entries, and the multiplier scales the dollar risk and the contract cap.
 */
export function accountSettings(base: BotSettings, account: AccountConfig): BotSettings {
  const merged: BotSettings = { ...base, ...account.settings };
  const m = account.sizeMultiplier;
  return {
    ...merged,
    ...(account.symbols ? { watchlist: account.symbols } : {}),
    ...(account.enabled ? {} : { isActive: false }),
    ...(m === 1
      ? {}
      : {
          riskPerTrade: Math.round(merged.riskPerTrade * m * 100) / 100,
          maxContracts: Math.max(1, Math.floor(merged.maxContracts * m)),
        }),
  };
}
