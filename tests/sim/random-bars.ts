/**
 * Random ES bars for property tests: moves and ranges drawn in ticks, on the ES grid, from
 * 2025-03-04 14:30 UTC (a Tuesday), one a minute. Shared by the fill-rule and reference properties.
 */
import fc from 'fast-check';
import type { BacktestAlert } from '../../sim/alerts.ts';
import { type BarSeries, parseBarsCsv } from '../../sim/csv.ts';

export const MIN = 60_000;
export const TICK = 0.25;
// Tuesday 2025-03-04 14:30 UTC.
export const T0 = Date.UTC(2025, 2, 4, 14, 30);

export interface RandomBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** Bars on the ES grid from a seed-free description: moves and ranges in ticks. */
export const barsArb = (min: number, max: number) =>
  fc
    .array(
      fc.record({
        gap: fc.integer({ min: -3, max: 3 }),
        move: fc.integer({ min: -12, max: 12 }),
        up: fc.integer({ min: 0, max: 8 }),
        down: fc.integer({ min: 0, max: 8 }),
      }),
      { minLength: min, maxLength: max },
    )
    .map((steps) => {
      const out: RandomBar[] = [];
      let last = 20_000; // ticks: 5000.00
      for (const s of steps) {
        const open = last + (out.length === 0 ? 0 : s.gap);
        const close = open + s.move;
        const high = Math.max(open, close) + s.up;
        const low = Math.min(open, close) - s.down;
        out.push({ open: open * TICK, high: high * TICK, low: low * TICK, close: close * TICK });
        last = close;
      }
      return out;
    });

/** The bars as a series, through the same CSV parser a backtest uses (volume varies by bar). */
export function barSeries(bars: readonly RandomBar[]): BarSeries {
  const rows = ['ts_utc,open,high,low,close,volume'];
  bars.forEach((b, i) => {
    rows.push(
      `${new Date(T0 + i * MIN).toISOString()},${b.open},${b.high},${b.low},${b.close},${100 + ((i * 37) % 300)}`,
    );
  });
  return parseBarsCsv(new TextEncoder().encode(`${rows.join('\n')}\n`), { tickSize: TICK });
}

/** Bars of value-area history before the first alert can come. */
export const HISTORY = 120;

/** Up to six alerts, each at the start of one of the 60 bars after the history. */
export const picksArb = fc.array(
  fc.record({
    bar: fc.integer({ min: 0, max: 59 }),
    action: fc.constantFrom('buy' as const, 'sell' as const, 'close' as const),
  }),
  { minLength: 1, maxLength: 6 },
);

/** The picks as backtest alerts, in time order (clamped to the last bar). */
export function randomAlerts(
  bars: readonly RandomBar[],
  picks: readonly { bar: number; action: 'buy' | 'sell' | 'close' }[],
): BacktestAlert[] {
  return picks
    .map((p, i) => ({
      ts: T0 + Math.min(bars.length - 1, HISTORY + p.bar) * MIN,
      symbol: 'ES',
      action: p.action,
      id: `a${i}`,
    }))
    .sort((a, b) => a.ts - b.ts || a.id.localeCompare(b.id));
}

/** A backtest from the end of the history with the clock guards off: only the path ends trades. */
export const randomRun = (closeAtTp3: boolean, slippageTicks: number) =>
  ({
    startTs: T0 + (HISTORY - 1) * MIN,
    exchange: { slippageTicks },
    settings: {
      cmeCalendar: false,
      flatByTime: '',
      noNewEntriesAfter: '',
      tradingWindowStart: '',
      tradingWindowEnd: '',
      cooldownMs: 0,
      closeAtTp3,
      stopSlippageTicks: slippageTicks,
    },
  }) as const;
