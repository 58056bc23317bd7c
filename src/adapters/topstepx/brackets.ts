/**
 * Stop-loss brackets on TopstepX (../shared/reference/projectx-gateway.md §8.2): the stop that rides
 * on an entry and that the broker activates at the fill, alive or not. This job keeps the untagged
 * children it has heard of, says how far a bracket sits, and adopts an entry's child as the
 * position's protective stop, so a position never gets a second stop beside its bracket.
 */
import type { EngineCommand, MoveStopCommand } from '../../domain/events.ts';
import { getInstrument } from '../../domain/instruments.ts';
import { parseTag } from '../../domain/tags.ts';
import type { OrderSide } from '../../domain/types.ts';
import { isTerminalState, OrderType, WORKING_STATUSES } from './enums.ts';
import type { BrokerEventLedger, TrackedOrder } from './event-ledger.ts';
import { describe } from './http.ts';
import type { AdapterLogger } from './log.ts';
import type { Order } from './models.ts';
import type { ProjectXRest } from './rest.ts';

/** Bracket stops closer than this are refused by ProjectX (§8.2, field report): no bracket then. */
export const MIN_BRACKET_TICKS = 4;

export const sideCode = (side: OrderSide): 0 | 1 => (side === 'buy' ? 0 : 1);

/** What the bracket job uses of the broker that owns it. */
export interface BracketHost {
  readonly rest: ProjectXRest;
  readonly accountId: number;
  /** Orders are read from REST from this time on. */
  readonly searchFrom: number;
  readonly ledger: BrokerEventLedger;
  readonly log: AdapterLogger;
  ingestOrder(order: Order): void;
  isClosing(): boolean;
  retryDelayMs(attempt: number): number;
}

export class BracketStops {
  /** Stop-loss bracket children (untagged), by parent order id, as last reported. */
  readonly children = new Map<number, Order>();
  /** Positions with an entry placed with a stop-loss bracket (by this instance, or found by a resync). */
  readonly bracketed = new Set<string>();

  constructor(private readonly host: BracketHost) {}

  /** An untagged child that serves no tag yet is kept here (true); any other order is not a child (false). */
  noteChild(order: Order): boolean {
    if (order.customTag || this.host.ledger.tagByOrderId.has(order.id) || !isStopLossChild(order))
      return false;
    if (isTerminalState(order.state)) this.children.delete(order.parentOrderId!);
    else this.children.set(order.parentOrderId!, order);
    return true;
  }

  /** Ticks from each entry leg to the plan's stop for a stop-loss bracket, or undefined for none. */
  ticksFor(command: Extract<EngineCommand, { type: 'placeEntry' }>, contractId: string): number | undefined {
    if (command.legs.length !== 1) return undefined;
    const tick = this.host.rest.gridOf(contractId)?.tickSize ?? getInstrument(command.symbol)?.tickSize;
    if (!tick) return undefined;
    const ticks = Math.round((command.stopPrice - command.legs[0]!.price) / tick);
    const rightSide = command.side === 'buy' ? ticks < 0 : ticks > 0;
    if (!rightSide || Math.abs(ticks) < MIN_BRACKET_TICKS) {
      this.host.log.info(
        { positionId: command.positionId, ticks },
        `topstepx broker: the stop is ${Math.abs(ticks)} ticks from the entry (a bracket needs ${MIN_BRACKET_TICKS} on the stop side); it goes on after the fill`,
      );
      return undefined;
    }
    return ticks;
  }

