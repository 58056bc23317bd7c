/**
 * The replay loop: market data in time order, alerts at their time, timers before data.
 *
 * For every price point: `clock.advanceTo(ts)` (due timers fire first), `exchange.onPrice(...)` (fills),
 * `clock.flush()` (zero-latency replies go out now), then `target.price(...)` hands the price to the
 * engine. An alert at time T is delivered before the first price point at or after T, with a
 * BarHistory that holds only bars that closed at or before T (bar open + bar length ≤ T) inside the
 * lookback: no later bar is reachable from it.
 */
import type { Bar } from '../src/domain/types.ts';
import type { BacktestAlert } from './alerts.ts';
import type { VirtualClock } from './clock.ts';
import { type BarSeries, lowerBound, type TickSeries } from './csv.ts';
import type { SimulatedExchange } from './exchange.ts';
import { barPath, PathBuffer, type PathPolicy, slotOffsets } from './path.ts';

/** The completed bars before an alert, as read-only column views (no access past the alert). */
export interface BarHistory {
  readonly length: number;
  readonly barMs: number;
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** The same bars as objects (what src/domain/profile.ts takes). */
  toBars(): Bar[];
}

/** What the replay drives: the engine runtime in a backtest, or a test double. */
export interface ReplayTarget {
  price(symbol: string, price: number, ts: number): void;
  alert(alert: BacktestAlert, ts: number, history: BarHistory): void;
  /**
   * Optional: true when no price in [low, high] at times before `untilTs` can change anything in the
   * target (its routing band). Lets the replay skip the points of a quiet bar; the target then gets
   * only the bar's close, so its last price stays right.
   */
  quietBetween?(symbol: string, low: number, high: number, untilTs: number): boolean;
  /** End of data: flatten, settle. Prices keep coming for a short settling period after this. */
  finish(ts: number): void;
}

export interface ReplayInput {
  readonly symbol: string;
  /** Bars for prices (unless ticks are given) and for every alert's history. */
  readonly bars: BarSeries;
  /** Prints: with policy 'ticks' they replace the bar path inside the bars they cover. */
  readonly ticks?: TickSeries;
  readonly alerts: readonly BacktestAlert[];
  readonly policy: PathPolicy;
  readonly barMs: number;
  /** History window before each alert, ms. */
  readonly lookbackMs: number;
  /** Replay from this time; earlier bars serve only as history for the first alerts. */
  readonly startTs?: number;
  readonly clock: VirtualClock;
  readonly exchange: SimulatedExchange;
  readonly target: ReplayTarget;
  /**
   * Skip the points of a bar when nothing can happen inside it: no alert and no timer before its
   * close, no order that can trigger within [low, high], and the target says the bar is inside its
   * band. Exactly equivalent to delivering every point (tested); default true.
   */
  readonly skipQuietBars?: boolean;
  /** Called every ~1% of bars. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ReplayStats {
  readonly bars: number;
  readonly ticks: number;
  readonly pricePoints: number;
  /** Bars whose points were skipped because nothing could happen inside them. */
  readonly quietBars: number;
  readonly alerts: number;
  readonly firstTs: number;
  readonly endTs: number;
}

export function historyBefore(bars: BarSeries, ts: number, barMs: number, lookbackMs: number): BarHistory {
  // Bars that closed by ts (open time ≤ ts − barMs), the last lookback ÷ barMs of them, as the live
  // bar book counts them (src/runtime/bar-book.ts: the last `minutes` one-minute bars).
  const end = lowerBound(bars.ts, bars.length, ts - barMs + 1);
  const start = Math.max(0, end - Math.max(0, Math.round(lookbackMs / barMs)));
  const view = {
    length: end - start,
    barMs,
    ts: bars.ts.subarray(start, end),
    open: bars.open.subarray(start, end),
    high: bars.high.subarray(start, end),
    low: bars.low.subarray(start, end),
    close: bars.close.subarray(start, end),
    volume: bars.volume.subarray(start, end),
  };
  return {
    ...view,
    toBars(): Bar[] {
      const out: Bar[] = new Array(view.length);
      for (let i = 0; i < view.length; i++) {
        out[i] = {
          ts: view.ts[i]!,
          open: view.open[i]!,
          high: view.high[i]!,
          low: view.low[i]!,
          close: view.close[i]!,
          volume: view.volume[i]!,
        };
      }
      return out;
    },
  };
}

