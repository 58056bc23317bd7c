/**
 * Everything that watches the engine without steering it: the terminal status, the visual
 * inspector and its JSONL log, the dashboard, LLM trade notes and notifications. None of them is
 * awaited by the engine; each is bounded.
 */

import type { FastifyInstance } from 'fastify';
import type { InspectionEvent } from 'xstate';
import { engineMachine } from '../../machines/engine/machine.ts';
import { positionMachine } from '../../machines/position/machine.ts';
import { signalMachine } from '../../machines/signal/machine.ts';
import {
  ActorObserver,
  type DashboardEvent,
  dashboardEventsFromRuntime,
  dashboardExposed,
  dashboardQueriesFor,
  registerDashboard,
  signalEventFromDecision,
  toLivePosition,
} from '../adapters/dashboard/index.ts';
import { createJsonlInspectionLog } from '../adapters/inspect/jsonl-log.ts';
import type { Logger } from '../adapters/log/logger.ts';
import {
  alertStatusOf,
  buildStatusModel,
  compactStatusLine,
  connectionsOf,
  createStatusScreen,
  statusChangeKey,
} from '../adapters/status/index.ts';
import type { WriteQueue } from '../adapters/store/write-queue.ts';
import { lossLimitFloor, resolveAccountRules } from '../domain/account-rules.ts';
import type { GuardState } from '../domain/guards.ts';
import { resetGuard } from '../domain/guards.ts';
import type { BotSettings } from '../domain/settings.ts';
import type { Store, StoredAlert } from '../ports/store.ts';
import type { BarBook } from '../runtime/bar-book.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import type { SignalDecision, SignalProcessor } from '../runtime/signal-processor.ts';
import type { SettingsSource } from '../settings/source.ts';
import type { BotStatus } from './bot-status.ts';
import type { BotConfig } from './config.ts';

export interface StatusInputs {
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  readonly status: BotStatus;
  readonly writeQueue: WriteQueue;
  readonly guardState: GuardState;
  readonly settings: BotSettings;
  readonly url: string | null;
}

export interface DashboardInputs {
  readonly store: Store;
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  readonly status: BotStatus;
  readonly writeQueue: WriteQueue;
  readonly config: BotConfig;
  readonly logger: Logger;
  readonly accountId: string;
  readonly bars: BarBook;
  readonly settings: SettingsSource;
}

export interface Observers {
  readonly inspect?: (event: InspectionEvent) => void;
  onDecision(decision: SignalDecision): void;
  onAlert(alert: StoredAlert): void;
  registerDashboard(app: FastifyInstance, inputs: DashboardInputs): Promise<void>;
  startStatus(inputs: () => StatusInputs): { stop(): void };
  stop(): Promise<void>;
}

