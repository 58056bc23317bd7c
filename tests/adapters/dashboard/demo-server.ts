/**
 * A dashboard over a real engine for the browser tests (and for a look by hand:
 * `npx tsx tests/adapters/dashboard/demo-server.ts`): seeded history in an in-memory PGlite store, a real
 * EngineRuntime whose actors feed the Actors view, ES bars for the profile panel when ../shared is
 * present, and a reports folder.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Subject } from 'rxjs';
import { engineMachine } from '../../../machines/engine/machine.ts';
import { positionMachine } from '../../../machines/position/machine.ts';
import { signalMachine } from '../../../machines/signal/machine.ts';
import { loadBarsCsv } from '../../../sim/csv.ts';
import {
  ActorObserver,
  type BarsSource,
  barsFromColumns,
  type DashboardEvent,
  dashboardEventsFromRuntime,
  dashboardQueriesFor,
  registerDashboard,
  toLivePosition,
} from '../../../src/adapters/dashboard/index.ts';
import { createHttpServer, listenHttpServer } from '../../../src/adapters/webhook/server.ts';
import type { BrokerEvent, EngineCommand } from '../../../src/domain/events.ts';
import { computeProfile } from '../../../src/domain/profile.ts';
import type { Store } from '../../../src/ports/store.ts';
import { createEngineRuntime, type EngineRuntime } from '../../../src/runtime/engine-runtime.ts';
import { longPlan, request } from '../../machines/fixtures.ts';
import { alert, position, signal } from '../store/fixtures.ts';
import { freshPgliteStore } from '../store/pglite-template.ts';
import { controlsRecorder } from './harness.ts';
import { backtestFolder, seedHistory } from './seed.ts';

export const ES_BARS_PATH = fileURLToPath(
  new URL('../../../../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv', import.meta.url),
);
/** The alert whose profile the browser test opens: ES, 2013-10-08 15:00 UTC. */
export const PROFILE_ALERT_AT = Date.UTC(2013, 9, 8, 15, 0);

export interface DemoDashboard {
  readonly url: string;
  readonly store: Store;
  readonly runtime: EngineRuntime;
  readonly broker$: Subject<BrokerEvent>;
  readonly commands: EngineCommand[];
  readonly notices: Subject<DashboardEvent>;
  readonly profileAlertId: number | null;
  readonly calls: string[];
  /** The reports folder the Backtests tab lists. */
  readonly backtestsDir: string;
  close(): Promise<void>;
}

