import { describe, expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { parseBarsCsv } from '../../sim/csv.ts';
import type { AlertDecision, BacktestTrade } from '../../sim/engine-target.ts';
import {
  exitsByRung,
  filteredAlerts,
  reasonGroup,
  reportTrades,
  rSummary,
} from '../../sim/report/content.ts';
import { tradeMarkers } from '../../sim/report/html.ts';
import { reportObject } from '../../sim/report/json.ts';
import { terminalReport } from '../../sim/report/terminal.ts';
import { rangeBoundCsv } from './synthetic.ts';

const T0 = Date.UTC(2025, 2, 3, 14);

function trade(overrides: Partial<BacktestTrade>): BacktestTrade {
  return {
    positionId: 'p1',
    accountId: 'BACKTEST',
    alertId: 'a1',
    symbol: 'ES',
    side: 'long',
    quantity: 2,
    entryPrice: 5000,
    exitPrice: 5004,
    entryTime: T0,
    exitTime: T0 + 120_000,
    grossPnl: 400,
    netPnl: 394.4,
    commissions: 5.6,
    exitReason: 'stop_breakeven',
    highestTarget: 1,
    initialStop: 4998,
    confirmationScore: null,
    poc: 5001,
    vah: 5003,
    val: 4999,
    pointValue: 50,
    ...overrides,
  };
}

describe('R per trade', () => {
  it('divides net P&L by the planned risk from entry to initial stop', () => {
    const [t] = reportTrades([trade({})]);
    expect(t!.initialRisk).toBe(200); // 2 points × 2 contracts × $50
    expect(t!.r).toBeCloseTo(394.4 / 200, 12);
  });

  it('has no R when the stop sits at the entry', () => {
    const [t] = reportTrades([trade({ initialStop: 5000 })]);
    expect(t!.r).toBeNull();
    expect(rSummary([t!])).toEqual({ trades: 0, average: null, best: null, worst: null });
  });

  it('summarises the average, best and worst R', () => {
    const trades = reportTrades([trade({ netPnl: 400 }), trade({ netPnl: -200 }), trade({ netPnl: 100 })]);
    expect(rSummary(trades)).toEqual({ trades: 3, average: 0.5, best: 2, worst: -1 });
  });
});

describe('exits by rung', () => {
  it('counts trades and net P&L by the highest target reached', () => {
    const rungs = exitsByRung([
      trade({ highestTarget: 0, netPnl: -100 }),
      trade({ highestTarget: 1, netPnl: -2.8 }),
      trade({ highestTarget: 1, netPnl: -2.8 }),
      trade({ highestTarget: 3, netPnl: 900 }),
    ]);
    expect(rungs).toEqual([
      { rung: 'none', count: 1, netPnl: -100 },
      { rung: 'tp1', count: 2, netPnl: -5.6 },
      { rung: 'tp2', count: 0, netPnl: 0 },
      { rung: 'tp3', count: 1, netPnl: 900 },
    ]);
  });
});

describe('filtered alerts', () => {
  const decision = (outcome: string, reason: string): AlertDecision => ({
    alertId: reason,
    ts: T0,
    symbol: 'ES',
    action: 'buy',
    outcome,
    reason,
  });

  it('groups the alerts that did not trade by the rule named in their reason', () => {
    const filtered = filteredAlerts([
      decision('EXECUTED', 'EXECUTED: long 2 ES @ 5000 — entry order SIM-1 accepted'),
      decision('FILTERED', 'FILTERED: cooldown — last ES entry 2m ago, cooldown 5m'),
      decision('FILTERED', 'FILTERED: cooldown — last ES entry 3m ago, cooldown 5m'),
      decision('FILTERED', 'GUARD: flatten-at time — it is 15:05 CT'),
      decision('REJECTED', ''),
    ]);
    expect(filtered.total).toBe(4);
    expect(filtered.byReason).toEqual([
      { reason: 'FILTERED: cooldown', count: 2 },
      { reason: 'GUARD: flatten-at time', count: 1 },
      { reason: 'REJECTED', count: 1 },
    ]);
    expect(reasonGroup(decision('FILTERED', 'something without a rule'))).toBe(
      'FILTERED: something without a rule',
    );
  });
});

describe('trade markers on the price chart', () => {
  it('put one marker without text on a candle, however many trades share it', () => {
    const minute = (ms: number) => Math.floor(ms / 60_000) * 60;
    const trades = reportTrades([
      trade({ positionId: 'a', entryTime: T0, exitTime: T0 + 10_000 }),
      trade({ positionId: 'b', side: 'short', entryTime: T0 + 20_000, exitTime: T0 + 30_000, netPnl: -50 }),
      trade({ positionId: 'c', entryTime: T0 + 60_000, exitTime: T0 + 180_000 }),
    ]);
    const { markers, events } = tradeMarkers(trades, minute);
    const times = markers.map((m) => m.time);
    expect(new Set(times).size).toBe(times.length);
    expect(markers.every((m) => !('text' in m))).toBe(true);
    expect(markers[0]).toMatchObject({ time: T0 / 1000, shape: 'square' });
    expect(events[T0 / 1000]).toHaveLength(4);
    expect(events[T0 / 1000]![0]).toBe(
      '2025-03-03 14:00  entry long 2 @ 5000.00, stop 4998.00, risk $200.00',
    );
    expect(markers[1]).toMatchObject({ shape: 'arrowUp', position: 'belowBar' });
    expect(markers[2]).toMatchObject({ shape: 'circle', color: '#26a69a' });
  });
});

describe('the three reports carry the same content', () => {
  const bars = parseBarsCsv(new TextEncoder().encode(rangeBoundCsv(T0, 2000)), { source: 'bars.csv' });
  const alerts = demoSignals(bars, { symbol: 'ES', period: 60, barMs: 60_000 });
  const result = runBacktest({ symbol: 'ES', bars, alerts, barMs: 60_000 });

  it('puts R on every trade of the JSON report, with exits by rung and filtered alerts by reason', () => {
    const json = reportObject(result, { dataFile: 'bars.csv' }) as {
      trades: { r: number | null; initialRisk: number }[];
      exitsByRung: unknown[];
      filteredAlerts: { total: number; byReason: unknown[] };
      drawdownCurve: { ts: number; drawdown: number }[];
      rPerTrade: unknown;
    };
    expect(result.trades.length).toBeGreaterThan(0);
    expect(json.trades.length).toBe(result.trades.length);
    for (const t of json.trades) expect(t.initialRisk).toBeGreaterThan(0);
    expect(json.exitsByRung).toHaveLength(4);
    expect(json.filteredAlerts.total).toBe(result.decisions.filter((d) => d.outcome !== 'EXECUTED').length);
    expect(json.drawdownCurve).toHaveLength(result.metrics.equityCurve.length);
    expect(json.drawdownCurve.every((p) => p.drawdown <= 0)).toBe(true);
  });

  it('prints settings, guard events, exits by reason and rung, R and filtered alerts without --verbose', () => {
    const text = terminalReport(result, { color: false });
    for (const heading of [
      'Account rules:',
      'Guard events',
      'Settings (path policy conservative)',
      'Exits by reason',
      'Exits by rung (highest target reached)',
      'R per trade (average / best / worst)',
      'Filtered alerts (',
      'Equity over time (UTC)',
      'Drawdown over time (UTC)',
    ])
      expect(text).toContain(heading);
    expect(text).not.toMatch(/\$-|−/);
  });
});
