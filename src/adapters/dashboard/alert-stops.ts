/**
 * The two stops of an alert's position, kept apart: the plan's stop (the plan at entry, what the
 * trade risked) and the current ladder stop (breakeven after TP1, TP1 after TP2, TP2 after TP3).
 * The stored position row holds only the current stop, so the plan's stop comes from, in order:
 * the engine's live position, the closed trade's `initialStop`, the row itself while no target has
 * been reached, and the last recorded position event at rung 0.
 */
import type { DashboardQueries, PositionSummary } from '../../ports/dashboard-queries.ts';
import type { StoredExecutionEvent, StoredTrade } from '../../ports/store.ts';
import type { LivePosition } from './events.ts';

export interface AlertStops {
  /** The stop of the plan at entry; null when nothing recorded it. */
  readonly planStop: number | null;
  /** The ladder stop now (an open position) or when the position ended. */
  readonly currentStop: number | null;
  /** Highest target reached when `currentStop` was set: 0 none (the plan's stop), 1..3. */
  readonly currentStopRung: number | null;
}

/** Rung of a stored state; null for closed (any rung). `exiting` is stored as its highest rung. */
const RUNG_OF_STATE: Readonly<Record<string, number>> = {
  pending_entry: 0,
  active: 0,
  cancelled: 0,
  tp1: 1,
  tp2: 2,
  tp3: 3,
};

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export interface StopSources {
  readonly live?: Pick<LivePosition, 'initialStop' | 'stop' | 'rung'> | undefined;
  readonly trade?: Pick<StoredTrade, 'initialStop' | 'highestTarget'> | null | undefined;
}

export function alertStops(
  position: PositionSummary | undefined,
  events: readonly StoredExecutionEvent[],
  sources: StopSources = {},
): AlertStops {
  if (!position) return { planStop: null, currentStop: null, currentStopRung: null };
  const { live, trade } = sources;
  if (live) return { planStop: live.initialStop, currentStop: live.stop, currentStopRung: live.rung };
  const recorded = events.filter((e) => e.entityType === 'position' && e.entityId === position.id);
  const lastRung = [...recorded].reverse().find((e) => finite(e.detail.rung))?.detail.rung as
    | number
    | undefined;
  const rung = RUNG_OF_STATE[position.state] ?? trade?.highestTarget ?? lastRung ?? null;
  const atRungZero = [...recorded].reverse().find((e) => e.detail.rung === 0 && finite(e.detail.stop));
  const planStop =
    trade?.initialStop ??
    (rung === 0 ? position.stopPrice : null) ??
    (atRungZero ? (atRungZero.detail.stop as number) : null);
  return { planStop, currentStop: position.stopPrice, currentStopRung: rung };
}

/** The trade of a closed position: its exit lies between the position's opening and closing. */
export async function closedTradeOf(
  queries: Pick<DashboardQueries, 'trades'>,
  position: PositionSummary,
): Promise<StoredTrade | null> {
  if (position.state !== 'closed') return null;
  const page = await queries.trades({
    symbol: position.symbol,
    from: position.openedAt,
    ...(position.closedAt === null ? {} : { to: position.closedAt + 1 }),
    page: 1,
    limit: 500,
    sort: 'exitTime',
    order: 'asc',
  });
  return page.items.find((t) => t.positionId === position.id) ?? null;
}
