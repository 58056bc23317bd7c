/**
 * The `Broker` port on TopstepX. Commands become REST calls (one limit order per entry leg, market
 * orders for closes so partial closes keep their tags, a stop order kept equal to the ladder's stop);
 * replies become `BrokerEvent`s, from REST results and user-hub order/trade events, each exactly once
 * (accepted/rejected per tag, cancelled per order id, filled per fill id). Commands of one position run
 * in order; positions run independently. `dryRun` logs what would be sent and emits nothing.
 *
 * One job per file: orders here (place, cancel, close, move the stop), each event once in
 * ./event-ledger.ts, stop-loss bracket adoption in ./brackets.ts, the restart resync in ./resync.ts.
 */
import type { Observable, Subscription } from 'rxjs';
import type { BrokerEvent, EngineCommand, MoveStopCommand } from '../../domain/events.ts';
import { parseTag } from '../../domain/tags.ts';
import type { Broker } from '../../ports/index.ts';
import { BracketStops, sideCode } from './brackets.ts';
import { isTerminalState, OrderType } from './enums.ts';
import { ProjectXError } from './errors.ts';
import { BrokerEventLedger } from './event-ledger.ts';
import { describe } from './http.ts';
import type { ProjectXHubs } from './hubs.ts';
import { type AdapterLogger, silentLogger } from './log.ts';
import type { HalfTrade, Order } from './models.ts';
import { findByTag, type PlaceOutcome, placeOrderIdempotent } from './place.ts';
import type { PlaceOrderRequest, ProjectXRest } from './rest.ts';
import { type RestoredPosition, resyncPositions } from './resync.ts';

export interface TopstepxBrokerOptions {
  readonly rest: ProjectXRest;
  /** User hub streams (orders$, userTrades$); without them only REST results produce events. */
  readonly hubs?: Pick<ProjectXHubs, 'orders$' | 'userTrades$'>;
  readonly accountId: number;
  /** Log the orders that would be sent; send nothing, emit nothing. */
  readonly dryRun?: boolean;
  /** symbol → contractId, used when a command carries no contractId. */
  readonly contractIds?: Readonly<Record<string, string>>;
  readonly now?: () => number;
  readonly logger?: AdapterLogger;
  /** Wait between an ambiguous place and its tag lookup, ms (default 250). */
  readonly settleDelayMs?: number;
  /** First wait before a placement whose outcome stayed unknown is tried again, ms (default 1,000; doubles to 30 s). */
  readonly placeRetryMs?: number;
  /**
   * Ride the plan's stop on each single-leg entry as a stop-loss bracket (ProjectX: the account must
   * be in Auto OCO Brackets mode, §8.2). The broker activates it at the fill, whether or not this
   * process is alive; the position then adopts that child as its protective stop instead of placing one.
   */
  readonly bracketStops?: boolean;
}

const MAX_PLACE_RETRY_MS = 30_000;

export { MIN_BRACKET_TICKS } from './brackets.ts';
export type { RestoredPosition } from './resync.ts';

export class TopstepxBroker implements Broker {
  readonly events$: Observable<BrokerEvent>;
  /** Every broker event exactly once: accepted/rejected per tag, cancelled per order, filled per fill. */
  private readonly ledger = new BrokerEventLedger();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly subscriptions: Subscription[] = [];
  private readonly now: () => number;
  private readonly log: AdapterLogger;
  /** Positions whose every order this instance knows (opened here, or resynced after a restart). */
  private readonly ownPositions = new Set<string>();
  /** Stop-loss brackets: the children heard of, and their adoption as protective stops. */
  private readonly brackets: BracketStops;
  private closing = false;
  /**
   * Set by the first "Brackets cannot be used with Position Brackets" rejection: the account's
   * bracket setting is wrong (ProjectX has no API to read it, so the first bracketed entry is the
   * probe). Later bracketed entries are refused here with the same fix, without burning REST calls.
   */
  private bracketSettingError: string | null = null;
  /** Orders and fills are read from REST from this time on (a day before this instance started). */
  private readonly searchFrom: number;

  constructor(private readonly options: TopstepxBrokerOptions) {
    this.events$ = this.ledger.events.asObservable();
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? silentLogger;
    this.searchFrom = this.now() - 24 * 3_600_000;
    this.brackets = new BracketStops({
      rest: options.rest,
      accountId: options.accountId,
      searchFrom: this.searchFrom,
      ledger: this.ledger,
      log: this.log,
      ingestOrder: (order) => this.ingestOrder(order),
      isClosing: () => this.closing,
      retryDelayMs: (attempt) => this.retryDelayMs(attempt),
    });
    if (options.hubs && !options.dryRun) {
      this.subscriptions.push(options.hubs.orders$.subscribe((order) => this.ingestOrder(order)));
      this.subscriptions.push(options.hubs.userTrades$.subscribe((trade) => this.ingestTrade(trade)));
    }
  }

