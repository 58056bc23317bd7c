/**
 * The three ways the bot reaches a market:
 *  - paper: the simulated exchange from sim/ on wall time, fed by the demo (or any) price feed;
 *  - local: the local ProjectX gateway (started in-process, or one given by --gateway-url) through
 *    the real TopstepX client, REST and SignalR;
 *  - topstepx: TopstepX itself, credentials from .env.
 * Each gives the engine the same Broker port.
 */
import type { Observable } from 'rxjs';
import { openQty } from '../../machines/position/ladder.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { fetchBars } from '../adapters/topstepx/bars.ts';
import { loadProjectXConfig, type ProjectXConfig } from '../adapters/topstepx/config.ts';
import { startTopstepxSession, type TopstepxSession } from '../adapters/topstepx/session.ts';
import { getInstrument } from '../domain/instruments.ts';
import { stopTag } from '../domain/tags.ts';
import type { Bar, PriceTick } from '../domain/types.ts';
import type { Broker, Clock, ExchangeHealth } from '../ports/index.ts';
import type { PositionRecord } from '../ports/store.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import { rearmCommands } from '../runtime/recovery.ts';
import type { BotConfig } from './config.ts';
import { demoHistory } from './demo-market.ts';

export interface BrokerConnection {
  readonly kind: BotConfig['broker'];
  readonly accountId: string;
  readonly broker: Broker;
  readonly ticks$?: Observable<PriceTick>;
  readonly health$?: Observable<ExchangeHealth>;
  /** Paper: every price also goes to the simulated exchange's matching. */
  onPrice?(symbol: string, price: number, ts: number, size: number): void;
  /** Local gateway in-process: demo prices go to the gateway and come back through the market hub. */
  pushDemoPrice?(symbol: string, price: number, ts: number): void;
  contractId(symbol: string): string;
  /** Where the demo market centres its value area. */
  demoCenter(symbol: string): number;
  /** 1m bars before `now` for the first profiles. */
  history(symbol: string, now: number): Promise<Bar[]>;
  /** After the engine restored its actors: re-arm (paper) or reconcile (gateway, TopstepX). */
  afterRestore(runtime: EngineRuntime): Promise<void>;
  stop(): Promise<void>;
}

const DEMO_CENTERS: Readonly<Record<string, number>> = {
  ES: 5000,
  MES: 5000,
  NQ: 17500,
  MNQ: 17500,
  RTY: 2000,
  M2K: 2000,
  CL: 75,
  MCL: 75,
  GC: 2000,
  MGC: 2000,
};

export interface ConnectOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Positions the store holds (for reconciliation before the engine exists). */
  readonly storedPositions: () => readonly PositionRecord[];
}

