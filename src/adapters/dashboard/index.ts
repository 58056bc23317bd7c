/**
 * The dashboard on the bot's Fastify instance: the JSON API under /api, the live stream, control
 * actions, and the built app at /. See docs/dashboard.md.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EMPTY, type Observable, Subject } from 'rxjs';
import type { AnyStateMachine } from 'xstate';
import type { GuardName, GuardState } from '../../domain/guards.ts';
import { ownValue } from '../../domain/lookup.ts';
import type { BotSettings } from '../../domain/settings.ts';
import type { DashboardQueries } from '../../ports/dashboard-queries.ts';
import type { Store } from '../../ports/store.ts';
import { type ActorView, statechartOf } from './actors.ts';
import { alertStops, closedTradeOf } from './alert-stops.ts';
import { isLoopbackHost, requireToken } from './auth.ts';
import { listBacktestFiles, readBacktestFile, readBacktestHtml } from './backtest-files.ts';
import { ApiError, notFound, sendApiError } from './errors.ts';
import type { ActorTransition, DashboardEvent, LivePosition } from './events.ts';
import { accountOverviews, computeKpis, type LiveAccount } from './kpis.ts';
import {
  alertId,
  alertsQuery,
  backtestId,
  controlBody,
  kpisQuery,
  listQuery,
  liveQuery,
  parseParams,
  positionsQuery,
  signalsQuery,
  tradesQuery,
} from './params.ts';
import { type BarsSource, profilePanel } from './profile-panel.ts';
import { buildDashboard, DASHBOARD_DIST, isBuilt, isStale, notBuiltPage, readStatic } from './static.ts';
import { serveStream } from './stream.ts';

export type { DashboardQueries } from '../../ports/dashboard-queries.ts';
export type { ActorView } from './actors.ts';
export { ActorObserver, statechartOf } from './actors.ts';
export { isLoopbackHost } from './auth.ts';
export type { ActorTransition, DashboardEvent, LivePosition, RuntimeLike } from './events.ts';
export {
  dashboardEventsFromLanes,
  dashboardEventsFromRuntime,
  type EventAccount,
  signalEventFromDecision,
  toLivePosition,
} from './events.ts';
export type { AccountOverview, GuardHeadroom, Kpis, LiveAccount } from './kpis.ts';
export { type BarColumns, type BarsSource, barsFromColumns } from './profile-panel.ts';
export { buildDashboard, DASHBOARD_DIST, isBuilt, isStale } from './static.ts';

/** What the control buttons do; the bot wires them to the engine and the guards. */
export interface DashboardControls {
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Every open position; with `accountId`, only that account's. */
  flattenAll(accountId?: string): Promise<void>;
  /** One account's guard (undefined: the only account, when there is one). */
  resetGuard(which: GuardName, accountId: string | undefined): Promise<void>;
  /**
   * Change bot settings (a partial object); applies to the next alert. Throws an error carrying
   * `problems` (one per refused key, naming it and the fix) when the change is refused.
   */
  updateSettings?(patch: unknown): Promise<unknown>;
  /** For the header: is the bot paused? */
  paused?(): boolean;
}

export type DashboardSettings = Pick<
  BotSettings,
  | 'startingBalance'
  | 'accountRules'
  | 'maxPosition'
  | 'dailyLossLimit'
  | 'trailingDrawdown'
  | 'profileLookbackMinutes'
  | 'profileRows'
  | 'valueAreaPercent'
>;

