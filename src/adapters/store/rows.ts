/**
 * Record ↔ row mapping shared by every adapter. Rows are plain JSON objects with the table's column
 * names: the SQL adapters read `to_jsonb(row)` and PostgREST returns the same shape, so one mapper
 * serves all. Times are epoch ms in records and ISO strings in rows.
 */

import type { NormalizedAlert } from '../../domain/alert.ts';
import type { BotSettings } from '../../domain/settings.ts';
import type { ExitReason, OrderSide, Side } from '../../domain/types.ts';
import { isPositionState, POSITION_STATES } from '../../domain/vocabulary.ts';
import type {
  AlertRecord,
  AlertStatus,
  BacktestRecord,
  ExecutionEvent,
  GuardStateRecord,
  OrderKind,
  OrderRecord,
  OrderStatus,
  PositionRecord,
  PositionStateName,
  SignalRecord,
  SignalStatus,
  StoredAlert,
  StoredExecutionEvent,
  StoredTrade,
  TradeRecord,
} from '../../ports/store.ts';
import { invalidInput } from './errors.ts';

export type Row = Record<string, unknown>;

// ---- values ---------------------------------------------------------------------------------

export function iso(operation: string, field: string, ms: number): string {
  if (!Number.isFinite(ms))
    throw invalidInput(operation, field, `must be epoch milliseconds (got ${String(ms)})`);
  return new Date(ms).toISOString();
}

function isoOrNull(operation: string, field: string, ms: number | null): string | null {
  return ms === null ? null : iso(operation, field, ms);
}

function finite(operation: string, field: string, value: number): number {
  if (!Number.isFinite(value))
    throw invalidInput(operation, field, `must be a finite number (got ${String(value)})`);
  return value;
}

function finiteOrNull(operation: string, field: string, value: number | null): number | null {
  return value === null ? null : finite(operation, field, value);
}

function integer(operation: string, field: string, value: number): number {
  if (!Number.isInteger(value))
    throw invalidInput(operation, field, `must be a whole number (got ${String(value)})`);
  return value;
}

