/**
 * The live bot: chooses the live parts (wall clock, store, venue, settings, observers, the webhook
 * receiver and the dashboard), restores what the store knows, hands them to the trading node
 * (src/node/trading-node.ts, the same composition the backtest runs) and takes it all down again
 * cleanly. Crash-only: a start after a crash is the normal start (restore the actors from their
 * stored snapshots, reconcile with the broker, then accept signals).
 */

import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { asyncScheduler, type Subscription } from 'rxjs';
import { DemoPrice, demoAlertBody, demoHistory } from '../../sim/demo-market.ts';
import { startSharedLocalGateway } from '../../sim/gateway/venue.ts';
import { createLogger, type Logger } from '../adapters/log/logger.ts';
import { alertStream } from '../adapters/store/alert-stream.ts';
import { createStore } from '../adapters/store/factory.ts';
import { WriteQueue } from '../adapters/store/write-queue.ts';
import { createHttpServer, listenHttpServer, registerWebhookRoutes } from '../adapters/webhook/server.ts';
import type { EngineCommand } from '../domain/events.ts';
import { startingBalanceOf } from '../domain/guards.ts';
import { getInstrument } from '../domain/instruments.ts';
import { registerSecret, registerSecretsFromEnv } from '../domain/secrets.ts';
import type { BotSettings } from '../domain/settings.ts';
import type { AlertAction } from '../domain/types.ts';
import { AlertInbox } from '../node/alert-inbox.ts';
import { guardToRecord, type Restored, restoreAccount } from '../node/restore.ts';
import {
  createTradingNode,
  type NodeObserver,
  newlyLatched,
  type TradingNode,
} from '../node/trading-node.ts';
import type { Clock } from '../ports/index.ts';
import type { Store } from '../ports/store.ts';
import type { Venue, VenueRepair } from '../ports/venue.ts';
import { BarBook } from '../runtime/bar-book.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import { PersistenceSink } from '../runtime/persistence.ts';
import { rearmCommands } from '../runtime/recovery.ts';
import { idFromKey, type SignalDecision, type SignalProcessor } from '../runtime/signal-processor.ts';
import { createSettingsSource, type SettingsSource } from '../settings/source.ts';
import { watchAccount } from './account-balance.ts';
import { type AccountLane, laneLabel } from './account-lane.ts';
import { type AccountConfig, accountSettings } from './accounts.ts';
import type { BotStatus } from './bot-status.ts';
import { type BotConfig, databaseFor } from './config.ts';
import { startContractRoll } from './contract-roll.ts';
import { engineLog } from './engine-log.ts';
import { attachObservers, type Observers } from './observers.ts';
import { attachPeripherals, type Peripherals } from './peripherals.ts';
import { openVenue } from './venues.ts';

export type { BotStatus } from './bot-status.ts';

export const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  scheduler: asyncScheduler,
};

/** One account's lane as the running bot holds it: the lane, its venue and its trading node. */
export interface LiveLane extends AccountLane {
  readonly venue: Venue;
  readonly node: TradingNode;
  /** The configured account; null without an accounts list (the one account of --account-id). */
  readonly account: AccountConfig | null;
  /** "Combine A (12345)": how logs and notifications name it. */
  readonly label: string;
  readonly logger: Logger;
  readonly peripherals: Peripherals;
  readonly restored: Restored;
}

export interface BotHandle {
  readonly url: string | null;
  /** The first account's runtime, processor and venue (the only ones with a single account). */
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  readonly store: Store;
  readonly logger: Logger;
  readonly broker: Venue;
  /** Every account traded, in the configured order (one without an accounts list). */
  readonly lanes: readonly LiveLane[];
  /** Graceful stop; resolves with the exit code. */
  stop(reason: string): Promise<number>;
  /** Resolves when the bot has stopped (by itself, e.g. --exit-after, or by stop()). */
  readonly done: Promise<number>;
}

