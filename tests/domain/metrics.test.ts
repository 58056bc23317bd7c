import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeMetrics,
  dayLabel,
  EXIT_REASONS,
  formatProfitFactor,
  globexDayNumber,
  MetricsInputError,
  sharpeRatio,
  sortinoRatio,
  type TradeLike,
} from '../../src/domain/metrics.ts';
import { tradingDayId } from '../../src/domain/session-time.ts';
import type { ExitReason, Side } from '../../src/domain/types.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const utc = (text: string) => Date.parse(text);

function trade(
  positionId: string,
  side: Side,
  quantity: number,
  entryPrice: number,
  exitPrice: number,
  initialStop: number,
  commissions: number,
  entryTime: number,
  exitTime: number,
  exitReason: ExitReason,
  highestTarget: number,
): TradeLike {
  const direction = side === 'long' ? 1 : -1;
  const netPnl = (exitPrice - entryPrice) * direction * quantity * 50 - commissions;
  return {
    positionId,
    symbol: 'ES',
    side,
    quantity,
    entryPrice,
    exitPrice,
    entryTime,
    exitTime,
    netPnl,
    commissions,
    exitReason,
    highestTarget,
    initialStop,
    pointValue: 50,
  };
}

// January 2024: Chicago is UTC−6, so the Globex day turns at 23:00 UTC.
// The span: Sunday 2024-01-07 17:00 CT to Friday 2024-01-12 17:00 CT = trading days Mon 8 … Fri 12.
const from = utc('2024-01-07T23:00:00Z');
const to = utc('2024-01-12T23:00:00Z');
const t1 = trade(
  'p1',
  'long',
  2,
  4700,
  4702,
  4699,
  10,
  utc('2024-01-08T15:00:00Z'),
  utc('2024-01-08T16:00:00Z'),
  'stop_tp1',
  2,
); // +190, R 1.9
// Closes Monday 17:30 CT: that is Tuesday's Globex day.
const t2 = trade(
  'p2',
  'short',
  1,
  4710,
  4712,
  4712,
  5,
  utc('2024-01-08T23:10:00Z'),
  utc('2024-01-08T23:30:00Z'),
  'initial_stop',
  0,
); // −105, R −1.05
const t3 = trade(
  'p3',
  'long',
  1,
  4720,
  4720,
  4718,
  5,
  utc('2024-01-10T14:00:00Z'),
  utc('2024-01-10T15:00:00Z'),
  'stop_breakeven',
  1,
); // −5, R −0.05
const t4 = trade(
  'p4',
  'long',
  1,
  4730,
  4730,
  4729,
  0,
  utc('2024-01-11T15:00:00Z'),
  utc('2024-01-11T15:30:00Z'),
  'manual',
  0,
); // 0 (scratch)
const cancelled = trade('p5', 'long', 0, 4740, 4740, 4739, 0, 0, 0, 'manual', 0);
const t6 = trade(
  'p6',
  'long',
  3,
  4740,
  4744,
  4739,
  15,
  utc('2024-01-12T14:00:00Z'),
  utc('2024-01-12T20:00:00Z'),
  'target_tp3',
  3,
); // +585, R 3.9

