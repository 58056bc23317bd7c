/**
 * SimulatedExchange: the Broker port for backtests. Commands arrive through `execute`; every reply
 * (accepted, rejected, filled, cancelled) is scheduled on the VirtualClock after the latency model and
 * emitted on `events$` when the clock fires it. The replay calls `onPrice` for every price point.
 *
 * Fill rules (per symbol; docs/backtest-fills.md states them for traders, and a reference walker in
 * tests/sim/reference-walker.ts re-derives them):
 * - limit buy fills when price trades below the limit (at or below with `fillOnTouch`), sells mirrored;
 *   the fill price is the limit, or the better price when the market gapped through it (first point
 *   of a bar or a tick print).
 * - protective stops (moveStop) trigger when price trades at or through the stop; they fill at the stop
 *   (or the gap price) moved `slippageTicks` against the order.
 * - market orders (closePosition) fill at the market when they start working: the last price traded
 *   (the point whose print made the engine send them), `slippageTicks` against the order; never at a
 *   later point of the bar. Without any price yet they wait for the next point.
 * - marketable on arrival: an order that starts working while the last price is already through it
 *   fills at once at that market price (a buy limit above the market at the market, not at its limit;
 *   a stop already through at the market ∓ slippage).
 * - partial fills: at most `maxFillPerPoint` contracts per order per price point, and with
 *   `fillFromPrintSize` no more than the print's size across all orders at that point.
 * - an order works only after its acknowledgement (ack latency); a cancel takes effect after the same
 *   latency, so an order can still fill while its cancel is in flight.
 *
 * Hot path: each symbol's book caches the nearest trigger prices, so `onPrice` is O(1) when nothing
 * can fill. Deterministic: no wall clock, no randomness; order ids count up per exchange.
 */
import { Subject } from 'rxjs';
import type { BrokerEvent, EngineCommand } from '../src/domain/events.ts';
import { feePerSide } from '../src/domain/fees.ts';
import { getInstrument } from '../src/domain/instruments.ts';
import { isOnTickGrid } from '../src/domain/ticks.ts';
import type { OrderSide } from '../src/domain/types.ts';
import type { Broker } from '../src/ports/index.ts';
import type { VirtualClock } from './clock.ts';
import type { Exposure } from './path.ts';

export interface InstrumentSpec {
  readonly tickSize: number;
  readonly tickValue: number;
  readonly decimals: number;
}

export interface ExchangeConfig {
  /** Delay of acknowledgements, rejections and cancels, ms (default 50). */
  readonly ackLatencyMs?: number;
  /** Delay between a fill and its `order.filled` event, ms (default 0). */
  readonly fillLatencyMs?: number;
  /** Ticks against the order for market and stop fills (default 1). */
  readonly slippageTicks?: number;
  /** Limits fill when price touches them, not only when it trades through (default false). */
  readonly fillOnTouch?: boolean;
  /** Partial fills: most contracts one order fills per price point (default unlimited). */
  readonly maxFillPerPoint?: number;
  /** Partial fills: a print fills no more than its size (default false). */
  readonly fillFromPrintSize?: boolean;
  /** Commission + fees per contract per side, by symbol (defaults in fees.ts). */
  readonly feesPerSide?: Readonly<Record<string, number>>;
  /** Instrument lookup (default: src/domain/instruments.ts). */
  readonly instrument?: (symbol: string) => InstrumentSpec | undefined;
}

export type OrderKind = 'limit' | 'stop' | 'market';
type OrderState = 'pending' | 'working' | 'done';

export interface SimOrder {
  readonly tag: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly positionId: string;
  readonly side: OrderSide;
  readonly kind: OrderKind;
  price: number;
  quantity: number;
  filled: number;
  state: OrderState;
  /** A market exit sent on a favourable touch: never filled better than this after a sweep. */
  trigger?: number;
}

interface Book {
  readonly symbol: string;
  readonly spec: InstrumentSpec;
  readonly fee: number;
  working: SimOrder[];
  /** Highest working buy limit, lowest sell limit, highest sell stop, lowest buy stop. */
  maxBuyLimit: number;
  minSellLimit: number;
  maxSellStop: number;
  minBuyStop: number;
  markets: number;
  position: number;
  pendingBuys: number;
  pendingSells: number;
  lastPrice: number;
  /** The last point was reached through every price from the one before it. */
  lastSweep: boolean;
}

