/**
 * Signal filters: may this alert open (or add to) a trade right now? Pure: everything it needs,
 * including the event time, comes in the input. Each refusal carries a code for machines and a
 * human sentence for the store and the dashboard.
 *
 * Choices (documented in docs/alerts.md):
 * - `close` and `cancel` alerts bypass every filter: they only reduce risk, and refusing to close
 *   because the bot is paused or a symbol was blacklisted would leave risk on.
 * - `add` (scale in) runs every filter except "max concurrent trades": it does not open a new trade.
 * - Checks run from the cheapest, most fundamental one to the most specific, and the first refusal wins.
 */

import { formatDuration } from './session-time.ts';
import type { BotSettings } from './settings.ts';
import type { AlertAction } from './types.ts';

export type HealthLevel = 'green' | 'amber' | 'red';

export interface FilterInput {
  readonly symbol: string;
  readonly action: AlertAction;
  /** Event time of the decision (the alert's fire time or the clock's now), epoch ms. */
  readonly ts: number;
  readonly settings: Pick<
    BotSettings,
    | 'isActive'
    | 'marketTypes'
    | 'watchlist'
    | 'blacklist'
    | 'cooldownMs'
    | 'maxConcurrentTrades'
    | 'confirmationThreshold'
    | 'maxContracts'
  >;
  /** Market type of the instrument (every instrument we know is 'futures'). */
  readonly marketType: string;
  /** Time of the last entry on this symbol, epoch ms; undefined when none. */
  readonly lastEntryAt?: number | undefined;
  /** Positions currently open or pending entry. */
  readonly openPositions: number;
  /** Broker connection health; undefined is treated as healthy (e.g. in a backtest). */
  readonly health?:
    | { readonly marketData: HealthLevel; readonly userHub: HealthLevel; readonly reason?: string }
    | undefined;
  /** Confirmation score 0–100 for this signal; null when it could not be computed. */
  readonly confirmationScore: number | null;
  /** Contracts the signal would trade. */
  readonly contracts: number;
  /** Set when this account is disabled in the accounts configuration: its label, for the reason. */
  readonly disabledAccount?: string | undefined;
}

export type FilterCode =
  | 'account_disabled'
  | 'bot_disabled'
  | 'market_type'
  | 'blacklist'
  | 'watchlist'
  | 'exchange_health'
  | 'max_concurrent'
  | 'cooldown'
  | 'confirmation'
  | 'max_contracts';

export type FilterResult =
  | { readonly pass: true }
  | { readonly pass: false; readonly code: FilterCode; readonly reason: string };

const PASS: FilterResult = { pass: true };

function refuse(code: FilterCode, detail: string): FilterResult {
  return { pass: false, code, reason: `FILTERED: ${code.replace('_', ' ')} — ${detail}` };
}

export function evaluateFilters(input: FilterInput): FilterResult {
  const { settings, symbol, action } = input;
  if (action === 'close' || action === 'cancel') return PASS;

  if (input.disabledAccount !== undefined)
    return refuse(
      'account_disabled',
      `account ${input.disabledAccount} is disabled in the accounts configuration; set "enabled": true to trade it`,
    );
  if (!settings.isActive)
    return refuse('bot_disabled', 'the bot is paused; enable it in the settings to trade');

  if (!settings.marketTypes.includes(input.marketType)) {
    return refuse(
      'market_type',
      `${symbol} is a ${input.marketType} instrument and the bot trades ${settings.marketTypes.join(', ') || 'no market type'}`,
    );
  }
  if (settings.blacklist.includes(symbol)) return refuse('blacklist', `${symbol} is on the blacklist`);
  if (settings.watchlist.length > 0 && !settings.watchlist.includes(symbol)) {
    return refuse('watchlist', `${symbol} is not on the watchlist (${settings.watchlist.join(', ')})`);
  }

  const health = input.health;
  if (health && (health.marketData === 'red' || health.userHub === 'red')) {
    const parts: string[] = [];
    if (health.marketData === 'red') parts.push('market data is stale');
    if (health.userHub === 'red') parts.push('the user hub is down');
    return refuse('exchange_health', parts.join(' and ') + (health.reason ? ` (${health.reason})` : ''));
  }

  if (action !== 'add' && input.openPositions >= settings.maxConcurrentTrades) {
    return refuse(
      'max_concurrent',
      `${input.openPositions} trades open, maximum ${settings.maxConcurrentTrades}`,
    );
  }

  if (input.lastEntryAt !== undefined && settings.cooldownMs > 0) {
    const since = input.ts - input.lastEntryAt;
    if (since < settings.cooldownMs) {
      return refuse(
        'cooldown',
        `last ${symbol} entry ${formatDuration(since)} ago, cooldown ${formatDuration(settings.cooldownMs)}`,
      );
    }
  }

  if (settings.confirmationThreshold > 0) {
    const score = input.confirmationScore;
    if (score === null) {
      return refuse('confirmation', `no confirmation score, threshold ${settings.confirmationThreshold}`);
    }
    if (score < settings.confirmationThreshold) {
      return refuse('confirmation', `score ${score} below threshold ${settings.confirmationThreshold}`);
    }
  }

  if (input.contracts > settings.maxContracts) {
    return refuse(
      'max_contracts',
      `${input.contracts} contracts requested, maximum ${settings.maxContracts}`,
    );
  }
  return PASS;
}