  execute(command: EngineCommand): void {
    if (this.options.dryRun) {
      this.log.info(
        { dryRun: true, command },
        `dry run: would send ${command.type} for ${command.positionId}`,
      );
      return;
    }
    const key = command.positionId;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.run(command))
      .catch((error) =>
        this.log.error(
          { command: command.type, positionId: key, error: describe(error) },
          'topstepx broker: command failed',
        ),
      );
    this.queues.set(key, next);
    void next.finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  /** Resolves when every queued command has been carried out (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }

  /** Shutting down: a placement whose outcome stays unknown is not retried any more. */
  beginClosing(): void {
    this.closing = true;
  }

  dispose(): void {
    this.closing = true;
    for (const s of this.subscriptions) s.unsubscribe();
    this.ledger.events.complete();
  }

  /** Orders we placed that may still fill. */
  workingOrders(): { tag: string; orderId: number; positionId: string }[] {
    return [...this.ledger.byTag.values()]
      .filter((o) => !o.terminal)
      .map(({ tag, orderId, positionId }) => ({ tag, orderId, positionId }));
  }

  knownOrderTags(): string[] {
    return [...this.ledger.byTag.keys()];
  }

  /**
   * What this instance knows of the order behind `tag`: placed (its id, whether it ended, when it was
   * created), refused, or nothing yet (never sent, or its placement is still in flight).
   */
  orderStateOf(
    tag: string,
  ): { orderId: number; terminal: boolean; createdAt: number } | 'rejected' | undefined {
    const tracked = this.ledger.byTag.get(tag);
    if (tracked)
      return { orderId: tracked.orderId, terminal: tracked.terminal, createdAt: tracked.createdAt };
    return this.ledger.rejectedTags.has(tag) ? 'rejected' : undefined;
  }

  /**
   * The desired-state check found the order behind `tag` gone from the broker's book although no hub
   * event said so (a broker that dropped a working stop): end it in the ledger and tell the engine
   * once, as `order.cancelled`. `order` is the broker's own record of it when REST still has one.
   * True when the engine was told now (false: unknown tag, or already ended).
   */
  reportOrderLost(tag: string, order: Order | null): boolean {
    const tracked = this.ledger.byTag.get(tag);
    if (!tracked || tracked.terminal) return false;
    tracked.terminal = true;
    if (this.ledger.cancelledOrders.has(tracked.orderId)) return false;
    this.ledger.accepted(tag, tracked.orderId, tracked.createdAt);
    this.ledger.cancelled(tag, tracked.orderId, order?.updatedAt ?? this.now());
    return true;
  }

  /**
   * The engine has no protective stop out for a position the broker holds (its last stop was
   * refused): tell it the stop it would place next, `tag`, is missing, so it places one under the
   * following tag. Once per tag; never for a tag this instance placed or saw refused.
   */
  reportStopMissing(tag: string): boolean {
    if (this.ledger.byTag.has(tag) || this.ledger.rejectedTags.has(tag)) return false;
    return this.ledger.missing(tag, this.now());
  }

  /** Why bracketed entries are refused on this account (its bracket setting), or null. */
  configurationError(): string | null {
    return this.bracketSettingError;
  }

  /** The tag this instance knows an order by (its customTag, or the stop tag an adopted bracket child serves). */
  tagOf(orderId: number): string | undefined {
    return this.ledger.tagByOrderId.get(orderId);
  }

  /** An order update from the user hub or from reconciliation. */
  ingestOrder(order: Order): void {
    if (this.brackets.noteChild(order)) return;
    const tag = order.customTag ?? this.ledger.tagByOrderId.get(order.id);
    // Only tags in our format (a manual order with some other tag is not the engine's business).
    if (!tag || !parseTag(tag)) return;
    this.ledger.track(tag, order.id, order.createdAt, order.limitPrice ?? order.stopPrice, order.size);
    const tracked = this.ledger.byTag.get(tag)!;
    switch (order.state) {
      case 'working':
      case 'suspended':
      case 'pending':
        this.ledger.accepted(tag, order.id, order.createdAt);
        break;
      case 'cancelled':
      case 'expired':
        tracked.terminal = true;
        this.ledger.accepted(tag, order.id, order.createdAt);
        this.ledger.cancelled(tag, order.id, order.updatedAt ?? this.now());
        break;
      case 'rejected':
        tracked.terminal = true;
        this.ledger.rejected(tag, `order ${order.id} rejected by the broker`, order.updatedAt ?? this.now());
        break;
      case 'filled':
        tracked.terminal = true;
        this.ledger.accepted(tag, order.id, order.createdAt);
        break;
      default:
        break;
    }
  }