export interface DashboardDeps {
  readonly queries: DashboardQueries;
  /** Current settings (store.getSettings). */
  readonly settings: () => Promise<DashboardSettings>;
  /** Decisions, position changes, trades, marks (dashboardEventsFromRuntime). */
  readonly live$?: Observable<DashboardEvent> | undefined;
  /** Live positions with unrealised P&L (the engine runtime's positions()). */
  readonly livePositions?: (() => readonly LivePosition[]) | undefined;
  /** Live actors and their transitions (an ActorObserver on the runtime's inspect hook). */
  readonly actors?:
    | {
        actors(): readonly ActorView[];
        transitions(): readonly ActorTransition[];
        readonly events$: Observable<DashboardEvent>;
      }
    | undefined;
  /**
   * The accounts this process trades (one lane each), in the order to show them: the account
   * selector and the all-accounts view list them, and `account` parameters must name one of them.
   */
  readonly accounts?: (() => readonly DashboardAccount[]) | undefined;
  /** The processor's live guard state per account (fresher than the stored guard_state rows). */
  readonly liveGuards?:
    | (() => readonly ({ readonly accountId: string; readonly state: GuardState } & LiveAccount)[])
    | undefined;
  /** Machines the Actors view draws (the bot passes engine, position and signal); none by default. */
  readonly machines?: readonly AnyStateMachine[] | undefined;
  readonly controls?: DashboardControls | undefined;
  /** DASHBOARD_TOKEN. Required when exposed; control actions need it always. */
  readonly token?: string | undefined;
  /** True when the server listens on anything but loopback: every /api route then needs the token. */
  readonly exposed: boolean;
  /** Folder of backtest reports (JSON + HTML with one base name). */
  readonly backtestsDir?: string | undefined;
  /** Bars for the alert profile panel; without it only the stored levels are shown. */
  readonly bars?: BarsSource | undefined;
  /** Wall clock (today's P&L); injected in tests. */
  readonly now?: (() => number) | undefined;
  /** Built app folder (default dashboard/dist); built on first start when missing unless buildIfMissing is false. */
  readonly distDir?: string | undefined;
  readonly buildIfMissing?: boolean | undefined;
}

/** An account the bot trades: its broker id and the trader's name for it. */
export interface DashboardAccount {
  readonly accountId: string;
  readonly name: string;
}

export interface DashboardHandle {
  /** Resolves when the app is built and servable (at once when it already was). */
  readonly ready: Promise<void>;
  /** Push an event to every stream client (e.g. the bot's own notices). */
  publish(event: DashboardEvent): void;
}

/** The store's dashboard queries (the SQL stores offer them through the port), or why there are none. */
export function dashboardQueriesFor(store: Store): DashboardQueries {
  const queries = store.dashboardQueries?.();
  if (queries) return queries;
  throw new Error(
    'the dashboard needs SQL access for its list queries, which the supabase-js adapter does not give: ' +
      "set DATABASE_URL to the Supabase project's Postgres connection string (Project Settings → Database)",
  );
}

const CONFIRM_WORDS: Readonly<Record<string, string>> = {
  pause: 'PAUSE',
  resume: 'RESUME',
  'flatten-all': 'FLATTEN',
  'reset-guard': 'RESET',
};

export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): DashboardHandle {
  if (deps.exposed && !deps.token) {
    throw new Error(
      'the dashboard is exposed beyond 127.0.0.1 but DASHBOARD_TOKEN is not set: set DASHBOARD_TOKEN to a long random value, or bind to 127.0.0.1',
    );
  }
  const distDir = deps.distDir ?? DASHBOARD_DIST;
  const build = prepareAppBuild(app, deps, distDir);
  const ctx: RouteContext = {
    deps,
    now: deps.now ?? Date.now,
    notices: new Subject<DashboardEvent>(),
    statecharts: (deps.machines ?? []).map((m) => ({ machine: m.id, root: statechartOf(m) })),
    build,
  };
  void app.register(async (api) => {
    registerApiHandlers(api, ctx);
    registerReadRoutes(api, ctx);
    registerBacktestRoutes(api, ctx);
    registerLiveRoutes(api, ctx);
    registerControlRoutes(api, ctx);
  });
  registerAppFiles(app, build, distDir);
  return { ready: build.ready, publish: (event) => ctx.notices.next(event) };
}