export async function startBot(
  config: BotConfig,
  options: { readonly stdout?: NodeJS.WriteStream } = {},
): Promise<BotHandle> {
  const stdout = options.stdout ?? process.stdout;
  const shared = await openShared(config, stdout);
  const { logger, clock, store } = shared;
  const opened = await openLanes(config, shared);
  const multi = config.accounts.length > 1;
  const inbox = createInbox(
    shared,
    () => lanes,
    multi ? opened.map((l) => ({ accountId: l.accountId, label: l.label })) : undefined,
    multi ? await decidedBeforeRestart(store, opened) : new Map(),
  );
  const lanes: LiveLane[] = opened.map((lane) => wireLane(config, shared, lane, inbox, multi));
  const [first] = lanes;
  if (!first) throw new Error('no account to trade');
  const subscriptions: Subscription[] = [];
  const watches: { stop(): void }[] = [];
  const rolls: ReturnType<typeof startContractRoll>[] = [];
  for (const lane of lanes) {
    const { venue, node, bars } = lane;
    await venue.afterRestore({
      positions: () => node.runtime.positions(),
      rearm: (view, freshVenue) =>
        rearmCommands(view, { freshVenue, protectiveStops: config.protectiveStops, ts: clock.now() }),
    });
    let historyBars = 0;
    for (const symbol of laneSymbols(config, lane.account)) {
      const history = await venue.history(symbol, clock.now());
      historyBars += history.length;
      bars.seed(symbol, history);
    }
    if (lane === first && config.broker === 'paper' && !config.demo && historyBars === 0 && !venue.ticks$)
      shared.say(
        'no market data: every alert will be FILTERED "no bars in the profile range"; for prices run `npm start -- --demo`, or `npm run local-gateway` with `npm start -- --broker local`, or put PROJECTX_USERNAME and PROJECTX_API_KEY in .env',
        { marketData: 'none' },
        'warn',
      );
    watches.push(
      await watchAccount({
        venue,
        processor: node.processor,
        runtime: node.runtime,
        clock,
        logger: lane.logger,
        status: lane.status,
        restoredFromStore: lane.restored.fromStore,
      }),
    );
    // Rollover: at each trading-day start (17:00 Chicago) the venue resolves the contracts again.
    const roll = startContractRoll({ venue, logger: lane.logger });
    roll.observe(clock.now());
    rolls.push(roll);
    // Market data: every price goes to the paper exchange (if any), the bar book and the engine (by
    // contract: after a roll the old month's prints reach only the positions still holding it).
    if (venue.ticks$)
      subscriptions.push(
        venue.ticks$.subscribe((t) => {
          roll.observe(t.ts);
          node.price(t.symbol, t.price, t.ts, t.size ?? 1, t.contractId);
        }),
      );
    // Broker-state repairs (a stop re-placed, an orphan cancelled…): one execution event each.
    if (venue.repairs$)
      subscriptions.push(venue.repairs$.subscribe((repair) => recordRepair(shared, lane, repair)));
  }
  const timers: ReturnType<typeof setInterval>[] = [];
  const demo = config.demo ? startDemoMarket(config, { lanes, clock, timers }) : null;
  // Time: deadlines and guards (flat-by time, breaches on open P&L), the trading-day start, once a second.
  timers.push(
    setInterval(() => {
      const now = clock.now();
      for (const roll of rolls) roll.observe(now);
      for (const lane of lanes) lane.node.clockTick(now);
    }, 1_000),
  );

  const { app, url } = await serveHttp(config, shared, lanes, inbox);
  // Stored alerts: notifications and the catch-up sweep (also picks up alerts that came in while stopped).
  subscriptions.push(
    alertStream(store, {
      clock,
      sweepIntervalMs: config.sweepIntervalMs,
      accounts: lanes.length,
      onError: (error) => logger.warn({ error: error.message }, 'alert stream read failed; retrying'),
    }).subscribe((alert) => inbox.receive(alert)),
  );
  if (demo && config.webhook) demo.postAlerts(url, logger);
  const statusTimer = shared.observers.startStatus(() => ({
    lanes,
    writeQueue: shared.writeQueue,
    url,
  }));

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let stopping: Promise<number> | null = null;
  const stop = (reason: string): Promise<number> => {
    stopping ??= (async () => {
      // The screen goes first: from here on every step is said on the terminal and in the log.
      statusTimer.stop();
      shared.say(`stopping (${reason}): no new webhooks or alerts`, { reason });
      for (const watch of watches) watch.stop();
      for (const t of timers) clearInterval(t);
      await app.close().catch(() => {});
      for (const s of subscriptions) s.unsubscribe();
      for (const lane of lanes) await windDown(lane, config, shared.say, multi);
      const code = await closeLiveParts(shared, lanes).catch((error: unknown) => {
        logger.error({ error: String(error) }, 'shutdown step failed');
        return 1;
      });
      shared.say(code === 0 ? 'stopped' : `stopped, with errors (exit code ${code})`, { exitCode: code });
      await shared.closeLog();
      resolveDone(code);
      return code;
    })();
    return stopping;
  };
  const exitAfter = config.exitAfterMs;
  if (exitAfter) setTimeout(() => void stop(`--exit-after ${exitAfter / 1000}s`), exitAfter);

  return {
    url,
    runtime: first.runtime,
    processor: first.processor,
    store,
    logger,
    broker: first.venue,
    lanes,
    stop,
    done,
  };
}

