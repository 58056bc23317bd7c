import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BacktestAlert } from '../../sim/alerts.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { type BarSeries, parseBarsCsv } from '../../sim/csv.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { type BarHistory, historyBefore, type ReplayTarget, replay } from '../../sim/replay.ts';

const MIN = 60_000;
const T0 = Date.UTC(2020, 0, 6, 14, 0);

function makeBars(count: number): BarSeries {
  const rows = ['ts_utc,open,high,low,close,volume'];
  for (let i = 0; i < count; i++) {
    const base = 100 + (i % 7);
    rows.push(
      `${new Date(T0 + i * MIN).toISOString()},${base},${base + 1},${base - 1},${base + 0.5},${10 + i}`,
    );
  }
  return parseBarsCsv(new TextEncoder().encode(rows.join('\n')), { source: 'synthetic.csv' });
}

/** Records everything the replay hands over, and what each alert's history can reach. */
class RecordingTarget implements ReplayTarget {
  readonly log: string[] = [];
  readonly histories: { alert: BacktestAlert; history: BarHistory; now: number }[] = [];
  constructor(private readonly clock: VirtualClock) {}
  price(_symbol: string, price: number, ts: number): void {
    this.log.push(`price ${price} @${(ts - T0) / 1000}s now=${(this.clock.now() - T0) / 1000}`);
  }
  alert(alert: BacktestAlert, ts: number, history: BarHistory): void {
    this.log.push(`alert ${alert.action} @${(ts - T0) / 1000}s`);
    this.histories.push({ alert, history, now: ts });
  }
  finish(ts: number): void {
    this.log.push(`finish @${(ts - T0) / 1000}s`);
  }
}

const alertAt = (ts: number, action: BacktestAlert['action'] = 'buy'): BacktestAlert => ({
  ts,
  symbol: 'ES',
  action,
  id: `a${ts}`,
});

function run(bars: BarSeries, alerts: BacktestAlert[], lookbackMs = 60 * MIN) {
  const clock = new VirtualClock(T0);
  const exchange = new SimulatedExchange(clock);
  const target = new RecordingTarget(clock);
  const stats = replay({
    symbol: 'ES',
    bars,
    alerts,
    policy: 'direction',
    barMs: MIN,
    lookbackMs,
    clock,
    exchange,
    target,
  });
  return { target, stats, clock };
}

describe('replay', () => {
  it('delivers path points in time order with the clock at each point, and an alert before the points at or after it', () => {
    const { target } = run(makeBars(2), [alertAt(T0 + 20_000)]);
    expect(target.log.slice(0, 7)).toEqual([
      'price 100 @0s now=0',
      'price 99 @15s now=15',
      'alert buy @20s',
      'price 101 @30s now=30',
      'price 100.5 @59s now=59',
      'price 101 @60s now=60',
      'price 100 @75s now=75',
    ]);
    expect(target.log).toContain('finish @120s');
  });

  it('fires timers due before a price point first (timers before data)', () => {
    const clock = new VirtualClock(T0);
    const exchange = new SimulatedExchange(clock);
    const order: string[] = [];
    clock.setTimeout(() => order.push('timer@15s'), 15_000);
    const target: ReplayTarget = {
      price: (_s, p, ts) => order.push(`price ${p}@${(ts - T0) / 1000}s`),
      alert: () => {},
      finish: () => {},
    };
    replay({
      symbol: 'ES',
      bars: makeBars(1),
      alerts: [],
      policy: 'direction',
      barMs: MIN,
      lookbackMs: MIN,
      clock,
      exchange,
      target,
    });
    expect(order.slice(0, 3)).toEqual(['price 100@0s', 'timer@15s', 'price 99@15s']);
  });

  it('an alert sees only bars that closed at or before it, the last lookback of them: never a later bar (property)', () => {
    const bars = makeBars(300);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 * MIN }),
        fc.integer({ min: 1, max: 120 }),
        (offset, lookbackMinutes) => {
          const alertTs = T0 + offset;
          const { target } = run(bars, [alertAt(alertTs)], lookbackMinutes * MIN);
          const seen = target.histories[0];
          if (seen === undefined) return; // alerts after the data are not delivered
          const { history } = seen;
          for (let i = 0; i < history.length; i++) expect(history.ts[i]! + MIN).toBeLessThanOrEqual(alertTs);
          // The last `lookbackMinutes` completed bars, as the live bar book counts them.
          const expected = Array.from(bars.ts)
            .filter((t) => t + MIN <= alertTs)
            .slice(-lookbackMinutes);
          expect(Array.from(history.ts)).toEqual(expected);
          // The views cannot reach past their end: the backing buffer's later bars are out of range.
          expect(history.toBars().every((b) => b.ts + MIN <= alertTs)).toBe(true);
          expect(history.close[history.length]).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an alert at a bar open excludes that bar; mid-bar excludes the bar still forming', () => {
    const bars = makeBars(10);
    expect(historyBefore(bars, T0 + 5 * MIN, MIN, 60 * MIN).length).toBe(5);
    expect(historyBefore(bars, T0 + 5 * MIN + 30_000, MIN, 60 * MIN).length).toBe(5);
    expect(historyBefore(bars, T0 + 6 * MIN, MIN, 60 * MIN).length).toBe(6);
    expect(historyBefore(bars, T0, MIN, 60 * MIN).length).toBe(0);
  });

  it('changing bars after an alert does not change what the alert saw', () => {
    const a = makeBars(50);
    const b = makeBars(50);
    for (let i = 30; i < 50; i++) {
      b.close[i] = 1;
      b.low[i] = 0;
      b.volume[i] = 1e9;
    }
    const seenA = run(a, [alertAt(T0 + 30 * MIN)]).target.histories[0]!.history.toBars();
    const seenB = run(b, [alertAt(T0 + 30 * MIN)]).target.histories[0]!.history.toBars();
    expect(seenB).toEqual(seenA);
  });

  it('with a start time, earlier bars are history only: no prices or alerts before it', () => {
    const clock = new VirtualClock(T0);
    const exchange = new SimulatedExchange(clock);
    const target = new RecordingTarget(clock);
    const bars = makeBars(20);
    const stats = replay({
      symbol: 'ES',
      bars,
      alerts: [alertAt(T0 + 5 * MIN), alertAt(T0 + 12 * MIN)],
      policy: 'direction',
      barMs: MIN,
      lookbackMs: 60 * MIN,
      startTs: T0 + 10 * MIN,
      clock,
      exchange,
      target,
    });
    expect(stats.bars).toBe(10);
    expect(stats.alerts).toBe(1);
    expect(target.log[0]).toBe('price 103 @600s now=600');
    expect(target.histories[0]!.history.length).toBe(12);
  });

  it('skips alerts before the data and counts those delivered', () => {
    const { stats } = run(makeBars(5), [alertAt(T0 - MIN), alertAt(T0 + MIN), alertAt(T0 + 10 * MIN)]);
    expect(stats.alerts).toBe(1);
  });
});