/** The dashboard app's build: ready, building in the background, or failed (with the reason). */
interface AppBuild {
  readonly state: () => 'ready' | 'building' | 'failed';
  readonly reason: () => string;
  readonly ready: Promise<void>;
}

function prepareAppBuild(app: FastifyInstance, deps: DashboardDeps, distDir: string): AppBuild {
  let build: { state: 'ready' | 'building' | 'failed'; reason: string } = { state: 'ready', reason: '' };
  let ready: Promise<void> = Promise.resolve();
  // The default dist is rebuilt when the app's sources are newer (after an update); a given dist is used as is.
  const built = isBuilt(distDir);
  const needsBuild = distDir === DASHBOARD_DIST ? isStale(distDir) : !built;
  if (needsBuild && deps.buildIfMissing === false) {
    if (!built) build = { state: 'failed', reason: `${distDir}/index.html is missing` };
  } else if (needsBuild) {
    build = { state: 'building', reason: '' };
    app.log.info(
      built ? 'dashboard app out of date: rebuilding it' : 'dashboard app not built yet: building it now',
    );
    ready = buildDashboard(distDir === DASHBOARD_DIST ? {} : { outDir: distDir }).then(
      () => {
        build = { state: 'ready', reason: '' };
        app.log.info('dashboard app built');
      },
      (error: unknown) => {
        const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        // An older build still serves better than no dashboard.
        build = isBuilt(distDir) ? { state: 'ready', reason: '' } : { state: 'failed', reason };
        app.log.error({ reason }, 'building the dashboard app failed');
      },
    );
  }

  return { state: () => build.state, reason: () => build.reason, ready };
}

/** What the route groups share. */
interface RouteContext {
  readonly deps: DashboardDeps;
  readonly now: () => number;
  readonly notices: Subject<DashboardEvent>;
  readonly statecharts: readonly { machine: string; root: unknown }[];
  readonly build: AppBuild;
}

/** Headers, the token check, and errors and unknown routes as the API's JSON errors. */
function registerApiHandlers(api: FastifyInstance, ctx: RouteContext): void {
  const { deps } = ctx;
  api.addHook('onRequest', async (req, reply) => {
    void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    if (deps.exposed) requireToken(req, deps.token, 'the dashboard API');
  });
  api.setErrorHandler(async (error: unknown, req, reply) => {
    if (error instanceof ApiError) return sendApiError(reply, error);
    const e = error as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode === 400 || e.statusCode === 415 || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendApiError(
        reply,
        new ApiError(
          400,
          'invalid_parameter',
          `body: ${e.message ?? 'could not be read'} — send JSON such as {"confirm":"…"}`,
          'body',
        ),
      );
    }
    req.log.error({ err: e.message }, 'dashboard API request failed');
    return sendApiError(
      reply,
      new ApiError(500, 'internal', 'the request failed inside the bot — see the bot log for details'),
    );
  });
  api.setNotFoundHandler(async (req, reply) =>
    sendApiError(
      reply,
      notFound(`no such API route: ${req.method} ${req.url.split('?')[0]} — see docs/dashboard.md`),
    ),
  );
}

