/**
 * The bot: composes the store, the broker, the market feed, the engine runtime, the signal
 * processor, the webhook receiver, the dashboard and the observers into one process, and takes it
 * down again cleanly. Crash-only: a start after a crash is the normal start (restore the actors
 * from their stored snapshots, reconcile with the broker, then accept signals).
 */

import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { asyncScheduler, type Subscription } from 'rxjs';
import { createLogger, type Logger } from '../adapters/log/logger.ts';
import { registerSecret, registerSecretsFromEnv } from '../adapters/log/secrets.ts';
import { alertStream } from '../adapters/store/alert-stream.ts';
import { createStore } from '../adapters/store/factory.ts';
import { WriteQueue } from '../adapters/store/write-queue.ts';
import { createHttpServer, listenHttpServer, registerWebhookRoutes } from '../adapters/webhook/server.ts';
import { type GuardState, initialGuardState } from '../domain/guards.ts';
import { getInstrument } from '../domain/instruments.ts';
import { tradingDayId } from '../domain/session-time.ts';
import type { BotSettings } from '../domain/settings.ts';
import type { Broker, Clock, ExchangeHealth } from '../ports/index.ts';
import type { GuardStateRecord, Store, StoredAlert } from '../ports/store.ts';
import { BarBook } from '../runtime/bar-book.ts';
import { createEngineRuntime, type EngineRuntime } from '../runtime/engine-runtime.ts';
import { PersistenceSink } from '../runtime/persistence.ts';
import { engineSnapshotFromPositions } from '../runtime/recovery.ts';
import { type SignalDecision, SignalProcessor } from '../runtime/signal-processor.ts';
import { type BrokerConnection, connectBroker } from './brokers.ts';
import type { BotConfig } from './config.ts';
import { DemoPrice, demoAlertBody, demoHistory } from './demo-market.ts';
import { attachObservers, type Observers } from './observers.ts';
import { attachPeripherals } from './peripherals.ts';

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
  readonly broker: BrokerConnection;
  /** Graceful stop; resolves with the exit code. */
  stop(reason: string): Promise<number>;
  /** Resolves when the bot has stopped (by itself, e.g. --exit-after, or by stop()). */
  readonly done: Promise<number>;
}

export interface BotStatus {
  lastDecision: SignalDecision | null;
  health: ExchangeHealth;
  startedAt: number;
}

function guardFromRecord(record: GuardStateRecord | null, startingBalance: number, ts: number): GuardState {
  if (!record) return initialGuardState({ startingBalance }, ts);
  const equity = record.dayStartBalance + record.dailyRealizedPnl;
  const latch = (on: boolean) =>
    on ? { reason: record.latchedReason ?? 'latched before the restart', at: record.updatedAt } : null;
  return {
    tradingDay: record.tradingDay,
    realizedPnlToday: record.dailyRealizedPnl,
    equity,
    highWaterMark: Math.max(record.highWaterMark, equity),
    dailyLoss: latch(record.dailyLossLatched),
    trailingDrawdown: latch(record.drawdownLatched),
  };
}