  /**
   * The position's protective stop is its entry's stop-loss bracket child, when there is one not
   * finished and not yet serving another tag: track the child under the stop tag. Its price is left
   * unknown, so the caller modifies it once to the ladder's stop (a fill better than the limit moves
   * the child with it). Children not heard of yet (a restart, a late hub) are read from REST once per
   * command; when the server does not say which order a child hangs from, an untagged stop on the
   * exit side of the contract, newer than the entry, is taken for it (never a second stop beside it).
   */
  async adopt(command: MoveStopCommand, contractId: string): Promise<TrackedOrder | 'unknown' | undefined> {
    let child = this.knownStop(command.positionId);
    // A bracket was sent with this position's entry: its child protects the position whatever
    // happens here, so a lookup that fails (a 429 storm, the gateway down) is tried again rather
    // than answered with a second stop beside the child.
    for (let attempt = 0; !child; attempt++) {
      try {
        child = await this.lookUp(command, contractId);
        break;
      } catch (error) {
        const retry = this.bracketed.has(command.positionId) && !this.host.isClosing();
        const delayMs = this.host.retryDelayMs(attempt);
        this.host.log.warn(
          {
            positionId: command.positionId,
            error: describe(error),
            ...(retry ? { retryInMs: delayMs } : {}),
          },
          'topstepx broker: could not look for the entry stop-loss bracket',
        );
        if (!retry) return this.bracketed.has(command.positionId) ? 'unknown' : undefined;
        await this.host.rest.http.time.sleep(delayMs);
      }
    }
    if (!child) return undefined;
    this.host.ledger.track(command.tag, child.id, child.createdAt, null, child.size, command.positionId);
    this.host.ledger.accepted(command.tag, child.id, child.createdAt);
    this.host.log.info(
      { positionId: command.positionId, orderId: child.id, tag: command.tag },
      "topstepx broker: the entry's stop-loss bracket is the position's protective stop",
    );
    return this.host.ledger.byTag.get(command.tag);
  }

  /** This position's entry order ids, as tracked. */
  private entryOrderIds(positionId: string): number[] {
    return [...this.host.ledger.byTag.values()]
      .filter((o) => o.positionId === positionId && parseTag(o.tag)?.kind === 'entry')
      .map((o) => o.orderId);
  }

  /** A bracket child still working and not yet serving any tag. */
  private isFreeChild(o: Order | undefined): o is Order {
    return o !== undefined && !isTerminalState(o.state) && !this.host.ledger.tagByOrderId.has(o.id);
  }

  /** The stop-loss bracket child of one of the position's entries, if known and free. */
  private knownStop(positionId: string): Order | undefined {
    return this.entryOrderIds(positionId)
      .map((id) => this.children.get(id))
      .find((o) => this.isFreeChild(o));
  }

  /** Read the position's entry orders and the working stops from REST; the bracket child, if found. */
  private async lookUp(command: MoveStopCommand, contractId: string): Promise<Order | undefined> {
    const [history, working] = await Promise.all([
      this.host.rest.searchOrders(this.host.accountId, this.host.searchFrom),
      this.host.rest.queryOrders({ accountId: this.host.accountId, statuses: WORKING_STATUSES }),
    ]);
    for (const o of history) {
      const parsed = o.customTag ? parseTag(o.customTag) : undefined;
      if (parsed?.positionId === command.positionId && parsed.kind === 'entry') this.host.ingestOrder(o);
    }
    for (const o of [...history, ...working])
      if (!o.customTag && isStopLossChild(o)) this.host.ingestOrder(o);
    const found = this.knownStop(command.positionId);
    if (found || !this.bracketed.has(command.positionId)) return found;
    const firstEntry = Math.min(...this.entryOrderIds(command.positionId));
    return working
      .filter(
        (o) =>
          !o.customTag &&
          o.parentOrderId == null &&
          isStopType(o) &&
          o.contractId === contractId &&
          o.side === sideCode(command.side) &&
          o.id > firstEntry,
      )
      .sort((a, b) => a.id - b.id)
      .find((o) => this.isFreeChild(o));
  }
}

/** An untagged stop order hanging from a parent order: a stop-loss bracket child (§8.2). */
export function isStopLossChild(order: Order): boolean {
  return order.parentOrderId != null && isStopType(order);
}

export function isStopType(order: Order): boolean {
  return (
    order.type === OrderType.Stop ||
    order.type === OrderType.TrailingStop ||
    order.type === OrderType.StopLimit
  );
}