/** Status, lists, alert detail, KPIs and actors: reads only. */
function registerReadRoutes(api: FastifyInstance, ctx: RouteContext): void {
  const { deps, now, statecharts, build } = ctx;
  api.get('/api/status', async () => ({
    exposed: deps.exposed,
    controlsEnabled: Boolean(deps.token && deps.controls),
    paused: deps.controls?.paused?.() ?? null,
    engineAttached: deps.livePositions !== undefined,
    barsAttached: deps.bars !== undefined,
    app: build.state(),
  }));

  api.get('/api/positions', async (req) => deps.queries.positions(parseParams(positionsQuery, req.query)));
  api.get('/api/positions/live', async (req) => {
    const account = knownAccount(deps, parseParams(liveQuery, req.query).account);
    const items = deps.livePositions?.() ?? [];
    return {
      items: account === undefined ? items : items.filter((p) => p.accountId === account),
      engineAttached: deps.livePositions !== undefined,
    };
  });
  api.get('/api/trades-log', async (req) => deps.queries.trades(parseParams(tradesQuery, req.query)));
  api.get('/api/signals', async (req) => deps.queries.signals(parseParams(signalsQuery, req.query)));
  api.get('/api/alerts', async (req) => deps.queries.alerts(parseParams(alertsQuery, req.query)));
  api.get('/api/alerts/:id', async (req) => {
    const id = Number(parseParams(alertId, (req.params as { id: string }).id, 'id'));
    const detail = await deps.queries.alert(id);
    if (!detail) throw notFound(`alert ${id} does not exist — pick one from GET /api/alerts`);
    const position = detail.positions[0];
    const live = position && deps.livePositions?.().find((p) => p.positionId === position.id);
    const trade = position && !live ? await closedTradeOf(deps.queries, position) : null;
    const stops = alertStops(position, detail.events, { live, trade });
    return { ...detail, profilePanel: await profilePanel(detail, await deps.settings(), deps.bars, stops) };
  });

  api.get('/api/kpis', async (req) => {
    const account = knownAccount(deps, parseParams(kpisQuery, req.query).account);
    const mine = <T extends { readonly accountId: string }>(rows: readonly T[]): T[] =>
      account === undefined ? [...rows] : rows.filter((r) => r.accountId === account);
    const [trades, settings, guardStates, storedOpen] = await Promise.all([
      deps.queries.allTrades(),
      deps.settings(),
      deps.queries.guardStates(),
      deps.queries.openPositionCount(),
    ]);
    const live = deps.livePositions ? mine(deps.livePositions()) : undefined;
    return computeKpis({
      trades: mine(trades),
      settings,
      guardStates: mine(guardStates),
      ...(deps.liveGuards ? { liveGuards: mine(deps.liveGuards()) } : {}),
      openPositions: live
        ? live.filter((p) => p.state !== 'closed' && p.state !== 'cancelled').length
        : storedOpen,
      openPnl: live ? live.reduce((sum, p) => sum + p.unrealizedPnl, 0) : null,
      now: now(),
    });
  });

  // The all-accounts view: each account's book and headroom, from the live guards and positions.
  api.get('/api/accounts', async (req) => {
    parseParams(kpisQuery.omit({ account: true }), req.query);
    const accounts = accountsOf(deps);
    const settings = await deps.settings();
    const { guards } = computeKpis({
      trades: [],
      settings,
      guardStates: [],
      ...(deps.liveGuards ? { liveGuards: deps.liveGuards() } : {}),
      openPositions: 0,
      openPnl: null,
      now: now(),
    });
    return {
      items: accountOverviews({ accounts, positions: deps.livePositions?.() ?? [], guards }),
      engineAttached: deps.livePositions !== undefined,
    };
  });

  api.get('/api/actors', async () => ({
    statecharts,
    actors: deps.actors?.actors() ?? [],
    transitions: deps.actors?.transitions() ?? [],
    attached: deps.actors !== undefined,
  }));
}

