import type { PositionStatus, StatusModel } from '../../../src/adapters/status/model.ts';
import type { GuardState } from '../../../src/domain/guards.ts';

export const AT = Date.UTC(2026, 10, 20, 14, 32, 5);

export const esTp1: PositionStatus = {
  positionId: 'pos-es-1',
  symbol: 'ES',
  state: 'tp1',
  side: 'long',
  size: 2,
  plannedSize: 2,
  entryPrice: 5000.25,
  filled: true,
  stop: 5000.25,
  targets: [5004, 5008.5, 5012],
  rung: 1,
  lastPrice: 5005,
  unrealizedPnl: 475,
  decimals: 2,
};

export const nqPending: PositionStatus = {
  positionId: 'pos-nq-1',
  symbol: 'NQ',
  state: 'pending_entry',
  side: 'short',
  size: 0,
  plannedSize: 1,
  entryPrice: 18120.5,
  filled: false,
  stop: 18140,
  targets: [18100, 18080, 18060],
  rung: 0,
  lastPrice: 18110.25,
  unrealizedPnl: 0,
  decimals: 2,
};

export const guardState: GuardState = {
  tradingDay: '2026-11-20',
  realizedPnlToday: -300,
  equity: 49_700,
  highWaterMark: 50_500,
  dailyLoss: null,
  trailingDrawdown: null,
};

export function model(overrides: Partial<StatusModel> = {}): StatusModel {
  return {
    at: AT,
    mode: 'paper',
    account: 'PRAC-1',
    positions: [esTp1, nqPending],
    pendingOrders: [
      {
        symbol: 'ES',
        side: 'sell',
        kind: 'stop',
        price: 5000.25,
        quantity: 2,
        status: 'working',
        decimals: 2,
      },
      {
        symbol: 'NQ',
        side: 'sell',
        kind: 'entry',
        price: 18120.5,
        quantity: 1,
        status: 'working',
        decimals: 2,
      },
    ],
    lastAlert: {
      at: AT - 15_000,
      symbol: 'NQ',
      action: 'sell',
      decision: 'opened',
      reason: 'short entry at VAH 18120.50',
    },
    connections: [
      { name: 'market data', level: 'green' },
      { name: 'user hub', level: 'amber', detail: 'reconnecting' },
    ],
    guards: {
      state: guardState,
      dailyLossLimit: 1000,
      lossLimitFloor: 48_500,
      riskBuffer: 200,
      unrealizedPnl: 475,
    },
    writeQueue: {
      pendingWrites: 0,
      dirtyPositions: 1,
      failedAttempts: 0,
      rejectedWrites: 0,
      lastError: null,
      lastFlushAt: AT - 4_000,
    },
    ...overrides,
  };
}
