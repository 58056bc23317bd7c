/**
 * Restart resync on TopstepX: the orders and fills of restored positions read back from REST and
 * sent to the engine as events, counted against what each restored actor already saw.
 */
import { parseTag } from '../../domain/tags.ts';
import { type BracketStops, isStopLossChild } from './brackets.ts';
import { isTerminalState } from './enums.ts';
import type { BrokerEventLedger } from './event-ledger.ts';
import type { AdapterLogger } from './log.ts';
import type { HalfTrade } from './models.ts';
import type { ProjectXRest } from './rest.ts';

/** What a restored position actor has counted, for `resync`. */
export interface RestoredPosition {
  readonly positionId: string;
  /** Entry tag → contracts the actor counted as filled. */
  readonly entryFilled: Readonly<Record<string, number>>;
  /** Contracts the actor counted as closed (stop and exit fills). */
  readonly exitedQty: number;
  /** The actor's current protective-stop tag: an entry's stop-loss bracket child is adopted under it. */
  readonly stopTag?: string;
}

/** What the resync uses of the broker that owns it. */
export interface ResyncHost {
  readonly rest: ProjectXRest;
  readonly accountId: number;
  readonly searchFrom: number;
  readonly ledger: BrokerEventLedger;
  readonly brackets: BracketStops;
  readonly log: AdapterLogger;
  /** Positions whose every order the broker instance knows from now on. */
  readonly ownPositions: Set<string>;
  now(): number;
  ingestTrade(trade: HalfTrade): void;
}

/**
 * After a restart: bring restored positions up to date with the broker. Every order of theirs on
 * the broker is tracked again and its state re-sent (accepted, cancelled, rejected: the machine takes
 * each of them idempotently), and every contract the broker filled beyond what the restored actor
 * counted is sent as a fill: entry fills per leg, then stop and exit fills in order. The deltas come
 * from the actor's own counts, so a fill it already saw is never counted twice, and a fill the
 * previous process never heard of (a kill between the fill and the stop placement) is not lost.
 * `counted` is read after the broker has answered, so hub fills delivered meanwhile count too.
 */