/**
 * The profile history of one bar series, built once per (first bar, last bar) and handed out as the
 * same frozen array every time: the lab's cells in one worker ask for the same windows over and over.
 * Series that share the cache's buffer (the lab's window slices all start at its first bar) share the
 * entries. (The profiles themselves are not memoised: computeProfile is about 2% of a cell, and
 * keeping every window's profile for every option set cost more memory than it saved time.)
 */
export class HistoryCache {
  private readonly entries = new Map<number, readonly Bar[]>();
  private readonly buffer: ArrayBufferLike;
  private readonly offset: number;
  private held = 0;
  constructor(
    series: BarSeries,
    /** Bars kept at most, over every window (about 100 bytes each); beyond it windows are built, not kept. */
    private readonly limit = 1_000_000,
  ) {
    this.buffer = series.ts.buffer;
    this.offset = series.ts.byteOffset;
  }

  barsBefore(bars: BarSeries, ts: number, barMs: number, lookbackMs: number): readonly Bar[] {
    const history = historyBefore(bars, ts, barMs, lookbackMs);
    // Only a series that starts where the cache's does has the same bar at the same index.
    if (bars.ts.buffer !== this.buffer || bars.ts.byteOffset !== this.offset) return history.toBars();
    const start = (history.ts.byteOffset - this.offset) / 8;
    const key = start * 4_294_967_296 + history.length;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const built = Object.freeze(history.toBars());
    if (this.held + built.length <= this.limit) {
      this.entries.set(key, built);
      this.held += built.length;
    }
    return built;
  }
}

/** Settling period after the data ends: the last price repeats so market exits can fill. */
const SETTLE_POINTS = 5;
const SETTLE_STEP_MS = 1000;

