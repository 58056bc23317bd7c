/**
 * Turns what the engine runtime reports (`outputs$`) into notifications: an entry per entry fill,
 * an exit when a position closes (average exit, reason, net P&L), a rejection for a declined alert
 * or a broker refusal that will not be retried. Guard breaches come from the guards, not from here:
 * call `notifier.notify({ kind: 'guard', … })` where the breach latches.
 */

import type { BrokerEvent } from '../../domain/events.ts';
import { averageExit, realizedPnl } from '../../domain/pnl.ts';
import { parseTag } from '../../domain/tags.ts';
import type { Side } from '../../domain/types.ts';
import type { EngineEmitted } from '../../ports/engine.ts';
import type { NotificationEvent } from './messages.ts';

/** The runtime's RuntimeOutput, structurally. */
export type RuntimeOutputLike = EngineEmitted | { readonly type: 'broker'; readonly event: BrokerEvent };

interface Known {
  readonly symbol: string;
  readonly side: Side;
}

/**
 * A stateful mapper: keep one per runtime and pass every output through it. With `account` (a bot
 * trading several accounts, one runtime each) every event it makes names that account.
 */
export function createNotificationFeed(
  send: (event: NotificationEvent) => void,
  options: { readonly account?: string } = {},
): (output: RuntimeOutputLike) => void {
  const positions = new Map<string, Known>();
  const { account } = options;
  const notify = account === undefined ? send : (event: NotificationEvent) => send({ ...event, account });
  return (output) => {
    switch (output.type) {
      case 'command': {
        const command = output.command;
        if (command.type === 'placeEntry') {
          positions.set(command.positionId, {
            symbol: command.symbol,
            side: command.side === 'buy' ? 'long' : 'short',
          });
        }
        return;
      }
      case 'broker': {
        const event = output.event;
        const tag = 'tag' in event ? parseTag(event.tag) : null;
        const known = tag ? positions.get(tag.positionId) : undefined;
        if (event.type === 'order.filled' && tag?.kind === 'entry' && known) {
          notify({
            kind: 'entry',
            ts: event.ts,
            positionId: tag.positionId,
            symbol: known.symbol,
            side: known.side,
            quantity: event.quantity,
            price: event.price,
          });
        } else if (event.type === 'order.rejected' && !event.retryable) {
          notify({
            kind: 'rejection',
            ts: event.ts,
            symbol: known?.symbol ?? null,
            reason: `broker refused ${event.tag}: ${event.reason}`,
          });
        }
        return;
      }
      case 'position.finished': {
        const ctx = output.context;
        positions.delete(output.positionId);
        if (output.state !== 'closed' || ctx.exitedQty === 0) return;
        const exitPrice = averageExit(ctx);
        notify({
          kind: 'exit',
          ts: ctx.closedAt ?? ctx.lastTs,
          positionId: output.positionId,
          symbol: ctx.symbol,
          side: ctx.side,
          quantity: ctx.exitedQty,
          price: exitPrice === null ? null : Number(exitPrice.toFixed(ctx.grid.decimals)),
          reason: ctx.exitReason ?? 'closed',
          pnl: realizedPnl({ ...ctx, tickValue: ctx.grid.tickValue }).net,
        });
        return;
      }
      case 'alert.outcome':
        if (output.outcome === 'declined') {
          notify({
            kind: 'rejection',
            ts: output.ts,
            symbol: null,
            reason: output.reason,
            signalId: output.signalId,
          });
        }
        return;
      default:
        return;
    }
  };
}
