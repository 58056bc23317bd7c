/**
 * Account lanes for the dashboard and status tests: each a real trading node (EngineRuntime +
 * SignalProcessor, src/node/trading-node.ts) on a fake broker that records the commands, with its
 * own settings and guard state; and a dashboard served by the bot's own observers
 * (src/app/observers.ts) over those lanes, as the multi-account bot wires it.
 */

import type { FastifyInstance } from 'fastify';
import { Subject } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import { createLogger, type Logger } from '../../../src/adapters/log/logger.ts';
import { WriteQueue } from '../../../src/adapters/store/write-queue.ts';
import { createHttpServer, listenHttpServer } from '../../../src/adapters/webhook/server.ts';
import type { AccountLane } from '../../../src/app/account-lane.ts';
import type { BotStatus } from '../../../src/app/bot-status.ts';
import { type BotConfig, parseCommandLine } from '../../../src/app/config.ts';
import { attachObservers, type Observers } from '../../../src/app/observers.ts';
import type { BrokerEvent, EngineCommand } from '../../../src/domain/events.ts';
import type { GuardState } from '../../../src/domain/guards.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';
import { createTradingNode } from '../../../src/node/trading-node.ts';
import type { Store } from '../../../src/ports/store.ts';
import { BarBook } from '../../../src/runtime/bar-book.ts';
import { createSettingsSource } from '../../../src/settings/source.ts';
import { longPlan, request } from '../../machines/fixtures.ts';

/** Event time of the lanes' engines (the seeded history's trading day). */
export const LANE_T = Date.UTC(2026, 2, 10, 19, 0);

export interface TestLane extends AccountLane {
  readonly broker$: Subject<BrokerEvent>;
  readonly commands: EngineCommand[];
}

export interface LaneSpec {
  readonly accountId: string;
  readonly name?: string;
  readonly settings?: Partial<BotSettings>;
  readonly guard?: Partial<GuardState>;
  readonly enabled?: boolean;
}

export function testLane(spec: LaneSpec, inspect?: (event: InspectionEvent) => void): TestLane {
  const settings: BotSettings = { ...DEFAULT_SETTINGS, ...spec.settings };
  const broker$ = new Subject<BrokerEvent>();
  const commands: EngineCommand[] = [];
  const guardState: GuardState = {
    tradingDay: '2026-03-10',
    realizedPnlToday: 0,
    equity: settings.startingBalance,
    highWaterMark: settings.startingBalance,
    dailyLoss: null,
    trailingDrawdown: null,
    ...spec.guard,
  };
  const status: BotStatus = {
    lastDecision: null,
    health: { marketData: 'green', userHub: 'green' },
    startedAt: 0,
    canTrade: true,
  };
  const node = createTradingNode({
    clock: { now: () => LANE_T, setTimeout: () => 0, clearTimeout: () => {}, scheduler: undefined as never },
    venue: {
      accountId: spec.accountId,
      broker: { events$: broker$, execute: (c) => commands.push(c) },
      contractId: (symbol) => `SIM.${symbol}`,
    },
    settings: () => settings,
    bars: { barsBefore: () => [] },
    guardState,
    protectiveStops: 'local',
    ...(inspect ? { inspect } : {}),
    observers: [{ onDecision: (decision) => (status.lastDecision = decision) }],
  });
  return {
    accountId: spec.accountId,
    name: spec.name ?? spec.accountId,
    enabled: spec.enabled ?? true,
    runtime: node.runtime,
    processor: node.processor,
    status,
    bars: new BarBook(),
    settings: () => settings,
    broker$,
    commands,
  };
}

/**
 * Open a long of `quantity` (ES by default, on the ES tick grid: entry 100, stop 99, TP1 101) on the
 * lane's engine and fill it at 100; last price `last`. One position per account and symbol.
 */
