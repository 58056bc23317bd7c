/**
 * The engine runtime, shared by the live bot and the backtest: it creates the engine actor on the
 * run's clock, carries its commands to the Broker port, feeds broker events back in, and routes
 * ticks with a band check so that a tick that cannot change any position never enters an actor.
 * Per-tick values (last price, unrealised P&L) live here, outside machine context.
 */

import { Subject, type Subscription } from 'rxjs';
import { type Actor, createActor, type InspectionEvent } from 'xstate';
import {
  ENGINE_MACHINE_VERSION,
  type EngineEmitted,
  type EngineEvent,
  engineMachine,
  type PositionSlot,
} from '../../machines/engine/machine.ts';
import { bandOf, openQty, topStateOf, unrealized } from '../../machines/position/ladder.ts';
import type { PositionContext } from '../../machines/position/types.ts';
import type { BrokerEvent, EngineCommand, OpenPositionRequest } from '../domain/events.ts';
import type { ExitReason, PriceBand } from '../domain/types.ts';
import type { PositionMachineState } from '../domain/vocabulary.ts';
import type { Broker, Clock } from '../ports/index.ts';

export type ProtectiveStopMode = 'broker' | 'local' | 'bracket';

export interface EngineRuntimeOptions {
  readonly clock: Clock;
  readonly broker: Broker;
  /** A persisted engine snapshot to resume from (crash recovery). */
  readonly snapshot?: unknown;
  /**
   * 'broker': moveStop commands place/modify a broker-side stop order, so a dead process never
   * leaves a naked position (default). 'local': the in-memory ladder alone closes at the stop.
   */
  readonly protectiveStops?: ProtectiveStopMode;
  /** XState inspection hook (visual inspector, JSONL log). Keep it off in backtests. */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * Hold a command until the promise settles (write-ahead): the bot holds every `placeEntry` until
   * the position it belongs to is stored, so a crash can never leave an order the store does not
   * know. Later commands of the same position wait behind it, in order. None in backtests.
   */
  readonly holdCommand?: (command: EngineCommand) => Promise<unknown> | undefined;
}

/** What the runtime reports to the store sink and the observers. */
export type RuntimeOutput =
  | EngineEmitted
  | { readonly type: 'broker'; readonly event: BrokerEvent }
  /** The combined band of a symbol changed: a tick strictly inside it changes nothing. */
  | { readonly type: 'routing'; readonly symbol: string; readonly band: PriceBand };

export interface PositionView {
  readonly positionId: string;
  readonly signalId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly state: PositionMachineState;
  readonly context: PositionContext;
  readonly lastPrice: number | null;
  readonly unrealizedPnl: number;
}

const NO_BAND: PriceBand = {
  low: Number.NEGATIVE_INFINITY,
  high: Number.POSITIVE_INFINITY,
  until: Number.POSITIVE_INFINITY,
};

export class EngineRuntime {
  readonly engine: Actor<typeof engineMachine>;
  readonly outputs$ = new Subject<RuntimeOutput>();
  readonly machineVersion = ENGINE_MACHINE_VERSION;
  /** Combined band per symbol (intersection of its positions' bands). */
  private readonly bands = new Map<string, PriceBand>();
  /** Band per live position, from its update messages. */
  private readonly positionBands = new Map<string, { symbol: string; band: PriceBand }>();
  private readonly lastPrices = new Map<string, number>();
  private earliestUntil = Number.POSITIVE_INFINITY;
  private readonly subscription: Subscription;
  private readonly protectiveStops: ProtectiveStopMode;
  /** Per position: the tail of its held commands (see `holdCommand`). */
  private readonly held = new Map<string, Promise<void>>();
  /** Positions being adopted from the broker: their entry is the broker's fill, not an order. */
  private readonly adopting = new Map<string, { readonly price: number; readonly ts: number }>();
  /** Ticks delivered to the engine / seen, for benchmarks and the status line. */
  ticksRouted = 0;
  ticksSeen = 0;

