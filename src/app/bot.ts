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
import type { Venue } from '../ports/venue.ts';
import { BarBook } from '../runtime/bar-book.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import { PersistenceSink } from '../runtime/persistence.ts';
import { rearmCommands } from '../runtime/recovery.ts';
import type { SignalProcessor } from '../runtime/signal-processor.ts';
import { createSettingsSource, type SettingsSource } from '../settings/source.ts';
import { watchAccount } from './account-balance.ts';
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

export interface BotHandle {
  readonly url: string | null;
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  readonly store: Store;
  readonly logger: Logger;
  readonly broker: Venue;
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
  const parts = await openLiveParts(config, stdout);
  const { logger, clock, store, broker, bars, settings } = parts;
  const { node, inbox, peripherals } = wireNode(config, parts);
  const { runtime, processor } = node;
  parts.engine.runtime = runtime;
  await broker.afterRestore({
    positions: () => runtime.positions(),
    rearm: (view, freshVenue) =>
      rearmCommands(view, { freshVenue, protectiveStops: config.protectiveStops, ts: clock.now() }),
  });
  let historyBars = 0;
  for (const symbol of config.symbols) {
    const history = await broker.history(symbol, clock.now());
    historyBars += history.length;
    bars.seed(symbol, history);
  }
  if (config.broker === 'paper' && !config.demo && historyBars === 0 && !broker.ticks$)
    parts.say(
      'no market data: every alert will be FILTERED "no bars in the profile range"; for prices run `npm start -- --demo`, or `npm run local-gateway` with `npm start -- --broker local`, or put PROJECTX_USERNAME and PROJECTX_API_KEY in .env',
      { marketData: 'none' },
      'warn',
    );
  const account = await watchAccount({
    venue: broker,
    processor,
    runtime,
    clock,
    logger,
    status: parts.status,
    restoredFromStore: parts.restored.fromStore,
  });

  // Rollover: at each trading-day start (17:00 Chicago) the venue resolves the contracts again.
  const roll = startContractRoll({ venue: broker, logger });
  roll.observe(clock.now());
  // Market data: every price goes to the paper exchange (if any), the bar book and the engine (by
  // contract: after a roll the old month's prints reach only the positions still holding it).
  const subscriptions: Subscription[] = [];
  if (broker.ticks$)
    subscriptions.push(
      broker.ticks$.subscribe((t) => {
        roll.observe(t.ts);
        node.price(t.symbol, t.price, t.ts, t.size ?? 1, t.contractId);
      }),
    );
  const timers: ReturnType<typeof setInterval>[] = [];
  const demo = config.demo ? startDemoMarket(config, { node, broker, bars, clock, timers }) : null;
  // Time: deadlines and guards (flat-by time, breaches on open P&L), the trading-day start, once a second.
  timers.push(
    setInterval(() => {
      const now = clock.now();
      roll.observe(now);
      node.clockTick(now);
    }, 1_000),
  );

  const { app, url } = await serveHttp(config, parts, node, inbox);
  // Stored alerts: notifications and the catch-up sweep (also picks up alerts that came in while stopped).
  subscriptions.push(
    alertStream(store, {
      clock,
      sweepIntervalMs: config.sweepIntervalMs,
      onError: (error) => logger.warn({ error: error.message }, 'alert stream read failed; retrying'),
    }).subscribe((alert) => inbox.receive(alert)),
  );
  if (demo && config.webhook) demo.postAlerts(url, logger);
  const statusTimer = parts.observers.startStatus(() => ({
    runtime,
    processor,
    status: parts.status,
    writeQueue: parts.writeQueue,
    guardState: processor.guardState(),
    settings: settings(),
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
      parts.say(`stopping (${reason}): no new webhooks or alerts`, { reason });
      account.stop();
      for (const t of timers) clearInterval(t);
      await app.close().catch(() => {});
      for (const s of subscriptions) s.unsubscribe();
      await windDown(node, config, parts.say);
      const code = await closeLiveParts(parts, node, peripherals).catch((error: unknown) => {
        logger.error({ error: String(error) }, 'shutdown step failed');
        return 1;
      });
      parts.say(code === 0 ? 'stopped' : `stopped, with errors (exit code ${code})`, { exitCode: code });
      await parts.closeLog();
      resolveDone(code);
      return code;
    })();
    return stopping;
  };
  const exitAfter = config.exitAfterMs;
  if (exitAfter) setTimeout(() => void stop(`--exit-after ${exitAfter / 1000}s`), exitAfter);

  return { url, runtime, processor, store, logger, broker, stop, done };
}

