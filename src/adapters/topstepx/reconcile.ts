/**
 * Reconciliation with the broker (projectx-gateway.md §13), at start and after every hub reconnect,
 * before new signals are accepted. `reconcile` only reads and diffs; `applyReconciliation` acts on the
 * diff (ingest missed fills, cancel orphan orders, adopt or flatten unknown exposure). `Reconciler`
 * runs both on start, on every `reconnected$`, and when a REST poll catches the user hub missing an
 * event, and keeps a gate closed while it runs.
 */
import { BehaviorSubject, filter, firstValueFrom, type Observable, Subject, type Subscription } from 'rxjs';
import { parseTag } from '../../domain/tags.ts';
import type { Side } from '../../domain/types.ts';
import type { TopstepxBroker } from './broker.ts';
import { isTerminalState, OrderType, PositionTypeCode, WORKING_STATUSES } from './enums.ts';
import { describe } from './http.ts';
import type { HubName, HubReconnect } from './hubs.ts';
import { type AdapterLogger, silentLogger } from './log.ts';
import type { HalfTrade, Order, Position } from './models.ts';
import { placeOrderIdempotent } from './place.ts';
import type { ProjectXRest } from './rest.ts';

export interface KnownPosition {
  readonly positionId: string;
  readonly contractId: string;
  readonly side: Side;
  readonly quantity: number;
}

export interface ReconcileInput {
  readonly accountId: number;
  readonly knownPositions: readonly KnownPosition[];
  /** Tags of every order we placed that may still matter (entries, stops, exits). */
  readonly knownOrderTags: readonly string[];
  /** Look for fills and orders from this time on (epoch ms). */
  readonly since: number;
  /** True for fill ids already delivered to the engine. */
  readonly isFillSeen?: (fillId: number) => boolean;
  /** The tag an order serves when it carries none (an adopted stop-loss bracket child). */
  readonly tagOf?: (orderId: number) => string | undefined;
}

export interface ReconcileDiff {
  /** Broker positions we do not know about (unknown exposure). */
  readonly unknownExposure: readonly Position[];
  /** Our positions the broker no longer has, with the fills on that contract since `since`. */
  readonly closedWhileAway: readonly {
    readonly position: KnownPosition;
    readonly fills: readonly HalfTrade[];
  }[];
  /**
   * The part of a `closedWhileAway` position that none of our own orders closed: the broker flattened
   * it (auto-liquidation, a loss limit, a manual close in the platform). `fills` are the most recent
   * closing-side fills on that contract from orders that are not ours; `fees` their share of costs.
   */
  readonly flattenedByBroker: readonly {
    readonly position: KnownPosition;
    readonly quantity: number;
    readonly fills: readonly { readonly price: number; readonly quantity: number; readonly ts: number }[];
    readonly fees: number;
  }[];
  /** Both sides know the contract but disagree on direction or size. */
  readonly sizeMismatches: readonly { readonly position: KnownPosition; readonly broker: Position }[];
  /** Working orders (Suspended bracket legs included) with no live position to protect or open. */
  readonly ordersToCancel: readonly Order[];
  /** Fills of our tagged orders the engine has not seen. */
  readonly missedFills: readonly { readonly tag: string; readonly fill: HalfTrade }[];
  /** Every order of ours found since `since` (terminal ones included), to replay states. */
  readonly ourOrders: readonly Order[];
  readonly workingOrders: readonly Order[];
  readonly brokerPositions: readonly Position[];
}

const sideOf = (p: Position): Side | undefined =>
  p.type === PositionTypeCode.Long ? 'long' : p.type === PositionTypeCode.Short ? 'short' : undefined;