  constructor(private readonly options: EngineRuntimeOptions) {
    this.protectiveStops = options.protectiveStops ?? 'broker';
    this.engine = createActor(engineMachine, {
      clock: options.clock,
      ...(options.snapshot ? { snapshot: options.snapshot as never } : {}),
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.engine.on('*', (event) => this.onEmitted(event as EngineEmitted));
    this.subscription = options.broker.events$.subscribe((event) => {
      this.outputs$.next({ type: 'broker', event });
      this.engine.send(event);
    });
    this.engine.start();
    // After a restore the bands come from the restored position actors themselves.
    const symbols = new Set<string>();
    for (const view of this.positions()) {
      this.positionBands.set(view.positionId, {
        symbol: view.symbol,
        band: bandOf(view.state, view.context),
      });
      symbols.add(view.symbol);
    }
    for (const symbol of symbols) this.recomputeBand(symbol, false);
  }

  /**
   * Deliver a price. Inside the symbol's combined band it costs a map lookup and two comparisons.
   * With `contractId` only the positions holding that contract hear it (a roll: docs/rollover.md);
   * `front: false` marks a rolled month's print, which is not the symbol's last price.
   */
  tick(symbol: string, price: number, ts: number, contractId?: string, front = true): void {
    this.ticksSeen++;
    if (front) this.lastPrices.set(symbol, price);
    const band = this.bands.get(symbol);
    if (band === undefined || (price > band.low && price < band.high && ts < band.until)) return;
    this.ticksRouted++;
    this.engine.send(
      contractId === undefined
        ? { type: 'tick', ts, symbol, price }
        : { type: 'tick', ts, symbol, price, contractId },
    );
  }

  /** Let deadlines (entry expiry) fire when no tick arrives. Cheap when nothing is due. */
  clockTick(ts: number): void {
    if (ts < this.earliestUntil) return;
    this.engine.send({ type: 'clock', ts });
  }

  open(request: OpenPositionRequest, ts: number): void {
    this.engine.send({ type: 'open', ts, request });
  }

  /**
   * Take over a position the broker holds that the engine did not open (unknown exposure, adopt
   * policy): a position actor of its own, whose entry is not sent as an order but filled at once at
   * the broker's average price and size; from there it is an ordinary position (its protective stop
   * placed, its ladder walked, its exits sent).
   */
  adopt(request: OpenPositionRequest, fill: { readonly price: number }, ts: number): void {
    this.adopting.set(request.positionId, { price: fill.price, ts });
    this.engine.send({ type: 'open', ts, request });
  }

  close(
    accountId: string,
    symbol: string,
    signalId: string,
    ts: number,
    reason: ExitReason = 'close_alert',
  ): void {
    this.engine.send({ type: 'close', ts, accountId, symbol, signalId, reason });
  }

  cancel(accountId: string, symbol: string, signalId: string, ts: number): void {
    this.engine.send({ type: 'cancel', ts, accountId, symbol, signalId });
  }

  flatten(reason: ExitReason, ts: number, filter: { accountId?: string; symbol?: string } = {}): void {
    this.engine.send({ type: 'flatten', ts, reason, ...filter });
  }

  send(event: EngineEvent): void {
    this.engine.send(event);
  }

  lastPrice(symbol: string): number | undefined {
    return this.lastPrices.get(symbol);
  }

  slots(): PositionSlot[] {
    return Object.values(this.engine.getSnapshot().context.slots);
  }

  lastEntryAt(accountId: string, symbol: string): number | undefined {
    return this.engine.getSnapshot().context.lastEntryAt[`${accountId}:${symbol}`];
  }

  /** Live positions with their context and mark-to-market P&L. */
  positions(): PositionView[] {
    const views: PositionView[] = [];
    for (const slot of this.slots()) {
      const child = this.engine.system.get(slot.actorId);
      const snapshot = child?.getSnapshot() as { value: unknown; context: PositionContext } | undefined;
      if (!snapshot) continue;
      const lastPrice = this.lastPrices.get(slot.symbol) ?? null;
      const state = topStateOf(snapshot.value);
      views.push({
        positionId: slot.positionId,
        signalId: snapshot.context.signalId,
        accountId: slot.accountId,
        symbol: slot.symbol,
        state,
        context: snapshot.context,
        lastPrice,
        unrealizedPnl:
          lastPrice === null || openQty(snapshot.context) === 0 ? 0 : unrealized(snapshot.context, lastPrice),
      });
    }
    return views;
  }

  /** The persisted snapshot (engine context + every position actor) for crash recovery. */
  persistedSnapshot(): unknown {
    return this.engine.getPersistedSnapshot();
  }

  stop(): void {
    this.subscription.unsubscribe();
    this.engine.stop();
    this.outputs$.complete();
  }

  private onEmitted(event: EngineEmitted): void {
    switch (event.type) {
      case 'command':
        this.execute(event.command);
        break;
      case 'position.update': {
        const { update } = event;
        this.outputs$.next(event);
        if (update.state === 'closed' || update.state === 'cancelled')
          this.positionBands.delete(update.positionId);
        else this.positionBands.set(update.positionId, { symbol: update.symbol, band: update.band });
        this.recomputeBand(update.symbol, true);
        return;
      }
      default:
        break;
    }
    this.outputs$.next(event);
  }

  /** Intersection of the bands of a symbol's positions; no positions → no routing at all. */
  private recomputeBand(symbol: string, announce: boolean): void {
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    let until = Number.POSITIVE_INFINITY;
    let any = false;
    for (const entry of this.positionBands.values()) {
      if (entry.symbol !== symbol) continue;
      any = true;
      if (entry.band.low > low) low = entry.band.low;
      if (entry.band.high < high) high = entry.band.high;
      if (entry.band.until < until) until = entry.band.until;
    }
    const previous = this.bands.get(symbol);
    const band: PriceBand = any ? { low, high, until } : NO_BAND;
    if (any) this.bands.set(symbol, band);
    else this.bands.delete(symbol);
    this.recomputeEarliestUntil();
    const changed =
      !previous ||
      !any ||
      previous.low !== band.low ||
      previous.high !== band.high ||
      previous.until !== band.until;
    if (announce && changed) this.outputs$.next({ type: 'routing', symbol, band });
  }

  private execute(command: EngineCommand): void {
    if (command.type === 'moveStop' && this.protectiveStops === 'local') return;
    const adopted = command.type === 'placeEntry' ? this.adopting.get(command.positionId) : undefined;
    if (command.type === 'placeEntry' && adopted) {
      // The contracts are already held at the broker: the entry leg is filled where the broker filled it.
      this.adopting.delete(command.positionId);
      for (const leg of command.legs) {
        const orderId = `adopted-${leg.tag}`;
        const ts = adopted.ts;
        const side = command.side;
        const events: BrokerEvent[] = [
          { type: 'order.accepted', ts, tag: leg.tag, orderId },
          // Fees: the broker charged them on its own fill; its balance (which the guards follow) has them.
          {
            type: 'order.filled',
            ts,
            tag: leg.tag,
            orderId,
            price: adopted.price,
            quantity: leg.quantity,
            side,
            fees: 0,
          },
        ];
        queueMicrotask(() => {
          for (const event of events) {
            this.outputs$.next({ type: 'broker', event });
            this.engine.send(event);
          }
        });
      }
      return;
    }
    const pending = this.held.get(command.positionId);
    const hold = this.options.holdCommand?.(command);
    if (pending === undefined && hold === undefined) {
      this.options.broker.execute(command);
      return;
    }
    // A failed hold (the store unreachable after its retries) is reported by whoever made it; the
    // order still goes out: refusing to trade a signal already decided would lose it.
    const tail = (pending ?? Promise.resolve())
      .then(() => hold)
      .catch(() => undefined)
      .then(() => this.options.broker.execute(command));
    this.held.set(command.positionId, tail);
    void tail.then(() => {
      if (this.held.get(command.positionId) === tail) this.held.delete(command.positionId);
    });
  }

  private recomputeEarliestUntil(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const band of this.bands.values()) if (band.until < earliest) earliest = band.until;
    this.earliestUntil = earliest;
  }
}

export function createEngineRuntime(options: EngineRuntimeOptions): EngineRuntime {
  return new EngineRuntime(options);
}