function ms(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

function msOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : ms(value);
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

// ---- alerts ---------------------------------------------------------------------------------

export function alertToRow(alert: AlertRecord): Row {
  const op = 'insertAlert';
  if (typeof alert.idempotencyKey !== 'string' || alert.idempotencyKey.length === 0) {
    throw invalidInput(op, 'idempotencyKey', 'must be a non-empty string');
  }
  return {
    idempotency_key: alert.idempotencyKey,
    received_at: iso(op, 'receivedAt', alert.receivedAt),
    source_address: alert.sourceAddress,
    content_type: alert.contentType,
    raw_body: alert.rawBody,
    parsed: alert.parsed,
    status: alert.status,
    reason: alert.reason,
  };
}

export function rowToAlert(row: Row): StoredAlert {
  return {
    id: num(row.id),
    idempotencyKey: str(row.idempotency_key),
    receivedAt: ms(row.received_at),
    sourceAddress: strOrNull(row.source_address),
    contentType: str(row.content_type),
    rawBody: str(row.raw_body),
    parsed: (row.parsed ?? null) as NormalizedAlert | null,
    status: str(row.status) as AlertStatus,
    reason: strOrNull(row.reason),
  };
}

// ---- signals --------------------------------------------------------------------------------

export function signalToRow(signal: SignalRecord): Row {
  const op = 'upsertSignal';
  return {
    id: signal.id,
    alert_id: signal.alertId,
    account_id: signal.accountId,
    symbol: signal.symbol,
    action: signal.action,
    execution_status: signal.status,
    execution_reason: signal.reason,
    executed_trade_id: signal.executedTradeId,
    execution_attempts: integer(op, 'attempts', signal.attempts),
    execution_scheduled_at: isoOrNull(op, 'scheduledAt', signal.scheduledAt),
    confirmation_score: finiteOrNull(op, 'confirmationScore', signal.confirmationScore),
    created_at: iso(op, 'createdAt', signal.createdAt),
    updated_at: iso(op, 'updatedAt', signal.updatedAt),
  };
}

export function rowToSignal(row: Row): SignalRecord {
  return {
    id: str(row.id),
    alertId: numOrNull(row.alert_id),
    accountId: str(row.account_id),
    symbol: str(row.symbol),
    action: str(row.action),
    status: str(row.execution_status) as SignalStatus,
    reason: strOrNull(row.execution_reason),
    attempts: num(row.execution_attempts),
    scheduledAt: msOrNull(row.execution_scheduled_at),
    executedTradeId: strOrNull(row.executed_trade_id),
    confirmationScore: numOrNull(row.confirmation_score),
    createdAt: ms(row.created_at),
    updatedAt: ms(row.updated_at),
  };
}

// ---- positions ------------------------------------------------------------------------------

export function positionToRow(p: PositionRecord, op = 'upsertPositions'): Row {
  if (p.snapshot === undefined)
    throw invalidInput(op, `position ${p.id} snapshot`, 'is required (XState persisted snapshot)');
  return {
    id: p.id,
    signal_id: p.signalId,
    alert_id: p.alertId,
    account_id: p.accountId,
    symbol: p.symbol,
    contract_id: p.contractId,
    side: p.side,
    state: p.state,
    quantity: integer(op, 'quantity', p.quantity),
    filled_quantity: integer(op, 'filledQuantity', p.filledQuantity),
    entry_order_id: p.entryOrderId,
    entry_price: finite(op, 'entryPrice', p.entryPrice),
    fill_price: finiteOrNull(op, 'fillPrice', p.fillPrice),
    stop_price: finite(op, 'stopPrice', p.stopPrice),
    tp1: finite(op, 'tp1', p.tp1),
    tp2: finite(op, 'tp2', p.tp2),
    tp3: finite(op, 'tp3', p.tp3),
    poc: finite(op, 'poc', p.poc),
    vah: finite(op, 'vah', p.vah),
    val: finite(op, 'val', p.val),
    confirmation_score: finiteOrNull(op, 'confirmationScore', p.confirmationScore),
    unrealized_pnl: finite(op, 'unrealizedPnl', p.unrealizedPnl),
    realized_pnl: finite(op, 'realizedPnl', p.realizedPnl),
    llm_reasoning: p.llmReasoning,
    llm_confidence: finiteOrNull(op, 'llmConfidence', p.llmConfidence),
    snapshot: p.snapshot,
    machine_version: p.machineVersion,
    opened_at: iso(op, 'openedAt', p.openedAt),
    updated_at: iso(op, 'updatedAt', p.updatedAt),
    closed_at: isoOrNull(op, 'closedAt', p.closedAt),
  };
}

/** A stored state outside the vocabulary is a schema this build does not know: refuse it, never guess. */
function positionStateOf(row: Row): PositionStateName {
  if (isPositionState(row.state)) return row.state;
  throw new Error(
    `position ${String(row.id)}: unknown state ${JSON.stringify(row.state)} in the database (this build knows ${POSITION_STATES.join(', ')}); run the migrations of this build, or fix the row`,
  );
}

export function rowToPosition(row: Row): PositionRecord {
  return {
    id: str(row.id),
    signalId: strOrNull(row.signal_id),
    alertId: numOrNull(row.alert_id),
    accountId: str(row.account_id),
    symbol: str(row.symbol),
    contractId: str(row.contract_id),
    side: str(row.side) as Side,
    state: positionStateOf(row),
    quantity: num(row.quantity),
    filledQuantity: num(row.filled_quantity),
    entryOrderId: strOrNull(row.entry_order_id),
    entryPrice: num(row.entry_price),
    fillPrice: numOrNull(row.fill_price),
    stopPrice: num(row.stop_price),
    tp1: num(row.tp1),
    tp2: num(row.tp2),
    tp3: num(row.tp3),
    poc: num(row.poc),
    vah: num(row.vah),
    val: num(row.val),
    confirmationScore: numOrNull(row.confirmation_score),
    unrealizedPnl: num(row.unrealized_pnl),
    realizedPnl: num(row.realized_pnl),
    llmReasoning: strOrNull(row.llm_reasoning),
    llmConfidence: numOrNull(row.llm_confidence),
    snapshot: row.snapshot,
    machineVersion: str(row.machine_version),
    openedAt: ms(row.opened_at),
    updatedAt: ms(row.updated_at),
    closedAt: msOrNull(row.closed_at),
  };
}

// ---- trades ---------------------------------------------------------------------------------

export function tradeToRow(t: TradeRecord): Row {
  const op = 'closePositionWithTrade';
  return {
    position_id: t.positionId,
    account_id: t.accountId,
    symbol: t.symbol,
    side: t.side,
    quantity: integer(op, 'trade.quantity', t.quantity),
    entry_price: finite(op, 'trade.entryPrice', t.entryPrice),
    exit_price: finite(op, 'trade.exitPrice', t.exitPrice),
    entry_time: iso(op, 'trade.entryTime', t.entryTime),
    exit_time: iso(op, 'trade.exitTime', t.exitTime),
    gross_pnl: finite(op, 'trade.grossPnl', t.grossPnl),
    net_pnl: finite(op, 'trade.netPnl', t.netPnl),
    commissions: finite(op, 'trade.commissions', t.commissions),
    exit_reason: t.exitReason,
    highest_target: integer(op, 'trade.highestTarget', t.highestTarget),
    initial_stop: finite(op, 'trade.initialStop', t.initialStop),
    confirmation_score: finiteOrNull(op, 'trade.confirmationScore', t.confirmationScore),
    poc: finite(op, 'trade.poc', t.poc),
    vah: finite(op, 'trade.vah', t.vah),
    val: finite(op, 'trade.val', t.val),
  };
}

export function rowToTrade(row: Row): StoredTrade {
  return {
    id: num(row.id),
    createdAt: ms(row.created_at),
    positionId: str(row.position_id),
    accountId: str(row.account_id),
    symbol: str(row.symbol),
    side: str(row.side) as Side,
    quantity: num(row.quantity),
    entryPrice: num(row.entry_price),
    exitPrice: num(row.exit_price),
    entryTime: ms(row.entry_time),
    exitTime: ms(row.exit_time),
    grossPnl: num(row.gross_pnl),
    netPnl: num(row.net_pnl),
    commissions: num(row.commissions),
    exitReason: str(row.exit_reason) as ExitReason,
    highestTarget: num(row.highest_target),
    initialStop: num(row.initial_stop),
    confirmationScore: numOrNull(row.confirmation_score),
    poc: num(row.poc),
    vah: num(row.vah),
    val: num(row.val),
  };
}

// ---- events ---------------------------------------------------------------------------------

export function eventToRow(e: ExecutionEvent): Row {
  return {
    entity_type: e.entityType,
    entity_id: e.entityId,
    from_state: e.fromState,
    to_state: e.toState,
    ts: iso('appendEvents', 'ts', e.ts),
    detail: e.detail,
  };
}

export function rowToEvent(row: Row): StoredExecutionEvent {
  return {
    id: num(row.id),
    entityType: str(row.entity_type) as ExecutionEvent['entityType'],
    entityId: str(row.entity_id),
    fromState: strOrNull(row.from_state),
    toState: str(row.to_state),
    ts: ms(row.ts),
    detail: (row.detail ?? {}) as Record<string, unknown>,
  };
}

// ---- orders ---------------------------------------------------------------------------------

export function orderToRow(o: OrderRecord): Row {
  const op = 'recordOrder';
  return {
    tag: o.tag,
    position_id: o.positionId,
    account_id: o.accountId,
    symbol: o.symbol,
    contract_id: o.contractId,
    side: o.side,
    kind: o.kind,
    price: finiteOrNull(op, 'price', o.price),
    quantity: integer(op, 'quantity', o.quantity),
    broker_order_id: o.brokerOrderId,
    status: o.status,
    created_at: iso(op, 'createdAt', o.createdAt),
    updated_at: iso(op, 'updatedAt', o.updatedAt),
  };
}

export function rowToOrder(row: Row): OrderRecord {
  return {
    tag: str(row.tag),
    positionId: str(row.position_id),
    accountId: str(row.account_id),
    symbol: str(row.symbol),
    contractId: str(row.contract_id),
    side: str(row.side) as OrderSide,
    kind: str(row.kind) as OrderKind,
    price: numOrNull(row.price),
    quantity: num(row.quantity),
    brokerOrderId: strOrNull(row.broker_order_id),
    status: str(row.status) as OrderStatus,
    createdAt: ms(row.created_at),
    updatedAt: ms(row.updated_at),
  };
}

// ---- settings -------------------------------------------------------------------------------

export function settingsToRow(s: BotSettings): Row {
  const op = 'saveSettings';
  return {
    id: 1,
    is_active: s.isActive,
    market_types: [...s.marketTypes],
    watchlist: [...s.watchlist],
    blacklist: [...s.blacklist],
    cooldown_ms: integer(op, 'cooldownMs', s.cooldownMs),
    max_concurrent_trades: integer(op, 'maxConcurrentTrades', s.maxConcurrentTrades),
    risk_per_trade: finite(op, 'riskPerTrade', s.riskPerTrade),
    max_contracts: integer(op, 'maxContracts', s.maxContracts),
    dca_levels: s.dcaLevels,
    stop_buffer_ticks: integer(op, 'stopBufferTicks', s.stopBufferTicks),
    tp1_target: s.tp1Target,
    tp2_target: s.tp2Target,
    tp3_target: s.tp3Target,
    confirmation_threshold: finite(op, 'confirmationThreshold', s.confirmationThreshold),
    profile_lookback_minutes: integer(op, 'profileLookbackMinutes', s.profileLookbackMinutes),
    profile_rows: integer(op, 'profileRows', s.profileRows),
    value_area_percent: finite(op, 'valueAreaPercent', s.valueAreaPercent),
    entry_timeout_ms: integer(op, 'entryTimeoutMs', s.entryTimeoutMs),
    close_at_tp3: s.closeAtTp3,
    max_alert_lag_ms: integer(op, 'maxAlertLagMs', s.maxAlertLagMs),
    account_rules: s.accountRules,
    daily_loss_limit: finite(op, 'dailyLossLimit', s.dailyLossLimit),
    daily_loss_action: s.dailyLossAction,
    trailing_drawdown: finite(op, 'trailingDrawdown', s.trailingDrawdown),
    max_position: integer(op, 'maxPosition', s.maxPosition),
    risk_buffer: finite(op, 'riskBuffer', s.riskBuffer),
    stop_slippage_ticks: integer(op, 'stopSlippageTicks', s.stopSlippageTicks),
    crossed_entry: s.crossedEntry,
    balance_tolerance: finite(op, 'balanceTolerance', s.balanceTolerance),
    no_new_entries_after: s.noNewEntriesAfter,
    cme_calendar: s.cmeCalendar,
    trading_window_start: s.tradingWindowStart,
    trading_window_end: s.tradingWindowEnd,
    flat_by_time: s.flatByTime,
    time_zone: s.timeZone,
    starting_balance: finite(op, 'startingBalance', s.startingBalance),
  };
}

export function rowToSettings(row: Row): BotSettings {
  return {
    isActive: Boolean(row.is_active),
    marketTypes: strings(row.market_types),
    watchlist: strings(row.watchlist),
    blacklist: strings(row.blacklist),
    cooldownMs: num(row.cooldown_ms),
    maxConcurrentTrades: num(row.max_concurrent_trades),
    riskPerTrade: num(row.risk_per_trade),
    maxContracts: num(row.max_contracts),
    dcaLevels: (Array.isArray(row.dca_levels) ? row.dca_levels : []) as BotSettings['dcaLevels'],
    stopBufferTicks: num(row.stop_buffer_ticks),
    tp1Target: str(row.tp1_target ?? 'poc') as BotSettings['tp1Target'],
    tp2Target: str(row.tp2_target ?? 'value_edge') as BotSettings['tp2Target'],
    tp3Target: str(row.tp3_target ?? 'profile_extreme') as BotSettings['tp3Target'],
    confirmationThreshold: num(row.confirmation_threshold),
    profileLookbackMinutes: num(row.profile_lookback_minutes),
    profileRows: num(row.profile_rows),
    valueAreaPercent: num(row.value_area_percent),
    entryTimeoutMs: num(row.entry_timeout_ms),
    closeAtTp3: Boolean(row.close_at_tp3),
    maxAlertLagMs: num(row.max_alert_lag_ms),
    accountRules: str(row.account_rules) as BotSettings['accountRules'],
    dailyLossLimit: num(row.daily_loss_limit),
    dailyLossAction: str(row.daily_loss_action) as BotSettings['dailyLossAction'],
    trailingDrawdown: num(row.trailing_drawdown),
    maxPosition: num(row.max_position),
    riskBuffer: num(row.risk_buffer),
    stopSlippageTicks: num(row.stop_slippage_ticks),
    crossedEntry: str(row.crossed_entry) as BotSettings['crossedEntry'],
    balanceTolerance: num(row.balance_tolerance),
    noNewEntriesAfter: str(row.no_new_entries_after ?? ''),
    cmeCalendar:
      row.cme_calendar === undefined || row.cme_calendar === null ? true : Boolean(row.cme_calendar),
    tradingWindowStart: str(row.trading_window_start ?? ''),
    tradingWindowEnd: str(row.trading_window_end ?? ''),
    flatByTime: str(row.flat_by_time ?? ''),
    timeZone: str(row.time_zone),
    startingBalance: num(row.starting_balance),
  };
}

// ---- guard state and backtests ----------------------------------------------------------------

export function guardToRow(g: GuardStateRecord): Row {
  const op = 'saveGuardState';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(g.tradingDay))
    throw invalidInput(op, 'tradingDay', `must be YYYY-MM-DD (got "${g.tradingDay}")`);
  return {
    account_id: g.accountId,
    trading_day: g.tradingDay,
    day_start_balance: finite(op, 'dayStartBalance', g.dayStartBalance),
    daily_realized_pnl: finite(op, 'dailyRealizedPnl', g.dailyRealizedPnl),
    high_water_mark: finite(op, 'highWaterMark', g.highWaterMark),
    daily_loss_latched: g.dailyLossLatched,
    drawdown_latched: g.drawdownLatched,
    latched_reason: g.latchedReason,
    updated_at: iso(op, 'updatedAt', g.updatedAt),
  };
}

export function rowToGuard(row: Row): GuardStateRecord {
  return {
    accountId: str(row.account_id),
    tradingDay: str(row.trading_day),
    dayStartBalance: num(row.day_start_balance),
    dailyRealizedPnl: num(row.daily_realized_pnl),
    highWaterMark: num(row.high_water_mark),
    dailyLossLatched: Boolean(row.daily_loss_latched),
    drawdownLatched: Boolean(row.drawdown_latched),
    latchedReason: strOrNull(row.latched_reason),
    updatedAt: ms(row.updated_at),
  };
}

export function backtestToRow(b: BacktestRecord): Row {
  return {
    id: b.id,
    name: b.name,
    created_at: iso('saveBacktest', 'createdAt', b.createdAt),
    params: b.params ?? {},
    report: b.report ?? {},
  };
}

export function rowToBacktest(row: Row): BacktestRecord {
  return {
    id: str(row.id),
    name: str(row.name ?? ''),
    createdAt: ms(row.created_at),
    params: row.params,
    report: row.report,
  };
}

export function rowToBacktestSummary(row: Row): Omit<BacktestRecord, 'report'> {
  return { id: str(row.id), name: str(row.name ?? ''), createdAt: ms(row.created_at), params: row.params };
}
