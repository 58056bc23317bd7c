/**
 * The TopstepX venue (ProjectX Gateway: REST + SignalR): orders, market data, contracts, history,
 * account balance and the restart resync, on the Venue port. `connectProjectXVenue` also serves
 * the local gateway (sim/gateway/venue.ts), which speaks the same wire protocol.
 */
import { filter, from, ReplaySubject, switchMap } from 'rxjs';
import { getInstrument } from '../../domain/instruments.ts';
import { stopTag } from '../../domain/tags.ts';
import type { Bar, Instrument } from '../../domain/types.ts';
import type { PositionView } from '../../ports/engine.ts';
import type { AccountState, RestoredEngine, Venue, VenueContext } from '../../ports/venue.ts';
import { fetchBars } from './bars.ts';
import { loadProjectXConfig, type ProjectXConfig } from './config.ts';
import { PositionTypeCode } from './enums.ts';
import type { Account } from './models.ts';
import type { ExpectedStop } from './reconcile.ts';
import { startTopstepxSession, type TopstepxSession } from './session.ts';

/** What a gateway in this process adds (the local gateway): prices pushed in, its last price. */
export interface ProjectXVenueHooks {
  readonly kind: string;
  readonly pushPrice?: (contractId: string, price: number) => void;
  readonly lastPrice?: (contractId: string) => number | undefined;
  /** When the venue has too little history (a local gateway): bars to plan the first entries from. */
  readonly fallbackHistory?: (instrument: Instrument, center: number, now: number) => Bar[];
  /** Where the demo centres its value area without a price of the venue's own. */
  readonly demoCenter: (symbol: string) => number;
  readonly close?: () => Promise<void>;
}

/** TopstepX itself: credentials from the environment (PROJECTX_USERNAME, PROJECTX_API_KEY). */
export async function createTopstepxVenue(context: VenueContext): Promise<Venue> {
  let projectx = loadProjectXConfig(context.env as NodeJS.ProcessEnv);
  if (context.options.accountId) projectx = { ...projectx, accountId: Number(context.options.accountId) };
  return connectProjectXVenue(context, projectx, { kind: 'topstepx', demoCenter: () => 100 });
}