export function openLanePosition(
  lane: TestLane,
  positionId: string,
  options: {
    readonly quantity?: number;
    readonly last?: number;
    readonly ts?: number;
    readonly symbol?: string;
  } = {},
): void {
  const quantity = options.quantity ?? 2;
  const symbol = options.symbol ?? 'ES';
  const ts = options.ts ?? LANE_T;
  lane.runtime.open(
    request(longPlan(quantity), {
      positionId,
      signalId: `sig-${positionId}`,
      accountId: lane.accountId,
      symbol,
      contractId: `SIM.${symbol}`,
      expiresAt: ts + 600_000,
    }),
    ts,
  );
  lane.broker$.next({
    type: 'order.filled',
    ts: ts + 10,
    tag: `${positionId}-e0`,
    orderId: `o-${positionId}`,
    price: 100,
    quantity,
    side: 'buy',
    fees: 2.5,
  });
  lane.runtime.tick(symbol, options.last ?? 100.5, ts + 20);
}

/** Three accounts of different sizes, each a day into trading (the browser test uses all three). */
export const THREE_ACCOUNTS: readonly LaneSpec[] = [
  {
    accountId: 'ACC-1',
    name: 'Combine A',
    settings: { accountRules: 'combine-50k', dailyLossLimit: 1000 },
    // Floor: the lower of the starting balance and the end-of-day high less $2,000 = $48,600.
    guard: { realizedPnlToday: -250, equity: 50_400, highWaterMark: 50_600 },
  },
  {
    accountId: 'ACC-2',
    name: 'Combine B',
    settings: { accountRules: 'combine-100k', dailyLossLimit: 800, startingBalance: 100_000 },
    // Floor: 100,000 − 3,000 = $97,000.
    guard: { realizedPnlToday: -700, equity: 99_300, highWaterMark: 100_000 },
  },
  {
    accountId: 'ACC-3',
    name: 'ACC-3',
    settings: { accountRules: 'combine-150k', dailyLossLimit: 0, startingBalance: 150_000 },
    guard: { realizedPnlToday: 125, equity: 150_125, highWaterMark: 150_000 },
  },
];

export interface LanesDashboard {
  readonly app: FastifyInstance;
  readonly lanes: readonly TestLane[];
  /** The bot's observers: `onDecision` publishes to this dashboard. */
  readonly observers: Observers;
  /** Set when listening (listen: true). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The dashboard the multi-account bot serves (attachObservers + registerDashboard over the lanes,
 * src/app/observers.ts), on `store` (seeded by the caller), serving the app built in `distDir`.
 */
export async function startLanesDashboard(
  store: Store,
  specs: readonly LaneSpec[],
  options: { readonly token?: string; readonly distDir?: string; readonly listen?: boolean } = {},
): Promise<LanesDashboard> {
  const { config: parsed } = parseCommandLine([], {});
  const config: BotConfig = {
    ...parsed,
    status: 'off',
    host: '127.0.0.1',
    ...(options.token ? { dashboardToken: options.token } : {}),
  };
  const logger: Logger = createLogger({ level: 'silent' });
  const observers = await attachObservers(config, {
    logger,
    stdout: process.stdout,
    dashboardApp: {
      backtestsDir: undefined,
      buildIfMissing: false,
      distDir: options.distDir ?? '/nonexistent-dashboard-dist',
      now: () => LANE_T + 3_600_000,
    },
  });
  const lanes = specs.map((spec) => testLane(spec, observers.inspect));
  const app = createHttpServer({ logger: false });
  const writeQueue = new WriteQueue(store, {
    now: () => LANE_T,
    setTimeout: () => 0,
    clearTimeout: () => {},
  } as never);
  const settings = await createSettingsSource({ store, layers: [] });
  await observers.registerDashboard(app, { store, lanes, writeQueue, config, logger, settings });
  const url = options.listen ? await listenHttpServer(app, { port: 0 }) : '';
  return {
    app,
    lanes,
    observers,
    url,
    async close() {
      await app.close();
      for (const lane of lanes) lane.runtime.stop();
      await observers.stop();
    },
  };
}