/** Backtest reports: files in the backtests folder and the stored ones. */
function registerBacktestRoutes(api: FastifyInstance, ctx: RouteContext): void {
  const { deps } = ctx;
  api.get('/api/backtests', async (req) => {
    const q = parseParams(listQuery, req.query);
    const files = deps.backtestsDir
      ? (
          await listBacktestFiles(deps.backtestsDir, (file, why) =>
            req.log.warn({ file, why }, 'backtest report skipped'),
          )
        ).map((f) => ({
          ...f,
          source: 'file' as const,
          htmlUrl: f.htmlFile ? `/api/backtests/${f.id}/html` : null,
        }))
      : [];
    const stored = (await deps.queries.backtestSummaries(1000)).map((b) => ({
      ...b,
      source: 'store' as const,
      htmlUrl: null,
    }));
    const all = [...files, ...stored].sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    const start = (q.page - 1) * q.limit;
    return {
      items: all.slice(start, start + q.limit),
      pagination: {
        page: q.page,
        limit: q.limit,
        total: all.length,
        pages: Math.max(1, Math.ceil(all.length / q.limit)),
      },
    };
  });
  api.get('/api/backtests/:id', async (req) => {
    const id = parseParams(backtestId, (req.params as { id: string }).id, 'id');
    if (deps.backtestsDir) {
      const file = await readBacktestFile(deps.backtestsDir, id);
      if (file) {
        return {
          ...file.summary,
          source: 'file',
          htmlUrl: file.summary.htmlFile ? `/api/backtests/${id}/html` : null,
          report: file.report,
        };
      }
    }
    const stored = await deps.queries.backtest(id);
    if (!stored) throw notFound(`backtest ${id} does not exist — pick one from GET /api/backtests`);
    return { ...stored, source: 'store', htmlUrl: null };
  });
  api.get('/api/backtests/:id/html', async (req, reply) => {
    const id = parseParams(backtestId, (req.params as { id: string }).id, 'id');
    const html = deps.backtestsDir ? await readBacktestHtml(deps.backtestsDir, id) : null;
    if (html === null)
      throw notFound(`backtest ${id} has no HTML report — write one with npm run backtest -- --html <file>`);
    // Its own opaque origin: the report's scripts run but cannot call this API with the token.
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', 'sandbox allow-scripts')
      .send(html);
  });
}

/** The live event stream and the settings (read, and changed with the token). */
function registerLiveRoutes(api: FastifyInstance, ctx: RouteContext): void {
  const { deps, now, notices } = ctx;
  api.get('/api/stream', (req, reply) => {
    serveStream(req, reply, {
      sources: [deps.live$ ?? EMPTY, deps.actors?.events$ ?? EMPTY, notices],
      hello: () => ({ positions: deps.livePositions?.() ?? [], ts: now() }),
    });
  });

  api.get('/api/settings', async () => ({ settings: await deps.settings() }));

  api.patch('/api/settings', async (req: FastifyRequest, reply: FastifyReply) => {
    requireToken(req, deps.token, 'settings changes');
    const update = deps.controls?.updateSettings;
    if (!update)
      throw new ApiError(
        503,
        'unavailable',
        'settings changes are not wired in this process (no engine attached)',
      );
    let settings: unknown;
    try {
      settings = await update(req.body ?? {});
    } catch (error) {
      const problems = (error as { problems?: unknown }).problems;
      if (!Array.isArray(problems)) throw error;
      const first = String(problems[0] ?? '');
      throw new ApiError(400, 'invalid_parameter', problems.join('; '), first.split(':')[0]);
    }
    req.log.warn({ keys: Object.keys((req.body as object | null) ?? {}) }, 'dashboard settings change');
    notices.next({ type: 'control', action: 'settings', detail: 'settings changed', ts: now() });
    return reply.code(200).send({ ok: true, settings });
  });
}

