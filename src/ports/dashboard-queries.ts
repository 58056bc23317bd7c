/**
 * The dashboard's read queries as a port: lists with filters, whitelisted sorts and pages, over the
 * stored alerts, signals, positions and trades. A store adapter that can answer them offers
 * `dashboardQueries()` (src/ports/store.ts); the dashboard adapter only sees this interface.
 */
import type { PositionState } from '../domain/vocabulary.ts';
import type {
  BacktestRecord,
  GuardStateRecord,
  PositionRecord,
  SignalRecord,
  StoredAlert,
  StoredExecutionEvent,
  StoredTrade,
} from './store.ts';

export const SIGNAL_STATUSES = ['PENDING', 'FILTERED', 'EXECUTING', 'EXECUTED', 'FAILED', 'IGNORED'] as const;
export const ALERT_STATUSES = ['received', 'rejected', 'duplicate', 'ignored', 'processed'] as const;

/** API sort name → SQL column, per list. */
export const POSITION_SORTS = {
  openedAt: 'opened_at',
  updatedAt: 'updated_at',
  symbol: 'symbol',
  state: 'state',
  side: 'side',
  quantity: 'quantity',
  entryPrice: 'entry_price',
  unrealizedPnl: 'unrealized_pnl',
  realizedPnl: 'realized_pnl',
} as const;
export const TRADE_SORTS = {
  exitTime: 'exit_time',
  entryTime: 'entry_time',
  symbol: 'symbol',
  side: 'side',
  quantity: 'quantity',
  netPnl: 'net_pnl',
  grossPnl: 'gross_pnl',
  exitReason: 'exit_reason',
  highestTarget: 'highest_target',
} as const;
export const SIGNAL_SORTS = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  symbol: 'symbol',
  status: 'execution_status',
} as const;
export const ALERT_SORTS = {
  receivedAt: 'received_at',
  id: 'id',
  status: 'status',
  symbol: 'symbol',
} as const;

type Order = 'asc' | 'desc';
type SignalStatus = (typeof SIGNAL_STATUSES)[number];
type AlertStatusFilter = (typeof ALERT_STATUSES)[number];

/** Validated list parameters (src/adapters/dashboard/params.ts parses them from the query string). */
export interface PositionsQuery {
  /** One account's rows only (several accounts: docs/accounts.md). */
  readonly account?: string | undefined;
  readonly symbol?: string | undefined;
  readonly state?: readonly PositionState[] | undefined;
  readonly side?: 'long' | 'short' | undefined;
  readonly open?: 'true' | 'false' | undefined;
  readonly page: number;
  readonly limit: number;
  readonly sort: keyof typeof POSITION_SORTS;
  readonly order: Order;
}

interface TimeRange {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export interface TradesQuery extends TimeRange {
  readonly account?: string | undefined;
  readonly symbol?: string | undefined;
  readonly side?: 'long' | 'short' | undefined;
  readonly page: number;
  readonly limit: number;
  readonly sort: keyof typeof TRADE_SORTS;
  readonly order: Order;
}

export interface SignalsQuery extends TimeRange {
  readonly account?: string | undefined;
  readonly status?: readonly SignalStatus[] | undefined;
  readonly symbol?: string | undefined;
  readonly page: number;
  readonly limit: number;
  readonly sort: keyof typeof SIGNAL_SORTS;
  readonly order: Order;
}

export interface AlertsQuery extends TimeRange {
  readonly status?: readonly AlertStatusFilter[] | undefined;
  readonly symbol?: string | undefined;
  readonly page: number;
  readonly limit: number;
  readonly sort: keyof typeof ALERT_SORTS;
  readonly order: Order;
}

export interface PageInfo {
  readonly page: number;
  readonly limit: number;
  readonly total: number;
  readonly pages: number;
}

export interface Paged<T> {
  readonly items: readonly T[];
  readonly pagination: PageInfo;
}

/** A position without its XState snapshot (the dashboard never needs it). */
export type PositionSummary = Omit<PositionRecord, 'snapshot'>;

export interface SignalSummary extends SignalRecord {
  /** From the alert that made the signal (null for signals without one). */
  readonly ticker: string | null;
  readonly alertReceivedAt: number | null;
}

export type AlertSummary = Omit<StoredAlert, 'rawBody'> & { readonly signalStatus: string | null };

export interface AlertDetail {
  readonly alert: StoredAlert;
  readonly signals: readonly SignalRecord[];
  readonly positions: readonly PositionSummary[];
  readonly events: readonly StoredExecutionEvent[];
}

export interface BacktestSummary extends Omit<BacktestRecord, 'report'> {
  readonly symbol: string | null;
  readonly trades: number | null;
  readonly totalNetPnl: number | null;
  readonly winRate: number | null;
}

/** A strategy-lab sweep (`npm run lab`) in the reports folder: the grid it ran and its best cell. */
export interface SweepSummary {
  /** Cells run, and of how many in the grid (fewer when sampled at random). */
  readonly cells: number;
  readonly gridCells: number;
  /** What ranked the cells: "netPnl", "maxDrawdown" (lower is better), "sharpe"… */
  readonly objective: string;
  readonly constraints: readonly string[];
  /** The best cell that met the constraints; null (label and value) when none did. */
  readonly bestLabel: string | null;
  readonly bestValue: number | null;
  /** Walk-forward windows run (null: no walk-forward) and its efficiency. */
  readonly walkForwardWindows: number | null;
  readonly walkForwardEfficiency: number | null;
}

export interface DashboardQueries {
  positions(query: PositionsQuery): Promise<Paged<PositionSummary>>;
  trades(query: TradesQuery): Promise<Paged<StoredTrade>>;
  /** Every trade, oldest exit first (the KPIs run computeMetrics over them). */
  allTrades(): Promise<readonly StoredTrade[]>;
  signals(query: SignalsQuery): Promise<Paged<SignalSummary>>;
  alerts(query: AlertsQuery): Promise<Paged<AlertSummary>>;
  alert(id: number): Promise<AlertDetail | null>;
  openPositionCount(): Promise<number>;
  guardStates(): Promise<readonly GuardStateRecord[]>;
  /** Newest first, without the report body but with a few headline figures. */
  backtestSummaries(limit: number): Promise<readonly BacktestSummary[]>;
  backtest(id: string): Promise<BacktestRecord | null>;
}

export interface DashboardQueries {
  positions(query: PositionsQuery): Promise<Paged<PositionSummary>>;
  trades(query: TradesQuery): Promise<Paged<StoredTrade>>;
  /** Every trade, oldest exit first (the KPIs run computeMetrics over them). */
  allTrades(): Promise<readonly StoredTrade[]>;
  signals(query: SignalsQuery): Promise<Paged<SignalSummary>>;
  alerts(query: AlertsQuery): Promise<Paged<AlertSummary>>;
  alert(id: number): Promise<AlertDetail | null>;
  openPositionCount(): Promise<number>;
  guardStates(): Promise<readonly GuardStateRecord[]>;
  /** Newest first, without the report body but with a few headline figures. */
  backtestSummaries(limit: number): Promise<readonly BacktestSummary[]>;
  backtest(id: string): Promise<BacktestRecord | null>;
}
