import type { ExchangeHealth } from '../ports/index.ts';
import type { SignalDecision } from '../runtime/signal-processor.ts';

/** What the status screen and the dashboard show about the running bot. */
export interface BotStatus {
  lastDecision: SignalDecision | null;
  health: ExchangeHealth;
  startedAt: number;
}