  /** A fill from the user hub or from reconciliation (Trade/search); each fill id emits once. */
  ingestTrade(trade: HalfTrade): void {
    this.ledger.ingestTrade(trade);
  }

  /** True once the fill with this id was delivered to the engine. */
  hasSeenFill(fillId: number): boolean {
    return this.ledger.seenFills.has(fillId);
  }

  /**
   * Reconciliation found the broker closed (part of) a position with orders that are not ours
   * (auto-liquidation, a loss limit, a manual close): tell the engine once, with the broker's fills.
   */
  ingestFlatten(flat: {
    readonly position: { readonly positionId: string; readonly contractId: string };
    readonly quantity: number;
    readonly fills: readonly { readonly price: number; readonly quantity: number; readonly ts: number }[];
    readonly fees: number;
  }): void {
    const last = flat.fills.at(-1);
    this.log.warn(
      {
        positionId: flat.position.positionId,
        contractId: flat.position.contractId,
        quantity: flat.quantity,
        fills: flat.fills.length,
      },
      'topstepx broker: the broker closed a position with orders the bot did not place',
    );
    this.ledger.flattened({
      ts: last?.ts ?? this.now(),
      positionId: flat.position.positionId,
      quantity: flat.quantity,
      fills: flat.fills.map((f) => ({ price: f.price, quantity: f.quantity })),
      fees: flat.fees,
      reason:
        flat.fills.length > 0
          ? 'closed by the broker (orders the bot did not place: auto-liquidation, a loss limit or a manual close)'
          : 'closed by the broker; its closing fills were not found',
    });
  }

  private async run(command: EngineCommand): Promise<void> {
    const contractId = command.contractId || this.options.contractIds?.[command.symbol];
    if (!contractId)
      throw new Error(`no contract id for symbol ${command.symbol}: resolve it before trading`);
    switch (command.type) {
      case 'placeEntry': {
        this.ownPositions.add(command.positionId);
        const bracketTicks = this.options.bracketStops
          ? this.brackets.ticksFor(command, contractId)
          : undefined;
        if (bracketTicks !== undefined && this.bracketSettingError) {
          // The account refused brackets once already: refuse here, naming the fix, until it changes.
          for (const leg of command.legs) this.ledger.rejected(leg.tag, this.bracketSettingError, this.now());
          return;
        }
        if (bracketTicks !== undefined) this.brackets.bracketed.add(command.positionId);
        for (const leg of command.legs) {
          await this.place(command.positionId, {
            accountId: this.options.accountId,
            contractId,
            type: OrderType.Limit,
            side: sideCode(command.side),
            size: leg.quantity,
            limitPrice: leg.price,
            customTag: leg.tag,
            ...(bracketTicks === undefined
              ? {}
              : { stopLossBracket: { ticks: bracketTicks, type: OrderType.Stop } }),
          });
        }
        return;
      }
      case 'cancelEntry':
        for (const tag of command.tags) await this.cancelTag(tag);
        return;
      case 'closePosition': {
        // The broker-side stop may have filled on the very print that made the engine leave: never
        // close more than the broker still holds, or the exit opens a position the other way.
        const size = await this.closableSize(contractId, command.side, command.quantity);
        if (size <= 0) {
          this.log.info(
            { tag: command.tag, contractId },
            'topstepx broker: nothing left to close (the protective stop filled first)',
          );
          // The engine waits for the fills that flattened it: replay them (a restart may have missed them).
          await this.replayClosingFills(command.positionId);
          return;
        }
        // A tagged market order, not closeContract, so partial closes work and carry a tag.
        await this.place(command.positionId, {
          accountId: this.options.accountId,
          contractId,
          type: OrderType.Market,
          side: sideCode(command.side),
          size,
          customTag: command.tag,
        });
        return;
      }
      case 'moveStop':
        await this.moveStop(command, contractId);
        return;
    }
  }

