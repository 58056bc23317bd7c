/**
 * Everything that watches the engine without steering it: the terminal status, the visual
 * inspector and its JSONL log, the dashboard, LLM trade notes and notifications. None of them is
 * awaited by the engine; each is bounded.
 */

import type { FastifyInstance } from 'fastify';
import { map } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import { engineMachine } from '../../machines/engine/machine.ts';
import { positionMachine } from '../../machines/position/machine.ts';
import { signalMachine } from '../../machines/signal/machine.ts';
import {
  ActorObserver,
  type DashboardDeps,
  type DashboardEvent,
  type DashboardQueries,
  dashboardEventsFromLanes,
  dashboardExposed,
  dashboardQueriesFor,
  registerDashboard,
  signalEventFromDecision,
  toLivePosition,
} from '../adapters/dashboard/index.ts';
import { createJsonlInspectionLog } from '../adapters/inspect/jsonl-log.ts';
import type { Logger } from '../adapters/log/logger.ts';
import {
  type AccountStatusSources,
  alertStatusOf,
  buildAccountsStatusModel,
  buildStatusModel,
  compactStatusLine,
  connectionsOf,
  createStatusScreen,
  type GuardStatus,
  statusChangeKey,
} from '../adapters/status/index.ts';
import type { WriteQueue } from '../adapters/store/write-queue.ts';
import { lossLimitFloor, resolveAccountRules } from '../domain/account-rules.ts';
import { resetGuard } from '../domain/guards.ts';
import type { Store, StoredAlert } from '../ports/store.ts';
import type { SignalDecision } from '../runtime/signal-processor.ts';
import type { SettingsSource } from '../settings/source.ts';
import { type AccountLane, laneLabel } from './account-lane.ts';
import type { BotConfig } from './config.ts';

/** Read on every redraw: each lane's positions, guards (processor), settings and status. */
export interface StatusInputs {
  readonly lanes: readonly AccountLane[];
  readonly writeQueue: WriteQueue;
  readonly url: string | null;
}

/** The lanes are read when the dashboard is registered (their runtimes' outputs are merged then). */
export interface DashboardInputs {
  readonly store: Store;
  readonly lanes: readonly AccountLane[];
  readonly writeQueue: WriteQueue;
  readonly config: BotConfig;
  readonly logger: Logger;
  /** The shared settings (pause, the dashboard's changes); each lane's own are `lane.settings()`. */
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
  options: {
    readonly logger: Logger;
    readonly stdout: NodeJS.WriteStream;
    /** Where the dashboard's app comes from and its clock (tests serve a build of their own). */
    readonly dashboardApp?: Pick<DashboardDeps, 'distDir' | 'buildIfMissing' | 'now' | 'backtestsDir'>;
  },
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
  // Decisions carry the account id only; the dashboard shows its name beside it.
  let nameOf: (accountId: string) => string | undefined = () => undefined;

  return {
    inspect: (event) => {
      for (const inspect of inspectors) inspect(event);
    },
    onDecision: (decision) => publish?.(signalEventFromDecision(decision, nameOf(decision.accountId))),
    onAlert: () => {},
    async registerDashboard(app, inputs) {
      let queries: ReturnType<typeof dashboardQueriesFor>;
      try {
        queries = dashboardQueriesFor(inputs.store);
      } catch (error) {
        logger.warn({ reason: (error as Error).message }, 'dashboard off');
        return;
      }
      const lanes = inputs.lanes;
      nameOf = (accountId) => lanes.find((l) => l.accountId === accountId)?.name;
      const handle = registerDashboard(app, {
        ...laneDashboardDeps(inputs, { queries, actors: actorObserver }),
        ...options.dashboardApp,
      });
      publish = (event) => handle.publish(event);
      handle.ready.catch((error: unknown) =>
        logger.warn({ error: String(error) }, 'dashboard app could not be built'),
      );
    },
    startStatus(inputs) {
      if (config.status === 'off') return { stop() {} };
      const guardsOf = (lane: AccountLane): GuardStatus => {
        const settings = lane.settings();
        const state = lane.processor.guardState();
        return {
          state,
          dailyLossLimit: settings.dailyLossLimit,
          lossLimitFloor: lossLimitFloor(resolveAccountRules(settings), state.highWaterMark),
          riskBuffer: settings.riskBuffer,
          unrealizedPnl: lane.runtime.positions().reduce((sum, p) => sum + p.unrealizedPnl, 0),
          brokerBlocked: lane.processor.brokerBlocked(),
          balance: lane.processor.balanceCheck(),
        };
      };
      const laneSources = (lane: AccountLane): AccountStatusSources => ({
        accountId: lane.accountId,
        account: laneLabel(lane),
        enabled: lane.enabled,
        canTrade: lane.status.canTrade ?? null,
        positions: lane.runtime.positions(),
        lastAlert: lane.status.lastDecision ? alertStatusOf(lane.status.lastDecision) : null,
        connections: connectionsOf(lane.status.health),
        guards: guardsOf(lane),
      });
      const model = () => {
        const i = inputs();
        const mode = `${config.broker}${config.dryRun ? ' (dry run)' : ''}${config.demo ? ' · demo' : ''}${i.url ? ` · ${i.url}` : ''}`;
        const [only, ...others] = i.lanes;
        // One account: the screen as it always was, with the account named in its first line.
        if (only && others.length === 0) {
          const one = laneSources(only);
          return buildStatusModel({
            at: Date.now(),
            mode,
            account: one.account,
            positions: one.positions,
            lastAlert: one.lastAlert ?? null,
            connections: one.connections ?? [],
            guards: one.guards ?? null,
            writeQueue: i.writeQueue.status,
          });
        }
        return buildAccountsStatusModel({
          at: Date.now(),
          mode,
          accounts: i.lanes.map(laneSources),
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
          // One account: the line as it always was, the account beside it (several: the line names each).
          const account = current.account === undefined ? {} : { account: current.account };
          logger.info({ ...account, status: compactStatusLine(current) }, 'status');
        }
      }, 1_000);
      return { stop: () => clearInterval(timer) };
    },
    async stop() {
      for (const close of closers) await close().catch(() => {});
    },
  };
}