export interface FillRecord {
  readonly ts: number;
  readonly tag: string;
  readonly symbol: string;
  readonly side: OrderSide;
  /** The order's kind and its limit or stop price (null for a market order). */
  readonly kind: OrderKind;
  readonly orderPrice: number | null;
  /** The market price the fill was made against (the point, or the last price for an order arriving). */
  readonly market: number;
  readonly price: number;
  readonly quantity: number;
  readonly fees: number;
}

export class SimulatedExchange implements Broker {
  readonly events$ = new Subject<BrokerEvent>();
  private readonly books = new Map<string, Book>();
  private readonly orders = new Map<string, SimOrder>();
  /** Protective stop per position id. */
  private readonly stops = new Map<string, SimOrder>();
  private nextOrderId = 1;
  private readonly ack: number;
  private readonly fillLatency: number;
  private readonly slippage: number;
  private readonly touch: boolean;
  private readonly maxPerPoint: number;
  private readonly fromPrintSize: boolean;
  private readonly lookup: (symbol: string) => InstrumentSpec | undefined;
  /** Every fill, in order (for reports and parity checks). */
  readonly fills: FillRecord[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly config: ExchangeConfig = {},
  ) {
    this.ack = nonNegative(config.ackLatencyMs ?? 50, 'ackLatencyMs');
    this.fillLatency = nonNegative(config.fillLatencyMs ?? 0, 'fillLatencyMs');
    this.slippage = nonNegative(config.slippageTicks ?? 1, 'slippageTicks');
    this.touch = config.fillOnTouch ?? false;
    this.maxPerPoint = config.maxFillPerPoint ?? Number.POSITIVE_INFINITY;
    if (!(this.maxPerPoint >= 1))
      throw new Error(`maxFillPerPoint must be ≥ 1, got ${config.maxFillPerPoint}`);
    this.fromPrintSize = config.fillFromPrintSize ?? false;
    this.lookup = config.instrument ?? getInstrument;
  }

  execute(command: EngineCommand): void {
    switch (command.type) {
      case 'placeEntry':
        for (const leg of command.legs) {
          this.place(
            command.symbol,
            command.positionId,
            leg.tag,
            command.side,
            'limit',
            leg.price,
            leg.quantity,
          );
        }
        return;
      case 'closePosition':
        this.place(
          command.symbol,
          command.positionId,
          command.tag,
          command.side,
          'market',
          Number.NaN,
          command.quantity,
          command.triggerPrice,
        );
        return;
      case 'cancelEntry':
        for (const tag of command.tags) this.later(this.ack, () => this.cancel(tag));
        return;
      case 'moveStop':
        this.moveStop(
          command.symbol,
          command.positionId,
          command.tag,
          command.side,
          command.stopPrice,
          command.quantity,
        );
        return;
    }
  }

  /** A price point traded. `sweep`: every price between the previous point and this one traded too. */
  onPrice(symbol: string, price: number, ts: number, size = Number.POSITIVE_INFINITY, sweep = false): void {
    // The book exists from the first print on: an order placed later starts from the last price.
    const book = this.books.get(symbol) ?? this.book(symbol);
    if (book === undefined) return;
    book.lastPrice = price;
    book.lastSweep = sweep;
    if (book.working.length === 0) return;
    // O(1) exit: nothing can trigger at this price.
    if (
      book.markets === 0 &&
      (this.touch ? price > book.maxBuyLimit : price >= book.maxBuyLimit) &&
      (this.touch ? price < book.minSellLimit : price <= book.minSellLimit) &&
      price > book.maxSellStop &&
      price < book.minBuyStop
    ) {
      return;
    }
    this.match(book, price, ts, size, sweep);
  }

  /** The last traded price without matching (a bar the replay skipped because nothing could fill in it). */
  mark(symbol: string, price: number): void {
    const book = this.books.get(symbol) ?? this.book(symbol);
    if (book !== undefined) {
      book.lastPrice = price;
      book.lastSweep = false;
    }
  }