  /**
   * After a restart: bring restored positions up to date with the broker (./resync.ts). `counted` is
   * read after the broker has answered, so hub fills delivered meanwhile count too.
   */
  resync(counted: () => readonly RestoredPosition[]): Promise<{ orders: number; fills: number }> {
    return resyncPositions(
      {
        rest: this.options.rest,
        accountId: this.options.accountId,
        searchFrom: this.searchFrom,
        ledger: this.ledger,
        brackets: this.brackets,
        log: this.log,
        ownPositions: this.ownPositions,
        now: this.now,
        ingestTrade: (trade) => this.ingestTrade(trade),
      },
      counted,
    );
  }

  /** Stop and exit fills of one position from REST, through the usual once-only ingestion. */
  private async replayClosingFills(positionId: string): Promise<void> {
    try {
      const since = this.searchFrom;
      const orders = (await this.options.rest.searchOrders(this.options.accountId, since)).filter((o) => {
        const tag = o.customTag ?? this.ledger.tagByOrderId.get(o.id);
        const parsed = tag ? parseTag(tag) : undefined;
        return parsed?.positionId === positionId && parsed.kind !== 'entry';
      });
      if (orders.length === 0) return;
      for (const order of orders) this.ingestOrder(order);
      const ids = new Set(orders.map((o) => o.id));
      for (const trade of await this.options.rest.searchTrades(this.options.accountId, since))
        if (ids.has(trade.orderId)) this.ingestTrade(trade);
    } catch (error) {
      this.log.warn(
        { positionId, error: describe(error) },
        'topstepx broker: could not replay the closing fills',
      );
    }
  }

  /** Contracts an exit on `side` may close: the broker's open size in the opposite direction, capped. */
  private async closableSize(contractId: string, side: 'buy' | 'sell', wanted: number): Promise<number> {
    let positions: Awaited<ReturnType<ProjectXRest['searchOpenPositions']>>;
    try {
      positions = await this.options.rest.searchOpenPositions(this.options.accountId);
    } catch (error) {
      // Unknown: flattening matters more than the rare double exit.
      this.log.warn(
        { contractId, error: describe(error) },
        'topstepx broker: open positions unknown; closing as asked',
      );
      return wanted;
    }
    const held = positions.find((p) => p.contractId === contractId && p.type === (side === 'sell' ? 1 : 2));
    return Math.min(wanted, held?.size ?? 0);
  }

  private async place(positionId: string, request: PlaceOrderRequest & { customTag: string }): Promise<void> {
    if (this.ledger.byTag.has(request.customTag) || this.ledger.rejectedTags.has(request.customTag)) return; // never place a tag twice
    let outcome: PlaceOutcome | undefined;
    for (let attempt = 0; outcome === undefined; attempt++) {
      try {
        outcome = await placeOrderIdempotent(this.options.rest, request, {
          searchFrom: this.searchFrom,
          settleDelayMs: this.options.settleDelayMs,
        });
      } catch (error) {
        // Outcome unknown even after the lookups (a 429 storm, the gateway down): try again with the
        // SAME tag, which the server accepts at most once, until the order is known to exist or to be
        // refused. Giving up here would leave a filled position without its protective stop.
        if (this.closing) {
          this.log.error(
            { tag: request.customTag, error: describe(error) },
            'topstepx broker: placement outcome unknown at shutdown; the next start reconciles it',
          );
          return;
        }
        const delayMs = this.retryDelayMs(attempt);
        this.log.error(
          { tag: request.customTag, error: describe(error), attempt: attempt + 1, retryInMs: delayMs },
          'topstepx broker: placement outcome unknown; trying again with the same tag',
        );
        await this.options.rest.http.time.sleep(delayMs);
      }
    }
    if (outcome.outcome === 'rejected') {
      // The account setting brackets need (§8.2): say how to fix it where the trader reads the reason.
      const wrongSetting =
        request.stopLossBracket !== undefined && /Position Brackets/i.test(outcome.message);
      const fix = wrongSetting
        ? '; set the account to Auto OCO Brackets in TopstepX, or run with --protective-stops broker'
        : '';
      const reason = `${outcome.message} (errorCode ${outcome.code})${fix}`;
      if (wrongSetting && !this.bracketSettingError) {
        this.bracketSettingError = reason;
        this.log.error(
          { accountId: this.options.accountId, tag: request.customTag, reason },
          'topstepx broker: this account refuses stop-loss brackets (its Position Brackets setting); every bracketed entry is refused until the setting is Auto OCO Brackets or the bot runs with --protective-stops broker',
        );
      }
      this.ledger.rejected(request.customTag, reason, this.now());
      return;
    }
    const price = request.limitPrice ?? request.stopPrice ?? null;
    this.ledger.track(
      request.customTag,
      outcome.orderId,
      outcome.order?.createdAt ?? this.now(),
      price,
      request.size,
      positionId,
    );
    this.ledger.accepted(request.customTag, outcome.orderId, outcome.order?.createdAt ?? this.now());
    if (outcome.order) this.ingestOrder(outcome.order);
  }

