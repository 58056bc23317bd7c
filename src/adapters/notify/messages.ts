/** What the trader is told on Discord or Telegram, and the text of each message. */
import { signedMoney } from '../../domain/format.ts';
import type { Side } from '../../domain/types.ts';

/**
 * Every event may name its account ("Combine A (12345)", laneLabel): a bot trading several accounts
 * says which one each message is about.
 */
export type NotificationEvent = { readonly account?: string } & (
  | {
      readonly kind: 'entry';
      readonly ts: number;
      readonly positionId: string;
      readonly symbol: string;
      readonly side: Side;
      readonly quantity: number;
      readonly price: number;
    }
  | {
      readonly kind: 'exit';
      readonly ts: number;
      readonly positionId: string;
      readonly symbol: string;
      readonly side: Side;
      readonly quantity: number;
      /** Average exit price; null when nothing filled (a cancelled entry is no exit). */
      readonly price: number | null;
      readonly reason: string;
      /** Net P&L in dollars, when known. */
      readonly pnl: number | null;
    }
  | {
      readonly kind: 'rejection';
      readonly ts: number;
      readonly symbol: string | null;
      readonly reason: string;
      readonly signalId?: string;
    }
  | { readonly kind: 'guard'; readonly ts: number; readonly guard: string; readonly reason: string }
);

export type NotificationKind = NotificationEvent['kind'];
export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['entry', 'exit', 'rejection', 'guard'];

export function formatNotification(event: NotificationEvent): string {
  const on = event.account ? ` [${event.account}]` : '';
  switch (event.kind) {
    case 'entry':
      return `🟢 ENTRY${on} ${event.symbol} ${event.side} ${event.quantity} @ ${event.price} (${event.positionId})`;
    case 'exit': {
      const at = event.price === null ? '' : ` @ ${event.price}`;
      const pnl = event.pnl === null ? '' : ` · P&L ${signedMoney(event.pnl)}`;
      const icon = event.pnl !== null && event.pnl < 0 ? '🔴' : '🏁';
      return `${icon} EXIT${on} ${event.symbol} ${event.side} ${event.quantity}${at} · ${event.reason}${pnl} (${event.positionId})`;
    }
    case 'rejection':
      return `⚠️ REJECTED${on}${event.symbol ? ` ${event.symbol}` : ''}: ${event.reason}${event.signalId ? ` (${event.signalId})` : ''}`;
    case 'guard':
      return `⛔ GUARD${on} ${event.guard}: ${event.reason}`;
  }
}