  /**
   * True when no working order on the symbol can trigger at any price in [low, high] (the replay then
   * skips a bar's points). Pending acknowledgements and cancels are clock timers, checked by the caller.
   */
  quietBetween(symbol: string, low: number, high: number): boolean {
    const book = this.books.get(symbol);
    if (book === undefined || book.working.length === 0) return true;
    return (
      book.markets === 0 &&
      (this.touch ? low > book.maxBuyLimit : low >= book.maxBuyLimit) &&
      (this.touch ? high < book.minSellLimit : high <= book.minSellLimit) &&
      low > book.maxSellStop &&
      high < book.minBuyStop
    );
  }

  /**
   * Which extreme the adverse path visits first (path.ts): +1 the low, −1 the high, 0 neither.
   * An open position decides: long → the low first (its stop before its targets), short → the high.
   * Flat with only buy entries working → the high first: the price runs away before the entry fills,
   * so it fills at the low with no target left in the bar (low first would fill it and then climb its
   * ladder on the high). Only sell entries → the low first. Risk on both sides → 0 (bar direction).
   */
  exposure(symbol: string): Exposure {
    const book = this.books.get(symbol);
    if (book === undefined) return 0;
    const buys = book.maxBuyLimit > Number.NEGATIVE_INFINITY || book.pendingBuys > 0;
    const sells = book.minSellLimit < Number.POSITIVE_INFINITY || book.pendingSells > 0;
    if (book.position > 0) return sells ? 0 : 1;
    if (book.position < 0) return buys ? 0 : -1;
    return buys === sells ? 0 : buys ? -1 : 1;
  }

  /** Net contracts held on a symbol (+ long, − short). */
  position(symbol: string): number {
    return this.books.get(symbol)?.position ?? 0;
  }

  order(tag: string): Readonly<SimOrder> | undefined {
    return this.orders.get(tag);
  }

  /** Orders still pending or working. */
  openOrders(): readonly Readonly<SimOrder>[] {
    return [...this.orders.values()].filter((o) => o.state !== 'done');
  }

  private place(
    symbol: string,
    positionId: string,
    tag: string,
    side: OrderSide,
    kind: OrderKind,
    price: number,
    quantity: number,
    trigger?: number,
  ): void {
    const book = this.book(symbol);
    const reason =
      book === undefined
        ? `unknown symbol "${symbol}"`
        : this.orders.has(tag)
          ? `tag "${tag}" was already used; every order needs a new tag`
          : !Number.isInteger(quantity) || quantity <= 0
            ? `quantity ${quantity} must be a whole number of contracts ≥ 1`
            : kind !== 'market' && !(Number.isFinite(price) && isOnTickGrid(price, book.spec))
              ? `price ${price} is not on the ${book.spec.tickSize} tick grid of ${symbol}`
              : null;
    if (reason !== null || book === undefined) {
      this.reject(tag, reason ?? 'invalid order');
      return;
    }
    const order: SimOrder = {
      tag,
      orderId: `SIM-${this.nextOrderId++}`,
      symbol,
      positionId,
      side,
      kind,
      price,
      quantity,
      filled: 0,
      state: 'pending',
      ...(trigger === undefined ? {} : { trigger }),
    };
    this.orders.set(tag, order);
    if (side === 'buy') book.pendingBuys++;
    else book.pendingSells++;
    this.later(this.ack, () => this.accept(book, order));
  }

  private accept(book: Book, order: SimOrder): void {
    if (order.side === 'buy') book.pendingBuys--;
    else book.pendingSells--;
    if (order.state !== 'pending') return; // cancelled while in flight
    order.state = 'working';
    book.working.push(order);
    this.refresh(book);
    this.events$.next({
      type: 'order.accepted',
      ts: this.clock.now(),
      tag: order.tag,
      orderId: order.orderId,
    });
    this.matchOnArrival(book, order);
  }

  /** An order starts working: against the market as it is now (the last price), not a later one. */
  private matchOnArrival(book: Book, order: SimOrder): void {
    if (Number.isNaN(book.lastPrice)) return;
    this.match(book, book.lastPrice, this.clock.now(), Number.POSITIVE_INFINITY, false, order);
  }

