/**
 * What the dashboard's live stream carries, and the mapping from the engine runtime's outputs.
 * Events are plain JSON values; the browser applies them to its tables without asking the API.
 */

import { interval, map, merge, mergeMap, type Observable, type SchedulerLike } from 'rxjs';
import { realizedPnl } from '../../domain/pnl.ts';
import type { SignalStatus } from '../../ports/store.ts';

/** A live position as the positions table and the stop ladder draw it. */
export interface LivePosition {
  readonly positionId: string;
  readonly signalId: string;
  readonly accountId: string;
  /** The account's name (several accounts in one process); absent when the publisher has none. */
  readonly accountName?: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly state: string;
  readonly quantity: number;
  readonly filledQuantity: number;
  readonly entryPrice: number;
  /** Average fill price, null until filled. */
  readonly fillPrice: number | null;
  readonly initialStop: number;
  /** Current ladder stop. */
  readonly stop: number;
  readonly tp1: number;
  readonly tp2: number;
  readonly tp3: number;
  /** Highest target reached: 0 none, 1..3. */
  readonly rung: number;
  readonly lastPrice: number | null;
  readonly unrealizedPnl: number;
  readonly realizedPnl: number;
  readonly openedAt: number;
}

export interface ActorTransition {
  readonly actorId: string;
  readonly machine: string;
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
  readonly ts: number;
  /** The account whose engine runs the actor, when known (position actors of a multi-account bot). */
  readonly accountId?: string;
}

export type DashboardEvent =
  | {
      readonly type: 'signal';
      readonly signalId: string;
      /** The alert behind the signal, when the publisher knows it (opens the alert detail). */
      readonly alertId?: number | null;
      readonly symbol: string | null;
      readonly status: SignalStatus;
      readonly reason: string;
      readonly positionId: string | null;
      readonly ts: number;
      /** The account that decided it (and its name), when the publisher knows it. */
      readonly accountId?: string;
      readonly accountName?: string;
    }
  | { readonly type: 'position'; readonly position: LivePosition; readonly ts: number }
  | {
      readonly type: 'position.finished';
      readonly positionId: string;
      readonly symbol: string;
      readonly state: 'closed' | 'cancelled';
      readonly realizedPnl: number;
      readonly ts: number;
      readonly accountId?: string;
      readonly accountName?: string;
    }
  | { readonly type: 'marks'; readonly positions: readonly LivePosition[]; readonly ts: number }
  | { readonly type: 'actor'; readonly transition: ActorTransition }
  | { readonly type: 'control'; readonly action: string; readonly detail: string; readonly ts: number };

/** The slice of the engine runtime's outputs the dashboard reads (structural, so no runtime import). */
export type RuntimeOutputLike =
  | {
      readonly type: 'alert.outcome';
      readonly signalId: string;
      readonly outcome: string;
      readonly positionId: string | null;
      readonly reason: string;
      readonly ts: number;
    }
  | {
      readonly type: 'position.update';
      readonly update: { readonly positionId: string; readonly ts: number };
    }
  | {
      readonly type: 'position.finished';
      readonly positionId: string;
      readonly state: 'closed' | 'cancelled';
      readonly context: PositionContextLike;
    }
  | { readonly type: string };

export interface RuntimeLike {
  readonly outputs$: Observable<RuntimeOutputLike>;
  /** Live positions (LivePosition, or the runtime's PositionView via toLivePosition). */
  livePositions(): readonly LivePosition[];
}

/**
 * A signal decision of the signal processor (src/runtime/signal-processor.ts SignalDecision) as a
 * feed event: `onDecision: (d) => dashboard.publish(signalEventFromDecision(d))`. Filtered and
 * ignored signals never reach the engine, so this is how their reasons reach the live feed.
 */
export function signalEventFromDecision(
  decision: {
    readonly accountId?: string;
    readonly signalId: string;
    readonly symbol: string;
    readonly status: string;
    readonly reason: string | null;
    readonly positionId: string | null;
    readonly ts: number;
    readonly alertId?: number | null;
  },
  /** The account's name, when the bot trades several (the decision carries only its id). */
  accountName?: string,
): DashboardEvent {
  const known: readonly SignalStatus[] = [
    'PENDING',
    'FILTERED',
    'EXECUTING',
    'EXECUTED',
    'FAILED',
    'IGNORED',
  ];
  const status = (known as readonly string[]).includes(decision.status)
    ? (decision.status as SignalStatus)
    : 'PENDING';
  return {
    type: 'signal',
    signalId: decision.signalId,
    alertId: decision.alertId ?? null,
    symbol: decision.symbol,
    status,
    reason: decision.reason ?? '',
    positionId: decision.positionId,
    ts: decision.ts,
    ...(decision.accountId === undefined ? {} : { accountId: decision.accountId }),
    ...(accountName === undefined ? {} : { accountName }),
  };
}

/** The engine's alert outcomes, as the signal statuses the feed shows. */
export function signalStatusOf(outcome: string): SignalStatus {
  return outcome === 'declined' ? 'FILTERED' : 'EXECUTED';
}

/** The account a lane trades, as its events name it. */
export interface EventAccount {
  readonly id: string;
  readonly name: string;
}

/**
 * The dashboard stream for a running engine: alert outcomes, position changes (with the live view
 * of that position) and finished positions, plus marks of every open position every `markEveryMs`
 * (unrealised P&L changes with ticks, which never reach the outputs). With `account`, signal and
 * finished-position events name it (positions carry their own accountId).
 */
