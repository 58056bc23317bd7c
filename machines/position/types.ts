import type { BrokerEvent, EngineCommand, OpenPositionRequest } from '../../src/domain/events.ts';
import type { EntryPlan, ExitReason, PriceBand, Side } from '../../src/domain/types.ts';
import type { PositionMachineState } from '../../src/domain/vocabulary.ts';

/** Bump when the context shape or the states change: stored snapshots carry it (crash recovery). */
export const POSITION_MACHINE_VERSION = 'position@1';

export type LegStatus = 'sent' | 'working' | 'filled' | 'cancelling' | 'cancelled' | 'rejected';

export interface LegState {
  readonly tag: string;
  readonly price: number;
  readonly quantity: number;
  readonly filled: number;
  readonly orderId: string | null;
  readonly status: LegStatus;
}

export interface PositionGrid {
  readonly tickSize: number;
  readonly tickValue: number;
  readonly decimals: number;
}

export interface PositionContext {
  readonly positionId: string;
  readonly signalId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly contractId: string;
  readonly side: Side;
  readonly grid: PositionGrid;
  readonly plan: EntryPlan;
  readonly openedAt: number;
  /** Unfilled entries are cancelled at this time (a deadline kept in context, checked on events). */
  readonly expiresAt: number;
  readonly closeAtTp3: boolean;
  readonly legs: readonly LegState[];
  /** Next entry leg number (tags e0, e1 … never reuse a number). */
  readonly legSeq: number;
  readonly filledQty: number;
  /** Sum of fill price in ticks × contracts over entry fills (exact integer). */
  readonly entryTicksSum: number;
  readonly firstFillAt: number | null;
  /** Current ladder stop. */
  readonly stop: number;
  /** Highest target reached: 0 none, 1..3. */
  readonly rung: 0 | 1 | 2 | 3;
  /** Protective stop order: tag sequence and the quantity last commanded. */
  readonly stopSeq: number;
  readonly stopQty: number;
  /** Price of the protective stop last commanded (null: none commanded yet). */
  readonly stopOrderPrice: number | null;
  readonly exitSeq: number;
  /** Contracts asked to close by working close orders. */
  readonly exitPendingQty: number;
  readonly exitAttempts: number;
  readonly exitReason: ExitReason | null;
  /** Why a pending entry is being cancelled (expiry, alert …), for the record. */
  readonly cancelReason: string | null;
  readonly exitedQty: number;
  readonly exitTicksSum: number;
  readonly lastExitAt: number | null;
  readonly fees: number;
  readonly closedAt: number | null;
  readonly lastTs: number;
}

export type PositionEvent =
  | { readonly type: 'tick'; readonly ts: number; readonly price: number }
  | { readonly type: 'clock'; readonly ts: number }
  | BrokerEvent
  | {
      readonly type: 'replace';
      readonly ts: number;
      readonly signalId: string;
      readonly plan: EntryPlan;
      readonly expiresAt: number;
    }
  /** Leave the trade: close if open, cancel the entry if pending. */
  | { readonly type: 'exit'; readonly ts: number; readonly reason: ExitReason }
  /** Cancel working entry orders only (a `cancel` alert). */
  | { readonly type: 'cancel'; readonly ts: number; readonly reason: string };

export type PositionInput = OpenPositionRequest & { readonly ts: number };

/** What a position reports to its parent (or emits when it has none). */
export interface PositionUpdate {
  readonly type: 'update';
  readonly positionId: string;
  readonly symbol: string;
  readonly accountId: string;
  readonly state: PositionMachineState;
  readonly band: PriceBand;
  readonly ts: number;
  /** The whole context, on the final update only (closed, cancelled): what the trade record needs. */
  readonly final?: PositionContext;
}

export type PositionMessage = EngineCommand | PositionUpdate;

export interface PositionOutputEvent {
  readonly type: 'position.output';
  readonly positionId: string;
  readonly message: PositionMessage;
}