export async function attachObservers(
  config: BotConfig,
  options: { readonly logger: Logger; readonly stdout: NodeJS.WriteStream },
): Promise<Observers> {
  const { logger } = options;
  const inspectors: ((event: InspectionEvent) => void)[] = [];
  const closers: (() => Promise<void>)[] = [];
  const actorObserver = new ActorObserver();
  inspectors.push(actorObserver.inspect);
  if (config.inspect) {
    // Loaded only when asked for (its WebSocket server and the Stately client are not needed otherwise).
    const { createStatelyInspector } = await import('../adapters/inspect/stately.ts');
    const stately = await createStatelyInspector({ port: 0 });
    inspectors.push(stately.inspect);
    closers.push(() => stately.stop());
    logger.info({ url: stately.url }, 'visual inspector: open this page to watch the actors in Stately');
  }
  if (config.inspectLog) {
    const log = createJsonlInspectionLog(config.inspectLog);
    inspectors.push(log.inspect);
    closers.push(() => log.close());
    logger.info({ file: config.inspectLog }, 'inspection log: every actor event goes to this JSONL file');
  }
  let publish: ((event: DashboardEvent) => void) | undefined;

  return {
    inspect: (event) => {
      for (const inspect of inspectors) inspect(event);
    },
    onDecision: (decision) => publish?.(signalEventFromDecision(decision)),
    onAlert: () => {},
    async registerDashboard(app, inputs) {
      const { store, runtime, processor } = inputs;
      let queries: ReturnType<typeof dashboardQueriesFor>;
      try {
        queries = dashboardQueriesFor(store);
      } catch (error) {
        logger.warn({ reason: (error as Error).message }, 'dashboard off');
        return;
      }
      const handle = registerDashboard(app, {
        queries,
        settings: async () => inputs.settings.current(),
        live$: dashboardEventsFromRuntime({
          outputs$: runtime.outputs$,
          livePositions: () => runtime.positions().map(toLivePosition),
        }),
        livePositions: () => runtime.positions().map(toLivePosition),
        actors: actorObserver,
        machines: [engineMachine, positionMachine, signalMachine],
        controls: {
          // Through the live settings: the next alert already sees the change.
          pause: () => inputs.settings.pause(),
          resume: () => inputs.settings.resume(),
          updateSettings: (patch) => inputs.settings.update(patch, 'dashboard'),
          flattenAll: async () => runtime.flatten('manual', Date.now()),
          resetGuard: async (which) => processor.setGuardState(resetGuard(processor.guardState(), which)),
          paused: () => inputs.settings.paused(),
        },
        token: config.dashboardToken,
        exposed: dashboardExposed(config.host),
        backtestsDir: 'reports',
        liveGuards: () => [
          {
            accountId: inputs.accountId,
            state: processor.guardState(),
            balance: processor.balanceCheck(),
            brokerBlocked: processor.brokerBlocked(),
          },
        ],
        bars: async (symbol, from, to) => inputs.bars.barsBefore(symbol, to, Math.ceil((to - from) / 60_000)),
      });
      publish = (event) => handle.publish(event);
      handle.ready.catch((error: unknown) =>
        logger.warn({ error: String(error) }, 'dashboard app could not be built'),
      );
    },
    startStatus(inputs) {
      if (config.status === 'off') return { stop() {} };
      const model = () => {
        const i = inputs();
        const positions = i.runtime.positions();
        return buildStatusModel({
          at: Date.now(),
          mode: `${config.broker}${config.dryRun ? ' (dry run)' : ''}${config.demo ? ' · demo' : ''}${i.url ? ` · ${i.url}` : ''}`,
          positions,
          lastAlert: i.status.lastDecision ? alertStatusOf(i.status.lastDecision) : null,
          connections: connectionsOf(i.status.health),
          guards: {
            state: i.guardState,
            dailyLossLimit: i.settings.dailyLossLimit,
            lossLimitFloor: lossLimitFloor(resolveAccountRules(i.settings), i.guardState.highWaterMark),
            riskBuffer: i.settings.riskBuffer,
            unrealizedPnl: positions.reduce((sum, p) => sum + p.unrealizedPnl, 0),
            brokerBlocked: i.processor.brokerBlocked(),
            balance: i.processor.balanceCheck(),
          },
          writeQueue: i.writeQueue.status,
        });
      };
      const tty = config.status === 'tty' || (config.status === 'auto' && options.stdout.isTTY === true);
      if (tty) {
        const screen = createStatusScreen({ model, stream: options.stdout });
        screen.start();
        return { stop: () => screen.stop(true) };
      }
      if (config.status === 'plain') {
        // One human line per change (src/adapters/status/plain.ts), on stdout beside the log.
        const lines = createStatusScreen({ model, stream: options.stdout, format: 'plain' });
        lines.start();
        return { stop: () => lines.stop(true) };
      }
      // Not a terminal (auto): one structured log line whenever something other than the price changed.
      let last = '';
      const timer = setInterval(() => {
        const current = model();
        const key = statusChangeKey(current);
        if (key !== last) {
          last = key;
          logger.info({ status: compactStatusLine(current) }, 'status');
        }
      }, 1_000);
      return { stop: () => clearInterval(timer) };
    },
    async stop() {
      for (const close of closers) await close().catch(() => {});
    },
  };
}