/**
 * The dashboard over the lanes: every lane's positions, events (merged, each naming its account),
 * live guards with the lane's own settings, and controls that act on one lane or all of them.
 * Exported for the tests, which serve it from a built app of their own.
 */
export function laneDashboardDeps(
  inputs: DashboardInputs,
  parts: { readonly queries: DashboardQueries; readonly actors: ActorObserver },
): DashboardDeps {
  const { lanes, config } = inputs;
  const { queries } = parts;
  const actorObserver = parts.actors;
  // Every lane's actors report to one observer: a position actor's account is its position's.
  const positionAccounts = new Map<string, string>();
  const accountOfActor = (actorId: string): string | undefined => {
    if (!actorId.startsWith('position:')) return undefined;
    const positionId = actorId.slice('position:'.length);
    const known = positionAccounts.get(positionId);
    if (known !== undefined) return known;
    const lane = lanes.find((l) => l.runtime.positions().some((p) => p.positionId === positionId));
    if (lane) positionAccounts.set(positionId, lane.accountId);
    return lane?.accountId;
  };
  const withAccount = <T extends { readonly actorId: string }>(item: T): T => {
    const accountId = accountOfActor(item.actorId);
    return accountId === undefined ? item : { ...item, accountId };
  };
  const lanePositions = (lane: AccountLane) =>
    lane.runtime.positions().map((view) => ({ ...toLivePosition(view), accountName: lane.name }));
  const livePositions = () => lanes.flatMap(lanePositions);
  /** The lanes an account id names: that one, or every lane without one. */
  const lanesFor = (accountId: string | undefined): readonly AccountLane[] => {
    if (accountId === undefined) return lanes;
    const lane = lanes.find((l) => l.accountId === accountId);
    if (!lane) throw new Error(`no account ${accountId} in this process`);
    return [lane];
  };
  return {
    queries,
    settings: async () => inputs.settings.current(),
    live$: dashboardEventsFromLanes(
      lanes.map((lane) => ({
        runtime: { outputs$: lane.runtime.outputs$, livePositions: () => lanePositions(lane) },
        account: { id: lane.accountId, name: lane.name },
      })),
    ),
    livePositions,
    actors: {
      actors: () => actorObserver.actors().map(withAccount),
      transitions: () => actorObserver.transitions().map(withAccount),
      events$: actorObserver.events$.pipe(
        map((event) =>
          event.type === 'actor' ? { ...event, transition: withAccount(event.transition) } : event,
        ),
      ),
    },
    machines: [engineMachine, positionMachine, signalMachine],
    controls: {
      // Through the live settings: the next alert already sees the change.
      pause: () => inputs.settings.pause(),
      resume: () => inputs.settings.resume(),
      updateSettings: (patch) => inputs.settings.update(patch, 'dashboard'),
      flattenAll: async (accountId) => {
        for (const lane of lanesFor(accountId)) lane.runtime.flatten('manual', Date.now());
      },
      // One lane's guard: a reset never clears another account's breach.
      resetGuard: async (which, accountId) => {
        const [lane, ...others] = lanesFor(accountId);
        if (!lane || others.length > 0) throw new Error('reset guard: name the account');
        lane.processor.setGuardState(resetGuard(lane.processor.guardState(), which));
      },
      paused: () => inputs.settings.paused(),
    },
    token: config.dashboardToken,
    exposed: dashboardExposed(config.host),
    backtestsDir: 'reports',
    accounts: () => lanes.map((lane) => ({ accountId: lane.accountId, name: lane.name })),
    liveGuards: () =>
      lanes.map((lane) => ({
        accountId: lane.accountId,
        name: lane.name,
        state: lane.processor.guardState(),
        balance: lane.processor.balanceCheck(),
        brokerBlocked: lane.processor.brokerBlocked(),
        settings: lane.settings(),
      })),
    // Lanes may trade different symbols: the first lane with bars for the symbol answers.
    bars: async (symbol, from, to) => {
      const minutes = Math.ceil((to - from) / 60_000);
      for (const lane of lanes) {
        const bars = lane.bars.barsBefore(symbol, to, minutes);
        if (bars.length > 0) return bars;
      }
      return [];
    },
  };
}