/** Pause, resume, flatten-all and reset-guard, each with the token and a confirmation word. */
function registerControlRoutes(api: FastifyInstance, ctx: RouteContext): void {
  const { deps, now, notices } = ctx;
  api.post('/api/control/:action', async (req: FastifyRequest, reply: FastifyReply) => {
    const action = (req.params as { action: string }).action;
    const word = ownValue(CONFIRM_WORDS, action);
    if (word === undefined) {
      throw notFound(`no control action "${action}": use pause, resume, flatten-all or reset-guard`);
    }
    requireToken(req, deps.token, 'control actions');
    const body = parseParams(controlBody, req.body ?? {}, 'body');
    if (body.confirm !== word) {
      throw new ApiError(
        400,
        'confirmation_required',
        `confirm: send {"confirm":"${word}"} to ${action}`,
        'confirm',
      );
    }
    const controls = deps.controls;
    if (!controls)
      throw new ApiError(
        503,
        'unavailable',
        'control actions are not wired in this process (no engine attached)',
      );
    let detail: string;
    switch (action) {
      case 'pause':
        await controls.pause();
        detail = 'new entries paused';
        break;
      case 'resume':
        await controls.resume();
        detail = 'new entries resumed';
        break;
      case 'flatten-all': {
        const account = knownAccount(deps, body.account, 'account');
        if (account === undefined) await controls.flattenAll();
        else await controls.flattenAll(account);
        detail = `flatten requested for every open position${account === undefined ? '' : ` on ${accountLabel(deps, account)}`}`;
        break;
      }
      default: {
        if (!body.guard)
          throw new ApiError(
            400,
            'invalid_parameter',
            'guard: is required (dailyLoss or trailingDrawdown)',
            'guard',
          );
        const field = body.accountId === undefined ? 'account' : 'accountId';
        const account = knownAccount(deps, body.accountId ?? body.account, field);
        // A guard is one account's: with several, the trader says which one.
        const accounts = accountsOf(deps);
        if (account === undefined && accounts.length > 1)
          throw new ApiError(
            400,
            'invalid_parameter',
            `accountId: is required with several accounts (one of ${accounts.map((a) => a.accountId).join(', ')})`,
            'accountId',
          );
        await controls.resetGuard(body.guard, account);
        detail = `${body.guard} guard reset${account ? ` for ${accountLabel(deps, account)}` : ''}`;
      }
    }
    req.log.warn({ action }, 'dashboard control action');
    notices.next({ type: 'control', action, detail, ts: now() });
    return reply.code(200).send({ ok: true, action, detail });
  });
}

/** The app itself: public files (the API behind it is what the token protects). */
function registerAppFiles(app: FastifyInstance, build: AppBuild, distDir: string): void {
  const serveApp = async (req: FastifyRequest, reply: FastifyReply) => {
    const state = build.state();
    if (state !== 'ready') {
      return reply.code(503).type('text/html; charset=utf-8').send(notBuiltPage(state, build.reason()));
    }
    const file = await readStatic(distDir, req.url);
    if (!file) return reply.code(404).type('text/plain').send('not found');
    void reply
      .header('x-content-type-options', 'nosniff')
      .header(
        'content-security-policy',
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; connect-src 'self'",
      );
    return reply.type(file.type).send(file.body);
  };
  app.get('/', serveApp);
  app.get('/index.html', serveApp);
  app.get('/assets/*', serveApp);
  app.get('/favicon.svg', serveApp);
}

/** The accounts listed to the page: the configured ones, else those the live guards know. */
function accountsOf(deps: DashboardDeps): readonly DashboardAccount[] {
  if (deps.accounts) return deps.accounts();
  return (deps.liveGuards?.() ?? []).map((g) => ({ accountId: g.accountId, name: g.name ?? g.accountId }));
}

/**
 * An `account` parameter, checked against the accounts this process trades (a typo must not act
 * on, or show, nothing while looking like it worked). Unchecked when the process lists none.
 */
function knownAccount(
  deps: DashboardDeps,
  account: string | undefined,
  parameter = 'account',
): string | undefined {
  if (account === undefined) return undefined;
  const accounts = accountsOf(deps);
  if (accounts.length === 0 || accounts.some((a) => a.accountId === account)) return account;
  throw new ApiError(
    400,
    'invalid_parameter',
    `${parameter}: no account "${account}" in this process — use one of ${accounts.map((a) => a.accountId).join(', ')} (GET /api/accounts)`,
    parameter,
  );
}

/** "Combine A (12345)" for the control messages, or the id when it has no name of its own. */
function accountLabel(deps: DashboardDeps, accountId: string): string {
  const name = accountsOf(deps).find((a) => a.accountId === accountId)?.name;
  return name === undefined || name === accountId ? accountId : `${name} (${accountId})`;
}

/** True when the dashboard must ask for a token on this bind address. */
export function dashboardExposed(host: string): boolean {
  return !isLoopbackHost(host);
}