export function dashboardEventsFromRuntime(
  runtime: RuntimeLike,
  options: {
    readonly markEveryMs?: number;
    readonly scheduler?: SchedulerLike;
    readonly now?: () => number;
    readonly account?: EventAccount;
  } = {},
): Observable<DashboardEvent> {
  const now = options.now ?? Date.now;
  const tag = options.account ? { accountId: options.account.id, accountName: options.account.name } : {};
  const outputs = runtime.outputs$.pipe(
    mergeMap((output): DashboardEvent[] => {
      if (output.type === 'alert.outcome' && 'signalId' in output) {
        const position = output.positionId
          ? runtime.livePositions().find((p) => p.positionId === output.positionId)
          : undefined;
        return [
          {
            type: 'signal',
            signalId: output.signalId,
            symbol: position?.symbol ?? null,
            status: signalStatusOf(output.outcome),
            reason: output.reason,
            positionId: output.positionId,
            ts: output.ts,
            ...tag,
          },
        ];
      }
      if (output.type === 'position.update' && 'update' in output) {
        const position = runtime.livePositions().find((p) => p.positionId === output.update.positionId);
        return position ? [{ type: 'position', position, ts: output.update.ts }] : [];
      }
      if (output.type === 'position.finished' && 'context' in output) {
        return [
          {
            type: 'position.finished',
            positionId: output.positionId,
            symbol: output.context.symbol,
            state: output.state,
            realizedPnl: realizedPnlOf(output.context),
            ts: output.context.lastTs,
            ...tag,
          },
        ];
      }
      return [];
    }),
  );
  const every = options.markEveryMs ?? 1000;
  if (every <= 0) return outputs;
  return merge(outputs, marksEvery(every, runtime.livePositions, options.scheduler, now));
}

/** Marks of every open position, every `everyMs`: one event for the whole book (what the cards sum). */
function marksEvery(
  everyMs: number,
  livePositions: () => readonly LivePosition[],
  scheduler: SchedulerLike | undefined,
  now: () => number,
): Observable<DashboardEvent> {
  return interval(everyMs, scheduler).pipe(
    map((): DashboardEvent => ({ type: 'marks', positions: livePositions(), ts: now() })),
  );
}

/**
 * Several accounts in one process: every lane's events, each naming its account, and one marks
 * event over all their positions (per-lane marks would each replace the others' on the page).
 */
export function dashboardEventsFromLanes(
  lanes: readonly { readonly runtime: RuntimeLike; readonly account: EventAccount }[],
  options: {
    readonly markEveryMs?: number;
    readonly scheduler?: SchedulerLike;
    readonly now?: () => number;
  } = {},
): Observable<DashboardEvent> {
  const now = options.now ?? Date.now;
  const outputs = lanes.map((lane) =>
    dashboardEventsFromRuntime(lane.runtime, { markEveryMs: 0, account: lane.account }),
  );
  const every = options.markEveryMs ?? 1000;
  if (every <= 0) return merge(...outputs);
  const all = () => lanes.flatMap((lane) => lane.runtime.livePositions());
  return merge(...outputs, marksEvery(every, all, options.scheduler, now));
}

/** The slice of the position machine's context the dashboard reads. */
export interface PositionContextLike {
  readonly symbol: string;
  readonly lastTs: number;
  readonly side: 'long' | 'short';
  readonly plan: {
    readonly entryPrice: number;
    readonly stopPrice: number;
    readonly tp1: number;
    readonly tp2: number;
    readonly tp3: number;
    readonly quantity: number;
  };
  readonly grid: { readonly tickSize: number; readonly tickValue: number };
  readonly filledQty: number;
  readonly entryTicksSum: number;
  readonly exitedQty: number;
  readonly exitTicksSum: number;
  readonly fees: number;
  readonly stop: number;
  readonly rung: number;
  readonly openedAt: number;
}

/** Realised so far: exited contracts against the average entry, in ticks, less every fee paid. */
export function realizedPnlOf(c: PositionContextLike): number {
  return realizedPnl({ ...c, tickValue: c.grid.tickValue }).net;
}

/** The runtime's PositionView (src/runtime/engine-runtime.ts) as a LivePosition. */
export function toLivePosition(view: {
  readonly positionId: string;
  readonly signalId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly state: string;
  readonly lastPrice: number | null;
  readonly unrealizedPnl: number;
  readonly context: PositionContextLike;
}): LivePosition {
  const c = view.context;
  const fillPrice = c.filledQty > 0 ? (c.entryTicksSum / c.filledQty) * c.grid.tickSize : null;
  return {
    positionId: view.positionId,
    signalId: view.signalId,
    accountId: view.accountId,
    symbol: view.symbol,
    side: c.side,
    state: view.state,
    quantity: c.plan.quantity,
    filledQuantity: c.filledQty,
    entryPrice: c.plan.entryPrice,
    fillPrice,
    initialStop: c.plan.stopPrice,
    stop: c.stop,
    tp1: c.plan.tp1,
    tp2: c.plan.tp2,
    tp3: c.plan.tp3,
    rung: c.rung,
    lastPrice: view.lastPrice,
    unrealizedPnl: view.unrealizedPnl,
    realizedPnl: realizedPnlOf(c),
    openedAt: c.openedAt,
  };
}