export async function reconcile(rest: ProjectXRest, input: ReconcileInput): Promise<ReconcileDiff> {
  const { accountId } = input;
  const [positions, working, history, trades] = await Promise.all([
    rest.searchOpenPositions(accountId),
    rest.queryOrders({ accountId, statuses: WORKING_STATUSES }),
    rest.searchOrders(accountId, input.since),
    rest.searchTrades(accountId, input.since),
  ]);
  const open = positions.filter((p) => p.size > 0);
  const known = new Set(input.knownOrderTags);
  const tagOfOrder = new Map<number, string>();
  for (const o of [...history, ...working]) {
    const tag = o.customTag ?? input.tagOf?.(o.id);
    if (tag) tagOfOrder.set(o.id, tag);
  }
  const workingIds = new Set(working.map((o) => o.id));

  const byContract = new Map(open.map((p) => [p.contractId, p]));
  const knownContracts = new Set(input.knownPositions.map((p) => p.contractId));
  const unknownExposure = open.filter((p) => !knownContracts.has(p.contractId));
  const closedWhileAway: { position: KnownPosition; fills: HalfTrade[] }[] = [];
  const sizeMismatches: { position: KnownPosition; broker: Position }[] = [];
  for (const position of input.knownPositions) {
    const broker = byContract.get(position.contractId);
    if (!broker) {
      closedWhileAway.push({
        position,
        fills: trades.filter((t) => t.contractId === position.contractId && !t.voided),
      });
    } else if (sideOf(broker) !== position.side || broker.size !== position.quantity) {
      sizeMismatches.push({ position, broker });
    }
  }

  const missedFills = trades
    .filter((t) => !t.voided && !(input.isFillSeen?.(t.id) ?? false))
    .flatMap((fill) => {
      const tag = tagOfOrder.get(fill.orderId);
      return tag && known.has(tag) ? [{ tag, fill }] : [];
    });
  const flattenedByBroker = brokerFlattened(closedWhileAway, missedFills, trades, (orderId) => {
    const tag = tagOfOrder.get(orderId);
    return tag !== undefined && known.has(tag);
  });

  const ordersToCancel = working.filter((o) => {
    if (byContract.has(o.contractId)) return false;
    // A bracket child waits for its working parent (it is cancelled with it).
    if (o.parentOrderId != null && workingIds.has(o.parentOrderId)) return false;
    const tag = o.customTag ?? tagOfOrder.get(o.id);
    const kind = tag ? parseTag(tag)?.kind : undefined;
    // A known entry leg may rest without a position; stops, exits and stray stop orders may not.
    if (tag && known.has(tag) && kind === 'entry') return false;
    if (kind === 'stop' || kind === 'exit') return true;
    return o.type === OrderType.Stop || o.type === OrderType.TrailingStop || o.type === OrderType.StopLimit;
  });

  const ourOrders = history.filter((o) => {
    const tag = tagOfOrder.get(o.id);
    return tag !== undefined && known.has(tag);
  });
  return {
    unknownExposure,
    closedWhileAway,
    flattenedByBroker,
    sizeMismatches,
    ordersToCancel,
    missedFills,
    ourOrders,
    workingOrders: working,
    brokerPositions: open,
  };
}

/**
 * For each position the broker no longer holds: what is left after the missed fills of our own orders
 * (entries add, exits and stops take away) was closed by orders that are not ours. Those fills are
 * taken most recent first, shared out over the positions on the same contract.
 */
function brokerFlattened(
  closed: readonly { position: KnownPosition; fills: readonly HalfTrade[] }[],
  missed: readonly { tag: string; fill: HalfTrade }[],
  trades: readonly HalfTrade[],
  isOurs: (orderId: number) => boolean,
): ReconcileDiff['flattenedByBroker'] {
  const out: Mutable<ReconcileDiff['flattenedByBroker']> = [];
  /** Quantity of each foreign fill already given to a position. */
  const used = new Map<number, number>();
  for (const { position } of closed) {
    const closingSide = position.side === 'long' ? 1 : 0;
    let remainder = position.quantity;
    for (const { tag, fill } of missed) {
      if (parseTag(tag)?.positionId !== position.positionId) continue;
      remainder += fill.side === closingSide ? -fill.size : fill.size;
    }
    if (remainder <= 0) continue;
    const quantity = remainder;
    const foreign = trades
      .filter(
        (t) =>
          !t.voided && t.contractId === position.contractId && t.side === closingSide && !isOurs(t.orderId),
      )
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    const fills: { price: number; quantity: number; ts: number }[] = [];
    let fees = 0;
    for (const t of foreign) {
      if (remainder <= 0) break;
      const left = t.size - (used.get(t.id) ?? 0);
      if (left <= 0) continue;
      const take = Math.min(left, remainder);
      used.set(t.id, (used.get(t.id) ?? 0) + take);
      fills.push({ price: t.price, quantity: take, ts: t.createdAt });
      fees += ((t.fees + t.commissions) * take) / t.size;
      remainder -= take;
    }
    out.push({
      position,
      quantity,
      fills: fills.reverse(),
      fees: Math.round(fees * 100) / 100,
    });
  }
  return out;
}

type Mutable<T> = T extends readonly (infer U)[] ? U[] : never;