describe('computeMetrics on a hand-computed week', () => {
  // Given out of order: the module sorts by exit time.
  const m = computeMetrics([t6, t2, cancelled, t1, t4, t3], {
    startingBalance: 10_000,
    from,
    to,
    cancelledEntries: 1,
  });

  it('counts trades, cancelled entries, wins, losses and scratches', () => {
    expect([m.trades, m.cancelledEntries, m.wins, m.losses, m.scratches]).toEqual([5, 2, 2, 2, 1]);
    expect(m.winRate).toBe(0.5);
  });

  it('sums gross profit and loss, profit factor, net, expectancy in $ and R, averages and payoff', () => {
    expect(m.grossProfit).toBe(775);
    expect(m.grossLoss).toBe(110);
    expect(m.profitFactor).toBeCloseTo(775 / 110, 12);
    expect(m.totalNetPnl).toBe(665);
    expect(m.averageNetPnl).toBe(133);
    expect(m.expectancy).toBe(133);
    expect(m.expectancyR).toBeCloseTo((1.9 - 1.05 - 0.05 + 0 + 3.9) / 5, 12);
    expect(m.averageWin).toBe(387.5);
    expect(m.averageLoss).toBe(-55);
    expect(m.payoffRatio).toBeCloseTo(387.5 / 55, 12);
    expect(m.totalCommissions).toBe(35);
    expect(m.startingBalance).toBe(10_000);
    expect(m.endingBalance).toBe(10_665);
  });

  it('draws the equity curve at each close and finds the max drawdown from its peak', () => {
    expect(m.equityCurve).toEqual([
      { ts: from, equity: 10_000 },
      { ts: t1.exitTime, equity: 10_190 },
      { ts: t2.exitTime, equity: 10_085 },
      { ts: t3.exitTime, equity: 10_080 },
      { ts: t4.exitTime, equity: 10_080 },
      { ts: t6.exitTime, equity: 10_665 },
    ]);
    expect(m.maxDrawdown).toBe(110);
    expect(m.maxDrawdownPercent).toBeCloseTo((110 / 10_190) * 100, 12);
  });

  it('books daily returns on the 17:00–17:00 Chicago day, empty days as 0', () => {
    expect(m.dailyReturns).toEqual([
      { day: '2024-01-08', netPnl: 190, startEquity: 10_000, return: 0.019 },
      { day: '2024-01-09', netPnl: -105, startEquity: 10_190, return: -105 / 10_190 },
      { day: '2024-01-10', netPnl: -5, startEquity: 10_085, return: -5 / 10_085 },
      { day: '2024-01-11', netPnl: 0, startEquity: 10_080, return: 0 },
      { day: '2024-01-12', netPnl: 585, startEquity: 10_080, return: 585 / 10_080 },
    ]);
  });

  it('annualises Sharpe and Sortino with √252 over those days', () => {
    const r = [0.019, -105 / 10_190, -5 / 10_085, 0, 585 / 10_080];
    const mean = r.reduce((a, b) => a + b) / 5;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 4);
    const downside = Math.sqrt(((105 / 10_190) ** 2 + (5 / 10_085) ** 2) / 5);
    expect(m.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 10);
    expect(m.sortino).toBeCloseTo((mean / downside) * Math.sqrt(252), 10);
  });

  it('reports every exit reason in a fixed order with count and net P&L', () => {
    expect(Object.keys(m.exitsByReason)).toEqual(EXIT_REASONS);
    expect(m.exitsByReason).toMatchObject({
      initial_stop: { count: 1, netPnl: -105 },
      stop_breakeven: { count: 1, netPnl: -5 },
      stop_tp1: { count: 1, netPnl: 190 },
      stop_tp2: { count: 0, netPnl: 0 },
      target_tp3: { count: 1, netPnl: 585 },
      manual: { count: 1, netPnl: 0 },
      session_flatten: { count: 0, netPnl: 0 },
    });
    expect(m.targetsReached).toEqual({ tp1: 3, tp2: 2, tp3: 1 });
  });

  it('measures time in trade and exposure', () => {
    expect(m.timeInTrade).toEqual({ meanMs: 106 * MINUTE, maxMs: 6 * HOUR });
    expect(m.exposure).toBeCloseTo(530 / (5 * 24 * 60), 12);
  });

  it('keeps a stable key order', () => {
    expect(Object.keys(m)).toEqual([
      'definition',
      'startingBalance',
      'endingBalance',
      'from',
      'to',
      'trades',
      'cancelledEntries',
      'wins',
      'losses',
      'scratches',
      'winRate',
      'grossProfit',
      'grossLoss',
      'profitFactor',
      'totalNetPnl',
      'averageNetPnl',
      'expectancy',
      'expectancyR',
      'averageWin',
      'averageLoss',
      'payoffRatio',
      'totalCommissions',
      'maxDrawdown',
      'maxDrawdownPercent',
      'dailyReturns',
      'sharpe',
      'sortino',
      'exitsByReason',
      'targetsReached',
      'timeInTrade',
      'exposure',
      'equityCurve',
    ]);
    expect(m.definition).toContain('√252');
  });

  it('gives the same numbers for the same trades in any order', () => {
    const again = computeMetrics([t1, t2, t3, t4, t6, cancelled], {
      startingBalance: 10_000,
      from,
      to,
      cancelledEntries: 1,
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(m));
  });
});