/** What every account shares: the log, the store and its write lane, the settings, the observers. */
interface SharedParts {
  readonly logger: Logger;
  /** A line for the trader: the log, and the terminal too while the status screen owns the log. */
  readonly say: Say;
  /** Ends the log file (if any) once its last line is written. */
  readonly closeLog: () => Promise<void>;
  readonly clock: Clock;
  readonly store: Store;
  /** The shared settings (each account adds its own on top: src/app/accounts.ts). */
  readonly settings: () => BotSettings;
  readonly settingsSource: SettingsSource;
  readonly writeQueue: WriteQueue;
  readonly observers: Observers;
  /** A local gateway this process started for the accounts list (closed last). */
  localGateway: { readonly url: string; close(): Promise<void> } | null;
}

/** One account's parts, opened: its venue (with its lock taken) and what the store knew of it. */
interface OpenedLane {
  /** The configured account; null without an accounts list (the one account of --account-id). */
  readonly account: AccountConfig | null;
  readonly accountId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly label: string;
  readonly logger: Logger;
  readonly status: BotStatus;
  readonly venue: Venue;
  /** The runtime once built: the venue's reconciler then asks it what is open. */
  readonly engine: { runtime: EngineRuntime | null; processor: SignalProcessor | null };
  readonly restored: Restored;
  readonly bars: BarBook;
  readonly settings: () => BotSettings;
}

async function openShared(config: BotConfig, stdout: NodeJS.WriteStream): Promise<SharedParts> {
  registerBotSecrets(config);
  const { logger, say, closeLog } = openLogger(config, stdout);
  const database = databaseFor(config);
  say(`database: ${database.description}; mode ${database.mode}`, {
    mode: database.mode,
    database: database.description,
  });
  const clock = wallClock;
  const store = await openStore(config);
  const settingsSource = await liveSettings(config, store, logger);
  const settings = () => settingsSource.current();
  const writeQueue = new WriteQueue(store, clock, { flushIntervalMs: config.flushIntervalMs });
  const observers = await attachObservers(config, { logger, stdout });
  return {
    logger,
    say,
    closeLog,
    clock,
    store,
    settings,
    settingsSource,
    writeQueue,
    observers,
    localGateway: null,
  };
}

/** The symbols an account trades: its own list, else the bot's. */
function laneSymbols(config: BotConfig, account: AccountConfig | null): readonly string[] {
  return account?.symbols ?? config.symbols;
}

/**
 * Every account's venue, lock and restored state, in the configured order. Crash recovery: the
 * actors come back from their stored snapshots before anything else runs. A failure closes what
 * was opened (venues, locks, the store) and says which account it was.
 */
