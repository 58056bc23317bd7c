/**
 * The Store port: what the engine, the intake and the dashboard need from PostgreSQL.
 * Adapters: PGlite (default), PostgreSQL (DATABASE_URL), Supabase (supabase-js).
 * Times are epoch ms in this interface; adapters convert to timestamptz.
 * (Owned by the [store] work; extend it, keep the names.)
 */
import type { NormalizedAlert } from '../domain/alert.ts';
import type { BotSettings } from '../domain/settings.ts';
import type { ExitReason, Side } from '../domain/types.ts';

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

export type PositionStateName = 'pending_entry' | 'active' | 'tp1_hit' | 'tp2_hit' | 'tp3_hit' | 'closed' | 'cancelled';

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
  readonly entityType: 'signal' | 'position';
  readonly entityId: string;
  readonly fromState: string | null;
  readonly toState: string;
  readonly ts: number;
  readonly detail: Record<string, unknown>;
}

export interface Store {
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Insert under the unique idempotency key; `inserted: false` when the key already exists (duplicate). */
  insertAlert(alert: AlertRecord): Promise<{ inserted: boolean; id: number }>;
  setAlertStatus(id: number, status: AlertStatus, reason: string | null): Promise<void>;
  /** Alerts with status 'received' and no signal yet, oldest first (catch-up sweep). */
  unprocessedAlerts(limit: number): Promise<StoredAlert[]>;
  upsertSignal(signal: SignalRecord): Promise<void>;
  /** Atomically claim PENDING signals due at `now` (FOR UPDATE SKIP LOCKED), marking them EXECUTING. */
  claimPendingSignals(owner: string, now: number, limit: number): Promise<SignalRecord[]>;
  appendEvents(events: readonly ExecutionEvent[]): Promise<void>;
  upsertPositions(positions: readonly PositionRecord[]): Promise<void>;
  /** Close a position and write its immutable trade row in one transaction. */
  closePositionWithTrade(position: PositionRecord, trade: TradeRecord): Promise<void>;
  /** Positions not closed/cancelled (crash recovery). */
  openPositions(accountId?: string): Promise<PositionRecord[]>;
  getSettings(): Promise<BotSettings>;
  saveSettings(settings: BotSettings): Promise<void>;
}
