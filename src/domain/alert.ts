import type { AlertAction } from './types.ts';

/** An alert after dialect parsing: the fields every dialect maps onto. */
export interface NormalizedAlert {
  /** Idempotency key: the explicit id when the payload has one, otherwise a hash (see intake). */
  readonly key: string;
  /** Our root symbol (ES, MNQ …) after ticker resolution. */
  readonly symbol: string;
  /** The ticker as sent (ES1!, CME_MINI:ES1!, MNQU2025 …). */
  readonly ticker: string;
  /** An explicit contract when the ticker named one, e.g. { month: 'U', year: 2025 }. */
  readonly contractMonth?: { readonly month: string; readonly year: number };
  readonly action: AlertAction;
  /** Fire time (TradingView {{timenow}}) in epoch ms when the payload carries one. */
  readonly firedAt?: number;
  /** Bar time ({{time}}) in epoch ms when present. */
  readonly barTime?: number;
  readonly quantity?: number;
  readonly price?: number;
  readonly strategy?: string;
  readonly orderId?: string;
  readonly marketPosition?: 'long' | 'short' | 'flat';
  /** Which dialect matched, for the dashboard. */
  readonly dialect: string;
}
