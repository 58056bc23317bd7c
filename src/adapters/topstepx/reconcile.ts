/**
 * Reconciliation with the broker (projectx-gateway.md §13), at start and after every hub reconnect,
 * before new signals are accepted. `reconcile` only reads and diffs; `applyReconciliation` acts on the
 * diff (ingest missed fills, cancel orphan orders, adopt or flatten unknown exposure). `Reconciler`
 * runs both on start, on every `reconnected$`, and when a REST poll catches the user hub missing an
 * event, and keeps a gate closed while it runs. Its desired-state pass (`checkDesiredState`, every
 * few seconds and after each reconnect) compares the broker's working orders and positions with
 * what the engine holds: a protective stop that stopped working without any hub event is reported
 * to the engine, which places it again; orphans and new unknown exposure escalate to a full run.
 * Every repair is published on `repairs$`.
 */
import { BehaviorSubject, filter, firstValueFrom, type Observable, Subject, type Subscription } from 'rxjs';
import { parseTag, stopTag } from '../../domain/tags.ts';
import type { Side } from '../../domain/types.ts';
import type { AdoptOutcome, VenueRepair } from '../../ports/venue.ts';
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

/**
 * A protective stop the engine holds for an open position (broker or bracket stops): the tag of its
 * current stop order, what it should cover and where.
 */
export interface ExpectedStop {
  readonly positionId: string;
  readonly tag: string;
  readonly contractId: string;
  readonly quantity: number;
  readonly stopPrice: number;
  /**
   * False when the engine has no stop order out for the position (its last one was refused): `tag` is
   * then the one it would place next. Default true.
   */
  readonly commanded?: boolean;
}

export type RepairTrigger = VenueRepair['detectedBy'];

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

  const ordersToCancel = orphanOrders(working, open, known, (id) => tagOfOrder.get(id));

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
 * Working orders (Suspended bracket legs included) with no live position to protect or open: stops,
 * exits and stray stop orders on a contract the broker holds nothing of. A known entry leg may rest.
 */