  private async orderIdOf(tag: string): Promise<number | undefined> {
    const known = this.ledger.byTag.get(tag);
    if (known) return known.orderId;
    const found = await findByTag(this.options.rest, this.options.accountId, tag, this.searchFrom);
    if (found) this.ingestOrder(found);
    return found?.id;
  }

  private async cancelTag(tag: string): Promise<void> {
    const orderId = await this.orderIdOf(tag);
    if (orderId === undefined) {
      this.log.warn({ tag }, 'topstepx broker: nothing to cancel for this tag');
      return;
    }
    if (this.ledger.byTag.get(tag)?.terminal) return;
    try {
      await this.options.rest.cancelOrder(this.options.accountId, orderId);
      this.ledger.byTag.get(tag)!.terminal = true;
      this.ledger.cancelled(tag, orderId, this.now());
    } catch (error) {
      // Already filled or gone: the fill (or cancel) arrives as an event; confirm through REST, never assume.
      this.log.warn(
        { tag, orderId, error: describe(error) },
        'topstepx broker: cancel refused; checking the order',
      );
      const order = await this.options.rest.searchOrderById(this.options.accountId, orderId);
      if (order) this.ingestOrder(order);
      if (!(error instanceof ProjectXError)) throw error;
    }
  }

  private async moveStop(command: MoveStopCommand, contractId: string): Promise<void> {
    let current = this.ledger.byTag.get(command.tag);
    if (
      !current &&
      this.options.bracketStops &&
      (this.brackets.bracketed.has(command.positionId) || !this.ownPositions.has(command.positionId))
    ) {
      const adopted = await this.brackets.adopt(command, contractId);
      // Shutting down before the bracket could be read: it protects the position; add nothing.
      if (adopted === 'unknown') return;
      current = adopted;
    }
    if (!current && !this.ownPositions.has(command.positionId)) {
      // After a restart the stop placed by the previous process is still on the book under this
      // tag: adopt it (with its real price and size) and modify it, rather than place it again.
      // (A position opened or resynced by this instance has no order we do not know: no lookup, so
      // a fresh fill gets its stop after one REST call.)
      await this.orderIdOf(command.tag).catch(() => undefined);
      current = this.ledger.byTag.get(command.tag);
    }
    if (command.quantity === 0) {
      if (current && !current.terminal) await this.cancelTag(command.tag);
      return;
    }
    if (!current) {
      // A stop placed again after the broker lost the previous one (tag s2 on): the broker may have
      // flattened the position itself (its liquidation cancels working stops first). A stop for a
      // position that is gone would open one the other way, so check it is still held.
      if ((parseTag(command.tag)?.index ?? 1) > 1) {
        const held = await this.closableSize(contractId, command.side, command.quantity);
        if (held <= 0) {
          this.log.warn(
            { tag: command.tag, contractId },
            'topstepx broker: no stop placed again: the broker no longer holds the position (reconciliation tells the engine)',
          );
          return;
        }
      }
      await this.place(command.positionId, {
        accountId: this.options.accountId,
        contractId,
        type: OrderType.Stop,
        side: sideCode(command.side),
        size: command.quantity,
        stopPrice: command.stopPrice,
        customTag: command.tag,
      });
      return;
    }
    if (current.terminal || (current.price === command.stopPrice && current.size === command.quantity))
      return;
    try {
      await this.options.rest.modifyOrder(
        {
          accountId: this.options.accountId,
          orderId: current.orderId,
          size: command.quantity,
          stopPrice: command.stopPrice,
        },
        contractId,
      );
      current.price = command.stopPrice;
      current.size = command.quantity;
    } catch (error) {
      this.log.warn(
        { tag: command.tag, error: describe(error) },
        'topstepx broker: stop modify failed; checking the order',
      );
      const order = await this.options.rest.searchOrderById(this.options.accountId, current.orderId);
      if (order) this.ingestOrder(order);
    }
  }

  /** Wait before retry `attempt` (0-based) of a REST step whose outcome matters: doubling to 30 s. */
  private retryDelayMs(attempt: number): number {
    return Math.min(MAX_PLACE_RETRY_MS, (this.options.placeRetryMs ?? 1_000) * 2 ** attempt);
  }
}

export function isTerminal(order: Order): boolean {
  return isTerminalState(order.state);
}
