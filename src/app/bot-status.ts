import type { ExchangeHealth } from '../ports/index.ts';
import type { BalanceCheck, SignalDecision } from '../runtime/signal-processor.ts';

/** What the status screen and the dashboard show about the running bot. */
export interface BotStatus {
  lastDecision: SignalDecision | null;
  health: ExchangeHealth;
  startedAt: number;
  /** The last comparison of the broker's balance with the bot's (null: paper, or not read yet). */
  balance?: BalanceCheck | null;
  /** The broker's canTrade (null: not reported). */
  canTrade?: boolean | null;
}
