/** A bot HTTP server with the dashboard on it, over a given store, for the API and browser tests. */

import type { FastifyInstance } from 'fastify';
import { Subject } from 'rxjs';
import { engineMachine } from '../../../machines/engine/machine.ts';
import { positionMachine } from '../../../machines/position/machine.ts';
import { signalMachine } from '../../../machines/signal/machine.ts';
import { ActorObserver } from '../../../src/adapters/dashboard/actors.ts';
import {
  type DashboardControls,
  type DashboardDeps,
  type DashboardEvent,
  type DashboardHandle,
  dashboardQueriesFor,
  type LivePosition,
  registerDashboard,
} from '../../../src/adapters/dashboard/index.ts';
import { createHttpServer } from '../../../src/adapters/webhook/server.ts';
import type { Store } from '../../../src/ports/store.ts';

export interface Harness {
  readonly app: FastifyInstance;
  readonly handle: DashboardHandle;
  readonly live$: Subject<DashboardEvent>;
  readonly observer: ActorObserver;
  readonly calls: string[];
  livePositions: LivePosition[];
  paused: boolean;
}

export function controlsRecorder(calls: string[], state: { paused: boolean }): DashboardControls {
  return {
    pause: async () => {
      calls.push('pause');
      state.paused = true;
    },
    resume: async () => {
      calls.push('resume');
      state.paused = false;
    },
    flattenAll: async () => {
      calls.push('flattenAll');
    },
    resetGuard: async (which, accountId) => {
      calls.push(`resetGuard:${which}:${accountId ?? '*'}`);
    },
    paused: () => state.paused,
  };
}

export function createHarness(store: Store, over: Partial<DashboardDeps> = {}): Harness {
  const app = createHttpServer({ logger: false });
  const live$ = new Subject<DashboardEvent>();
  const observer = new ActorObserver({ now: () => 0 });
  const calls: string[] = [];
  const harness = {
    app,
    live$,
    observer,
    calls,
    livePositions: [] as LivePosition[],
    paused: false,
  } as Harness & {
    handle: DashboardHandle;
  };
  const handle = registerDashboard(app, {
    queries: dashboardQueriesFor(store),
    settings: () => store.getSettings(),
    live$,
    livePositions: () => harness.livePositions,
    actors: observer,
    machines: [engineMachine, positionMachine, signalMachine],
    controls: controlsRecorder(calls, harness),
    exposed: false,
    buildIfMissing: false,
    distDir: '/nonexistent-dashboard-dist',
    now: () => Date.UTC(2026, 2, 10, 20, 0),
    ...over,
  });
  harness.handle = handle;
  return harness;
}