async function openLanes(config: BotConfig, shared: SharedParts): Promise<OpenedLane[]> {
  const { logger, clock, store } = shared;
  const allStored = await store.openPositions();
  const accounts: (AccountConfig | null)[] = config.accounts.length > 0 ? config.accounts : [null];
  const multi = config.accounts.length > 1;
  let gatewayUrl = config.gatewayUrl;
  if (config.broker === 'local' && !gatewayUrl && config.accounts.length > 0) {
    // One in-process gateway holding every listed account (each lane connects to it as a client).
    const gateway = await startSharedLocalGateway({
      accounts: config.accounts.map((a) => ({
        id: a.id,
        name: a.name,
        balance: startingBalanceOf(accountSettings(shared.settings(), a)),
      })),
      symbols: [...new Set(config.accounts.flatMap((a) => a.symbols ?? config.symbols))],
      demo: config.demo,
    });
    shared.localGateway = gateway;
    gatewayUrl = gateway.url;
  }
  const lanes: OpenedLane[] = [];
  try {
    for (const account of accounts) {
      const accountLogger = multi && account ? logger.child({ account: account.id }) : logger;
      const laneConfig: BotConfig = {
        ...config,
        ...(account ? { accountId: account.id, symbols: [...laneSymbols(config, account)] } : {}),
        ...(gatewayUrl ? { gatewayUrl } : {}),
      };
      const stored = account ? allStored.filter((p) => p.accountId === account.id) : allStored;
      const engine: { runtime: EngineRuntime | null; processor: SignalProcessor | null } = {
        runtime: null,
        processor: null,
      };
      const venue = await openVenue(laneConfig, {
        clock,
        logger: accountLogger,
        storedPositions: () => stored,
        engine,
      }).catch((error: unknown) => {
        throw account && multi
          ? new Error(`account ${account.name} (${account.id}): ${(error as Error).message}`)
          : error;
      });
      const accountId = venue.accountId;
      if (!(await store.acquireAccountLock(accountId))) {
        await venue.stop();
        throw new Error(
          `account ${accountId} is already traded by another valuearea process on this database; stop it first, or start this one with another --account-id`,
        );
      }
      const name = account?.name ?? accountId;
      const settings = account ? () => accountSettings(shared.settings(), account) : shared.settings;
      const status: BotStatus = {
        lastDecision: null,
        health: { marketData: 'green', userHub: 'green' },
        startedAt: clock.now(),
      };
      const lane: OpenedLane = {
        account,
        accountId,
        name,
        enabled: account?.enabled ?? true,
        label: laneLabel({ accountId, name }),
        logger: accountLogger,
        status,
        venue,
        engine,
        restored: await restoreAccount(store, allStored, accountId, {
          now: clock.now(),
          logger: accountLogger,
          startingBalance: startingBalanceOf(settings()),
          // Several accounts: the alert may be undecided for another one (decidedBeforeRestart).
          markAlertProcessed: !multi,
        }),
        bars: new BarBook(),
        settings,
      };
      lanes.push(lane);
      venue.health$?.subscribe((h) => {
        status.health = h;
      });
      if (multi)
        shared.say(
          `account ${lane.label}: ${lane.enabled ? 'trading' : 'disabled (manages what it holds, takes no new entries)'} ${laneSymbols(config, account).join(', ')}`,
          { account: accountId, enabled: lane.enabled },
        );
    }
  } catch (error) {
    for (const lane of lanes) {
      await lane.venue.stop().catch(() => {});
      await store.releaseAccountLock(lane.accountId).catch(() => {});
    }
    await shared.localGateway?.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
  return lanes;
}

/** Stored alerts into every account's node, once each; one account failing never stops the others. */
function createInbox(
  shared: SharedParts,
  lanes: () => readonly LiveLane[],
  accounts: readonly { accountId: string; label: string }[] | undefined,
  decidedBefore: Map<string, SignalDecision>,
): AlertInbox {
  const { logger, clock, store, writeQueue, observers } = shared;
  const inbox: AlertInbox = new AlertInbox({
    decide: (alert) => {
      for (const lane of lanes()) {
        const before = decidedBefore.get(`${lane.accountId}|${alert.key}`);
        if (before) {
          // Decided for this account before a crash interrupted the others: theirs only, now.
          decidedBefore.delete(`${lane.accountId}|${alert.key}`);
          inbox.decided(before);
          continue;
        }
        try {
          lane.node.alert(alert, clock.now());
        } catch (error) {
          lane.logger.error(
            { alertKey: alert.key, error: String(error) },
            'the alert could not be decided for this account',
          );
        }
      }
    },
    markProcessed: (alertId, reason) =>
      writeQueue
        .enqueue('alert status', () => store.setAlertStatus(alertId, 'processed', reason))
        .catch((error: unknown) => logger.warn({ error: String(error) }, 'alert status not saved')),
    onReceived: (alert) => {
      const parsed = alert.parsed;
      logger.info(
        { alertKey: parsed?.key, symbol: parsed?.symbol, action: parsed?.action, dialect: parsed?.dialect },
        'alert received',
      );
      observers.onAlert(alert);
    },
    ...(accounts ? { accounts } : {}),
  });
  return inbox;
}

/**
 * Several accounts: an alert a crash interrupted between two accounts' decisions is delivered
 * again (the store counts a decision per account); the accounts that had decided it keep their
 * decision and only the others decide it now. Read once at start, after the restore (which
 * settles a signal whose entry order was sent).
 */
async function decidedBeforeRestart(
  store: Store,
  lanes: readonly OpenedLane[],
): Promise<Map<string, SignalDecision>> {
  const decided = new Map<string, SignalDecision>();
  for (let afterId = 0; ; ) {
    const page = await store.unprocessedAlerts(100, afterId, lanes.length);
    for (const alert of page) {
      const key = alert.parsed?.key;
      if (!key) continue;
      for (const lane of lanes) {
        if (!lane.account) continue;
        const signal = await store.getSignal(idFromKey('s', key, lane.account.tag));
        if (!signal || signal.status === 'PENDING' || signal.status === 'EXECUTING') continue;
        decided.set(`${lane.accountId}|${key}`, {
          accountId: lane.accountId,
          signalId: signal.id,
          alertKey: key,
          symbol: signal.symbol,
          action: signal.action as AlertAction,
          status: signal.status,
          reason: signal.reason,
          positionId: signal.executedTradeId,
          plan: null,
          ts: signal.updatedAt,
        });
      }
    }
    const last = page.at(-1);
    if (page.length < 100 || !last) break;
    afterId = last.id;
  }
  return decided;
}

/** One account's trading node on the live parts, with the store, the log and the observers watching it. */
function wireLane(
  config: BotConfig,
  shared: SharedParts,
  lane: OpenedLane,
  inbox: AlertInbox,
  multi: boolean,
): LiveLane {
  const { clock, store, writeQueue, observers } = shared;
  const { logger, accountId, status, venue, bars } = lane;
  let sink!: PersistenceSink;
  let peripherals!: Peripherals;
  const guardKeeper: NodeObserver = {
    onGuardState: (state, previous) => {
      const latched = newlyLatched(state, previous);
      if (latched) {
        logger.warn(
          { reason: latched.reason, account: accountId },
          `guard breached${multi ? ` on account ${lane.label}` : ''}: positions flattened, entries refused until a manual reset`,
        );
        peripherals.notifyGuard(latched.reason, clock.now());
      }
      writeQueue
        .enqueue('guard state', () => store.saveGuardState(guardToRecord(state, accountId, clock.now())))
        .catch((error: unknown) => logger.error({ error: String(error) }, 'guard state not saved'));
    },
  };
  const log = engineLog(logger);
  const node: TradingNode = createTradingNode({
    clock,
    venue: {
      accountId,
      broker: venue.broker,
      contractId: (symbol) => venue.contractId(symbol),
      health: () => status.health,
    },
    settings: lane.settings,
    bars: {
      barsBefore: (symbol, ts, minutes) => bars.barsBefore(symbol, ts, minutes),
      onTick: (symbol, price, ts, size) => {
        venue.onPrice?.(symbol, price, ts, size);
        bars.onTick(symbol, price, ts, size);
      },
    },
    guardState: lane.restored.guardState,
    snapshot: lane.restored.snapshot,
    protectiveStops: config.protectiveStops,
    ...(observers.inspect ? { inspect: observers.inspect } : {}),
    holdCommand: writeAheadHold(writeQueue, logger),
    ...(multi && lane.account ? { idScope: lane.account.tag } : {}),
    ...(lane.enabled ? {} : { accountDisabled: () => lane.label }),
    onRuntime: (runtime) => {
      lane.engine.runtime = runtime;
      sink = new PersistenceSink({
        runtime,
        writer: writeQueue,
        onError: (what, error) => logger.error({ what, error: String(error) }, 'store write failed'),
      });
      peripherals = attachPeripherals(config, {
        runtime,
        sink,
        logger,
        account: { id: accountId, name: lane.name },
      });
    },
    observers: [
      { onOutput: log.onOutput },
      { onSignal: (record, transition) => sink.onSignal(record, transition) },
      guardKeeper,
      {
        onDecision: (decision) => {
          status.lastDecision = decision;
          inbox.decided(decision);
        },
      },
      { onDecision: log.onDecision },
      { onDecision: (decision) => observers.onDecision(decision) },
    ],
  });
  // From here the venue may adopt unknown broker positions into this account's own ladders.
  lane.engine.processor = node.processor;
  return {
    accountId,
    name: lane.name,
    enabled: lane.enabled,
    runtime: node.runtime,
    processor: node.processor,
    status,
    bars,
    settings: lane.settings,
    venue,
    node,
    account: lane.account,
    label: lane.label,
    logger,
    peripherals,
    restored: lane.restored,
  };
}

/** A broker-state repair: the log, and one execution event on the account. */
function recordRepair(shared: SharedParts, lane: LiveLane, repair: VenueRepair): void {
  const { logger } = lane;
  logger.warn(
    { repair: repair.kind, positionId: repair.positionId, reason: repair.reason },
    'broker state repaired',
  );
  shared.writeQueue
    .enqueue('repair event', () =>
      shared.store.appendEvents([
        {
          entityType: 'account',
          entityId: lane.accountId,
          fromState: null,
          toState: `repair:${repair.kind}`,
          ts: repair.ts,
          detail: { ...repair },
        },
      ]),
    )
    .catch((error: unknown) => logger.error({ error: String(error) }, 'repair event not saved'));
}

/** HTTP: webhook receiver (+ dashboard) on 127.0.0.1 unless told otherwise. */
async function serveHttp(
  config: BotConfig,
  shared: SharedParts,
  lanes: readonly LiveLane[],
  inbox: AlertInbox,
): Promise<{ app: ReturnType<typeof createHttpServer>; url: string }> {
  const { store, logger } = shared;
  const app = createHttpServer({ logger: false });
  if (config.webhook) {
    registerWebhookRoutes(app, {
      inbox: store,
      intake: {
        secrets: config.webhookSecret ? [config.webhookSecret] : [],
        maxLagMs: shared.settings().maxAlertLagMs,
      },
      onAccepted: (alert) => inbox.receive(alert),
    });
  }
  await shared.observers.registerDashboard(app, {
    store,
    lanes,
    writeQueue: shared.writeQueue,
    config,
    logger,
    settings: shared.settingsSource,
  });
  const url = await listenHttpServer(app, { host: config.host, port: config.port });
  logger.info(
    {
      url,
      dashboard: `${url}/`,
      webhook: config.webhook ? `${url}/webhook/tradingview` : null,
      broker: config.broker,
      accounts: lanes.map((l) => l.accountId),
      mode: databaseFor(config).mode,
      database: databaseFor(config).description,
      store: store.constructor.name,
    },
    'valuearea is running',
  );
  return { app, url };
}

/** The last flush, then everything closes in the reverse order it opened. */
async function closeLiveParts(shared: SharedParts, lanes: readonly LiveLane[]): Promise<number> {
  const { logger, store } = shared;
  const queued = shared.writeQueue.status;
  shared.say(
    `flushing the database (${queued.pendingWrites} writes, ${queued.dirtyPositions} positions to save)`,
  );
  let code = 0;
  await shared.writeQueue.close().catch((error: unknown) => {
    code = 1;
    logger.error({ error: String(error) }, 'final flush failed');
  });
  for (const lane of lanes) lane.node.stop();
  for (const lane of lanes) await lane.venue.stop();
  await shared.localGateway?.close().catch(() => {});
  await shared.observers.stop();
  for (const lane of lanes) await lane.peripherals.stop();
  for (const lane of lanes) await store.releaseAccountLock(lane.accountId).catch(() => {});
  await store.close().catch(() => {});
  return code;
}

function registerBotSecrets(config: BotConfig): void {
  for (const secret of [
    config.webhookSecret,
    config.supabaseServiceRoleKey,
    config.dashboardToken,
    config.telegramBotToken,
    process.env.PROJECTX_API_KEY,
  ]) {
    registerSecret(secret);
  }
  registerSecretsFromEnv(process.env);
}

type Say = (message: string, fields?: Record<string, unknown>, level?: 'info' | 'warn') => void;

/** The status screen owns a terminal: logs then go to a file, announced once before the screen starts. */
function openLogger(
  config: BotConfig,
  stdout: NodeJS.WriteStream,
): { logger: Logger; say: Say; closeLog: () => Promise<void> } {
  const screenOwnsTerminal = config.status === 'tty' || (config.status === 'auto' && stdout.isTTY === true);
  let destination: { write(line: string): unknown; isTTY?: boolean } = stdout;
  let closeLog = (): Promise<void> => Promise.resolve();
  if (screenOwnsTerminal) {
    const { logFile } = databaseFor(config);
    mkdirSync(dirname(logFile), { recursive: true });
    const file = createWriteStream(logFile, { flags: 'a' });
    let ended = false;
    destination = { write: (line: string) => (ended ? undefined : file.write(line)) };
    // process.exit does not wait for a file stream: the last lines (the shutdown) would be lost.
    closeLog = () =>
      new Promise<void>((resolve) => {
        ended = true;
        file.end(resolve);
      });
    stdout.write(`valuearea: logs go to ${logFile} while the status screen runs\n`);
  }
  const logger = createLogger({
    level: config.logLevel,
    pretty: screenOwnsTerminal ? false : 'auto',
    destination,
  });
  const say: Say = (message, fields = {}, level = 'info') => {
    logger[level](fields, message);
    if (screenOwnsTerminal) stdout.write(`valuearea: ${message}\n`);
  };
  return { logger, say, closeLog };
}

function openStore(config: BotConfig): Promise<Store> {
  return createStore({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.supabaseUrl ? { supabaseUrl: config.supabaseUrl } : {}),
    ...(config.supabaseServiceRoleKey ? { supabaseServiceRoleKey: config.supabaseServiceRoleKey } : {}),
    pgliteDataDir: databaseFor(config).pgliteDir,
  });
}