export async function resyncPositions(
  host: ResyncHost,
  counted: () => readonly RestoredPosition[],
): Promise<{ orders: number; fills: number }> {
  if (counted().length === 0) return { orders: 0, fills: 0 };
  const since = host.searchFrom;
  const [orders, trades] = await Promise.all([
    host.rest.searchOrders(host.accountId, since),
    host.rest.searchTrades(host.accountId, since),
  ]);
  const positions = new Map(counted().map((p) => [p.positionId, p]));
  const mine = orders.flatMap((o) => {
    const parsed = o.customTag ? parseTag(o.customTag) : undefined;
    return parsed && positions.has(parsed.positionId) ? [{ order: o, tag: o.customTag!, parsed }] : [];
  });
  // An entry's stop-loss bracket child is the position's protective stop: adopted under the actor's
  // stop tag while no order carries that tag (its fills are then stop fills, its cancel a lost stop).
  const entryOwner = new Map(
    mine.filter(({ parsed }) => parsed.kind === 'entry').map(({ order, parsed }) => [order.id, parsed]),
  );
  const tagsOnBook = new Set(mine.map(({ tag }) => tag));
  for (const o of orders) {
    if (o.customTag || !isStopLossChild(o)) continue;
    const owner = entryOwner.get(o.parentOrderId!);
    if (!owner) continue;
    host.brackets.bracketed.add(owner.positionId);
    const known = host.ledger.tagByOrderId.get(o.id);
    const stopTag = known ?? positions.get(owner.positionId)!.stopTag;
    const parsed = stopTag ? parseTag(stopTag) : undefined;
    if (!stopTag || !parsed || (!known && tagsOnBook.has(stopTag))) {
      host.brackets.children.set(o.parentOrderId!, o);
      continue;
    }
    tagsOnBook.add(stopTag);
    mine.push({ order: o, tag: stopTag, parsed });
    host.log.info(
      { positionId: owner.positionId, orderId: o.id, tag: stopTag },
      "topstepx broker: the entry's stop-loss bracket is the position's protective stop",
    );
  }
  mine.sort((a, b) => a.order.id - b.order.id);
  const fillsOf = new Map<number, HalfTrade[]>();
  for (const t of trades) {
    if (t.voided) continue;
    const list = fillsOf.get(t.orderId) ?? [];
    list.push(t);
    fillsOf.set(t.orderId, list);
  }
  for (const list of fillsOf.values()) list.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);

  let fills = 0;
  // The fills REST reported are sent below, by the actors' counts. Hub fills that arrived before
  // their order was known (the orphan buffer) wait until those are out: the ones REST reported are
  // dropped, newer ones go after them, so an actor never sees a stop fill before its entry fill.
  const newer: HalfTrade[] = [];
  for (const { order } of mine) {
    for (const t of fillsOf.get(order.id) ?? []) host.ledger.seenFills.add(t.id);
    for (const t of host.ledger.orphanFills.get(order.id) ?? [])
      if (!host.ledger.seenFills.has(t.id)) newer.push(t);
    host.ledger.orphanFills.delete(order.id);
  }
  for (const { order, tag } of mine) {
    host.ledger.track(tag, order.id, order.createdAt, order.limitPrice ?? order.stopPrice, order.size);
    const tracked = host.ledger.byTag.get(tag)!;
    tracked.terminal = isTerminalState(order.state);
    // State events again, even if this process emitted them before the engine was listening.
    if (order.state === 'rejected') {
      host.ledger.rejectedTags.add(tag);
      host.ledger.events.next({
        type: 'order.rejected',
        ts: order.updatedAt ?? order.createdAt,
        tag,
        reason: `order ${order.id} rejected by the broker`,
        retryable: false,
      });
      continue;
    }
    host.ledger.acceptedTags.add(tag);
    host.ledger.events.next({
      type: 'order.accepted',
      ts: order.createdAt,
      tag,
      orderId: String(order.id),
    });
  }
  const emitFill = (tag: string, t: HalfTrade, quantity: number) => {
    fills++;
    host.ledger.events.next({
      type: 'order.filled',
      ts: t.createdAt,
      tag,
      orderId: String(t.orderId),
      price: t.price,
      quantity,
      side: t.side === 0 ? 'buy' : 'sell',
      fees: Math.round((((t.fees + t.commissions) * quantity) / t.size) * 100) / 100,
    });
  };
  // Entry legs first (each against its own count), then the closing fills in time order.
  for (const { order, tag, parsed } of mine) {
    if (parsed.kind !== 'entry') continue;
    let skip = positions.get(parsed.positionId)!.entryFilled[tag] ?? 0;
    for (const t of fillsOf.get(order.id) ?? []) {
      const take = t.size - Math.min(skip, t.size);
      skip -= t.size - take;
      if (take > 0) emitFill(tag, t, take);
    }
  }
  for (const position of positions.values()) {
    const closing = mine
      .filter(({ parsed }) => parsed.positionId === position.positionId && parsed.kind !== 'entry')
      .flatMap(({ order, tag }) => (fillsOf.get(order.id) ?? []).map((t) => ({ tag, t })))
      .sort((a, b) => a.t.createdAt - b.t.createdAt || a.t.id - b.t.id);
    let skip = position.exitedQty;
    for (const { tag, t } of closing) {
      const take = t.size - Math.min(skip, t.size);
      skip -= t.size - take;
      if (take > 0) emitFill(tag, t, take);
    }
  }
  for (const position of positions.values()) host.ownPositions.add(position.positionId);
  for (const t of newer.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id)) host.ingestTrade(t);
  // Cancels last: a partly filled leg that was then cancelled must count its fills first.
  for (const { order, tag } of mine) {
    if (order.state !== 'cancelled' && order.state !== 'expired') continue;
    host.ledger.cancelledOrders.add(order.id);
    host.ledger.events.next({
      type: 'order.cancelled',
      ts: order.updatedAt ?? host.now(),
      tag,
      orderId: String(order.id),
    });
  }
  return { orders: mine.length, fills };
}
