import { describe, expect, it } from 'vitest';
import type { PositionStatus } from '../../../src/adapters/status/model.ts';
import { plainPositionLine, plainStatusLines } from '../../../src/adapters/status/plain.ts';
import { AT, esTp1, guardState, model, nqPending } from './status-fixtures.ts';

const esActive: PositionStatus = {
  ...esTp1,
  positionId: 'pos-es-2',
  state: 'active',
  entryPrice: 5012.25,
  stop: 5008,
  rung: 0,
  unrealizedPnl: 125,
};

describe('plain status lines', () => {
  it('reads a position as a trader says it: side, size, entry, state, stop and its rung, P&L', () => {
    expect(plainPositionLine(esActive)).toBe(
      'ES long 2 @ 5012.25 active stop 5008.00 (initial stop) P&L +$125.00',
    );
    expect(plainPositionLine(esTp1)).toBe(
      'ES long 2 @ 5000.25 TP1 hit stop 5000.25 (breakeven stop) P&L +$475.00',
    );
    expect(plainPositionLine({ ...esActive, unrealizedPnl: -1980.5 })).toContain('P&L -$1,980.50');
    expect(plainPositionLine(nqPending)).toBe(
      'NQ short 1 @ 18120.50 limit pending entry stop 18140.00 (initial stop)',
    );
    expect(plainPositionLine({ ...esActive, size: 1 })).toMatch(/^ES long 1\/2 @ /);
  });

  it('starts with the mode, the day so far and every position, in UTC', () => {
    const lines = plainStatusLines(null, model());
    expect(lines).toEqual([
      '14:32:05 valuearea · paper · account PRAC-1 · times UTC',
      '14:32:05 realised today -$300.00 · daily loss limit $1,000.00 ($1,175.00 to go) · loss limit $48,500.00',
      '14:32:05 ES long 2 @ 5000.25 TP1 hit stop 5000.25 (breakeven stop) P&L +$475.00',
      '14:32:05 NQ short 1 @ 18120.50 limit pending entry stop 18140.00 (initial stop)',
      '14:31:50 alert NQ sell → opened: short entry at VAH 18120.50',
      '14:32:05 market data green',
      '14:32:05 user hub amber (reconnecting)',
    ]);
  });

  it('says nothing when only prices moved', () => {
    const moved = model({ positions: [{ ...esTp1, lastPrice: 5007, unrealizedPnl: 675 }, nqPending] });
    expect(plainStatusLines(model(), moved)).toEqual([]);
  });

  it('prints one line per change: a climb, a fill, a close, a new alert, a connection', () => {
    const before = model();
    const after = model({
      at: AT + 60_000,
      positions: [{ ...nqPending, state: 'active', size: 1, filled: true, unrealizedPnl: -50 }],
      lastAlert: { at: AT + 58_000, symbol: 'ES', action: 'buy', decision: 'declined', reason: 'cooldown' },
      connections: [
        { name: 'market data', level: 'green' },
        { name: 'user hub', level: 'green' },
      ],
      guards: { ...before.guards!, state: { ...guardState, realizedPnlToday: 650 } },
    });
    expect(plainStatusLines(before, after)).toEqual([
      '14:33:05 NQ short 1 @ 18120.50 active stop 18140.00 (initial stop) P&L -$50.00',
      '14:33:05 ES long 2 closed · realised today +$650.00',
      '14:33:03 alert ES buy → declined: cooldown',
      '14:33:05 user hub green',
    ]);
    const flat = model({ ...after, at: AT + 120_000, positions: [] });
    expect(plainStatusLines(after, flat)).toEqual([
      '14:34:05 NQ short 1 closed · realised today +$650.00',
      '14:34:05 flat',
    ]);
  });

  it('says when a pending entry goes away unfilled', () => {
    const gone = model({ positions: [esTp1] });
    expect(plainStatusLines(model(), gone)).toEqual(['14:32:05 NQ short 1 entry at 18120.50 cancelled']);
  });

  it('raises guard trips, broker refusals and write-queue trouble once each', () => {
    const before = model();
    const tripped = model({
      guards: {
        ...before.guards!,
        state: { ...guardState, dailyLoss: { reason: 'day P&L -$1,000.00 at or below -$1,000.00', at: AT } },
        brokerBlocked: 'account cannot trade',
      },
      writeQueue: { ...before.writeQueue!, failedAttempts: 2, lastError: 'connection refused' },
    });
    expect(plainStatusLines(before, tripped)).toEqual([
      '14:32:05 DAILY LOSS LIMIT HIT: day P&L -$1,000.00 at or below -$1,000.00',
      '14:32:05 broker refuses orders: account cannot trade',
      '14:32:05 write queue retrying (2 failed): connection refused',
    ]);
    const retried = model({
      ...tripped,
      writeQueue: { ...tripped.writeQueue!, failedAttempts: 3 },
    });
    expect(plainStatusLines(tripped, retried)).toEqual([]);
    const healed = model({
      ...tripped,
      writeQueue: { ...tripped.writeQueue!, failedAttempts: 0, rejectedWrites: 1 },
    });
    expect(plainStatusLines(retried, healed)).toEqual([
      '14:32:05 write queue caught up',
      '14:32:05 write queue: 1 writes refused by the database',
    ]);
  });

  it('writes no JSON and no colour', () => {
    for (const line of plainStatusLines(null, model())) {
      expect(line).not.toMatch(/^[{[]/);
      expect(line).not.toContain('\u001b[');
    }
  });
});
