import { describe, expect, it } from 'vitest';
import { topStateOf } from '../../../machines/position/ladder.ts';
import { stripAnsi } from '../../../src/adapters/status/ansi.ts';
import {
  alertStatusOf,
  buildStatusModel,
  connectionsOf,
  pendingOrdersOf,
  positionStatusOf,
} from '../../../src/adapters/status/model.ts';
import { compactStatusLine, renderStatus, statusChangeKey } from '../../../src/adapters/status/render.ts';
import { fill, longPlan, request, startPosition, tick } from '../../machines/fixtures.ts';
import { esTp1, guardState, model, nqPending } from './status-fixtures.ts';

describe('renderStatus', () => {
  it('draws every section of the status, plain', () => {
    expect(renderStatus(model(), { width: 200, color: false }).split('\n')).toEqual([
      'valuearea · paper · account PRAC-1 · 14:32:05 UTC',
      'Connections  market data ● green  user hub ● amber (reconnecting)',
      'Today        P&L +$175.00 (realised -$300.00, open +$475.00)',
      'Guards       daily loss limit $1,000.00 ($1,175.00 to go) · loss limit $48,500.00 ($1,675.00 to go, the bot stops $200.00 above it)',
      'Write queue  0 pending · 1 dirty · last flush 14:32:01',
      'Last alert   14:31:50 NQ sell → opened: short entry at VAH 18120.50',
      '',
      'Positions (2)',
      '  SYMBOL  STATE          SIDE   SIZE  ENTRY         STOP      TP1        TP2       TP3       LAST      UNREALISED',
      '  ES      tp1            long   2/2   5000.25       5000.25   [5004.00]  5008.50   5012.00   5005.00   +$475.00',
      '  NQ      pending_entry  short  0/1   18120.50 lmt  18140.00  18100.00   18080.00  18060.00  18110.25  —',
      '',
      'Pending orders (2)',
      '  ES  stop   sell  2 @ 5000.25   working',
      '  NQ  entry  sell  1 @ 18120.50  working',
    ]);
  });

  it('marks passed rungs with ✓ and brackets the current one', () => {
    const text = renderStatus(model({ positions: [{ ...esTp1, state: 'tp2', rung: 2, stop: 5004 }] }), {
      width: 200,
      color: false,
    });
    expect(text).toContain('5004.00✓  [5008.50]  5012.00');
  });

  it('shows a flat book, no alert and no guards plainly', () => {
    const text = renderStatus(
      model({
        positions: [],
        pendingOrders: [],
        lastAlert: null,
        guards: null,
        writeQueue: null,
        connections: [],
      }),
      { width: 200, color: false },
    );
    expect(text.split('\n')).toEqual([
      'valuearea · paper · account PRAC-1 · 14:32:05 UTC',
      'Connections  none',
      'Today        no P&L yet',
      'Guards       none configured',
      'Write queue  not in use',
      'Last alert   none yet',
      '',
      'Positions (0)',
      '  flat',
      '',
      'Pending orders (0)',
      '  none',
    ]);
  });

  it('shouts guard breaches and write-queue trouble', () => {
    const text = renderStatus(
      model({
        guards: {
          state: { ...guardState, dailyLoss: { at: 1, reason: 'day P&L -1,000.00 reached the limit' } },
          dailyLossLimit: 1000,
          lossLimitFloor: 48_500,
          riskBuffer: 200,
          unrealizedPnl: 0,
        },
        writeQueue: {
          pendingWrites: 3,
          dirtyPositions: 2,
          failedAttempts: 2,
          rejectedWrites: 1,
          lastError: 'connection refused',
          lastFlushAt: null,
        },
      }),
      { width: 200, color: false },
    );
    expect(text).toContain(
      'Guards       DAILY LOSS LIMIT HIT: day P&L -1,000.00 reached the limit · loss limit $48,500.00',
    );
    expect(text).toContain(
      'Write queue  3 pending · 2 dirty · retrying (2 failed): connection refused · 1 refused',
    );
  });

  it('colours profits green and losses red, and nothing without colour', () => {
    const green = '\u001b[32m';
    const red = '\u001b[31m';
    const winning = renderStatus(model(), { width: 200, color: true });
    expect(winning).toContain(`${green}+$475.00\u001b[39m`);
    const losing = renderStatus(model({ positions: [{ ...esTp1, unrealizedPnl: -125 }] }), {
      width: 200,
      color: true,
    });
    expect(losing).toContain(`${red}-$125.00\u001b[39m`);
    expect(renderStatus(model(), { width: 200, color: false })).not.toContain('\u001b[');
    expect(stripAnsi(winning)).toBe(renderStatus(model(), { width: 200, color: false }));
  });

  it('cuts every line to the width, escapes excluded', () => {
    for (const color of [false, true]) {
      const lines = renderStatus(model(), { width: 40, color }).split('\n');
      for (const line of lines) expect([...stripAnsi(line)].length).toBeLessThanOrEqual(40);
      expect(stripAnsi(lines[3] ?? '')).toBe('Guards       daily loss limit $1,000.00…');
    }
  });
});