/** The live parts, opened in order: logger, store, settings, venue (+ account lock), what to restore. */
interface LiveParts {
  readonly logger: Logger;
  /** A line for the trader: the log, and the terminal too while the status screen owns the log. */
  readonly say: Say;
  /** Ends the log file (if any) once its last line is written. */
  readonly closeLog: () => Promise<void>;
  readonly clock: Clock;
  readonly status: BotStatus;
  readonly store: Store;
  readonly settings: () => BotSettings;
  readonly settingsSource: SettingsSource;
  readonly broker: Venue;
  /** The runtime once built: the venue's reconciler then asks it what is open. */
  readonly engine: { runtime: EngineRuntime | null };
  readonly accountId: string;
  readonly restored: Restored;
  readonly writeQueue: WriteQueue;
  readonly observers: Observers;
  readonly bars: BarBook;
}

async function openLiveParts(config: BotConfig, stdout: NodeJS.WriteStream): Promise<LiveParts> {
  registerBotSecrets(config);
  const { logger, say, closeLog } = openLogger(config, stdout);
  const database = databaseFor(config);
  say(`database: ${database.description}; mode ${database.mode}`, {
    mode: database.mode,
    database: database.description,
  });
  const clock = wallClock;
  const status: BotStatus = {
    lastDecision: null,
    health: { marketData: 'green', userHub: 'green' },
    startedAt: clock.now(),
  };
  const store = await openStore(config);
  const settingsSource = await liveSettings(config, store, logger);
  const settings = () => settingsSource.current();
  // Crash recovery: the actors come back from their stored snapshots before anything else runs.
  const allStored = await store.openPositions();
  const engine: { runtime: EngineRuntime | null } = { runtime: null };
  const broker = await openVenue(config, { clock, logger, storedPositions: () => allStored, engine });
  const accountId = broker.accountId;
  await lockAccount(store, broker);
  const restored = await restoreAccount(store, allStored, accountId, {
    now: clock.now(),
    logger,
    startingBalance: startingBalanceOf(settings()),
  });
  broker.health$?.subscribe((h) => {
    status.health = h;
  });
  const writeQueue = new WriteQueue(store, clock, { flushIntervalMs: config.flushIntervalMs });
  const observers = await attachObservers(config, { logger, stdout });
  return {
    logger,
    say,
    closeLog,
    clock,
    status,
    store,
    settings,
    settingsSource,
    broker,
    engine,
    accountId,
    restored,
    writeQueue,
    observers,
    bars: new BarBook(),
  };
}