function guardToRecord(state: GuardState, accountId: string, ts: number): GuardStateRecord {
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

export async function startBot(
  config: BotConfig,
  options: { readonly stdout?: NodeJS.WriteStream } = {},
): Promise<BotHandle> {
  const stdout = options.stdout ?? process.stdout;
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
  // The status screen owns a terminal: logs then go to a file, announced once before the screen starts.
  const screenOwnsTerminal = config.status === 'tty' || (config.status === 'auto' && stdout.isTTY === true);
  let destination: { write(line: string): unknown; isTTY?: boolean } = stdout;
  if (screenOwnsTerminal) {
    const logFile = join(dirname(config.pgliteDir), 'valuearea.log');
    mkdirSync(dirname(logFile), { recursive: true });
    const file = createWriteStream(logFile, { flags: 'a' });
    destination = { write: (line: string) => file.write(line) };
    stdout.write(`valuearea: logs go to ${logFile} while the status screen runs\n`);
  }
  const logger = createLogger({
    level: config.logLevel,
    pretty: screenOwnsTerminal ? false : 'auto',
    destination,
  });
  const clock = wallClock;
  const startedAt = clock.now();

  const store = await createStore({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.supabaseUrl ? { supabaseUrl: config.supabaseUrl } : {}),
    ...(config.supabaseServiceRoleKey ? { supabaseServiceRoleKey: config.supabaseServiceRoleKey } : {}),
    pgliteDataDir: config.pgliteDir,
  });
  const stored_settings = { ...(await store.getSettings()), ...config.settingsOverride } as BotSettings;
  // The demo market is synthetic and trades every ~20 s, at any hour: a 5-minute cooldown, the
  // 15:10 Chicago flat-by time or a trading window would filter it (real settings apply without --demo).
  const settings = config.demo
    ? {
        ...stored_settings,
        cooldownMs: Math.min(stored_settings.cooldownMs, 10_000),
        flatByTime: '',
        tradingWindowStart: '',
        tradingWindowEnd: '',
      }
    : stored_settings;

  // Crash recovery: the actors come back from their stored snapshots before anything else runs.
  const allStored = await store.openPositions();
  const broker = await connectBroker(config, { clock, logger, storedPositions: () => allStored });
  const accountId = broker.accountId;
  // One engine process per account: a second process on the same database trades other accounts.
  if (!(await store.acquireAccountLock(accountId))) {
    await broker.stop();
    await store.close();
    throw new Error(
      `account ${accountId} is already traded by another valuearea process on this database; stop it first, or start this one with another --account-id`,
    );
  }
  const stored = allStored.filter((p) => p.accountId === accountId);
  const snapshot = engineSnapshotFromPositions(stored);
  if (stored.length > 0)
    logger.info(
      { positions: stored.map((p) => `${p.symbol} ${p.side} ${p.state}`) },
      'restoring open positions',
    );
  // A signal whose entry order went out just before the previous process died was left EXECUTING:
  // its position is restored, so the decision is known. Say so, so no signal stays undecided.
  for (const p of stored) {
    if (!p.signalId) continue;
    const signal = await store.getSignal(p.signalId).catch(() => null);
    if (signal?.status !== 'EXECUTING') continue;
    const reason = `EXECUTED: entry order sent before a restart; position ${p.id} restored (${p.state})`;
    try {
      await store.upsertSignal({ ...signal, status: 'EXECUTED', reason, updatedAt: clock.now() });
      if (signal.alertId !== null) await store.setAlertStatus(signal.alertId, 'processed', reason);
      logger.info({ signalId: signal.id, positionId: p.id }, reason);
    } catch (error) {
      logger.warn({ signalId: signal.id, error: String(error) }, 'could not record the restored signal');
    }
  }

  const writeQueue = new WriteQueue(store, clock, { flushIntervalMs: config.flushIntervalMs });
  const observers: Observers = await attachObservers(config, { logger, stdout });
  const runtime = createEngineRuntime({
    clock,
    broker: broker.broker as Broker,
    ...(snapshot ? { snapshot } : {}),
    protectiveStops: config.protectiveStops,
    ...(observers.inspect ? { inspect: observers.inspect } : {}),
    // Write-ahead: an entry order goes out only once its position is stored (the position's first
    // update is queued in the same engine step, so a flush after it covers it). A crash before that
    // leaves no order, and the alert is delivered again; a crash after it restores the position.
    holdCommand: (command) =>
      command.type === 'placeEntry'
        ? Promise.resolve()
            .then(() => writeQueue.flush())
            .catch((error: unknown) =>
              logger.error(
                { positionId: command.positionId, error: String(error) },
                'position not stored before its entry order; sending the order anyway',
              ),
            )
        : undefined,
  });
  const sink = new PersistenceSink({
    runtime,
    writer: writeQueue,
    onError: (what, error) => logger.error({ what, error: String(error) }, 'store write failed'),
  });
  runtime.outputs$.subscribe((output) => {
    if (output.type === 'command') {
      const c = output.command;
      logger.info(
        {
          type: c.type,
          positionId: c.positionId,
          symbol: c.symbol,
          ...(c.type === 'placeEntry' ? { side: c.side, legs: c.legs } : {}),
          ...(c.type === 'cancelEntry' ? { tags: c.tags } : {}),
          ...(c.type === 'closePosition'
            ? { side: c.side, quantity: c.quantity, tag: c.tag, reason: c.reason }
            : {}),
          ...(c.type === 'moveStop'
            ? { side: c.side, stopPrice: c.stopPrice, quantity: c.quantity, tag: c.tag }
            : {}),
        },
        'order command',
      );
    } else if (output.type === 'position.update') {
      logger.info(
        { positionId: output.update.positionId, symbol: output.update.symbol, state: output.update.state },
        'position state',
      );
    }
  });
  const peripherals = attachPeripherals(config, { runtime, sink, logger });
  await broker.afterRestore(runtime);

  const bars = new BarBook();
  for (const symbol of config.symbols) bars.seed(symbol, await broker.history(symbol, clock.now()));

  const status: BotStatus = {
    lastDecision: null,
    health: { marketData: 'green', userHub: 'green' },
    startedAt,
  };
  broker.health$?.subscribe((h) => {
    status.health = h;
  });

  const guardRecord = await store.getGuardState(accountId);
  let guardState = guardFromRecord(guardRecord, settings.startingBalance, clock.now());
  const processor = new SignalProcessor({
    runtime,
    accountId,
    settings: () => settings,
    bars: (symbol, ts, minutes) => bars.barsBefore(symbol, ts, minutes),
    contractId: (symbol) => broker.contractId(symbol),
    health: () => status.health,
    guardState,
    onGuardState: (state) => {
      const latched =
        state.dailyLoss && !guardState.dailyLoss
          ? state.dailyLoss
          : state.trailingDrawdown && !guardState.trailingDrawdown
            ? state.trailingDrawdown
            : null;
      if (latched) {
        logger.warn(
          { reason: latched.reason },
          'guard breached: positions flattened, entries refused until a manual reset',
        );
        peripherals.notifyGuard(latched.reason, clock.now());
      }
      guardState = state;
      writeQueue
        .enqueue('guard state', () => store.saveGuardState(guardToRecord(state, accountId, clock.now())))
        .catch((error: unknown) => logger.error({ error: String(error) }, 'guard state not saved'));
    },
    onSignal: (record, emitted) => sink.onSignal(record, emitted),
    onDecision: (decision) => {
      status.lastDecision = decision;
      const alertId = processedAlerts.get(decision.signalId);
      if (alertId !== undefined) {
        // Through the write lane: the alert is marked processed only after what it caused is written.
        writeQueue
          .enqueue('alert status', () => store.setAlertStatus(alertId, 'processed', decision.reason))
          .catch((error: unknown) => logger.warn({ error: String(error) }, 'alert status not saved'));
      }
      logger.info(
        {
          alertKey: decision.alertKey,
          symbol: decision.symbol,
          action: decision.action,
          status: decision.status,
          reason: decision.reason,
          ...(decision.plan
            ? {
                plan: {
                  side: decision.plan.side,
                  quantity: decision.plan.quantity,
                  entry: decision.plan.entryPrice,
                  stop: decision.plan.stopPrice,
                  tp1: decision.plan.tp1,
                  tp2: decision.plan.tp2,
                  tp3: decision.plan.tp3,
                },
              }
            : {}),
        },
        'signal decided',
      );
      observers.onDecision(decision);
    },
  });
  void tradingDayId;

  // Alerts: the webhook stores them; the stream (LISTEN/NOTIFY or Realtime + the catch-up sweep)
  // hands each stored alert over once. Both paths meet here and are de-duplicated by row id.
  const seenAlertIds = new Set<number>();
  const processedAlerts = new Map<string, number>();
  const handleAlert = (alert: StoredAlert): void => {
    if (seenAlertIds.has(alert.id) || !alert.parsed || alert.status !== 'received') return;
    seenAlertIds.add(alert.id);
    if (seenAlertIds.size > 20_000) seenAlertIds.delete(seenAlertIds.values().next().value as number);
    const parsed = alert.parsed;
    processedAlerts.set(`s${parsed.key.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 34), alert.id);
    logger.info(
      { alertKey: parsed.key, symbol: parsed.symbol, action: parsed.action, dialect: parsed.dialect },
      'alert received',
    );
    observers.onAlert(alert);
    processor.process(
      {
        key: parsed.key,
        alertId: alert.id,
        symbol: parsed.symbol,
        action: parsed.action,
        firedAt: parsed.firedAt,
      },
      clock.now(),
    );
  };

  // Market data: every price goes to the paper exchange (if any), the bar book and the engine.
  const subscriptions: Subscription[] = [];
  const onPrice = (symbol: string, price: number, ts: number, size = 1) => {
    broker.onPrice?.(symbol, price, ts, size);
    bars.onTick(symbol, price, ts, size);
    runtime.tick(symbol, price, ts);
  };
  if (broker.ticks$)
    subscriptions.push(broker.ticks$.subscribe((t) => onPrice(t.symbol, t.price, t.ts, t.size ?? 1)));

  // The demo: a scripted price around a synthetic value area and an alert every so often.
  const timers: ReturnType<typeof setInterval>[] = [];
  let demoPrice: DemoPrice | undefined;
  if (config.demo) {
    const symbol = config.symbols[0] ?? 'ES';
    const instrument = getInstrument(symbol);
    if (instrument) {
      const center = broker.demoCenter(symbol);
      bars.seed(symbol, demoHistory(instrument, center, clock.now()));
      demoPrice = new DemoPrice(instrument, center, clock.now());
      const price = demoPrice;
      timers.push(
        setInterval(() => {
          const now = clock.now();
          const p = price.priceAt(now);
          if (broker.pushDemoPrice) broker.pushDemoPrice(symbol, p, now);
          else onPrice(symbol, p, now);
        }, 250),
      );
      runtime.outputs$.subscribe((o) => {
        if (o.type === 'alert.outcome' && (o.outcome === 'opened' || o.outcome === 'replaced')) {
          const view = runtime.positions().find((p) => p.positionId === o.positionId);
          if (view) price.scriptTrade(view.context.plan, clock.now());
        }
      });
    }
  }

  // Time: deadlines and guards (flat-by time, breaches on open P&L), once a second.
  timers.push(setInterval(() => processor.onClock(clock.now()), 1_000));

  // HTTP: webhook receiver (+ dashboard) on 127.0.0.1 unless told otherwise.
  let url: string | null = null;
  const app = createHttpServer({ logger: false });
  if (config.webhook) {
    registerWebhookRoutes(app, {
      inbox: store,
      intake: {
        secrets: config.webhookSecret ? [config.webhookSecret] : [],
        maxLagMs: settings.maxAlertLagMs,
      },
      onAccepted: (alert) => handleAlert(alert),
    });
  }
  await observers.registerDashboard(app, {
    store,
    runtime,
    processor,
    status,
    writeQueue,
    config,
    logger,
    accountId,
    bars,
  });
  url = await listenHttpServer(app, { host: config.host, port: config.port });
  logger.info(
    {
      url,
      dashboard: `${url}/`,
      webhook: config.webhook ? `${url}/webhook/tradingview` : null,
      broker: config.broker,
      store: store.constructor.name,
    },
    'valuearea is running',
  );

  // Stored alerts: notifications and the catch-up sweep (also picks up alerts that came in while stopped).
  subscriptions.push(
    alertStream(store, {
      clock,
      sweepIntervalMs: config.sweepIntervalMs,
      onError: (error) => logger.warn({ error: error.message }, 'alert stream read failed; retrying'),
    }).subscribe(handleAlert),
  );

  if (config.demo && config.webhook) {
    let n = 0;
    const postDemoAlert = () => {
      if (runtime.slots().length > 0 || demoPrice?.scripted) return;
      const body = demoAlertBody(config.symbols[0] ?? 'ES', n++, clock.now(), config.webhookSecret);
      fetch(`${url}/webhook/tradingview`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch((error: unknown) => logger.warn({ error: String(error) }, 'demo alert could not be sent'));
    };
    timers.push(setTimeout(postDemoAlert, 3_000) as unknown as ReturnType<typeof setInterval>);
    timers.push(setInterval(postDemoAlert, config.demoIntervalMs));
  }

  const statusTimer = observers.startStatus(() => ({
    runtime,
    processor,
    status,
    writeQueue,
    guardState: processor.guardState(),
    settings,
    url,
  }));

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let stopping: Promise<number> | null = null;
  const stop = (reason: string): Promise<number> => {
    if (stopping) return stopping;
    stopping = (async () => {
      logger.info({ reason }, 'stopping: no new webhooks, cancelling pending entries');
      statusTimer.stop();
      for (const t of timers) clearInterval(t);
      await app.close().catch(() => {});
      for (const s of subscriptions) s.unsubscribe();
      const now = clock.now();
      for (const view of runtime.positions()) {
        if (view.state === 'pending_entry')
          runtime.cancel(view.accountId, view.symbol, `shutdown-${now}`, now);
      }
      if (config.flattenOnExit) runtime.flatten('manual', now);
      // Give the broker a moment to confirm cancels and fills before the last flush.
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
      const kept = runtime.positions().filter((p) => p.state !== 'pending_entry');
      if (kept.length > 0) {
        logger.info(
          { positions: kept.map((p) => `${p.symbol} ${p.context.side} ${p.state} stop ${p.context.stop}`) },
          'open positions kept, protected by their broker-side stops',
        );
      }
      await writeQueue
        .close()
        .catch((error: unknown) => logger.error({ error: String(error) }, 'final flush failed'));
      runtime.stop();
      await broker.stop();
      await observers.stop();
      await peripherals.stop();
      await store.releaseAccountLock(accountId).catch(() => {});
      await store.close().catch(() => {});
      logger.info('stopped');
      resolveDone(0);
      return 0;
    })();
    return stopping;
  };
  const exitAfter = config.exitAfterMs;
  if (exitAfter) setTimeout(() => void stop(`--exit-after ${exitAfter / 1000}s`), exitAfter);

  return { url, runtime, processor, store, logger, broker, stop, done };
}