export async function connectProjectXVenue(
  context: VenueContext,
  projectx: ProjectXConfig,
  hooks: ProjectXVenueHooks,
): Promise<Venue> {
  const { options, logger } = context;
  /** The engine once restored (afterRestore): the desired-state pass reads its protective stops. */
  let engine: RestoredEngine | null = null;
  let started: TopstepxSession | null = null;
  const session: TopstepxSession = await startTopstepxSession({
    unknownExposure: options.unknownPositions ?? 'adopt',
    ...(options.reconcileIntervalMs === undefined
      ? {}
      : { desiredStateIntervalMs: options.reconcileIntervalMs }),
    // Only once the engine runs (afterRestore): until then an unknown position is left as it is.
    adopt: (position) => {
      if (!engine || !started || !context.adoptPosition) return null;
      const symbol = [...started.contracts].find(([, c]) => c.id === position.contractId)?.[0];
      if (!symbol)
        return {
          ok: false,
          reason: `${position.contractId} is not one of the contracts this bot trades (${options.symbols.join(', ')})`,
        };
      return context.adoptPosition({
        brokerPositionId: String(position.id),
        symbol,
        contractId: position.contractId,
        side: position.type === PositionTypeCode.Long ? 'long' : 'short',
        quantity: position.size,
        averagePrice: position.averagePrice,
      });
    },
    config: projectx,
    symbols: options.symbols,
    dryRun: options.dryRun,
    bracketStops: options.protectiveStops === 'bracket',
    knownPositions: () => context.knownPositions().filter((p) => p.quantity > 0),
    contractsInUse: () => context.knownPositions().map((p) => p.contractId),
    expectedStops: () => (engine && options.protectiveStops !== 'local' ? expectedStopsOf(engine) : []),
    logger,
  });
  started = session;
  const accountId = String(session.account.id);
  const lastPrices = new Map<string, number>();
  // The front month's prints (a rolled month a position still holds trades at another price).
  const tickSubscription = session.marketData.ticks$.subscribe((t) => {
    if (t.contractId === undefined || t.contractId === session.contracts.get(t.symbol)?.id)
      lastPrices.set(t.symbol, t.price);
  });
  const { pushPrice, lastPrice } = hooks;
  const ownId = session.account.id;
  /** Account search for our account: the active ones first, then all (a stopped account is not active). */
  const readAccount = async (): Promise<Account | undefined> => {
    const active = await session.rest.searchAccounts(true);
    return (
      active.find((a) => a.id === ownId) ??
      (await session.rest.searchAccounts(false)).find((a) => a.id === ownId)
    );
  };
  const account$ = new ReplaySubject<AccountState>(1);
  const toState = (a: Account): AccountState => ({
    balance: a.balance,
    canTrade: a.canTrade,
    ts: context.clock.now(),
  });
  account$.next(toState(session.account));
  const accountPushes = session.hubs.accounts$
    .pipe(filter((a) => a.id === ownId))
    .subscribe((a) => account$.next(toState(a)));
  // After a user-hub reconnect the pushes sent meanwhile are lost: read the account once.
  const accountReads = session.hubs.reconnected$
    .pipe(
      filter((r) => r.hub === 'user'),
      switchMap(() =>
        from(
          readAccount().catch((error: unknown) => {
            logger.warn({ error: String(error) }, 'could not read the account after a user hub reconnect');
            return undefined;
          }),
        ),
      ),
    )
    .subscribe((a) => {
      if (a) account$.next(toState(a));
    });
  return {
    kind: hooks.kind,
    accountId,
    broker: session.broker,
    account$: account$.asObservable(),
    ticks$: session.marketData.ticks$,
    repairs$: session.reconciler.repairs$,
    ...(session.marketData.health$ ? { health$: session.marketData.health$ } : {}),
    ...(pushPrice
      ? {
          pushDemoPrice: (symbol: string, price: number) => {
            const contract = session.contracts.get(symbol);
            if (contract) pushPrice(contract.id, price);
          },
        }
      : {}),
    contractId: (symbol) => session.contracts.get(symbol)?.id ?? symbol,
    refreshContracts: () => session.refreshContracts(),
    demoCenter: (symbol) => {
      const contract = session.contracts.get(symbol);
      const last = contract && lastPrice ? lastPrice(contract.id) : undefined;
      return last ?? hooks.demoCenter(symbol);
    },
    async history(symbol, now) {
      if (hooks.fallbackHistory && options.demo) return [];
      const contract = session.contracts.get(symbol);
      if (!contract) return [];
      let bars: Bar[] = [];
      try {
        const fetched = await fetchBars(session.rest, {
          contractId: contract.id,
          start: now - 8 * 60 * 60_000,
          end: now,
          unit: 2,
          unitNumber: 1,
        });
        bars = fetched.map((b) => ({
          ts: b.ts,
          open: b.open,
          high: b.high,
          low: b.low,
          close: b.close,
          volume: b.volume,
        }));
      } catch (error) {
        logger.warn(
          { symbol, error: String(error) },
          'could not load history bars; profiles start from live data',
        );
      }
      const instrument = getInstrument(symbol);
      if (hooks.fallbackHistory && bars.length < 30 && instrument) {
        // The local gateway only has the prices pushed to it (none on a weekend start): give the
        // simulated venue a synthetic value area around its current price so entries can be planned.
        for (let i = 0; i < 20 && !lastPrices.has(symbol); i++) await new Promise((r) => setTimeout(r, 100));
        const center = lastPrices.get(symbol) ?? lastPrice?.(contract.id) ?? hooks.demoCenter(symbol);
        logger.info(
          { symbol, center },
          'local gateway has no price history: seeding a synthetic profile around its price',
        );
        return hooks.fallbackHistory(instrument, center, now);
      }
      return bars;
    },
    async accountBalance() {
      return (await readAccount())?.balance ?? null;
    },
    async afterRestore(restored) {
      engine = restored;
      await session.reconciler.whenReady();
      const views = restored.positions();
      if (views.length === 0 || options.dryRun) return;
      // The previous process may have died between a broker event and its consequence (an entry
      // filled, the stop not yet placed): tell the restored actors what the broker did meanwhile,
      // then re-send what they had asked for. Both are idempotent.
      const resynced = await session.broker
        .resync(() =>
          restored.positions().map((v) => ({
            positionId: v.positionId,
            entryFilled: Object.fromEntries(v.context.legs.map((l) => [l.tag, l.filled])),
            exitedQty: v.context.exitedQty,
            stopTag: stopTag(v.positionId, v.context.stopSeq),
          })),
        )
        .catch((error: unknown) => {
          // The re-sent commands below still adopt what is on the book by tag; reconnects reconcile.
          logger.error({ error: String(error) }, 'could not resync the restored positions with the broker');
          return { orders: 0, fills: 0 };
        });
      const commands = restored.positions().flatMap((view) => restored.rearm(view, false));
      logger.info(
        {
          orders: resynced.orders,
          fills: resynced.fills,
          commands: commands.map((c) => `${c.type} ${c.positionId}`),
        },
        'restored positions resynced with the broker',
      );
      for (const command of commands) session.broker.execute(command);
    },
    async stop() {
      tickSubscription.unsubscribe();
      accountPushes.unsubscribe();
      accountReads.unsubscribe();
      account$.complete();
      await session.stop();
      await hooks.close?.();
    },
  };
}

const OPEN_STATES: ReadonlySet<string> = new Set(['active', 'tp1', 'tp2', 'tp3']);

/**
 * The protective stop each open position holds: its current stop tag, for the size and price last
 * commanded; a position whose last stop was refused (none commanded) asks for its open size at the
 * ladder's stop under the tag it would place next.
 */
export function expectedStopsOf(engine: {
  positions(): readonly Pick<PositionView, 'positionId' | 'state' | 'context'>[];
}): ExpectedStop[] {
  return engine.positions().flatMap((view) => {
    const ctx = view.context;
    const open = ctx.filledQty - ctx.exitedQty;
    if (!OPEN_STATES.has(view.state) || open <= 0) return [];
    const commanded = ctx.stopQty > 0;
    return [
      {
        positionId: view.positionId,
        tag: stopTag(view.positionId, ctx.stopSeq),
        contractId: ctx.contractId,
        quantity: commanded ? ctx.stopQty : open,
        stopPrice: commanded ? (ctx.stopOrderPrice ?? ctx.stop) : ctx.stop,
        commanded,
      },
    ];
  });
}