export function orphanOrders(
  working: readonly Order[],
  positions: readonly Position[],
  knownTags: ReadonlySet<string>,
  tagOf: (orderId: number) => string | undefined,
): Order[] {
  const held = new Set(positions.filter((p) => p.size > 0).map((p) => p.contractId));
  const workingIds = new Set(working.map((o) => o.id));
  return working.filter((o) => {
    if (held.has(o.contractId)) return false;
    // A bracket child waits for its working parent (it is cancelled with it).
    if (o.parentOrderId != null && workingIds.has(o.parentOrderId)) return false;
    const tag = o.customTag ?? tagOf(o.id);
    const kind = tag ? parseTag(tag)?.kind : undefined;
    // A known entry leg may rest without a position; stops, exits and stray stop orders may not.
    if (tag && knownTags.has(tag) && kind === 'entry') return false;
    if (kind === 'stop' || kind === 'exit') return true;
    return o.type === OrderType.Stop || o.type === OrderType.TrailingStop || o.type === OrderType.StopLimit;
  });
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
  /** Adopted positions taken into a ladder actor of their own: broker position id → the engine's position id. */
  readonly adoptedInto?: ReadonlyMap<number, string>;
  /** Why a position was flattened when the policy was to adopt it (it could not be). */
  readonly flattenReasons?: ReadonlyMap<number, string>;
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
    /** Adopt policy: take the position into a ladder actor (null: the engine is not running yet). */
    adopt?: ((position: Position) => AdoptOutcome | null) | undefined;
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
  const adoptedInto = new Map<number, string>();
  const flattenReasons = new Map<number, string>();
  for (const position of diff.unknownExposure) {
    if (options.unknownExposure === 'adopt') {
      const outcome = options.adopt?.(position) ?? null;
      if (outcome === null || outcome.ok) {
        adopted.push(position);
        if (outcome?.ok) adoptedInto.set(position.id, outcome.positionId);
        continue;
      }
      // It cannot get a ladder: an unprotected position is the worse outcome, so it is flattened.
      flattenReasons.set(position.id, outcome.reason);
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
  return { cancelled, flattened, adopted, adoptedInto, flattenReasons, replayedFills, problems };
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
    /** The protective stops the engine holds (broker or bracket stops; empty with local stops). */
    expectedStops?: readonly ExpectedStop[];
  };
  readonly hubs?: {
    readonly reconnected$: Observable<HubReconnect>;
    markStale(hub: HubName, reason: string): Promise<void>;
  };
  /** How far back to look for fills and orders (default 24 h). */
  readonly lookbackMs?: number;
  /** A terminal order the hub has not reported this long after its update counts as missed (default 5 s). */
  readonly hubGraceMs?: number;
  /**
   * A stop created less than this long ago is not looked for among the working orders yet (a
   * placement just answered may not be listed yet; default 2 s: the order itself is asked before
   * anything is re-placed, so a short grace costs one read, never a second stop).
   */
  readonly stopGraceMs?: number;
  readonly now?: () => number;
  readonly logger?: AdapterLogger;
  /** Adopt policy: take an unknown position into a ladder actor (see applyReconciliation). */
  readonly adopt?: (position: Position) => AdoptOutcome | null;
}

/** Runs reconciliation at start and after every reconnect; `ready$` is false while it runs. */
export class Reconciler {
  readonly ready$: Observable<boolean>;
  readonly reconciled$: Observable<ReconcileReport>;
  /** Every repair made (a lost stop reported, an orphan cancelled, unknown exposure flattened or adopted). */
  readonly repairs$: Observable<VenueRepair>;
  private readonly ready = new BehaviorSubject(false);
  private readonly reports = new Subject<ReconcileReport>();
  private readonly repairs = new Subject<VenueRepair>();
  private running: Promise<ReconcileReport> | null = null;
  private again: { reason: string; trigger: RepairTrigger } | null = null;
  private subscription: Subscription | null = null;
  private poll: ReturnType<typeof setInterval> | null = null;
  private desiredTimer: ReturnType<typeof setInterval> | null = null;
  private desiredRun: Promise<VenueRepair[]> | null = null;
  /** Broker positions already reported adopted (the adopt policy leaves them open: report them once). */
  private readonly adoptedReported = new Set<number>();
  /** Unknown broker positions seen by the last desired-state pass (escalated when seen twice). */
  private unknownSeen = new Set<number>();
  private readonly now: () => number;
  private readonly log: AdapterLogger;

  constructor(private readonly options: ReconcilerOptions) {
    this.ready$ = this.ready.asObservable();
    this.reconciled$ = this.reports.asObservable();
    this.repairs$ = this.repairs.asObservable();
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? silentLogger;
  }

  /** First reconciliation, then one after every hub reconnect (and a desired-state pass after it, when on). */
  async start(): Promise<ReconcileReport> {
    this.subscription =
      this.options.hubs?.reconnected$.subscribe((r) => {
        const after = this.run(`${r.hub} hub ${r.reason}`, 'reconnect');
        if (this.desiredTimer)
          void after
            .then(() => this.checkDesiredState('reconnect'))
            .catch((error: unknown) =>
              this.log.warn(
                { error: describe(error) },
                'topstepx: desired-state check after a reconnect failed',
              ),
            );
      }) ?? null;
    return this.run('start', 'start');
  }

  stop(): void {
    this.subscription?.unsubscribe();
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (this.desiredTimer) clearInterval(this.desiredTimer);
    this.desiredTimer = null;
  }

  isReady(): boolean {
    return this.ready.value;
  }

  /** Resolves once no reconciliation is pending (signals may be accepted). */
  async whenReady(): Promise<void> {
    await firstValueFrom(this.ready$.pipe(filter(Boolean)));
  }

  /** Reconcile now; calls during a run coalesce into one more run afterwards. */
  run(reason: string, trigger: RepairTrigger = 'other'): Promise<ReconcileReport> {
    this.ready.next(false);
    if (this.running) {
      this.again = { reason, trigger };
      return this.running;
    }
    const once = async (why: string, by: RepairTrigger): Promise<ReconcileReport> => {
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
      const lostStops = this.options.reportOnly ? [] : this.stopsEndedAtBroker(known.expectedStops, diff);
      const applied = this.options.reportOnly
        ? { cancelled: [], flattened: [], adopted: diff.unknownExposure, replayedFills: 0, problems: [] }
        : await applyReconciliation(diff, {
            rest: this.options.rest,
            broker: this.options.broker,
            accountId: this.options.accountId,
            unknownExposure: this.options.unknownExposure,
            adopt: this.options.adopt,
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
      // Replaying our orders' states told the engine of stops the broker ended without a hub event.
      for (const { stop, order } of lostStops) {
        const state = this.options.broker?.orderStateOf(stop.tag);
        if (typeof state !== 'object' || !state.terminal) continue;
        this.emitRepair(
          this.stopRepair(stop, by, {
            orderId: order.id,
            reason: `stop ${order.id} (tag ${stop.tag}) was ${order.state} at the broker and no hub event said so: re-placed (${why})`,
          }),
        );
      }
      this.publishApplied(diff, applied, why, by);
      this.reports.next(report);
      return report;
    };
    const loop = async (): Promise<ReconcileReport> => {
      let report = await once(reason, trigger);
      while (this.again !== null) {
        const next = this.again;
        this.again = null;
        report = await once(next.reason, next.trigger);
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

  /** A run's actions as repair records (adopted positions once each: the policy leaves them open). */
  private publishApplied(diff: ReconcileDiff, applied: ApplyResult, why: string, by: RepairTrigger): void {
    if (this.options.reportOnly) return;
    const accountId = String(this.options.accountId);
    const ts = this.now();
    for (const id of applied.cancelled) {
      const order = diff.ordersToCancel.find((o) => o.id === id);
      const tag = order?.customTag ?? this.options.broker?.tagOf(id);
      const positionId = tag ? parseTag(tag)?.positionId : undefined;
      this.emitRepair({
        kind: 'order_cancelled',
        accountId,
        ...(positionId ? { positionId } : {}),
        orderId: String(id),
        ...(order ? { contractId: order.contractId } : {}),
        reason: `order ${id}${tag ? ` (tag ${tag})` : ''} was working with no position to protect or open on ${order?.contractId ?? 'its contract'}: cancelled (${why})`,
        ts,
        detectedBy: by,
      });
    }
    for (const p of applied.flattened) {
      const refused = applied.flattenReasons?.get(p.id);
      this.emitRepair({
        kind: 'position_flattened',
        accountId,
        contractId: p.contractId,
        reason: `the broker holds ${p.size} ${p.contractId} the bot does not know about: ${refused ? `it cannot be adopted (${refused}), so it was flattened at market` : 'flattened at market'} (${why})`,
        ts,
        detectedBy: by,
      });
    }
    for (const p of applied.adopted) {
      const into = applied.adoptedInto?.get(p.id);
      // Left open (the engine not running yet) is reported once; the adoption itself always.
      if (!into && this.adoptedReported.has(p.id)) continue;
      if (!into) this.adoptedReported.add(p.id);
      this.emitRepair({
        kind: 'position_adopted',
        accountId,
        ...(into ? { positionId: into } : {}),
        contractId: p.contractId,
        reason: into
          ? `the broker holds ${p.size} ${p.contractId} at ${p.averagePrice} the bot did not know about: adopted into a ladder of its own as position ${into}, its stop placed (${why})`
          : `the broker holds ${p.size} ${p.contractId} the bot does not know about: left open until the engine runs (unknown exposure policy 'adopt'; ${why})`,
        ts,
        detectedBy: by,
      });
    }
  }

  /** Expected stops still live in the ledger whose order REST shows cancelled or expired. */
  private stopsEndedAtBroker(
    stops: readonly ExpectedStop[] | undefined,
    diff: ReconcileDiff,
  ): { stop: ExpectedStop; order: Order }[] {
    const broker = this.options.broker;
    if (!broker) return [];
    return (stops ?? []).flatMap((stop) => {
      const state = stop.commanded === false ? undefined : broker.orderStateOf(stop.tag);
      if (typeof state !== 'object' || state.terminal) return [];
      const order = diff.ourOrders.find(
        (o) => o.id === state.orderId && (o.state === 'cancelled' || o.state === 'expired'),
      );
      return order ? [{ stop, order }] : [];
    });
  }

  private emitRepair(repair: VenueRepair): void {
    this.log.warn({ ...repair }, `topstepx: repair: ${repair.reason}`);
    this.repairs.next(repair);
  }

  /**
   * The desired-state pass: one read of the working orders and one of the open positions, compared
   * with what the engine holds (projectx-gateway.md §13.4).
   *
   * - A known position the broker still holds whose current stop order is no longer working (the
   *   broker dropped or cancelled it without a hub event): after `searchOrderById` confirms it ended
   *   and did not fill, the broker's ledger reports `order.cancelled` for its tag (once), and the
   *   position machine places a fresh stop under the next tag. Not missing: a stop whose placement is
   *   in flight (its tag not yet known, or created within `stopGraceMs`), one that filled (the fill
   *   path and a full run handle it), an adopted bracket child that is working (it counts as the stop).
   * - A position with no stop out because its last one was refused (`commanded: false`): the tag it
   *   would place next is reported missing, so it tries again. At most once per pass: a broker that
   *   keeps refusing costs one placement per period, never a loop.
   * - Any other order the bot counts as working that the broker no longer lists as working and that
   *   REST (asked by id) shows ended more than `hubGraceMs` ago: the user hub missed its event. Logged
   *   as "user hub missed …", the hub is marked stale (health red, restarted) and a full `run` replays it.
   * - Orphan working orders, unknown exposure seen on two passes in a row (a fill the engine has not
   *   processed yet is not unknown), a known position the broker no longer holds: a full `run`.
   *
   * Returns the stop repairs it made. Concurrent calls share one pass.
   */
  checkDesiredState(trigger: RepairTrigger = 'periodic'): Promise<VenueRepair[]> {
    if (this.desiredRun) return this.desiredRun;
    this.desiredRun = this.desiredPass(trigger).finally(() => {
      this.desiredRun = null;
    });
    return this.desiredRun;
  }

  private async desiredPass(trigger: RepairTrigger): Promise<VenueRepair[]> {
    const broker = this.options.broker;
    if (!broker || this.options.reportOnly) return [];
    if (this.running) await this.running.catch(() => undefined);
    const { accountId, rest } = this.options;
    const [working, positions] = await Promise.all([
      rest.queryOrders({ accountId, statuses: WORKING_STATUSES }),
      rest.searchOpenPositions(accountId),
    ]);
    const known = this.options.knownState();
    const open = positions.filter((p) => p.size > 0);
    const held = new Set(open.map((p) => p.contractId));
    const workingIds = new Set(working.map((o) => o.id));
    const grace = this.options.stopGraceMs ?? 2_000;
    const repairs: VenueRepair[] = [];
    const escalate: string[] = [];
    for (const stop of known.expectedStops ?? []) {
      if (!held.has(stop.contractId) || stop.quantity <= 0) continue; // flat: the full run's business
      const state = broker.orderStateOf(stop.tag);
      if (stop.commanded === false) {
        if (state === undefined && broker.reportStopMissing(stop.tag)) {
          const previous = previousStopTag(stop);
          repairs.push(
            this.stopRepair(stop, trigger, {
              reason: `position ${stop.positionId} holds ${stop.quantity} ${stop.contractId} with no protective stop working${previous ? ` (stop ${previous} was refused)` : ''}: placing it again at ${stop.stopPrice}`,
            }),
          );
        }
        continue;
      }
      // Not placed yet (in flight), refused (the engine already moved on), or ended as reported.
      if (state === undefined || state === 'rejected' || state.terminal) continue;
      if (workingIds.has(state.orderId) || this.now() - state.createdAt < grace) continue;
      // Absence from the working list is not proof (§13.5): ask for the order itself.
      const order = await rest.searchOrderById(accountId, state.orderId);
      if (order && !isTerminalState(order.state)) continue;
      if (order?.state === 'filled') {
        escalate.push(`stop ${state.orderId} (tag ${stop.tag}) filled without a hub event`);
        continue;
      }
      if (!broker.reportOrderLost(stop.tag, order)) continue;
      repairs.push(
        this.stopRepair(stop, trigger, {
          orderId: state.orderId,
          reason: `stop ${state.orderId} (tag ${stop.tag}) is no longer working at the broker (${order ? `REST shows it ${order.state}` : 'REST does not know it'}) and no hub event said so: re-placed for ${stop.quantity} at ${stop.stopPrice}`,
        }),
      );
    }
    for (const repair of repairs) this.emitRepair(repair);

    // Any other order the bot counts as working that the broker's working list no longer shows: if REST
    // says it ended (a fill, a cancel) and no hub event told us, the user hub missed it (§13.4).
    const stopTags = new Set((known.expectedStops ?? []).map((s) => s.tag));
    const hubGrace = this.options.hubGraceMs ?? 5_000;
    const missed: Order[] = [];
    for (const o of broker.workingOrders()) {
      if (stopTags.has(o.tag) || workingIds.has(o.orderId)) continue;
      const state = broker.orderStateOf(o.tag);
      if (state === undefined || state === 'rejected' || state.terminal) continue;
      if (this.now() - state.createdAt < grace) continue;
      const order = await rest.searchOrderById(accountId, o.orderId);
      if (order && this.endedUnreported(order, hubGrace)) missed.push(order);
    }
    let stale: Promise<void> | undefined;
    if (missed.length > 0) {
      const found = this.hubMissed(missed);
      escalate.push(found.reason);
      stale = found.stale;
    }

    const knownTags = new Set(known.knownOrderTags);
    const orphans = orphanOrders(working, open, knownTags, (id) => known.tagOf?.(id));
    if (orphans.length > 0) escalate.push(`orphan order(s) ${orphans.map((o) => o.id).join(', ')}`);
    const knownContracts = new Set(known.knownPositions.map((p) => p.contractId));
    const unknown = open.filter((p) => !knownContracts.has(p.contractId) && !this.adoptedReported.has(p.id));
    const persistent = unknown.filter((p) => this.unknownSeen.has(p.id));
    this.unknownSeen = new Set(unknown.map((p) => p.id));
    if (persistent.length > 0)
      escalate.push(`unknown position(s) on ${persistent.map((p) => p.contractId).join(', ')}`);
    const gone = known.knownPositions.filter((p) => p.quantity > 0 && !held.has(p.contractId));
    if (gone.length > 0)
      escalate.push(`position(s) ${gone.map((p) => p.positionId).join(', ')} no longer held at the broker`);
    if (escalate.length > 0)
      await Promise.all([stale, this.run(`desired state: ${escalate.join('; ')}`, trigger)]);
    return repairs;
  }

  private stopRepair(
    stop: ExpectedStop,
    trigger: RepairTrigger,
    detail: { orderId?: number; reason: string },
  ): VenueRepair {
    return {
      kind: 'stop_replaced',
      accountId: String(this.options.accountId),
      positionId: stop.positionId,
      ...(detail.orderId !== undefined ? { orderId: String(detail.orderId) } : {}),
      contractId: stop.contractId,
      reason: detail.reason,
      ts: this.now(),
      detectedBy: trigger,
    };
  }

  /** Run the desired-state pass every `intervalMs` (and after every reconnect's run). */
  startDesiredState(intervalMs: number): void {
    if (this.desiredTimer) clearInterval(this.desiredTimer);
    this.desiredTimer = setInterval(() => {
      this.checkDesiredState('periodic').catch((error) =>
        this.log.warn({ error: describe(error) }, 'topstepx: desired-state check failed'),
      );
    }, intervalMs);
    this.desiredTimer.unref?.();
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
    const missed = orders.filter((o) => ids.has(o.id) && this.endedUnreported(o, grace));
    if (missed.length === 0) return 0;
    const { reason, stale } = this.hubMissed(missed);
    await Promise.all([stale, this.run(reason, 'user-hub-poll')]);
    return missed.length;
  }

  /** An order REST shows ended longer ago than `grace`: its hub event, if any, should have arrived. */
  private endedUnreported(order: Order, grace: number): boolean {
    return isTerminalState(order.state) && this.now() - (order.updatedAt ?? order.createdAt) >= grace;
  }

  /** Name the events the user hub missed, close the gate and mark the hub stale (health red, reconnect). */
  private hubMissed(missed: readonly Order[]): { reason: string; stale: Promise<void> } {
    const reason = `user hub missed ${missed.length} order update(s) (order ${missed.map((o) => o.id).join(', ')}); REST shows them ${missed.map((o) => o.state).join(', ')}`;
    this.log.warn({ orders: missed.map((o) => o.id) }, `topstepx: ${reason}`);
    this.ready.next(false);
    return { reason, stale: this.options.hubs?.markStale('user', reason) ?? Promise.resolve() };
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

/** The stop tag before `stop.tag` (the one refused), if any. */
function previousStopTag(stop: ExpectedStop): string | undefined {
  const parsed = parseTag(stop.tag);
  return parsed && parsed.index > 1 ? stopTag(stop.positionId, parsed.index - 1) : undefined;
}