export async function connectBroker(config: BotConfig, options: ConnectOptions): Promise<BrokerConnection> {
  if (config.broker === 'paper') return paperBroker(config, options);
  let gateway: LocalGateway | undefined;
  let projectx: ProjectXConfig;
  if (config.broker === 'local') {
    let baseUrl = config.gatewayUrl;
    if (!baseUrl) {
      gateway = await startLocalGateway({ port: 0 });
      baseUrl = gateway.baseUrl;
    }
    projectx = {
      userName: process.env.PROJECTX_USERNAME ?? 'demo',
      apiKey: process.env.PROJECTX_API_KEY ?? 'demo-key',
      apiUrl: baseUrl,
      userHubUrl: `${baseUrl}/hubs/user`,
      marketHubUrl: `${baseUrl}/hubs/market`,
      accountId: config.accountId ? Number(config.accountId) : undefined,
    };
    options.logger.info(
      { gateway: baseUrl, inProcess: gateway !== undefined },
      'using the local ProjectX gateway',
    );
  } else {
    projectx = loadProjectXConfig(process.env);
    if (config.accountId) projectx = { ...projectx, accountId: Number(config.accountId) };
  }
  const adapterLog = {
    debug: (o: object, m?: string) => options.logger.debug(o, m),
    info: (o: object, m?: string) => options.logger.info(o, m),
    warn: (o: object, m?: string) => options.logger.warn(o, m),
    error: (o: object, m?: string) => options.logger.error(o, m),
  };
  let engine: EngineRuntime | null = null;
  const session: TopstepxSession = await startTopstepxSession({
    config: projectx,
    symbols: config.symbols,
    dryRun: config.dryRun,
    bracketStops: config.protectiveStops === 'bracket',
    // What the engine holds: the stored rows until the engine is restored, then its live actors (a
    // reconciliation after a reconnect must know the positions opened since the start).
    knownPositions: () =>
      engine
        ? engine
            .positions()
            .filter((v) => openQty(v.context) > 0)
            .map((v) => ({
              positionId: v.positionId,
              contractId: v.context.contractId,
              side: v.context.side,
              quantity: openQty(v.context),
            }))
        : options
            .storedPositions()
            .filter((p) => p.state !== 'pending_entry' && p.state !== 'closed' && p.state !== 'cancelled')
            .map((p) => ({
              positionId: p.id,
              contractId: p.contractId,
              side: p.side,
              quantity: p.filledQuantity,
            })),
    logger: adapterLog as never,
  });
  const accountId = String(session.account.id);
  const lastPrices = new Map<string, number>();
  const tickSubscription = session.marketData.ticks$.subscribe((t) => lastPrices.set(t.symbol, t.price));
  return {
    kind: config.broker,
    accountId,
    broker: session.broker,
    ticks$: session.marketData.ticks$,
    ...(session.marketData.health$ ? { health$: session.marketData.health$ } : {}),
    ...(gateway
      ? {
          pushDemoPrice: (symbol: string, price: number) => {
            const contract = session.contracts.get(symbol);
            if (contract) gateway.pushPrice(contract.id, price);
          },
        }
      : {}),
    contractId: (symbol) => session.contracts.get(symbol)?.id ?? symbol,
    demoCenter: (symbol) => {
      const contract = session.contracts.get(symbol);
      const last = contract && gateway ? gateway.lastPrice(contract.id) : undefined;
      return last ?? DEMO_CENTERS[symbol] ?? 100;
    },
    async history(symbol, now) {
      if (gateway && config.demo) return [];
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
        options.logger.warn(
          { symbol, error: String(error) },
          'could not load history bars; profiles start from live data',
        );
      }
      const instrument = getInstrument(symbol);
      if (config.broker === 'local' && bars.length < 30 && instrument) {
        // The local gateway only has the prices pushed to it (none on a weekend start): give the
        // simulated venue a synthetic value area around its current price so entries can be planned.
        for (let i = 0; i < 20 && !lastPrices.has(symbol); i++) await new Promise((r) => setTimeout(r, 100));
        const center =
          lastPrices.get(symbol) ?? gateway?.lastPrice(contract.id) ?? DEMO_CENTERS[symbol] ?? 100;
        options.logger.info(
          { symbol, center },
          'local gateway has no price history: seeding a synthetic profile around its price',
        );
        return demoHistory(instrument, center, now);
      }
      return bars;
    },
    async afterRestore(runtime) {
      await session.reconciler.whenReady();
      engine = runtime;
      if (runtime.positions().length === 0 || config.dryRun) return;
      // The previous process may have died between a broker event and its consequence (an entry
      // filled, the stop not yet placed): tell the restored actors what the broker did meanwhile,
      // then re-send what they had asked for. Both are idempotent.
      const resynced = await session.broker
        .resync(() =>
          runtime.positions().map((v) => ({
            positionId: v.positionId,
            entryFilled: Object.fromEntries(v.context.legs.map((l) => [l.tag, l.filled])),
            exitedQty: v.context.exitedQty,
            stopTag: stopTag(v.positionId, v.context.stopSeq),
          })),
        )
        .catch((error: unknown) => {
          // The re-sent commands below still adopt what is on the book by tag; reconnects reconcile.
          options.logger.error(
            { error: String(error) },
            'could not resync the restored positions with the broker',
          );
          return { orders: 0, fills: 0 };
        });
      const commands = runtime.positions().flatMap((view) =>
        rearmCommands(view, {
          freshVenue: false,
          protectiveStops: config.protectiveStops,
          ts: options.clock.now(),
        }),
      );
      options.logger.info(
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
      await session.stop();
      await gateway?.close();
    },
  };
}

function paperBroker(config: BotConfig, options: ConnectOptions): BrokerConnection {
  // The simulated exchange schedules its acknowledgements on the clock it is given: wall time here.
  const exchange = new SimulatedExchange(options.clock as never, { ackLatencyMs: 50 });
  return {
    kind: 'paper',
    accountId: config.accountId ?? 'PAPER',
    broker: exchange,
    onPrice: (symbol, price, ts, size) => exchange.onPrice(symbol, price, ts, size),
    contractId: (symbol) => `PAPER.${symbol}`,
    demoCenter: (symbol) => DEMO_CENTERS[symbol] ?? 100,
    history: async () => [],
    async afterRestore(runtime) {
      // A fresh paper exchange knows nothing of the restored positions: put their working entry
      // legs and protective stops back on its book under the same tags.
      for (const view of runtime.positions())
        for (const command of rearmCommands(view, {
          freshVenue: true,
          protectiveStops: config.protectiveStops,
          ts: options.clock.now(),
        }))
          exchange.execute(command);
    },
    async stop() {},
  };
}