export async function startDemoDashboard(
  options: {
    readonly token?: string;
    readonly now?: number;
    readonly distDir?: string;
    readonly exposed?: boolean;
  } = {},
): Promise<DemoDashboard> {
  const store = await freshPgliteStore();
  await seedHistory(store);
  const observer = new ActorObserver();
  const broker$ = new Subject<BrokerEvent>();
  const commands: EngineCommand[] = [];
  const runtime = createEngineRuntime({
    clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {}, scheduler: undefined as never },
    broker: { events$: broker$, execute: (c) => commands.push(c) },
    protectiveStops: 'local',
    inspect: observer.inspect,
  });
  const livePositions = () => runtime.positions().map(toLivePosition);
  const notices = new Subject<DashboardEvent>();

  let profileAlertId: number | null = null;
  let bars: BarsSource | undefined;
  if (existsSync(ES_BARS_PATH)) {
    const es = loadBarsCsv(ES_BARS_PATH);
    bars = barsFromColumns({ ES: es });
    const window = await bars('ES', PROFILE_ALERT_AT - 240 * 60_000, PROFILE_ALERT_AT);
    const profile = computeProfile(window, { tickSize: 0.25, layout: { rows: 24 } });
    if (profile.kind === 'profile') {
      const key = 'es-2013-profile';
      const { id } = await store.insertAlert(
        alert(key, {
          receivedAt: PROFILE_ALERT_AT,
          parsed: {
            key,
            symbol: 'ES',
            ticker: 'ES1!',
            action: 'buy',
            dialect: 'json',
            firedAt: PROFILE_ALERT_AT,
            barTime: PROFILE_ALERT_AT,
          },
          status: 'processed',
        }),
      );
      profileAlertId = id;
      const val = Math.round(profile.val * 4) / 4;
      await store.upsertSignal(
        signal('s-es-2013', {
          alertId: id,
          status: 'EXECUTED',
          reason: 'long at VAL after a confirmed rejection',
          confirmationScore: 78,
          createdAt: PROFILE_ALERT_AT,
          updatedAt: PROFILE_ALERT_AT,
        }),
      );
      await store.upsertPositions([
        position('p-es-2013', {
          signalId: 's-es-2013',
          alertId: id,
          entryPrice: val,
          stopPrice: val - 2,
          tp1: Math.round(profile.poc * 4) / 4,
          tp2: Math.round(profile.vah * 4) / 4,
          tp3: Math.round(profile.vah * 4) / 4 + 3,
          poc: Math.round(profile.poc * 4) / 4,
          vah: Math.round(profile.vah * 4) / 4,
          val,
          confirmationScore: 78,
          openedAt: PROFILE_ALERT_AT,
          updatedAt: PROFILE_ALERT_AT,
          state: 'cancelled',
          closedAt: PROFILE_ALERT_AT + 3_600_000,
        }),
      ]);
    }
  }

  const app = createHttpServer({ logger: false });
  const state = { paused: false };
  const calls: string[] = [];
  const backtestsDir = backtestFolder();
  const handle = registerDashboard(app, {
    queries: dashboardQueriesFor(store),
    settings: () => store.getSettings(),
    live$: dashboardEventsFromRuntime({ outputs$: runtime.outputs$, livePositions }, { markEveryMs: 500 }),
    livePositions,
    actors: observer,
    machines: [engineMachine, positionMachine, signalMachine],
    controls: controlsRecorder(calls, state),
    token: options.token,
    exposed: options.exposed ?? false,
    backtestsDir,
    bars,
    distDir: options.distDir,
    now: () => options.now ?? Date.UTC(2026, 2, 10, 20, 0),
  });
  notices.subscribe((e) => handle.publish(e));
  await handle.ready;
  const url = await listenHttpServer(app, { port: 0 });
  return {
    url,
    store,
    runtime,
    broker$,
    commands,
    notices,
    profileAlertId,
    calls,
    backtestsDir,
    async close() {
      await app.close();
      runtime.stop();
      await store.close();
    },
  };
}

/** Open an ES long on the engine and fill it: a live position with a ladder. */
/** Event time of the demo's engine (the seeded history's trading day). */
export const DEMO_T = Date.UTC(2026, 2, 10, 19, 0);

export function openDemoPosition(demo: DemoDashboard, positionId = 'live-es-1', ts = DEMO_T): void {
  demo.runtime.open(
    request(longPlan(2), { positionId, signalId: `sig-${positionId}`, expiresAt: ts + 600_000 }),
    ts,
  );
  demo.broker$.next({
    type: 'order.filled',
    ts: ts + 10,
    tag: `${positionId}-e0`,
    orderId: 'o1',
    price: 100,
    quantity: 2,
    side: 'buy',
    fees: 2.5,
  });
  demo.runtime.tick('ES', 100.5, ts + 20);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const demo = await startDemoDashboard({ token: process.env.DASHBOARD_TOKEN ?? 'demo-token' });
  openDemoPosition(demo);
  let price = 100.5;
  let ts = DEMO_T + 1000;
  setInterval(() => {
    price = Math.max(99.25, Math.min(102.75, price + (Math.random() - 0.5) * 0.5));
    ts += 1000;
    demo.runtime.tick('ES', Math.round(price * 4) / 4, ts);
  }, 700);
  process.stdout.write(`dashboard: ${demo.url}/ (control token: demo-token)\n`);
}
