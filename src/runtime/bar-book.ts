/**
 * One-minute bars per symbol, built from ticks and seeded with history, for the entry profile.
 * `barsBefore` returns only bars that closed before the given time: an alert never sees the bar it
 * fired in (no look-ahead, live as in the backtest).
 */
import type { Bar } from '../domain/types.ts';

const MINUTE = 60_000;

export class BarBook {
  private readonly completed = new Map<string, Bar[]>();
  private readonly forming = new Map<
    string,
    { ts: number; open: number; high: number; low: number; close: number; volume: number }
  >();

  constructor(private readonly maxBars = 24 * 60) {}

  /** Add history (time-ordered 1m bars), e.g. from retrieveBars or a CSV. */
  seed(symbol: string, bars: readonly Bar[]): void {
    const list = this.list(symbol);
    for (const bar of bars) {
      const last = list.at(-1);
      if (last && bar.ts <= last.ts) continue;
      list.push(bar);
    }
    this.trim(list);
  }

  onTick(symbol: string, price: number, ts: number, size = 1): void {
    const minute = Math.floor(ts / MINUTE) * MINUTE;
    const bar = this.forming.get(symbol);
    if (bar && bar.ts === minute) {
      if (price > bar.high) bar.high = price;
      if (price < bar.low) bar.low = price;
      bar.close = price;
      bar.volume += size;
      return;
    }
    if (bar && minute > bar.ts) {
      const list = this.list(symbol);
      list.push({ ...bar });
      this.trim(list);
    }
    if (!bar || minute > bar.ts) {
      this.forming.set(symbol, {
        ts: minute,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: size,
      });
    }
  }

  /** Completed bars that closed at or before `ts`, the last `minutes` of them. */
  barsBefore(symbol: string, ts: number, minutes: number): Bar[] {
    const list = this.completed.get(symbol) ?? [];
    let end = list.length;
    while (end > 0 && (list[end - 1]?.ts ?? 0) + MINUTE > ts) end--;
    const from = Math.max(0, end - minutes);
    const bars = list.slice(from, end);
    const forming = this.forming.get(symbol);
    // The forming bar counts once its minute is over (no tick has rolled it yet).
    if (forming && forming.ts + MINUTE <= ts && (bars.at(-1)?.ts ?? -1) < forming.ts)
      bars.push({ ...forming });
    return bars.length > minutes ? bars.slice(bars.length - minutes) : bars;
  }

  lastBar(symbol: string): Bar | undefined {
    return this.completed.get(symbol)?.at(-1);
  }

  private list(symbol: string): Bar[] {
    let list = this.completed.get(symbol);
    if (!list) {
      list = [];
      this.completed.set(symbol, list);
    }
    return list;
  }

  private trim(list: Bar[]): void {
    if (list.length > this.maxBars * 1.5) list.splice(0, list.length - this.maxBars);
  }
}
