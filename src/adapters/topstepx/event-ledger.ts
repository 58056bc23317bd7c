/**
 * TopstepX event de-duplication: REST results, user-hub events and reconciliation all report the
 * same orders and fills, several times and in any order. The ledger turns them into BrokerEvents
 * exactly once (accepted/rejected per tag, cancelled per order id, filled per fill id) and keeps
 * which order id carries which tag; fills that arrive before their order's tag wait for it.
 */
import { Subject } from 'rxjs';
import type { BrokerEvent } from '../../domain/events.ts';
import type { HalfTrade } from './models.ts';

export interface TrackedOrder {
  readonly tag: string;
  readonly orderId: number;
  readonly positionId: string;
  price: number | null;
  size: number;
  terminal: boolean;
  createdAt: number;
}

export class BrokerEventLedger {
  readonly events = new Subject<BrokerEvent>();
  readonly byTag = new Map<string, TrackedOrder>();
  readonly tagByOrderId = new Map<number, string>();
  readonly acceptedTags = new Set<string>();
  readonly rejectedTags = new Set<string>();
  readonly cancelledOrders = new Set<number>();
  readonly seenFills = new Set<number>();
  /** Tags reported missing without ever being placed (see `missing`). */
  readonly missingTags = new Set<string>();
  /** Positions already reported closed by the broker itself. */
  readonly flattenedPositions = new Set<string>();
  /** Fills whose order id has no tag yet (the order event comes later). */
  readonly orphanFills = new Map<number, HalfTrade[]>();

  /** A fill from the user hub or from reconciliation (Trade/search); each fill id emits once. */
  ingestTrade(trade: HalfTrade): void {
    if (trade.voided || this.seenFills.has(trade.id)) return;
    const tag = this.tagByOrderId.get(trade.orderId);
    if (!tag) {
      const waiting = this.orphanFills.get(trade.orderId) ?? [];
      if (!waiting.some((t) => t.id === trade.id)) waiting.push(trade);
      this.orphanFills.set(trade.orderId, waiting);
      // Fills of orders that are not ours never find a tag: keep only the most recent ones.
      if (this.orphanFills.size > 1_000) this.orphanFills.delete(this.orphanFills.keys().next().value!);
      return;
    }
    this.seenFills.add(trade.id);
    this.accepted(tag, trade.orderId, trade.createdAt);
    this.events.next({
      type: 'order.filled',
      ts: trade.createdAt,
      tag,
      orderId: String(trade.orderId),
      price: trade.price,
      quantity: trade.size,
      side: trade.side === 0 ? 'buy' : 'sell',
      fees: Math.round((trade.fees + trade.commissions) * 100) / 100,
    });
  }

  /** Know `orderId` by `tag` from now on; fills that waited for it are replayed. */
  track(
    tag: string,
    orderId: number,
    createdAt: number,
    price: number | null,
    size: number,
    positionId?: string,
  ): void {
    if (!this.byTag.has(tag)) {
      const owner = positionId ?? tag.slice(0, Math.max(0, tag.lastIndexOf('-')));
      this.byTag.set(tag, { tag, orderId, positionId: owner, price, size, terminal: false, createdAt });
    }
    this.tagByOrderId.set(orderId, tag);
    const waiting = this.orphanFills.get(orderId);
    if (waiting) {
      this.orphanFills.delete(orderId);
      for (const trade of waiting) this.ingestTrade(trade);
    }
  }

  accepted(tag: string, orderId: number, ts: number): void {
    if (this.acceptedTags.has(tag) || this.rejectedTags.has(tag)) return;
    this.acceptedTags.add(tag);
    this.events.next({ type: 'order.accepted', ts, tag, orderId: String(orderId) });
  }

  rejected(tag: string, reason: string, ts: number): void {
    if (this.rejectedTags.has(tag) || this.acceptedTags.has(tag)) return;
    this.rejectedTags.add(tag);
    this.events.next({ type: 'order.rejected', ts, tag, reason, retryable: false });
  }

  cancelled(tag: string, orderId: number, ts: number): void {
    if (this.cancelledOrders.has(orderId)) return;
    this.cancelledOrders.add(orderId);
    this.events.next({ type: 'order.cancelled', ts, tag, orderId: String(orderId) });
  }

  /**
   * An order the engine expects under `tag` was never placed (its predecessor was refused): reported
   * as `order.cancelled` with no order id, once per tag, so the engine places the next one.
   */
  missing(tag: string, ts: number): boolean {
    if (this.missingTags.has(tag)) return false;
    this.missingTags.add(tag);
    this.events.next({ type: 'order.cancelled', ts, tag, orderId: '' });
    return true;
  }

  /** The broker closed what is left of `positionId` by itself; reported once per position. */
  flattened(event: Omit<Extract<BrokerEvent, { type: 'position.flattened' }>, 'type'>): void {
    if (this.flattenedPositions.has(event.positionId)) return;
    this.flattenedPositions.add(event.positionId);
    this.events.next({ type: 'position.flattened', ...event });
  }
}
