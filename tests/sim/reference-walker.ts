/**
 * An independent reference simulator, written from docs/backtest-fills.md (not from sim/exchange.ts,
 * sim/path.ts or machines/). It re-simulates the orders of a backtest journal (opens, closes,
 * cancels, flattens) bar by bar and derives every fill, the ladder and every exit itself.
 * Plain loops, no actors: one position per symbol, orders with a time from which they work.
 */
import type { JournalEntry } from '../../sim/journal.ts';
import type { OpenPositionRequest } from '../../src/domain/events.ts';
import { feePerSide } from '../../src/domain/fees.ts';
import { roundCents } from '../../src/domain/pnl.ts';

export interface WalkerBars {
  readonly length: number;
  readonly ts: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

export interface WalkerSettings {
  readonly slippageTicks?: number;
  readonly ackLatencyMs?: number;
  readonly fillOnTouch?: boolean;
  readonly barMs: number;
}

export interface ReferenceTrade {
  readonly positionId: string;
  readonly side: 'long' | 'short';
  readonly quantity: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly exitReason: string;
  readonly highestTarget: number;
  readonly grossPnl: number;
  readonly commissions: number;
  readonly netPnl: number;
}

type Kind = 'limit' | 'stop' | 'market';
interface Order {
  kind: Kind;
  buy: boolean;
  price: number;
  quantity: number;
  /** Works from this time (sent + latency). */
  worksAt: number;
  /** A cancel takes effect at this time. */
  cancelAt: number;
  done: boolean;
  role: 'entry' | 'stop' | 'exit';
  /** Favourable exit: the target level it was sent for. */
  level?: number;
  arrived?: boolean;
}

interface Position {
  id: string;
  symbol: string;
  long: boolean;
  plan: OpenPositionRequest['plan'];
  tickSize: number;
  tickValue: number;
  decimals: number;
  expiresAt: number;
  expirySent: boolean;
  closeAtTp3: boolean;
  orders: Order[];
  filled: number;
  exited: number;
  entryTicks: number;
  exitTicks: number;
  fees: number;
  rung: number;
  stop: number;
  /** Exit under way (market order sent or entry being cancelled) and why. */
  exiting: string | null;
  finished: boolean;
}

const INF = Number.POSITIVE_INFINITY;

export function referenceWalk(
  symbol: string,
  bars: WalkerBars,
  journal: readonly JournalEntry[],
  settings: WalkerSettings,
): ReferenceTrade[] {
  const ack = settings.ackLatencyMs ?? 50;
  const slipTicks = settings.slippageTicks ?? 1;
  const touch = settings.fillOnTouch ?? false;
  const fee = feePerSide(symbol);
  const trades: ReferenceTrade[] = [];
  let pos: Position | null = null;
  let last = Number.NaN;
  let lastWasSweep = false;
  const orders = journal.filter(
    (e) => e.kind === 'open' || e.kind === 'close' || e.kind === 'cancel' || e.kind === 'flatten',
  );
  let next = 0;

  // Read through a function: the closures above reassign it, which flow analysis cannot see.
  const live = (): Position | null => (pos && !pos.finished ? pos : null);
  const open = (p: Position) => p.filled - p.exited;
  const slip = (p: Position) => slipTicks * p.tickSize;
  const ticks = (p: Position, price: number) => Math.round(price / p.tickSize);
  const entriesWorking = (p: Position) => p.orders.filter((o) => o.role === 'entry' && !o.done);

  const finishIfDone = (p: Position) => {
    if (p.finished) return;
    if (entriesWorking(p).length > 0 || open(p) > 0) return;
    if (p.exiting === null && p.filled === 0) return;
    p.finished = true;
    for (const o of p.orders) o.done = true;
    if (p.filled > 0) {
      const dir = p.long ? 1 : -1;
      const t = dir * (p.exitTicks - (p.entryTicks / p.filled) * p.exited);
      const gross = roundCents(t * p.tickValue);
      const fees = roundCents(p.fees);
      const round = (v: number) => Number(v.toFixed(p.decimals + 4));
      trades.push({
        positionId: p.id,
        side: p.long ? 'long' : 'short',
        quantity: p.filled,
        entryPrice: round((p.entryTicks / p.filled) * p.tickSize),
        exitPrice: round((p.exitTicks / p.exited) * p.tickSize),
        exitReason: p.exiting ?? 'manual',
        highestTarget: p.rung,
        grossPnl: gross,
        commissions: fees,
        netPnl: roundCents(gross - fees),
      });
    }
  };

  const stopReason = (p: Position) =>
    ['initial_stop', 'stop_breakeven', 'stop_tp1', 'stop_tp2'][p.rung] ?? 'initial_stop';

  const cancel = (_p: Position, o: Order, ts: number) => {
    if (!o.done && o.cancelAt === INF) o.cancelAt = ts + ack;
  };

  const sendStop = (p: Position, ts: number) => {
    for (const o of p.orders) if (o.role === 'stop') cancel(p, o, ts);
    p.orders.push({
      kind: 'stop',
      buy: !p.long,
      price: p.stop,
      quantity: open(p),
      worksAt: ts + ack,
      cancelAt: INF,
      done: false,
      role: 'stop',
    });
  };

  /** The engine leaves at market: the protective stop is cancelled first. */
  const leave = (p: Position, reason: string, ts: number, level?: number) => {
    if (p.exiting !== null) return;
    p.exiting = reason;
    for (const o of p.orders) if (o.role !== 'exit') cancel(p, o, ts);
    if (open(p) > 0) sendExit(p, ts, level);
    else finishIfDone(p);
  };

  const sendExit = (p: Position, ts: number, level?: number) => {
    p.orders.push({
      kind: 'market',
      buy: !p.long,
      price: Number.NaN,
      quantity: open(p),
      worksAt: ts + ack,
      cancelAt: INF,
      done: false,
      role: 'exit',
      ...(level === undefined ? {} : { level }),
    });
  };

  const fill = (p: Position, o: Order, price: number, ts: number) => {
    const qty = o.role === 'entry' ? o.quantity : Math.min(o.quantity, open(p));
    o.done = true;
    if (qty <= 0) return;
    p.fees += fee * qty;
    if (o.role === 'entry') {
      p.filled += qty;
      p.entryTicks += ticks(p, price) * qty;
      if (p.exiting !== null) {
        // Filled while its cancel was in flight: the exit already asked for goes out now.
        for (const s of p.orders) if (s.role === 'exit' && !s.done) s.done = true;
        sendExit(p, ts);
      } else sendStop(p, ts);
    } else {
      p.exited += qty;
      p.exitTicks += ticks(p, price) * qty;
      if (o.role === 'stop' && p.exiting === null) p.exiting = stopReason(p);
      if (open(p) === 0) for (const s of p.orders) if (s.role === 'entry') cancel(p, s, ts);
    }
    void ts;
  };

  /** Arrival: an order that starts working is matched against the last traded price. */
  const arrive = (p: Position, o: Order, ts: number) => {
    if (o.done || Number.isNaN(last)) return;
    const s = slip(p);
    if (o.kind === 'market') {
      // A favourable exit after a sweep through its level fills at the level, not the sweep's far end.
      const price = o.level !== undefined && lastWasSweep ? o.level : last;
      fill(p, o, o.buy ? price + s : price - s, ts);
    } else if (o.kind === 'limit') {
      const marketable = o.buy
        ? touch
          ? last <= o.price
          : last < o.price
        : touch
          ? last >= o.price
          : last > o.price;
      if (marketable) fill(p, o, last, ts);
    } else {
      const through = o.buy ? last >= o.price : last <= o.price;
      if (through) fill(p, o, o.buy ? last + s : last - s, ts);
    }
  };

  /** Timers due at or before ts, in time order: cancels and arrivals. */
  const runTimers = (until: number) => {
    for (;;) {
      if (!pos || pos.finished) return;
      const p: Position = pos;
      let at = INF;
      // Messages reach the exchange in the order they were sent, each after the same latency: an
      // order always arrives before its own cancel (at the latest together with it, and first).
      for (const o of p.orders) {
        if (o.done) continue;
        at = Math.min(at, o.arrived ? o.cancelAt : o.worksAt);
      }
      if (at > until) return;
      for (const o of p.orders) {
        if (o.done) continue;
        if (!o.arrived && o.worksAt === at) {
          o.arrived = true;
          arrive(p, o, at);
        }
        if (!o.done && o.arrived && o.cancelAt === at) o.done = true;
      }
      finishIfDone(p);
    }
  };

  const onOrder = (e: JournalEntry) => {
    if (e.kind === 'open') {
      const r = e.request;
      if (r.symbol !== symbol) return;
      const p = pos && !pos.finished ? pos : null;
      const long = r.plan.side === 'long';
      if (p) {
        if (p.exiting !== null) return; // finishing: declined
        if (p.filled === 0) {
          if (p.long === long) {
            // Same side while pending: replace the entry (new plan, new legs).
            for (const o of p.orders) if (o.role === 'entry') cancel(p, o, e.ts);
            p.plan = r.plan;
            p.stop = r.plan.stopPrice;
            p.expiresAt = r.expiresAt;
            p.expirySent = false;
            for (const leg of r.plan.legs)
              p.orders.push(entryOrder(long, leg.price, leg.quantity, e.ts + ack));
          } else leave(p, 'opposing_alert', e.ts);
        } else if (p.long !== long) leave(p, 'opposing_alert', e.ts);
        return;
      }
      pos = {
        id: r.positionId,
        symbol: r.symbol,
        long,
        plan: r.plan,
        tickSize: r.instrument.tickSize,
        tickValue: r.instrument.tickValue,
        decimals: r.instrument.decimals,
        expiresAt: r.expiresAt,
        expirySent: false,
        closeAtTp3: r.closeAtTp3,
        orders: r.plan.legs.map((leg) => entryOrder(long, leg.price, leg.quantity, e.ts + ack)),
        filled: 0,
        exited: 0,
        entryTicks: 0,
        exitTicks: 0,
        fees: 0,
        rung: 0,
        stop: r.plan.stopPrice,
        exiting: null,
        finished: false,
      };
      return;
    }
    if (!pos || pos.finished) return;
    if (e.kind === 'close' || e.kind === 'flatten') {
      if (e.symbol !== undefined && e.symbol !== symbol) return;
      leave(pos, e.reason, e.ts);
    } else if (e.kind === 'cancel') {
      for (const o of pos.orders) if (o.role === 'entry') cancel(pos, o, e.ts);
      if (pos.filled === 0) pos.exiting = 'cancelled';
    }
  };

  /** Orders (journal entries) due before a point at ts: alerts at or before ts, flattens before ts. */
  const ordersUpTo = (ts: number, inclusiveFlatten: boolean) => {
    while (next < orders.length) {
      const e = orders[next]!;
      const due = e.kind === 'flatten' && !inclusiveFlatten ? e.ts < ts : e.ts <= ts;
      if (!due) return;
      runTimers(e.ts);
      onOrder(e);
      next++;
    }
  };

  const point = (price: number, ts: number, sweep: boolean) => {
    ordersUpTo(ts, false);
    runTimers(ts);
    const p = pos && !pos.finished ? pos : null;
    const prev = last;
    last = price;
    lastWasSweep = sweep;
    if (!p) return;
    // 2. The exchange matches the point.
    const s = slip(p);
    for (const o of p.orders) {
      if (o.done || !o.arrived) continue;
      if (o.kind === 'limit') {
        const hit = o.buy
          ? touch
            ? price <= o.price
            : price < o.price
          : touch
            ? price >= o.price
            : price > o.price;
        if (hit) fill(p, o, sweep ? o.price : price, ts);
      } else if (o.kind === 'stop') {
        const hit = o.buy ? price >= o.price : price <= o.price;
        if (hit) fill(p, o, (o.buy ? 1 : -1) * s + (sweep ? o.price : price), ts);
      } else {
        fill(p, o, o.buy ? price + s : price - s, ts);
      }
    }
    void prev;
    finishIfDone(p);
    if (p.finished) return;
    // 3. The engine sees the price.
    if (p.filled === 0 && p.exiting === null && !p.expirySent && ts >= p.expiresAt) {
      p.expirySent = true;
      p.exiting = 'expired';
      for (const o of p.orders) if (o.role === 'entry') cancel(p, o, ts);
    }
    if (open(p) > 0 && p.exiting === null) {
      const dir = p.long ? 1 : -1;
      if (dir * (price - p.stop) <= 0) {
        leave(p, stopReason(p), ts);
        return;
      }
      const targets = [p.plan.tp1, p.plan.tp2, p.plan.tp3];
      let rung = p.rung;
      for (let k = 0; k < 3; k++) if (dir * (price - targets[k]!) >= 0) rung = Math.max(rung, k + 1);
      if (rung > p.rung) {
        p.rung = rung;
        if (rung === 3 && p.closeAtTp3) {
          leave(p, 'target_tp3', ts, p.plan.tp3);
          return;
        }
        const avg = (p.entryTicks / p.filled) * p.tickSize;
        const onGrid = Math.round(avg / p.tickSize) * p.tickSize;
        p.stop = rung === 1 ? onGrid : targets[rung - 2]!;
        sendStop(p, ts);
      }
    }
    ordersUpTo(ts, true);
  };

  // The clock second at or after a deadline: entries expire there even between points.
  const expireUpTo = (ts: number) => {
    const p = pos && !pos.finished ? pos : null;
    if (!p || p.filled > 0 || p.exiting !== null || p.expirySent) return;
    const at = Math.ceil(p.expiresAt / 1000) * 1000;
    if (at < ts) {
      runTimers(at);
      if (pos !== p || p.finished || p.exiting !== null) return;
      p.expirySent = true;
      p.exiting = 'expired';
      for (const o of p.orders) if (o.role === 'entry') cancel(p, o, at);
    }
  };

  const d = settings.barMs;
  const offsets = [0, d / 4, d / 2, d - d / 60];
  const start = orders.length > 0 ? orders[0]!.ts : INF;
  for (let i = 0; i < bars.length; i++) {
    const ts = bars.ts[i]!;
    if (ts + d <= start && i + 1 < bars.length && bars.ts[i + 1]! + d <= start) {
      last = bars.close[i]!;
      continue;
    }
    ordersUpTo(ts - 1e-9, true);
    ordersUpTo(ts, false);
    expireUpTo(ts);
    const o = bars.open[i]!;
    const h = bars.high[i]!;
    const l = bars.low[i]!;
    const c = bars.close[i]!;
    // Which extreme first: against what is at risk at the bar's start.
    let exposure = 0;
    const p = live();
    if (p) {
      if (p.filled - p.exited > 0) exposure = p.long ? 1 : -1;
      else if (entriesWorking(p).length > 0) exposure = p.long ? 1 : -1;
    }
    const lowFirst = exposure === 1 ? true : exposure === -1 ? false : c >= o;
    // Flat with entries working: the extreme away from the entry first (mirrored from an open position).
    const flatEntries = p !== null && p.filled - p.exited === 0 && exposure !== 0;
    const lowFirstFinal = flatEntries ? !lowFirst : lowFirst;
    const prices = lowFirstFinal ? [o, l, h, c] : [o, h, l, c];
    let prev = Number.NaN;
    for (let k = 0; k < 4; k++) {
      const price = prices[k]!;
      if (k > 0 && price === prev) continue;
      expireUpTo(ts + offsets[k]!);
      point(price, ts + offsets[k]!, k > 0);
      prev = price;
    }
  }
  // The end of the run: the remaining orders (the final flatten), then the clock runs on.
  const end = bars.length > 0 ? bars.ts[bars.length - 1]! + d : 0;
  expireUpTo(end);
  ordersUpTo(INF, true);
  runTimers(end + 60_000);
  return trades;
}

function entryOrder(buy: boolean, price: number, quantity: number, worksAt: number): Order {
  return { kind: 'limit', buy, price, quantity, worksAt, cancelAt: INF, done: false, role: 'entry' };
}