/** The trading node on the live parts, with the store, the log and the observers watching it. */
function wireNode(
  config: BotConfig,
  parts: LiveParts,
): { node: TradingNode; inbox: AlertInbox; peripherals: Peripherals } {
  const { logger, clock, store, writeQueue, accountId, status, observers, broker, bars } = parts;
  let sink!: PersistenceSink;
  let peripherals!: Peripherals;
  const inbox = new AlertInbox({
    decide: (alert) => node.alert(alert, clock.now()),
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
  });
  const guardKeeper: NodeObserver = {
    onGuardState: (state, previous) => {
      const latched = newlyLatched(state, previous);
      if (latched) {
        logger.warn(
          { reason: latched.reason },
          'guard breached: positions flattened, entries refused until a manual reset',
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
      broker: broker.broker,
      contractId: (symbol) => broker.contractId(symbol),
      health: () => status.health,
    },
    settings: parts.settings,
    bars: {
      barsBefore: (symbol, ts, minutes) => bars.barsBefore(symbol, ts, minutes),
      onTick: (symbol, price, ts, size) => {
        broker.onPrice?.(symbol, price, ts, size);
        bars.onTick(symbol, price, ts, size);
      },
    },
    guardState: parts.restored.guardState,
    snapshot: parts.restored.snapshot,
    protectiveStops: config.protectiveStops,
    ...(observers.inspect ? { inspect: observers.inspect } : {}),
    holdCommand: writeAheadHold(writeQueue, logger),
    onRuntime: (runtime) => {
      sink = new PersistenceSink({
        runtime,
        writer: writeQueue,
        onError: (what, error) => logger.error({ what, error: String(error) }, 'store write failed'),
      });
      peripherals = attachPeripherals(config, { runtime, sink, logger });
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
  return { node, inbox, peripherals };
}

/** HTTP: webhook receiver (+ dashboard) on 127.0.0.1 unless told otherwise. */
async function serveHttp(
  config: BotConfig,
  parts: LiveParts,
  node: TradingNode,
  inbox: AlertInbox,
): Promise<{ app: ReturnType<typeof createHttpServer>; url: string }> {
  const { store, logger } = parts;
  const app = createHttpServer({ logger: false });
  if (config.webhook) {
    registerWebhookRoutes(app, {
      inbox: store,
      intake: {
        secrets: config.webhookSecret ? [config.webhookSecret] : [],
        maxLagMs: parts.settings().maxAlertLagMs,
      },
      onAccepted: (alert) => inbox.receive(alert),
    });
  }
  await parts.observers.registerDashboard(app, {
    store,
    runtime: node.runtime,
    processor: node.processor,
    status: parts.status,
    writeQueue: parts.writeQueue,
    config,
    logger,
    accountId: parts.accountId,
    bars: parts.bars,
    settings: parts.settingsSource,
  });
  const url = await listenHttpServer(app, { host: config.host, port: config.port });
  logger.info(
    {
      url,
      dashboard: `${url}/`,
      webhook: config.webhook ? `${url}/webhook/tradingview` : null,
      broker: config.broker,
      mode: databaseFor(config).mode,
      database: databaseFor(config).description,
      store: store.constructor.name,
    },
    'valuearea is running',
  );
  return { app, url };
}

/** The last flush, then everything closes in the reverse order it opened. */
async function closeLiveParts(
  parts: LiveParts,
  node: TradingNode,
  peripherals: Peripherals,
): Promise<number> {
  const { logger, store } = parts;
  const queued = parts.writeQueue.status;
  parts.say(
    `flushing the database (${queued.pendingWrites} writes, ${queued.dirtyPositions} positions to save)`,
  );
  let code = 0;
  await parts.writeQueue.close().catch((error: unknown) => {
    code = 1;
    logger.error({ error: String(error) }, 'final flush failed');
  });
  node.stop();
  await parts.broker.stop();
  await parts.observers.stop();
  await peripherals.stop();
  await store.releaseAccountLock(parts.accountId).catch(() => {});
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

/** One engine process per account: a second process on the same database trades other accounts. */
async function lockAccount(store: Store, broker: Venue): Promise<void> {
  if (await store.acquireAccountLock(broker.accountId)) return;
  await broker.stop();
  await store.close();
  throw new Error(
    `account ${broker.accountId} is already traded by another valuearea process on this database; stop it first, or start this one with another --account-id`,
  );
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

/** The demo: a scripted price around a synthetic value area and an alert every so often. */
function startDemoMarket(
  config: BotConfig,
  parts: {
    readonly node: TradingNode;
    readonly broker: Venue;
    readonly bars: BarBook;
    readonly clock: Clock;
    readonly timers: ReturnType<typeof setInterval>[];
  },
): { postAlerts(url: string, logger: Logger): void } {
  const { node, broker, bars, clock, timers } = parts;
  const symbol = config.symbols[0] ?? 'ES';
  const instrument = getInstrument(symbol);
  let demoPrice: DemoPrice | undefined;
  if (instrument) {
    const center = broker.demoCenter(symbol);
    bars.seed(symbol, demoHistory(instrument, center, clock.now()));
    const price = new DemoPrice(instrument, center, clock.now());
    demoPrice = price;
    timers.push(
      setInterval(() => {
        const now = clock.now();
        const p = price.priceAt(now);
        if (broker.pushDemoPrice) broker.pushDemoPrice(symbol, p, now);
        else node.price(symbol, p, now);
      }, 250),
    );
    node.runtime.outputs$.subscribe((o) => {
      if (o.type === 'alert.outcome' && (o.outcome === 'opened' || o.outcome === 'replaced')) {
        const view = node.runtime.positions().find((p) => p.positionId === o.positionId);
        if (view) price.scriptTrade(view.context.plan, clock.now());
      }
    });
  }
  return {
    postAlerts(url, logger) {
      let n = 0;
      const postDemoAlert = () => {
        if (node.runtime.slots().length > 0 || demoPrice?.scripted) return;
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
async function windDown(node: TradingNode, config: BotConfig, say: Say): Promise<void> {
  const { runtime } = node;
  const now = Date.now();
  const pending = runtime.positions().filter((p) => p.state === 'pending_entry');
  const open = runtime.positions().filter((p) => p.state !== 'pending_entry' && p.state !== 'closed');
  say(`cancelling ${pending.length} pending ${pending.length === 1 ? 'entry' : 'entries'}`, {
    pending: pending.length,
  });
  for (const view of pending) runtime.cancel(view.accountId, view.symbol, `shutdown-${now}`, now);
  if (config.flattenOnExit) {
    say(
      `flattening ${open.length} open ${open.length === 1 ? 'position' : 'positions'} (--flatten-on-exit)`,
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
    say(`keeping ${kept.length} open ${kept.length === 1 ? 'position' : 'positions'}${list}, ${protection}`, {
      positions,
    });
  }
}
