/**
 * The Store port: what the engine, the intake and the dashboard need from PostgreSQL.
 * Adapters: PGlite (default), PostgreSQL (DATABASE_URL), Supabase (supabase-js).
 * Times are epoch ms in this interface; adapters convert to timestamptz.
 * (Owned by the [store] work; extend it, keep the names.)
 */

import type { NormalizedAlert } from '../domain/alert.ts';
import type { BotSettings } from '../domain/settings.ts';
import type { ExitReason, OrderSide, Side } from '../domain/types.ts';
import type { PositionState } from '../domain/vocabulary.ts';
import type { DashboardQueries } from './dashboard-queries.ts';

export type AlertStatus = 'received' | 'rejected' | 'duplicate' | 'ignored' | 'processed';

export interface AlertRecord {
  readonly idempotencyKey: string;
  readonly receivedAt: number;
  readonly sourceAddress: string | null;
  readonly contentType: string;
  /** Raw body with any secret redacted. */
  readonly rawBody: string;
  readonly parsed: NormalizedAlert | null;
  readonly status: AlertStatus;
  readonly reason: string | null;
}

export interface StoredAlert extends AlertRecord {
  readonly id: number;
}

export type SignalStatus = 'PENDING' | 'FILTERED' | 'EXECUTING' | 'EXECUTED' | 'FAILED' | 'IGNORED';

export interface SignalRecord {
  /** Deterministic id derived from the alert's idempotency key (and account). */
  readonly id: string;
  readonly alertId: number | null;
  readonly accountId: string;
  readonly symbol: string;
  readonly action: string;
  readonly status: SignalStatus;
  readonly reason: string | null;
  readonly attempts: number;
  readonly scheduledAt: number | null;
  /** The position id the signal opened or acted on. */
  readonly executedTradeId: string | null;
  readonly confirmationScore: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A position's stored state: the machine's names (src/domain/vocabulary.ts). */
export type PositionStateName = PositionState;

export interface PositionRecord {
  readonly id: string;
  readonly signalId: string | null;
  readonly alertId: number | null;
  readonly accountId: string;
  readonly symbol: string;
  readonly contractId: string;
  readonly side: Side;
  readonly state: PositionStateName;
  readonly quantity: number;
  readonly filledQuantity: number;
  readonly entryOrderId: string | null;
  readonly entryPrice: number;
  readonly fillPrice: number | null;
  readonly stopPrice: number;
  readonly tp1: number;
  readonly tp2: number;
  readonly tp3: number;
  readonly poc: number;
  readonly vah: number;
  readonly val: number;
  readonly confirmationScore: number | null;
  readonly unrealizedPnl: number;
  readonly realizedPnl: number;
  readonly llmReasoning: string | null;
  readonly llmConfidence: number | null;
  /** XState persisted snapshot of the position actor. */
  readonly snapshot: unknown;
  readonly machineVersion: string;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly closedAt: number | null;
}

export interface TradeRecord {
  readonly positionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly entryTime: number;
  readonly exitTime: number;
  readonly grossPnl: number;
  readonly netPnl: number;
  readonly commissions: number;
  readonly exitReason: ExitReason;
  /** 0 = none, 1..3 = TP1..TP3. */
  readonly highestTarget: number;
  readonly initialStop: number;
  readonly confirmationScore: number | null;
  readonly poc: number;
  readonly vah: number;
  readonly val: number;
}

export interface ExecutionEvent {
  /** 'account': a broker-state repair on that account (entityId = the account id). */
  readonly entityType: 'signal' | 'position' | 'account';
  readonly entityId: string;
  readonly fromState: string | null;
  readonly toState: string;
  readonly ts: number;
  readonly detail: Record<string, unknown>;
}

export type OrderKind = 'entry' | 'stop' | 'exit';
export type OrderStatus = 'submitted' | 'accepted' | 'rejected' | 'filled' | 'cancelled';

/** A broker order recorded under its idempotency tag (the ProjectX customTag) before it is sent. */
export interface OrderRecord {
  readonly tag: string;
  readonly positionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly contractId: string;
  readonly side: OrderSide;
  readonly kind: OrderKind;
  /** Limit or stop price; null for market orders. */
  readonly price: number | null;
  readonly quantity: number;
  readonly brokerOrderId: string | null;
  readonly status: OrderStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface RecordOrderResult {
  /** False when the tag was already recorded: resolve by looking it up, never send again blindly. */
  readonly inserted: boolean;
  readonly brokerOrderId: string | null;
  readonly status: OrderStatus;
}

export interface StoredTrade extends TradeRecord {
  readonly id: number;
  readonly createdAt: number;
}

export interface StoredExecutionEvent extends ExecutionEvent {
  readonly id: number;
}

/** Risk-guard state per account, persisted so a restart keeps the day's losses and latches. */
export interface GuardStateRecord {
  readonly accountId: string;
  /** Trading day (exchange local date), YYYY-MM-DD. */
  readonly tradingDay: string;
  readonly dayStartBalance: number;
  readonly dailyRealizedPnl: number;
  /** Equity high-water mark for the trailing drawdown. */
  readonly highWaterMark: number;
  readonly dailyLossLatched: boolean;
  readonly drawdownLatched: boolean;
  readonly latchedReason: string | null;
  readonly updatedAt: number;
}

/** A stored backtest report (the dashboard lists them). */
export interface BacktestRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly params: unknown;
  readonly report: unknown;
}

export type StoreKind = 'pglite' | 'postgres' | 'supabase';

export interface Store {
  readonly kind: StoreKind;
  /**
   * The dashboard's list queries, when this store can answer them (the SQL stores: PGlite and
   * PostgreSQL). The supabase-js store cannot yet; the dashboard then stays off and says why.
   */
  dashboardQueries?(): DashboardQueries;
  /** Apply pending migrations (and the idempotent seed). The supabase adapter only checks the schema. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Insert under the unique idempotency key; `inserted: false` when the key already exists (duplicate). */
  insertAlert(alert: AlertRecord): Promise<{ inserted: boolean; id: number }>;
  getAlert(id: number): Promise<StoredAlert | null>;
  setAlertStatus(id: number, status: AlertStatus, reason: string | null): Promise<void>;
  /** Alerts with status 'received' and no signal yet, oldest first (catch-up sweep); page with afterId. */
  /**
   * Alerts not handled yet, oldest first. `accounts` (default 1): how many accounts decide each alert;
   * an alert stays unhandled until that many accounts have a decision (docs/accounts.md).
   */
  unprocessedAlerts(limit: number, afterId?: number, accounts?: number): Promise<StoredAlert[]>;
  /**
   * Call `onNewAlert` with the id of every alert inserted from now on (LISTEN/NOTIFY or Realtime).
   * Best effort: ids may be missed while disconnected; the sweep in alert-stream.ts covers that.
   */
  subscribeAlerts(onNewAlert: (alertId: number) => void): Promise<() => Promise<void>>;