/** The live settings: defaults → saved → file → environment → flags → dashboard, read on every alert. */
async function liveSettings(config: BotConfig, store: Store, logger: Logger): Promise<SettingsSource> {
  const source = await createSettingsSource({
    store,
    layers: config.settingsLayers,
    // The demo market is synthetic and trades every ~20 s, at any hour: a 5-minute cooldown, the
    // 15:10 Chicago flat-by time or a trading window would filter it (real settings apply without
    // --demo). For this run only: never saved.
    ...(config.demo
      ? {
          runOnly: (s: BotSettings) => ({
            ...s,
            cooldownMs: Math.min(s.cooldownMs, 10_000),
            flatByTime: '',
            noNewEntriesAfter: '',
            cmeCalendar: false,
            tradingWindowStart: '',
            tradingWindowEnd: '',
          }),
        }
      : {}),
  });
  for (const { key, origin } of source.shadowed)
    logger.warn(
      { setting: key, origin },
      `${key}: ${origin} replaces the value saved on the dashboard for this run; drop it there to use the saved one`,
    );
  return source;
}

/**
 * Write-ahead: an entry order goes out only once its position is stored (the position's first
 * update is queued in the same engine step, so a flush after it covers it). A crash before that
 * leaves no order, and the alert is delivered again; a crash after it restores the position.
 */
