/**
 * Fills that cannot flatter (docs/backtest-fills.md), pinned on the case that once booked a profit
 * for a stop-out: an entry and its stop inside one bar, the bar's high after its low.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../sim/backtest.ts';
import { parseBarsCsv } from '../../sim/csv.ts';
import type { Bar } from '../../src/domain/types.ts';
import { valueAreaBars } from '../fixtures/value-area-bars.ts';

const MIN = 60_000;
// Tuesday 2025-03-04 15:00 UTC = 09:00 Chicago, inside the session.
const T = Date.UTC(2025, 2, 4, 15, 0);

function series(bars: readonly Bar[]) {
  const rows = ['ts_utc,open,high,low,close,volume'];
  for (const b of bars)
    rows.push(`${new Date(b.ts).toISOString()},${b.open},${b.high},${b.low},${b.close},${b.volume}`);
  return parseBarsCsv(new TextEncoder().encode(`${rows.join('\n')}\n`), { tickSize: 0.25 });
}

/** The value-area history (VAL 5004, long stop 5003), then `after` bars from T on. */
function run(
  after: readonly Omit<Bar, 'ts' | 'volume'>[],
  protectiveStops: 'broker' | 'local' = 'broker',
  alerts: { at: number; action: 'buy' | 'close' }[] = [{ at: 0, action: 'buy' }],
) {
  const bars = series([
    ...valueAreaBars(T, 240),
    ...after.map((b, i) => ({ ...b, ts: T + i * MIN, volume: 100 })),
  ]);
  return runBacktest({
    symbol: 'ES',
    bars,
    alerts: alerts.map((a, i) => ({
      ts: T + a.at * MIN - 1,
      symbol: 'ES',
      action: a.action,
      id: `pin-${i}`,
    })),
    barMs: MIN,
    protectiveStops,
    startTs: T - 5 * MIN,
    settings: { riskPerTrade: 330, cooldownMs: 0 },
  });
}

describe('honest fills: the pinned stop-out inside one bar', () => {
  it.each(['broker', 'local'] as const)(
    'an entry and its stop in one bar book the loss at the stop-out point, not a profit at the high (%s stops)',
    (mode) => {
      // The bar trades down through the entry (5004) and the stop (5003) to 5000, and up to 5021.
      const result = run(
        [
          { open: 5006, high: 5021, low: 5000, close: 5010 },
          { open: 5010, high: 5011, low: 5009, close: 5010 },
        ],
        mode,
      );
      expect(result.trades).toHaveLength(1);
      const trade = result.trades[0]!;
      expect(trade).toMatchObject({
        side: 'long',
        quantity: 5,
        entryPrice: 5004,
        exitReason: 'initial_stop',
      });
      // The adverse path for a pending buy visits the high first: the entry fills on the way to the low,
      // and the stop-out fills at the low (5000) less one tick of slippage.
      expect(trade.exitPrice).toBe(4999.75);
      expect(trade.netPnl).toBe(-1076.5); // (4999.75 − 5004) × $50 × 5 − 5 × $2.80
      // Before these rules the exit filled at the bar's high: 5020.75, +$4,173.50 labelled initial_stop.
      expect(trade.netPnl).toBeLessThan(0);
    },
  );

  it('a pending entry does not climb its ladder in the bar that fills it: the high comes before the low', () => {
    // The bar fills the entry (5004) on its low, 5003.50 (above the stop 5003), and reaches 5012 (past
    // TP1 5005 and TP3 5008); it closes below TP1. Low first would fill the entry and then climb the
    // ladder on the high, moving the stop to entry and beyond on prices traded before the fill.
    const result = run(
      [
        { open: 5006, high: 5012, low: 5003.5, close: 5004.75 },
        { open: 5004.75, high: 5004.75, low: 5004.5, close: 5004.75 },
        { open: 5004.75, high: 5004.75, low: 5004.5, close: 5004.75 },
        { open: 5004.75, high: 5004.75, low: 5004.5, close: 5004.75 },
      ],
      'broker',
      [
        { at: 0, action: 'buy' },
        { at: 2, action: 'close' },
      ],
    );
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]).toMatchObject({ entryPrice: 5004, highestTarget: 0, exitReason: 'close_alert' });
  });
});
