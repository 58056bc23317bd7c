/** KPI cards: figures from computeMetrics, today's P&L on the Globex day, guard headroom. */
import { describe, expect, it } from 'vitest';
import { signalEventFromDecision } from '../../../src/adapters/dashboard/events.ts';
import { computeKpis, guardHeadroom, tradeLike } from '../../../src/adapters/dashboard/kpis.ts';
import { applyTrade, initialGuardState } from '../../../src/domain/guards.ts';
import { computeMetrics } from '../../../src/domain/metrics.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';
import type { StoredTrade } from '../../../src/ports/store.ts';
import type { SignalDecision } from '../../../src/runtime/signal-processor.ts';
import { trade } from '../store/fixtures.ts';

const settings = {
  ...DEFAULT_SETTINGS,
  startingBalance: 50_000,
  dailyLossLimit: 1_000,
  trailingDrawdown: 2_000,
};
// Tuesday 2026-03-10 15:00 Chicago (20:00 UTC) is inside the 2026-03-10 Globex day.
const NOW = Date.UTC(2026, 2, 10, 20, 0);

function stored(id: number, netPnl: number, exitTime: number): StoredTrade {
  return {
    ...trade(`p${id}`, { netPnl, grossPnl: netPnl + 5, entryTime: exitTime - 60_000, exitTime }),
    id,
    createdAt: exitTime,
  };
}

describe('KPIs', () => {
  const trades = [
    stored(1, 250, Date.UTC(2026, 2, 9, 15)), // Monday
    stored(2, -120, Date.UTC(2026, 2, 10, 14)),
    stored(3, 80.5, Date.UTC(2026, 2, 10, 19)),
    stored(4, 40, Date.UTC(2026, 2, 9, 23, 30)), // Monday 18:30 Chicago: belongs to Tuesday's Globex day
  ];

  it('takes totals and win rate from computeMetrics and counts today on the Globex day', () => {
    const k = computeKpis({ trades, settings, guardStates: [], openPositions: 2, openPnl: 12.345, now: NOW });
    const m = computeMetrics(trades.map(tradeLike), {
      startingBalance: 50_000,
      from: trades[0]!.entryTime,
      to: NOW + 1,
    });
    expect(k.totalPnl).toBe(m.totalNetPnl);
    expect(k.winRate).toBe(m.winRate);
    expect(k.winRate).toBeCloseTo(3 / 4, 12);
    expect(k.tradingDay).toBe('2026-03-10');
    expect(k.todayTrades).toBe(3);
    expect(k.todayPnl).toBe(0.5);
    expect(k.openPnl).toBe(12.35);
  });

  it('shows guard headroom from the stored row, and prefers the live state of the same account', () => {
    const row = {
      accountId: 'A',
      tradingDay: '2026-03-10',
      dayStartBalance: 50_000,
      dailyRealizedPnl: -400,
      highWaterMark: 51_000,
      dailyLossLatched: false,
      drawdownLatched: false,
      latchedReason: null,
      updatedAt: NOW,
    };
    expect(guardHeadroom(row, settings)).toMatchObject({
      dailyLossHeadroom: 600,
      drawdownFloor: 49_000,
      drawdownHeadroom: 600,
    });
    let live = initialGuardState(settings, NOW);
    live = applyTrade(live, { netPnl: -1_100, exitTime: NOW }, settings);
    const k = computeKpis({
      trades: [],
      settings,
      guardStates: [row],
      liveGuards: [{ accountId: 'A', state: live }],
      openPositions: 0,
      openPnl: null,
      now: NOW,
    });
    expect(k.guards).toHaveLength(1);
    expect(k.guards[0]).toMatchObject({ accountId: 'A', dailyLossHeadroom: 0, dailyLossLatched: true });
    expect(k.guards[0]!.latchedReason).toBeTruthy();
  });
});

describe('signal decisions in the feed', () => {
  it('carries a filtered decision with its reason', () => {
    const decision: SignalDecision = {
      accountId: 'A1',
      signalId: 's9',
      alertKey: 'k9',
      symbol: 'NQ',
      action: 'buy',
      status: 'FILTERED',
      reason: 'cooldown: the last NQ entry was 2 minutes ago (cooldown 5 minutes)',
      positionId: null,
      plan: null,
      ts: NOW,
    };
    expect(signalEventFromDecision(decision)).toEqual({
      type: 'signal',
      signalId: 's9',
      alertId: null,
      symbol: 'NQ',
      status: 'FILTERED',
      reason: decision.reason,
      positionId: null,
      ts: NOW,
      accountId: 'A1',
    });
    // Several accounts: the observers add the account's name the decision does not carry.
    expect(signalEventFromDecision(decision, 'Combine A')).toMatchObject({
      accountId: 'A1',
      accountName: 'Combine A',
    });
  });
});