function writeAheadHold(writeQueue: WriteQueue, logger: Logger) {
  return (command: EngineCommand): Promise<unknown> | undefined =>
    command.type === 'placeEntry'
      ? Promise.resolve()
          .then(() => writeQueue.flush())
          .catch((error: unknown) =>
            logger.error(
              { positionId: command.positionId, error: String(error) },
              'position not stored before its entry order; sending the order anyway',
            ),
          )
      : undefined;
}

/** The demo: a scripted price around a synthetic value area and an alert every so often (every account sees both). */
function startDemoMarket(
  config: BotConfig,
  parts: {
    readonly lanes: readonly LiveLane[];
    readonly clock: Clock;
    readonly timers: ReturnType<typeof setInterval>[];
  },
): { postAlerts(url: string, logger: Logger): void } {
  const { lanes, clock, timers } = parts;
  const symbol = config.symbols[0] ?? 'ES';
  const instrument = getInstrument(symbol);
  const [first] = lanes;
  let demoPrice: DemoPrice | undefined;
  if (instrument && first) {
    const center = first.venue.demoCenter(symbol);
    for (const lane of lanes) lane.bars.seed(symbol, demoHistory(instrument, center, clock.now()));
    const price = new DemoPrice(instrument, center, clock.now());
    demoPrice = price;
    // One local gateway holds every account: a price pushed to it reaches them all through the market hub.
    const pushers = first.venue.pushDemoPrice && config.accounts.length > 0 ? [first] : lanes;
    timers.push(
      setInterval(() => {
        const now = clock.now();
        const p = price.priceAt(now);
        for (const lane of pushers) {
          if (lane.venue.pushDemoPrice) lane.venue.pushDemoPrice(symbol, p, now);
          else lane.node.price(symbol, p, now);
        }
      }, 250),
    );
    for (const lane of lanes)
      lane.runtime.outputs$.subscribe((o) => {
        if (o.type === 'alert.outcome' && (o.outcome === 'opened' || o.outcome === 'replaced')) {
          const view = lane.runtime.positions().find((p) => p.positionId === o.positionId);
          if (view && !price.scripted) price.scriptTrade(view.context.plan, clock.now());
        }
      });
  }
  return {
    postAlerts(url, logger) {
      let n = 0;
      const postDemoAlert = () => {
        if (lanes.some((lane) => lane.runtime.slots().length > 0) || demoPrice?.scripted) return;
        const body = demoAlertBody(symbol, n++, clock.now(), config.webhookSecret);
        fetch(`${url}/webhook/tradingview`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).catch((error: unknown) => logger.warn({ error: String(error) }, 'demo alert could not be sent'));
      };
      timers.push(setTimeout(postDemoAlert, 3_000) as unknown as ReturnType<typeof setInterval>);
      timers.push(setInterval(postDemoAlert, config.demoIntervalMs));
    },
  };
}

