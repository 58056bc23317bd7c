/**
 * Fill rules that cannot flatter (docs/backtest-fills.md), stated as invariants over random bar
 * sequences: on the simulated exchange alone (random orders), and on whole backtests (random alerts
 * through the engine). Every fill is checked against the order it filled and the bar it filled in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../sim/backtest.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { type FillRecord, SimulatedExchange } from '../../sim/exchange.ts';
import { barPath, PathBuffer } from '../../sim/path.ts';
import {
  barSeries,
  barsArb,
  HISTORY,
  MIN,
  picksArb,
  type RandomBar,
  randomAlerts,
  randomRun,
  T0,
  TICK,
} from './random-bars.ts';

const SLIP = 1;

/** The rules every fill obeys, whatever sent the order. */
function checkFill(f: FillRecord, bar: RandomBar): void {
  const slip = SLIP * TICK;
  const buy = f.side === 'buy';
  if (f.kind === 'limit') {
    // Inside the bar, never better than the limit unless the market itself was better (at the market).
    expect(f.price).toBeGreaterThanOrEqual(bar.low);
    expect(f.price).toBeLessThanOrEqual(bar.high);
    const limit = f.orderPrice!;
    if (buy) expect(f.price).toBeLessThanOrEqual(limit);
    else expect(f.price).toBeGreaterThanOrEqual(limit);
    if (f.price !== limit) expect(f.price).toBe(f.market);
  } else {
    // Stops and markets: inside the bar but for the slippage charged against them.
    expect(f.price).toBeGreaterThanOrEqual(bar.low - slip);
    expect(f.price).toBeLessThanOrEqual(bar.high + slip);
    if (f.kind === 'stop') {
      // Never better than the stop: at the stop less slippage, or worse.
      if (buy) expect(f.price).toBeGreaterThanOrEqual(f.orderPrice! + slip);
      else expect(f.price).toBeLessThanOrEqual(f.orderPrice! - slip);
    } else if (buy) expect(f.price).toBeGreaterThanOrEqual(f.market + slip - 1e-9);
    else expect(f.price).toBeLessThanOrEqual(f.market - slip + 1e-9);
  }
}

const barAt = (bars: readonly RandomBar[], ts: number, t0: number) =>
  bars[Math.min(bars.length - 1, Math.floor((ts - t0) / MIN))]!;

describe('fill rules on the simulated exchange (property)', () => {
  it('no fill outside its bar, no limit better than its limit but at the market, no stop better than its stop', () => {
    const orderArb = fc.record({
      kind: fc.constantFrom('limit', 'stop', 'market'),
      side: fc.constantFrom('buy', 'sell'),
      offset: fc.integer({ min: -10, max: 10 }),
      quantity: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(
        barsArb(4, 24),
        fc.array(fc.array(orderArb, { maxLength: 2 }), { minLength: 24, maxLength: 24 }),
        (bars, orders) => {
          const clock = new VirtualClock(T0);
          const exchange = new SimulatedExchange(clock, { slippageTicks: SLIP });
          const path = new PathBuffer();
          let seq = 0;
          bars.forEach((bar, i) => {
            const ts = T0 + i * MIN;
            clock.advanceTo(ts);
            for (const o of orders[i]!) {
              const positionId = `p${seq++}`;
              const ref = i === 0 ? bar.open : bars[i - 1]!.close;
              const price = ref + o.offset * TICK;
              const common = { positionId, accountId: 'A', symbol: 'ES', contractId: 'ES', ts } as const;
              if (o.kind === 'limit')
                exchange.execute({
                  ...common,
                  type: 'placeEntry',
                  signalId: positionId,
                  side: o.side as 'buy' | 'sell',
                  legs: [{ tag: `${positionId}-e0`, price, quantity: o.quantity }],
                  stopPrice: price,
                });
              else if (o.kind === 'stop')
                exchange.execute({
                  ...common,
                  type: 'moveStop',
                  side: o.side as 'buy' | 'sell',
                  stopPrice: price,
                  quantity: o.quantity,
                  tag: `${positionId}-s1`,
                });
              else
                exchange.execute({
                  ...common,
                  type: 'closePosition',
                  side: o.side as 'buy' | 'sell',
                  quantity: o.quantity,
                  tag: `${positionId}-x1`,
                  reason: 'manual',
                });
            }
            const n = barPath(
              'conservative',
              ts,
              bar.open,
              bar.high,
              bar.low,
              bar.close,
              MIN,
              exchange.exposure('ES'),
              path,
            );
            for (let k = 0; k < n; k++) {
              clock.advanceTo(path.ts[k]!);
              exchange.onPrice(
                'ES',
                path.price[k]!,
                path.ts[k]!,
                Number.POSITIVE_INFINITY,
                path.sweep[k] === 1,
              );
              clock.flush();
            }
          });
          for (const f of exchange.fills) checkFill(f, barAt(bars, f.ts, T0));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

/** Whole backtests: the value-area history (random too), then random alerts at bar starts. */
describe('fill rules on whole backtests (property)', () => {
  it('stop exits never beat their stop, fills stay in their bar, and a trade inside one bar profits only past a target', () => {
    let trades = 0;
    let sameBar = 0;
    fc.assert(
      fc.property(barsArb(HISTORY + 20, HISTORY + 60), picksArb, fc.boolean(), (bars, picks, closeAtTp3) => {
        const result = runBacktest({
          symbol: 'ES',
          bars: barSeries(bars),
          alerts: randomAlerts(bars, picks),
          barMs: MIN,
          ...randomRun(closeAtTp3, SLIP),
        });
        for (const f of result.fills) checkFill(f, barAt(bars, f.ts, T0));
        for (const t of result.trades) {
          trades++;
          const dir = t.side === 'long' ? 1 : -1;
          if (t.exitReason === 'initial_stop')
            expect(dir * (t.initialStop - t.exitPrice)).toBeGreaterThanOrEqual(SLIP * TICK - 1e-9);
          const entryBar = Math.floor((t.entryTime - T0) / MIN);
          const exitBar = Math.floor((t.exitTime - T0) / MIN);
          if (entryBar === exitBar) {
            sameBar++;
            // Alerts come at bar starts and the clock guards are off: only the path ends it here.
            if (t.grossPnl > 0) expect(t.highestTarget).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 1_000 },
    );
    // The cases mean something: trades happened, some inside one bar.
    expect(trades).toBeGreaterThan(100);
    expect(sameBar).toBeGreaterThan(5);
  });
});
