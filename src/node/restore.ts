/**
 * Crash recovery for the live node: what the store says about the account before the node runs.
 * Crash-only: a start after a crash is the normal start. The actors come back from their stored
 * snapshots, a signal left EXECUTING gets its decision, and the guards resume from their record.
 */
import type { Logger } from '../adapters/log/logger.ts';
import { type GuardState, initialGuardState } from '../domain/guards.ts';
import type { GuardStateRecord, PositionRecord, Store } from '../ports/store.ts';
import { engineSnapshotFromPositions } from '../runtime/recovery.ts';

export interface Restored {
  readonly positions: readonly PositionRecord[];
  /** The engine snapshot to resume from; undefined when nothing was open. */
  readonly snapshot: unknown | undefined;
  /** The guards as they were stored (or fresh from the starting balance). */
  readonly guardState: GuardState;
  /** The guard state came from a stored record. */
  readonly fromStore: boolean;
}

/**
 * Restore the account's open positions. A signal whose entry order went out just before the
 * previous process died was left EXECUTING: its position is restored, so the decision is known.
 * Say so, so no signal stays undecided.
 */
export async function restoreAccount(
  store: Store,
  positions: readonly PositionRecord[],
  accountId: string,
  deps: {
    readonly now: number;
    readonly logger: Logger;
    readonly startingBalance: number;
    /**
     * Mark the signal's alert row processed (default true). Several accounts: false, the alert may
     * still be undecided for another account; the inbox marks it once every account decided.
     */
    readonly markAlertProcessed?: boolean;
  },
): Promise<Restored> {
  const { logger } = deps;
  const stored = positions.filter((p) => p.accountId === accountId);
  if (stored.length > 0)
    logger.info(
      { positions: stored.map((p) => `${p.symbol} ${p.side} ${p.state}`) },
      'restoring open positions',
    );
  for (const p of stored) {
    if (!p.signalId) continue;
    const signal = await store.getSignal(p.signalId).catch(() => null);
    if (signal?.status !== 'EXECUTING') continue;
    const reason = `EXECUTED: entry order sent before a restart; position ${p.id} restored (${p.state})`;
    try {
      await store.upsertSignal({ ...signal, status: 'EXECUTED', reason, updatedAt: deps.now });
      if (signal.alertId !== null && deps.markAlertProcessed !== false)
        await store.setAlertStatus(signal.alertId, 'processed', reason);
      logger.info({ signalId: signal.id, positionId: p.id }, reason);
    } catch (error) {
      logger.warn({ signalId: signal.id, error: String(error) }, 'could not record the restored signal');
    }
  }
  const record = await store.getGuardState(accountId);
  const guardState = guardFromRecord(record, deps.startingBalance, deps.now);
  return {
    positions: stored,
    snapshot: engineSnapshotFromPositions(stored),
    guardState,
    fromStore: record !== null,
  };
}

/** The guard state a stored record describes (or a fresh one from the starting balance). */
export function guardFromRecord(
  record: GuardStateRecord | null,
  startingBalance: number,
  ts: number,
): GuardState {
  if (!record) return initialGuardState({ startingBalance }, ts);
  const equity = record.dayStartBalance + record.dailyRealizedPnl;
  const latch = (on: boolean) =>
    on ? { reason: record.latchedReason ?? 'latched before the restart', at: record.updatedAt } : null;
  return {
    tradingDay: record.tradingDay,
    realizedPnlToday: record.dailyRealizedPnl,
    equity,
    highWaterMark: record.highWaterMark,
    dailyLoss: latch(record.dailyLossLatched),
    trailingDrawdown: latch(record.drawdownLatched),
  };
}

export function guardToRecord(state: GuardState, accountId: string, ts: number): GuardStateRecord {
  return {
    accountId,
    tradingDay: state.tradingDay,
    dayStartBalance: state.equity - state.realizedPnlToday,
    dailyRealizedPnl: state.realizedPnlToday,
    highWaterMark: state.highWaterMark,
    dailyLossLatched: state.dailyLoss !== null,
    drawdownLatched: state.trailingDrawdown !== null,
    latchedReason: state.dailyLoss?.reason ?? state.trailingDrawdown?.reason ?? null,
    updatedAt: ts,
  };
}