/** Stop: cancel pending entries (and flatten if asked), give the broker a moment to confirm, say what is left. */
async function windDown(lane: LiveLane, config: BotConfig, say: Say, multi: boolean): Promise<void> {
  const { runtime } = lane;
  const on = multi ? ` on ${lane.label}` : '';
  const now = Date.now();
  const pending = runtime.positions().filter((p) => p.state === 'pending_entry');
  const open = runtime.positions().filter((p) => p.state !== 'pending_entry' && p.state !== 'closed');
  say(`cancelling ${pending.length} pending ${pending.length === 1 ? 'entry' : 'entries'}${on}`, {
    pending: pending.length,
    ...(multi ? { account: lane.accountId } : {}),
  });
  for (const view of pending) runtime.cancel(view.accountId, view.symbol, `shutdown-${now}`, now);
  if (config.flattenOnExit) {
    say(
      `flattening ${open.length} open ${open.length === 1 ? 'position' : 'positions'}${on} (--flatten-on-exit)`,
      {
        open: open.length,
      },
    );
    runtime.flatten('manual', now);
  }
  const deadline = Date.now() + 3_000;
  while (
    Date.now() < deadline &&
    runtime
      .positions()
      .some(
        (p) =>
          p.state === 'pending_entry' ||
          p.state === 'exiting' ||
          (config.flattenOnExit && p.state !== 'closed'),
      )
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const kept = runtime.positions().filter((p) => p.state !== 'pending_entry' && p.state !== 'closed');
  const protection =
    config.protectiveStops === 'local'
      ? 'their stops were held by the bot only (--protective-stops local): unprotected until it runs again'
      : 'protected by their broker-side stops';
  if (kept.length > 0 || !config.flattenOnExit) {
    const positions = kept.map((p) => `${p.symbol} ${p.context.side} ${p.state} stop ${p.context.stop}`);
    const list = positions.length > 0 ? ` (${positions.join('; ')})` : '';
    say(
      `keeping ${kept.length} open ${kept.length === 1 ? 'position' : 'positions'}${on}${list}, ${protection}`,
      { positions },
    );
  }
}