  private moveStop(
    symbol: string,
    positionId: string,
    tag: string,
    side: OrderSide,
    stopPrice: number,
    quantity: number,
  ): void {
    const book = this.book(symbol);
    if (book === undefined) {
      this.reject(tag, `unknown symbol "${symbol}"`);
      return;
    }
    if (quantity !== 0 && (!Number.isInteger(quantity) || quantity < 0)) {
      this.reject(tag, `stop quantity ${quantity} must be a whole number of contracts ≥ 0`);
      return;
    }
    if (quantity > 0 && !(Number.isFinite(stopPrice) && isOnTickGrid(stopPrice, book.spec))) {
      this.reject(tag, `stop price ${stopPrice} is not on the ${book.spec.tickSize} tick grid of ${symbol}`);
      return;
    }
    this.later(this.ack, () => {
      const existing = this.stops.get(positionId);
      if (existing !== undefined && existing.state !== 'done' && existing.tag === tag && quantity > 0) {
        existing.price = stopPrice;
        existing.quantity = existing.filled + quantity;
        this.refresh(book);
        this.events$.next({ type: 'order.accepted', ts: this.clock.now(), tag, orderId: existing.orderId });
        this.matchOnArrival(book, existing);
        return;
      }
      if (existing !== undefined && existing.state !== 'done') this.finishCancel(existing);
      this.stops.delete(positionId);
      if (quantity === 0) return;
      if (this.orders.has(tag)) {
        this.reject(tag, `tag "${tag}" was already used; every order needs a new tag`, 0);
        return;
      }
      const order: SimOrder = {
        tag,
        orderId: `SIM-${this.nextOrderId++}`,
        symbol,
        positionId,
        side,
        kind: 'stop',
        price: stopPrice,
        quantity,
        filled: 0,
        state: 'working',
      };
      this.orders.set(tag, order);
      this.stops.set(positionId, order);
      book.working.push(order);
      this.refresh(book);
      this.events$.next({ type: 'order.accepted', ts: this.clock.now(), tag, orderId: order.orderId });
      this.matchOnArrival(book, order);
    });
  }

  private cancel(tag: string): void {
    const order = this.orders.get(tag);
    if (order === undefined) {
      this.reject(tag, `no order with tag "${tag}" to cancel`, 0);
      return;
    }
    if (order.state === 'done') {
      this.reject(
        tag,
        order.filled >= order.quantity
          ? `order "${tag}" is already filled`
          : `order "${tag}" is already cancelled`,
        0,
      );
      return;
    }
    this.finishCancel(order);
  }

  private finishCancel(order: SimOrder): void {
    const wasWorking = order.state === 'working';
    order.state = 'done';
    const book = this.books.get(order.symbol)!;
    if (wasWorking) {
      book.working = book.working.filter((o) => o !== order);
      this.refresh(book);
    }
    if (this.stops.get(order.positionId) === order) this.stops.delete(order.positionId);
    this.events$.next({
      type: 'order.cancelled',
      ts: this.clock.now(),
      tag: order.tag,
      orderId: order.orderId,
    });
  }