export type UnknownExposurePolicy = 'adopt' | 'flatten';

export interface ApplyResult {
  readonly cancelled: readonly number[];
  readonly flattened: readonly Position[];
  /** Positions left open for the runtime to protect (policy 'adopt'). */
  readonly adopted: readonly Position[];
  readonly replayedFills: number;
  readonly problems: readonly string[];
}

/** Flatten tag for an unknown position: deterministic from the broker's position, unique per position. */
export function flattenTag(position: Position): string {
  return `rc${position.id}-x${Math.floor(position.createdAt / 1000) % 1e9}`.slice(0, 40);
}

export async function applyReconciliation(
  diff: ReconcileDiff,
  options: {
    rest: ProjectXRest;
    broker?: TopstepxBroker;
    accountId: number;
    unknownExposure: UnknownExposurePolicy;
  },
): Promise<ApplyResult> {
  const problems: string[] = [];
  let replayedFills = 0;
  if (options.broker) {
    // Order states first so each fill finds its tag; the broker drops anything already emitted.
    for (const order of diff.ourOrders) options.broker.ingestOrder(order);
    for (const { fill } of diff.missedFills) {
      options.broker.ingestTrade(fill);
      replayedFills++;
    }
    // What is left of a position after our own fills was closed by the broker itself.
    for (const flat of diff.flattenedByBroker) options.broker.ingestFlatten(flat);
  }
  const cancelled: number[] = [];
  for (const order of diff.ordersToCancel) {
    try {
      await options.rest.cancelOrder(options.accountId, order.id);
      cancelled.push(order.id);
    } catch (error) {
      problems.push(`cancel order ${order.id}: ${describe(error)}`);
    }
  }
  const flattened: Position[] = [];
  const adopted: Position[] = [];
  for (const position of diff.unknownExposure) {
    if (options.unknownExposure === 'adopt') {
      adopted.push(position);
      continue;
    }
    const outcome = await placeOrderIdempotent(options.rest, {
      accountId: options.accountId,
      contractId: position.contractId,
      type: OrderType.Market,
      side: position.type === PositionTypeCode.Long ? 1 : 0,
      size: position.size,
      customTag: flattenTag(position),
    }).catch((error: unknown) => ({ outcome: 'rejected' as const, code: -1, message: describe(error) }));
    if (outcome.outcome === 'placed') flattened.push(position);
    else problems.push(`flatten ${position.contractId} (${position.size}): ${outcome.message}`);
  }
  return { cancelled, flattened, adopted, replayedFills, problems };
}

export interface ReconcileReport {
  readonly reason: string;
  readonly at: number;
  readonly diff: ReconcileDiff;
  readonly applied: ApplyResult;
}

export interface ReconcilerOptions {
  readonly rest: ProjectXRest;
  readonly broker?: TopstepxBroker;
  readonly accountId: number;
  readonly unknownExposure: UnknownExposurePolicy;
  /** Diff and report only: cancel nothing, flatten nothing (dry-run sessions). */
  readonly reportOnly?: boolean;
  /** What the engine believes: open positions and the order tags it knows. */
  readonly knownState: () => {
    knownPositions: readonly KnownPosition[];
    knownOrderTags: readonly string[];
    tagOf?: (orderId: number) => string | undefined;
    /** True for fill ids already delivered to the engine (they are not missed). */
    isFillSeen?: (fillId: number) => boolean;
  };
  readonly hubs?: {
    readonly reconnected$: Observable<HubReconnect>;
    markStale(hub: HubName, reason: string): Promise<void>;
  };
  /** How far back to look for fills and orders (default 24 h). */
  readonly lookbackMs?: number;
  /** A terminal order the hub has not reported this long after its update counts as missed (default 5 s). */
  readonly hubGraceMs?: number;
  readonly now?: () => number;
  readonly logger?: AdapterLogger;
}

/** Runs reconciliation at start and after every reconnect; `ready$` is false while it runs. */
export class Reconciler {
  readonly ready$: Observable<boolean>;
  readonly reconciled$: Observable<ReconcileReport>;
  private readonly ready = new BehaviorSubject(false);
  private readonly reports = new Subject<ReconcileReport>();
  private running: Promise<ReconcileReport> | null = null;
  private again: string | null = null;
  private subscription: Subscription | null = null;
  private poll: ReturnType<typeof setInterval> | null = null;
  private readonly now: () => number;
  private readonly log: AdapterLogger;