describe('compact status line', () => {
  it('says everything in one plain line', () => {
    expect(compactStatusLine(model())).toBe(
      'status: positions ES tp1 long 2/2 @5000.25 stop 5000.25 upnl +$475.00, NQ pending_entry short 0/1 @lmt 18120.50 stop 18140.00' +
        ' | pending 2 | alert NQ sell → opened | realised today -$300.00 | market data green user hub amber | queue 0',
    );
  });

  it('a price move alone is no change; a new rung, a new alert or a health change is', () => {
    const base = statusChangeKey(model());
    expect(
      statusChangeKey(model({ positions: [{ ...esTp1, lastPrice: 5006, unrealizedPnl: 575 }, nqPending] })),
    ).toBe(base);
    expect(
      statusChangeKey(model({ positions: [{ ...esTp1, state: 'tp2', rung: 2, stop: 5004 }, nqPending] })),
    ).not.toBe(base);
    expect(statusChangeKey(model({ connections: [{ name: 'market data', level: 'red' }] }))).not.toBe(base);
    expect(statusChangeKey(model({ lastAlert: null }))).not.toBe(base);
  });
});

describe('rows from a real position actor', () => {
  it('turns a filled long at TP1 into a position row and its protective stop into a pending order', () => {
    const position = startPosition(request(longPlan(2)));
    position.send(fill('p1-e0', 100, 2, 1), tick(101, 2));
    const view = {
      positionId: 'p1',
      symbol: 'ES',
      state: topStateOf(position.state()),
      context: position.context(),
      lastPrice: 101,
      unrealizedPnl: 100,
    };
    expect(positionStatusOf(view)).toMatchObject({
      state: 'tp1',
      side: 'long',
      size: 2,
      plannedSize: 2,
      entryPrice: 100,
      filled: true,
      stop: 100,
      targets: [101, 102, 103],
      rung: 1,
      decimals: 2,
    });
    const orders = pendingOrdersOf(view);
    expect(orders).toEqual([
      { symbol: 'ES', side: 'sell', kind: 'stop', price: 100, quantity: 2, status: 'working', decimals: 2 },
    ]);
  });

  it('lists the working entry legs of a pending position', () => {
    const position = startPosition(request(longPlan(2)));
    const view = {
      positionId: 'p1',
      symbol: 'ES',
      state: topStateOf(position.state()),
      context: position.context(),
      lastPrice: null,
      unrealizedPnl: 0,
    };
    expect(positionStatusOf(view)).toMatchObject({
      state: 'pending_entry',
      size: 0,
      filled: false,
      entryPrice: 100,
    });
    expect(pendingOrdersOf(view)).toEqual([
      { symbol: 'ES', side: 'buy', kind: 'entry', price: 100, quantity: 2, status: 'sent', decimals: 2 },
    ]);
  });
});

describe('buildStatusModel', () => {
  it('turns position views into rows and pending orders', () => {
    const position = startPosition(request(longPlan(2)));
    const view = {
      positionId: 'p1',
      symbol: 'ES',
      state: topStateOf(position.state()),
      context: position.context(),
      lastPrice: null,
      unrealizedPnl: 0,
    };
    const built = buildStatusModel({ at: 5, mode: 'paper', positions: [view] });
    expect(built).toMatchObject({
      at: 5,
      mode: 'paper',
      lastAlert: null,
      connections: [],
      guards: null,
      writeQueue: null,
    });
    expect(built.positions.map((p) => p.state)).toEqual(['pending_entry']);
    expect(built.pendingOrders.map((o) => o.kind)).toEqual(['entry']);
    expect('account' in built).toBe(false);
  });
});

describe('adapters from the bot state', () => {
  it('turns a signal decision into the last alert, and health into connection rows', () => {
    expect(
      alertStatusOf({
        ts: 5,
        symbol: 'ES',
        action: 'buy',
        status: 'FILTERED',
        reason: 'confirmation 0.20 below 0.50',
      }),
    ).toEqual({
      at: 5,
      symbol: 'ES',
      action: 'buy',
      decision: 'filtered',
      reason: 'confirmation 0.20 below 0.50',
    });
    expect(connectionsOf({ marketData: 'green', userHub: 'red', reason: 'hub closed' })).toEqual([
      { name: 'market data', level: 'green' },
      { name: 'user hub', level: 'red', detail: 'hub closed' },
    ]);
    const text = renderStatus(
      model({
        lastAlert: alertStatusOf({ ts: 5, symbol: 'ES', action: 'buy', status: 'FILTERED', reason: 'weak' }),
      }),
      { width: 200, color: true },
    );
    expect(text).toContain('ES buy → \u001b[31mfiltered\u001b[39m: weak');
  });
});