  /** Fill what `price` reaches; with `only`, just that order (one that starts working now). */
  private match(book: Book, price: number, ts: number, size: number, sweep: boolean, only?: SimOrder): void {
    const tick = book.spec.tickSize;
    const slip = this.slippage * tick;
    let printLeft = this.fromPrintSize ? size : Number.POSITIVE_INFINITY;
    let changed = false;
    for (const order of only === undefined ? book.working.slice() : [only]) {
      if (printLeft <= 0) break;
      if (order.state !== 'working') continue;
      let fillPrice: number;
      const buy = order.side === 'buy';
      if (order.kind === 'limit') {
        const crosses = buy
          ? this.touch
            ? price <= order.price
            : price < order.price
          : this.touch
            ? price >= order.price
            : price > order.price;
        if (!crosses) continue;
        fillPrice = sweep ? order.price : buy ? Math.min(order.price, price) : Math.max(order.price, price);
      } else if (order.kind === 'stop') {
        const triggers = buy ? price >= order.price : price <= order.price;
        if (!triggers) continue;
        const base = sweep ? order.price : price;
        fillPrice = buy ? base + slip : base - slip;
      } else {
        // A favourable exit swept through its level: the market was at the level when it was touched.
        const swept = (only === undefined ? sweep : book.lastSweep) && order.trigger !== undefined;
        const base = swept
          ? buy
            ? Math.max(price, order.trigger!)
            : Math.min(price, order.trigger!)
          : price;
        fillPrice = buy ? base + slip : base - slip;
      }
      fillPrice = Number((Math.round(fillPrice / tick) * tick).toFixed(book.spec.decimals));
      let wanted = order.quantity - order.filled;
      if (order.kind === 'market') {
        // closePosition flattens what is open and never reverses (the Broker port's contract):
        // a protective stop that filled first leaves less, or nothing, to close.
        const closable = buy ? Math.max(0, -book.position) : Math.max(0, book.position);
        if (closable === 0) {
          this.finishCancel(order);
          changed = true;
          continue;
        }
        wanted = Math.min(wanted, closable);
        if (wanted < order.quantity - order.filled) order.quantity = order.filled + wanted;
      }
      const quantity = Math.min(wanted, this.maxPerPoint, printLeft);
      printLeft -= quantity;
      order.filled += quantity;
      book.position += buy ? quantity : -quantity;
      if (order.filled >= order.quantity) {
        order.state = 'done';
        if (order.kind === 'stop' && this.stops.get(order.positionId) === order)
          this.stops.delete(order.positionId);
        changed = true;
      }
      const fees = Math.round(book.fee * quantity * 100) / 100;
      this.fills.push({
        ts,
        tag: order.tag,
        symbol: book.symbol,
        side: order.side,
        kind: order.kind,
        orderPrice: order.kind === 'market' ? null : order.price,
        market: price,
        price: fillPrice,
        quantity,
        fees,
      });
      const event: BrokerEvent = {
        type: 'order.filled',
        ts: ts + this.fillLatency,
        tag: order.tag,
        orderId: order.orderId,
        price: fillPrice,
        quantity,
        side: order.side,
        fees,
      };
      this.later(this.fillLatency, () => this.events$.next(event));
    }
    if (changed) {
      book.working = book.working.filter((o) => o.state === 'working');
      this.refresh(book);
    }
  }

  private refresh(book: Book): void {
    let maxBuyLimit = Number.NEGATIVE_INFINITY;
    let minSellLimit = Number.POSITIVE_INFINITY;
    let maxSellStop = Number.NEGATIVE_INFINITY;
    let minBuyStop = Number.POSITIVE_INFINITY;
    let markets = 0;
    for (const o of book.working) {
      if (o.kind === 'market') markets++;
      else if (o.kind === 'limit') {
        if (o.side === 'buy') maxBuyLimit = Math.max(maxBuyLimit, o.price);
        else minSellLimit = Math.min(minSellLimit, o.price);
      } else if (o.side === 'sell') maxSellStop = Math.max(maxSellStop, o.price);
      else minBuyStop = Math.min(minBuyStop, o.price);
    }
    book.maxBuyLimit = maxBuyLimit;
    book.minSellLimit = minSellLimit;
    book.maxSellStop = maxSellStop;
    book.minBuyStop = minBuyStop;
    book.markets = markets;
  }

  private book(symbol: string): Book | undefined {
    let book = this.books.get(symbol);
    if (book !== undefined) return book;
    const spec = this.lookup(symbol);
    if (spec === undefined) return undefined;
    book = {
      symbol,
      spec,
      fee: feePerSide(symbol, this.config.feesPerSide),
      working: [],
      maxBuyLimit: Number.NEGATIVE_INFINITY,
      minSellLimit: Number.POSITIVE_INFINITY,
      maxSellStop: Number.NEGATIVE_INFINITY,
      minBuyStop: Number.POSITIVE_INFINITY,
      markets: 0,
      position: 0,
      pendingBuys: 0,
      pendingSells: 0,
      lastPrice: Number.NaN,
      lastSweep: false,
    };
    this.books.set(symbol, book);
    return book;
  }

  private reject(tag: string, reason: string, delay = this.ack): void {
    this.later(delay, () =>
      this.events$.next({ type: 'order.rejected', ts: this.clock.now(), tag, reason, retryable: false }),
    );
  }

  private later(delay: number, fn: () => void): void {
    this.clock.setTimeout(fn, delay);
  }
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${name} must be a number ≥ 0, got ${value}`);
  return value;
}