  constructor(private readonly options: ReconcilerOptions) {
    this.ready$ = this.ready.asObservable();
    this.reconciled$ = this.reports.asObservable();
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? silentLogger;
  }

  /** First reconciliation, then one after every hub reconnect. */
  async start(): Promise<ReconcileReport> {
    this.subscription =
      this.options.hubs?.reconnected$.subscribe((r) => void this.run(`${r.hub} hub ${r.reason}`)) ?? null;
    return this.run('start');
  }

  stop(): void {
    this.subscription?.unsubscribe();
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  isReady(): boolean {
    return this.ready.value;
  }

  /** Resolves once no reconciliation is pending (signals may be accepted). */
  async whenReady(): Promise<void> {
    await firstValueFrom(this.ready$.pipe(filter(Boolean)));
  }

  /** Reconcile now; calls during a run coalesce into one more run afterwards. */
  run(reason: string): Promise<ReconcileReport> {
    this.ready.next(false);
    if (this.running) {
      this.again = reason;
      return this.running;
    }
    const once = async (why: string): Promise<ReconcileReport> => {
      const known = this.options.knownState();
      const at = this.now();
      const diff = await reconcile(this.options.rest, {
        accountId: this.options.accountId,
        knownPositions: known.knownPositions,
        knownOrderTags: known.knownOrderTags,
        tagOf: known.tagOf,
        isFillSeen: known.isFillSeen,
        since: at - (this.options.lookbackMs ?? 24 * 3_600_000),
      });
      const applied = this.options.reportOnly
        ? { cancelled: [], flattened: [], adopted: diff.unknownExposure, replayedFills: 0, problems: [] }
        : await applyReconciliation(diff, {
            rest: this.options.rest,
            broker: this.options.broker,
            accountId: this.options.accountId,
            unknownExposure: this.options.unknownExposure,
          });
      const report = { reason: why, at, diff, applied };
      this.log.info(
        {
          reason: why,
          unknownExposure: diff.unknownExposure.length,
          closedWhileAway: diff.closedWhileAway.length,
          orphans: diff.ordersToCancel.length,
          missedFills: diff.missedFills.length,
          flattenedByBroker: diff.flattenedByBroker.map((f) => `${f.position.positionId} ×${f.quantity}`),
          problems: applied.problems,
        },
        'topstepx: reconciled',
      );
      this.reports.next(report);
      return report;
    };
    const loop = async (): Promise<ReconcileReport> => {
      let report = await once(reason);
      while (this.again !== null) {
        const why = this.again;
        this.again = null;
        report = await once(why);
      }
      return report;
    };
    this.running = loop()
      .then((report) => {
        this.ready.next(true);
        return report;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /**
   * While orders work, compare REST with what the hub delivered: an order REST shows terminal that the
   * broker still counts as working means the user hub missed an event (§13.4). Marks the hub stale
   * (health red, reconnect) and reconciles. Returns the number of orders found out of date.
   */
  async checkUserHub(): Promise<number> {
    const broker = this.options.broker;
    if (!broker) return 0;
    const working = broker.workingOrders();
    if (working.length === 0) return 0;
    const ids = new Set(working.map((o) => o.orderId));
    const since = this.now() - (this.options.lookbackMs ?? 24 * 3_600_000);
    const orders = await this.options.rest.searchOrders(this.options.accountId, since);
    const grace = this.options.hubGraceMs ?? 5_000;
    // An event may still be in flight: only count updates older than the grace period.
    const missed = orders.filter(
      (o) => ids.has(o.id) && isTerminalState(o.state) && this.now() - (o.updatedAt ?? o.createdAt) >= grace,
    );
    if (missed.length === 0) return 0;
    const reason = `user hub missed ${missed.length} order update(s) (order ${missed.map((o) => o.id).join(', ')}); REST shows them ${missed.map((o) => o.state).join(', ')}`;
    this.log.warn({ orders: missed.map((o) => o.id) }, `topstepx: ${reason}`);
    this.ready.next(false);
    await Promise.all([this.options.hubs?.markStale('user', reason), this.run(reason)]);
    return missed.length;
  }

  /** Poll checkUserHub on an interval (keep it within the 200 / 60 s REST budget). */
  startPolling(intervalMs: number): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = setInterval(() => {
      this.checkUserHub().catch((error) =>
        this.log.warn({ error: describe(error) }, 'topstepx: user hub poll failed'),
      );
    }, intervalMs);
    this.poll.unref?.();
  }
}