describe('null and edge rules', () => {
  it('no losses: profit factor null in JSON, ∞ in text; Sortino null without a losing day', () => {
    const m = computeMetrics([t1, t6], { startingBalance: 10_000, from, to });
    expect(m.profitFactor).toBeNull();
    expect(formatProfitFactor(m)).toBe('∞');
    expect(m.sortino).toBeNull();
    expect(m.averageLoss).toBeNull();
    expect(m.payoffRatio).toBeNull();
    expect(m.sharpe).not.toBeNull();
  });

  it('no trades: zeros and nulls, never NaN; weekdays in the span still count as days', () => {
    const m = computeMetrics([], { startingBalance: 50_000, from, to });
    expect(m.trades).toBe(0);
    expect(m.winRate).toBeNull();
    expect(m.averageNetPnl).toBeNull();
    expect(m.expectancyR).toBeNull();
    expect(m.timeInTrade).toEqual({ meanMs: null, maxMs: null });
    expect(m.dailyReturns).toHaveLength(5);
    expect(m.sharpe).toBeNull(); // zero deviation
    expect(formatProfitFactor(m)).toBe('n/a');
    expect(JSON.stringify(m)).not.toContain('NaN');
  });

  it('skips weekends: two calendar weeks hold ten trading days', () => {
    const m = computeMetrics([t1], { startingBalance: 10_000, from, to: to + 7 * 24 * HOUR });
    expect(m.dailyReturns.map((d) => d.day)).toEqual([
      '2024-01-08',
      '2024-01-09',
      '2024-01-10',
      '2024-01-11',
      '2024-01-12',
      '2024-01-15',
      '2024-01-16',
      '2024-01-17',
      '2024-01-18',
      '2024-01-19',
    ]);
  });

  it('exposure counts overlapping positions once and clips to the span', () => {
    const a = trade('a', 'long', 1, 1, 1, 0, 0, from - HOUR, from + 2 * HOUR, 'manual', 0);
    const b = trade('b', 'long', 1, 1, 1, 0, 0, from + HOUR, from + 3 * HOUR, 'manual', 0);
    const m = computeMetrics([a, b], { startingBalance: 1000, from, to: from + 10 * HOUR });
    expect(m.exposure).toBeCloseTo(0.3, 12);
  });

  it('a breakeven exit after TP1 that lands negative after commissions is a loss, visible under stop_breakeven', () => {
    const m = computeMetrics([t3], { startingBalance: 10_000, from, to });
    expect([m.wins, m.losses, m.scratches]).toEqual([0, 1, 0]);
    expect(m.exitsByReason.stop_breakeven).toEqual({ count: 1, netPnl: -5 });
  });

  it('rejects malformed input naming the trade and field', () => {
    expect(() => computeMetrics([{ ...t1, netPnl: Number.NaN }], { startingBalance: 1, from, to })).toThrow(
      new MetricsInputError('trades[0] (p1).netPnl is NaN; it must be a finite number'),
    );
    expect(() =>
      computeMetrics([{ ...t1, exitTime: t1.entryTime - 1 }], { startingBalance: 1, from, to }),
    ).toThrow(/exitTime/);
    expect(() => computeMetrics([], { startingBalance: -1, from, to })).toThrow(/startingBalance/);
    expect(() => computeMetrics([], { startingBalance: 1, from: to, to: from })).toThrow(/tested span/);
  });
});

describe('ratios', () => {
  it('Sharpe: mean ÷ sample sd × √252; null with fewer than two days or zero deviation', () => {
    expect(sharpeRatio([0.01, 0.03])).toBeCloseTo(Math.sqrt(504), 10);
    expect(sharpeRatio([0.01])).toBeNull();
    expect(sharpeRatio([0.01, 0.01, 0.01])).toBeNull();
  });

  it('Sortino: mean ÷ sqrt(Σ min(r, 0)² ÷ N) × √252; null with no losing day', () => {
    expect(sortinoRatio([0.02, -0.01, 0.02])).toBeCloseTo(Math.sqrt(756), 10);
    expect(sortinoRatio([0.02, 0, 0.01])).toBeNull();
  });
});

describe('globexDayNumber', () => {
  const label = (iso: string) => dayLabel(globexDayNumber(utc(iso)));
  it('turns the day at 17:00 Chicago standard time (23:00 UTC)', () => {
    expect(label('2024-01-08T22:59:59Z')).toBe('2024-01-08');
    expect(label('2024-01-08T23:00:00Z')).toBe('2024-01-09');
  });
  it('turns the day at 17:00 Chicago daylight time (22:00 UTC) after the March switch', () => {
    expect(label('2024-03-11T21:59:59Z')).toBe('2024-03-11');
    expect(label('2024-03-11T22:00:00Z')).toBe('2024-03-12');
  });
  it('puts the Sunday evening session on Monday', () => {
    expect(label('2024-03-10T23:00:00Z')).toBe('2024-03-11');
  });
  it('puts Friday evening and the weekend on Monday', () => {
    expect(label('2024-03-08T23:30:00Z')).toBe('2024-03-11');
    expect(label('2024-03-09T12:00:00Z')).toBe('2024-03-11');
  });
  it("agrees with the guards' trading day (session-time.ts tradingDayId) at every instant", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), (ts) => {
        expect(dayLabel(globexDayNumber(ts))).toBe(tradingDayId(ts));
        return true;
      }),
      { numRuns: 2000 },
    );
    // Around both 2024 DST switches, minute by minute.
    for (const start of [Date.UTC(2024, 2, 9, 18), Date.UTC(2024, 10, 2, 18)]) {
      for (let ts = start; ts < start + 3 * 86_400_000; ts += 60_000)
        expect(dayLabel(globexDayNumber(ts))).toBe(tradingDayId(ts));
    }
  });
});
