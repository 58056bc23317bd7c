/** Sample records for the store tests: valid by default, each field overridable. */
import type {
  AlertRecord,
  OrderRecord,
  PositionRecord,
  SignalRecord,
  TradeRecord,
} from '../../../src/ports/store.ts';

export const T0 = Date.UTC(2026, 2, 10, 14, 30, 0, 123);

export function alert(key: string, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    idempotencyKey: key,
    receivedAt: T0,
    sourceAddress: '52.89.214.238',
    contentType: 'application/json',
    rawBody: `{"ticker":"ES1!","action":"buy","secret":"***"}`,
    parsed: { key, symbol: 'ES', ticker: 'ES1!', action: 'buy', dialect: 'json', firedAt: T0 - 500 },
    status: 'received',
    reason: null,
    ...over,
  };
}

export function signal(id: string, over: Partial<SignalRecord> = {}): SignalRecord {
  return {
    id,
    alertId: null,
    accountId: 'ACC-1',
    symbol: 'ES',
    action: 'buy',
    status: 'PENDING',
    reason: null,
    attempts: 0,
    scheduledAt: null,
    executedTradeId: null,
    confirmationScore: 72.5,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function position(id: string, over: Partial<PositionRecord> = {}): PositionRecord {
  return {
    id,
    signalId: null,
    alertId: null,
    accountId: 'ACC-1',
    symbol: 'ES',
    contractId: 'CON.F.US.EP.H26',
    side: 'long',
    state: 'pending_entry',
    quantity: 2,
    filledQuantity: 0,
    entryOrderId: null,
    entryPrice: 5012.25,
    fillPrice: null,
    stopPrice: 5005.5,
    tp1: 5018.75,
    tp2: 5024.5,
    tp3: 5031,
    poc: 5018.75,
    vah: 5024.5,
    val: 5012.25,
    confirmationScore: 72.5,
    unrealizedPnl: 0,
    realizedPnl: 0,
    llmReasoning: null,
    llmConfidence: null,
    snapshot: { status: 'active', value: 'pending_entry', context: { positionId: id, legsFilled: [] } },
    machineVersion: 'position@1',
    openedAt: T0,
    updatedAt: T0,
    closedAt: null,
    ...over,
  };
}

export function trade(positionId: string, over: Partial<TradeRecord> = {}): TradeRecord {
  return {
    positionId,
    accountId: 'ACC-1',
    symbol: 'ES',
    side: 'long',
    quantity: 2,
    entryPrice: 5012.25,
    exitPrice: 5018.75,
    entryTime: T0 + 60_000,
    exitTime: T0 + 600_000,
    grossPnl: 650,
    netPnl: 644.28,
    commissions: 5.72,
    exitReason: 'stop_tp1',
    highestTarget: 2,
    initialStop: 5005.5,
    confirmationScore: 72.5,
    poc: 5018.75,
    vah: 5024.5,
    val: 5012.25,
    ...over,
  };
}

export function order(tag: string, positionId: string, over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    tag,
    positionId,
    accountId: 'ACC-1',
    symbol: 'ES',
    contractId: 'CON.F.US.EP.H26',
    side: 'buy',
    kind: 'entry',
    price: 5012.25,
    quantity: 2,
    brokerOrderId: null,
    status: 'submitted',
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

let counter = 0;
/** A unique id per call within one test file (tests share a store and must not collide). */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}