  /** Insert or update; a final decision (FILTERED, EXECUTED, IGNORED) never changes to another status. */
  upsertSignal(signal: SignalRecord): Promise<void>;
  getSignal(id: string): Promise<SignalRecord | null>;
  /** Atomically claim PENDING signals due at `now` (FOR UPDATE SKIP LOCKED), marking them EXECUTING. */
  claimPendingSignals(owner: string, now: number, limit: number): Promise<SignalRecord[]>;

  appendEvents(events: readonly ExecutionEvent[]): Promise<void>;
  eventsFor(entityType: ExecutionEvent['entityType'], entityId: string): Promise<StoredExecutionEvent[]>;

  /** Batch upsert; closed/cancelled rows are final and older `updatedAt` never overwrites newer. Returns rows written. */
  upsertPositions(positions: readonly PositionRecord[]): Promise<number>;
  /** Close a position and write its immutable trade row in one transaction. False when already recorded. */
  closePositionWithTrade(position: PositionRecord, trade: TradeRecord): Promise<boolean>;
  getPosition(id: string): Promise<PositionRecord | null>;
  /** Positions not closed/cancelled (crash recovery), oldest first. */
  openPositions(accountId?: string): Promise<PositionRecord[]>;
  /** Most recent trades first. */
  recentTrades(limit: number, accountId?: string): Promise<StoredTrade[]>;

  /** Record an order under its tag before sending it (idempotent). */
  recordOrder(order: OrderRecord): Promise<RecordOrderResult>;
  updateOrder(
    tag: string,
    update: { brokerOrderId: string | null; status: OrderStatus; updatedAt: number },
  ): Promise<void>;
  findOrder(tag: string): Promise<OrderRecord | null>;

  getSettings(): Promise<BotSettings>;
  /** The saved row, or null when nothing was saved yet (then the defaults and start layers apply). */
  savedSettings(): Promise<BotSettings | null>;
  saveSettings(settings: BotSettings): Promise<void>;

  getGuardState(accountId: string): Promise<GuardStateRecord | null>;
  saveGuardState(state: GuardStateRecord): Promise<void>;

  saveBacktest(backtest: BacktestRecord): Promise<void>;
  /** Newest first, without the report body. */
  listBacktests(limit: number): Promise<Omit<BacktestRecord, 'report'>[]>;
  getBacktest(id: string): Promise<BacktestRecord | null>;

  /**
   * Own a trading account: a session-level advisory lock (pg_try_advisory_lock(hashtext(account)))
   * held on a dedicated connection until released or the process ends. False when another process owns it.
   */
  acquireAccountLock(accountId: string): Promise<boolean>;
  releaseAccountLock(accountId: string): Promise<void>;
}

/** The write queue's health (src/adapters/store/write-queue.ts), shown by the status screen and dashboard. */
export interface WriteQueueStatus {
  /** Lane writes not yet durable, including a position batch in flight. */
  readonly pendingWrites: number;
  /** Positions changed since the last flush. */
  readonly dirtyPositions: number;
  /** Consecutive failed attempts of the write at the head of the lane (0 when healthy). */
  readonly failedAttempts: number;
  /** Writes the database refused (bad input); their callers got the error. */
  readonly rejectedWrites: number;
  readonly lastError: string | null;
  /** Clock time of the last successful position flush. */
  readonly lastFlushAt: number | null;
}
