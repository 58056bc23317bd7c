/**
 * One account traded by this process: its own venue connection, trading node (runtime, signal
 * processor, guards), bars and status. The bot runs one lane per configured account (src/app/accounts.ts)
 * and hands every alert to each of them; a lane's breach or rejection never reaches another lane.
 */
import type { BotSettings } from '../domain/settings.ts';
import type { BarBook } from '../runtime/bar-book.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import type { SignalProcessor } from '../runtime/signal-processor.ts';
import type { BotStatus } from './bot-status.ts';

export interface AccountLane {
  /** The broker's account id (what the store, the lock and the orders use). */
  readonly accountId: string;
  /** The trader's name for it (config `name`; default the id): shown and named in notifications. */
  readonly name: string;
  /** False: the lane still manages what it holds, but every new alert is filtered for it. */
  readonly enabled: boolean;
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  /** Its venue's health, its last decision, its balance check. */
  readonly status: BotStatus;
  readonly bars: BarBook;
  /** The account's effective settings: the shared settings with the account's own overrides. */
  readonly settings: () => BotSettings;
}

/** "Combine A (12345)", or the id alone when the account has no name of its own. */
export function laneLabel(lane: Pick<AccountLane, 'accountId' | 'name'>): string {
  return lane.name === lane.accountId ? lane.accountId : `${lane.name} (${lane.accountId})`;
}