export function replay(input: ReplayInput): ReplayStats {
  const { symbol, bars, ticks, alerts, policy, barMs, lookbackMs, clock, exchange, target } = input;
  const path = new PathBuffer();
  let alertIndex = 0;
  let pricePoints = 0;
  let ticksUsed = 0;
  let tickIndex = 0;
  const progressStep = Math.max(1, Math.floor(bars.length / 100));
  const skipQuiet = input.skipQuietBars ?? true;
  const quiet = target.quietBetween;
  const closeOffset = slotOffsets(barMs)[3];
  let skippedBars = 0;
  let lastPrice = Number.NaN;
  let lastTs = bars.length > 0 ? bars.ts[0]! : 0;

  const deliverAlertsUpTo = (ts: number) => {
    while (alertIndex < alerts.length && alerts[alertIndex]!.ts <= ts) {
      const alert = alerts[alertIndex++]!;
      if (alert.ts > clock.now()) clock.advanceTo(alert.ts);
      target.alert(alert, clock.now(), historyBefore(bars, alert.ts, barMs, lookbackMs));
    }
  };
  const deliver = (price: number, ts: number, size: number, sweep: boolean) => {
    deliverAlertsUpTo(ts);
    clock.advanceTo(ts);
    exchange.onPrice(symbol, price, ts, size, sweep);
    clock.flush();
    target.price(symbol, price, ts);
    pricePoints++;
    lastPrice = price;
    lastTs = ts;
  };

  // Skip alerts before the data: they have no history and no price.
  const startIndex = input.startTs === undefined ? 0 : lowerBound(bars.ts, bars.length, input.startTs);
  const firstTs =
    startIndex < bars.length
      ? bars.ts[startIndex]!
      : ticks && ticks.length > 0
        ? ticks.ts[0]!
        : (input.startTs ?? 0);
  while (alertIndex < alerts.length && alerts[alertIndex]!.ts < firstTs) alertIndex++;
  const skipped = alertIndex;
  if (firstTs > clock.now()) clock.advanceTo(firstTs);

  for (let i = startIndex; i < bars.length; i++) {
    const barTs = bars.ts[i]!;
    const barEnd = barTs + barMs;
    deliverAlertsUpTo(barTs);
    if (policy === 'ticks' && ticks !== undefined) {
      while (tickIndex < ticks.length && ticks.ts[tickIndex]! < barTs) tickIndex++;
      if (tickIndex < ticks.length && ticks.ts[tickIndex]! < barEnd) {
        while (tickIndex < ticks.length && ticks.ts[tickIndex]! < barEnd) {
          // Consecutive prints within a bar: the market passed the prices between them.
          deliver(ticks.price[tickIndex]!, ticks.ts[tickIndex]!, ticks.size[tickIndex]!, ticksUsed > 0);
          tickIndex++;
          ticksUsed++;
        }
        if (i % progressStep === 0) input.onProgress?.(i, bars.length);
        continue;
      }
    }
    if (skipQuiet) {
      const closeTs = barTs + closeOffset;
      const low = bars.low[i]!;
      const high = bars.high[i]!;
      if (
        (alertIndex >= alerts.length || alerts[alertIndex]!.ts > closeTs) &&
        clock.nextDueAt() > closeTs &&
        exchange.quietBetween(symbol, low, high) &&
        quiet?.call(target, symbol, low, high, closeTs)
      ) {
        clock.advanceTo(closeTs);
        const close = bars.close[i]!;
        // The market is at the close now: an order arriving later starts from this price.
        exchange.mark(symbol, close);
        target.price(symbol, close, closeTs);
        lastPrice = close;
        lastTs = closeTs;
        skippedBars++;
        if (i % progressStep === 0) input.onProgress?.(i, bars.length);
        continue;
      }
    }
    const n = barPath(
      policy === 'direction' ? 'direction' : 'conservative',
      barTs,
      bars.open[i]!,
      bars.high[i]!,
      bars.low[i]!,
      bars.close[i]!,
      barMs,
      policy === 'direction' ? 0 : exchange.exposure(symbol),
      path,
    );
    for (let k = 0; k < n; k++)
      deliver(path.price[k]!, path.ts[k]!, Number.POSITIVE_INFINITY, path.sweep[k] === 1);
    if (i % progressStep === 0) input.onProgress?.(i, bars.length);
  }

  const endTs = bars.length > 0 ? bars.ts[bars.length - 1]! + barMs : lastTs;
  deliverAlertsUpTo(endTs - 1);
  const delivered = alertIndex - skipped;
  clock.advanceTo(Math.max(endTs, clock.now()));
  target.finish(clock.now());
  if (!Number.isNaN(lastPrice)) {
    for (let k = 1; k <= SETTLE_POINTS; k++) {
      const ts = endTs + k * SETTLE_STEP_MS;
      clock.advanceTo(ts);
      exchange.onPrice(symbol, lastPrice, ts, Number.POSITIVE_INFINITY, false);
      clock.flush();
      target.price(symbol, lastPrice, ts);
    }
  }
  input.onProgress?.(bars.length, bars.length);
  return {
    bars: bars.length - startIndex,
    ticks: ticksUsed,
    pricePoints,
    quietBars: skippedBars,
    alerts: delivered,
    firstTs,
    endTs,
  };
}

/** One-minute (or any) bars from prints, for history when only ticks are given. */
export function barsFromTicks(ticks: TickSeries, barMs: number): BarSeries {
  const ts: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  for (let i = 0; i < ticks.length; i++) {
    const t = Math.floor(ticks.ts[i]! / barMs) * barMs;
    const p = ticks.price[i]!;
    const last = ts.length - 1;
    if (last >= 0 && ts[last] === t) {
      if (p > high[last]!) high[last] = p;
      if (p < low[last]!) low[last] = p;
      close[last] = p;
      volume[last] = volume[last]! + ticks.size[i]!;
    } else {
      ts.push(t);
      open.push(p);
      high.push(p);
      low.push(p);
      close.push(p);
      volume.push(ticks.size[i]!);
    }
  }
  return {
    kind: 'bars',
    source: ticks.source,
    length: ts.length,
    ts: Float64Array.from(ts),
    open: Float64Array.from(open),
    high: Float64Array.from(high),
    low: Float64Array.from(low),
    close: Float64Array.from(close),
    volume: Float64Array.from(volume),
  };
}
