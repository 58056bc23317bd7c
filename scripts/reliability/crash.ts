/**
 * Campaign a — crash injection. The bot runs as a child process (`--broker local` against a local
 * ProjectX gateway in this process, a throwaway database on the real PostgreSQL server, no demo);
 * the harness posts alerts to its webhook and drives prices through the gateway across whole trade
 * lifecycles (entry fill, ladder walked to the profile extreme, exit on the trailed stop), while a
 * seeded killer SIGKILLs the bot at random moments and restarts it at once. The same scenario then
 * runs uninterrupted as the reference, and the gateways' final states are compared.
 *
 * The bot trades three accounts on the one gateway (CAMPAIGN_ACCOUNTS, an accounts list): every alert
 * must open one position per account, and every criterion (no duplicate orders, no position without a
 * stop beyond the bound, the final state equal to the reference) is checked account by account, on
 * the account's own orders and ids (`idFromKey` with the account's tag).
 *
 * The market freezes while the bot is down (prices are pushed only while it runs): the comparison
 * is then about the bot, not about what a moving market would have done to a dead process.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_ACCOUNT,
  type GatewayAccountSetup,
  type GatewayOrder,
  type LocalGateway,
  startLocalGateway,
} from '../../sim/gateway/index.ts';
import { defaultTag } from '../../src/app/accounts.ts';
import { idFromKey } from '../../src/runtime/signal-processor.ts';
import {
  type BotLog,
  type BotProcess,
  killHard,
  sleep,
  startBotProcess,
  stopGracefully,
} from './bot-process.ts';
import { ALWAYS_TRADING, createBotDatabase, NEEDS_POSTGRES, serverUrl, undecidedAlerts } from './pg.ts';
import { type CampaignOptions, type CampaignResult, round, seededRandom } from './types.ts';

export const CRASH_SECRETS = {
  webhook: 'rel-webhook-secret-9d41c7e2',
  apiKey: 'rel-projectx-key-5b08aa1f',
  user: 'reliability',
} as const;

const OPEN_STATUSES = new Set([1, 6, 8]); // Open, Pending, Suspended
const MAX_UNPROTECTED_MS = 2_000;
/**
 * The crash campaign runs the bot with `--protective-stops bracket`: with stops placed after the fill
 * (`broker`), a kill in the few milliseconds between a fill and its stop leaves the position bare for
 * as long as the restart takes; a bracket is on the exchange from the fill, bot or no bot.
 */
const CRASH_PROTECTIVE_STOPS = 'bracket';

/** An account the bot trades in a campaign (an entry of its accounts list; the gateway's id is the number). */
export interface CampaignAccount {
  readonly id: string;
  readonly name: string;
}

/**
 * The crash and connection campaigns trade three accounts from one bot on one gateway (docs/accounts.md):
 * every alert opens one position per account, each with its own tagged orders.
 */
export const CAMPAIGN_ACCOUNTS: readonly CampaignAccount[] = [
  { id: '1001', name: 'A' },
  { id: '1002', name: 'B' },
  { id: '1003', name: 'C' },
];

/** The gateway accounts for a campaign's list (none: the gateway's default single account). */
export function gatewayAccounts(accounts: readonly CampaignAccount[]): GatewayAccountSetup[] | undefined {
  return accounts.length === 0
    ? undefined
    : accounts.map((a) => ({ ...DEFAULT_ACCOUNT, id: Number(a.id), name: a.name }));
}

/**
 * One account's view of a run: its position id for an alert key (the `_<tag>` form with two accounts
 * or more, as src/app/accounts.ts derives it) and its gateway id (undefined: every account's orders).
 */
export interface Lane {
  /** The account id as the bot logs it (`account` on its lines); null for the single-account bot. */
  readonly account: string | null;
  readonly gatewayId: number | undefined;
  readonly pid: (key: string) => string;
}

export function lanesOf(accounts: readonly CampaignAccount[]): Lane[] {
  if (accounts.length === 0)
    return [{ account: null, gatewayId: undefined, pid: (k) => idFromKey('p', `k_${k}`) }];
  const multi = accounts.length > 1;
  return accounts.map((a) => ({
    account: multi ? a.id : null,
    gatewayId: Number(a.id),
    pid: (k) => (multi ? idFromKey('p', `k_${k}`, defaultTag(a.id)) : idFromKey('p', `k_${k}`)),
  }));
}

/** "1001: 0, 1002: 0, 1003: 0" (or the bare value for the single-account bot). */
export function perAccount(lanes: readonly Lane[], value: (lane: Lane) => string | number): string {
  return lanes.map((l) => (l.account === null ? `${value(l)}` : `${l.account}: ${value(l)}`)).join(', ');
}

/** How the campaigns start the bot: against the local gateway and a PostgreSQL database, no demo. */
export function botLaunch(
  gatewayUrl: string,
  databaseUrl: string,
  extraEnv: Record<string, string> = {},
  protectiveStops: 'broker' | 'bracket' = 'broker',
  accounts: readonly CampaignAccount[] = [],
): { args: string[]; env: Record<string, string> } {
  return {
    args: [
      '--protective-stops',
      protectiveStops,
      '--broker',
      'local',
      '--gateway-url',
      gatewayUrl,
      '--database-url',
      databaseUrl,
      '--no-demo',
      '--port',
      '0',
      '--status',
      'off',
      '--symbol',
      'ES',
    ],
    env: {
      WEBHOOK_SECRET: CRASH_SECRETS.webhook,
      PROJECTX_USERNAME: CRASH_SECRETS.user,
      PROJECTX_API_KEY: CRASH_SECRETS.apiKey,
      LOG_LEVEL: 'info',
      ...(accounts.length > 0 ? { VALUEAREA_ACCOUNTS: JSON.stringify(accounts) } : {}),
      ...extraEnv,
    },
  };
}

export interface TradeSummary {
  /** The alert key. */
  readonly key: string;
  /** The account (null for the single-account bot). */
  readonly account: string | null;
  readonly entryOrders: number;
  readonly entryPrice: number | null;
  readonly entryQty: number;
  readonly exitQty: number;
  readonly exitAvg: number | null;
  /** The position's orders on the gateway (tag type side size price status fill), for the report. */
  readonly orders: string;
}

export interface ScenarioResult {
  readonly trades: TradeSummary[];
  readonly kills: number;
  readonly killPhases: Record<string, number>;
  readonly maxUnprotectedMs: number;
  readonly unprotectedOver2s: number;
  /** The same figures per account (one entry, account null, for the single-account bot). */
  readonly byAccount: readonly {
    readonly account: string | null;
    readonly maxUnprotectedMs: number;
    readonly unprotectedOver2s: number;
    readonly finalPositions: number;
    readonly finalWorkingOrders: number;
  }[];
  readonly lanes: readonly Lane[];
  readonly finalPositions: number;
  readonly finalWorkingOrders: number;
  readonly restartsMs: number[];
  readonly logFile: string;
  /** Times the bot exited without being killed (a crash of its own), restarted each time. */
  readonly unexpectedExits: number;
  /** Why the scenario stopped early, if it did. */
  readonly aborted: string | null;
  /** The run's bot log lines (parsed JSON). */
  readonly lines: readonly Record<string, unknown>[];
  readonly keys: readonly string[];
  /** Times the bot did not catch up with the broker within a minute while the market was held. */
  readonly syncTimeouts: number;
  /** Alerts left without a decision at the end (see undecidedAlerts); null when it could not be read. */
  readonly undecided: readonly string[] | null;
}

/**
 * History for a stationary market: 81 one-minute bars, one per price level from 4990 to 5010 (each
 * bar trades at a single price), with volumes that peak at 5000 and differ from level to level by at
 * least 100,000 contracts. The profile, and so every plan, is then fixed by the history alone: the
 * harness's own one-lot prints (their number depends on restarts and held markets) and the minute a
 * run starts at can never tip a row comparison. All 81 bars sit inside the 240-minute lookback for
 * the whole run.
 */
export function pushHistory(gateway: LocalGateway, contract: string, now: number): void {
  const levels = 81;
  const start = Math.floor(now / 60_000) * 60_000 - (levels + 2) * 60_000;
  for (let m = 0; m < levels; m++) {
    const k = m - 40; // ticks from 5000
    // 82 at 5000, then 81/80 one tick above/below, 79/78 two ticks away…: no two levels alike.
    const weight = 82 - 2 * Math.abs(k) + (k > 0 ? 1 : 0);
    gateway.pushPrice(contract, 5000 + k * 0.25, { size: weight * 100_000, ts: start + m * 60_000 + 1_000 });
  }
  gateway.pushPrice(contract, 5000, { size: 1 });
}

/** One summary per alert key and account (key-major, accounts in the configured order). */
export function summarise(
  gateway: LocalGateway,
  keys: readonly string[],
  lanes: readonly Lane[] = lanesOf([]),
): TradeSummary[] {
  const books = lanes.map((lane) => ({
    lane,
    orders: gateway.orders(lane.gatewayId),
    trades: gateway.trades(lane.gatewayId),
  }));
  return keys.flatMap((key) =>
    books.map(({ lane, orders, trades }) => {
      const pid = lane.pid(key);
      const tagged = orders.filter((o) => o.customTag?.startsWith(`${pid}-`));
      const entries = tagged.filter((o) => /-e\d+$/.test(o.customTag ?? ''));
      // Stop-loss bracket children of the entries (untagged) are the position's stops too.
      const entryIds = new Set(entries.map((o) => o.id));
      const mine = [
        ...tagged,
        ...orders.filter((o) => o.parentOrderId !== null && entryIds.has(o.parentOrderId)),
      ];
      const exitIds = new Set(mine.filter((o) => !entryIds.has(o.id)).map((o) => o.id));
      const exits = trades.filter((t) => exitIds.has(t.orderId));
      const exitQty = exits.reduce((s, t) => s + t.size, 0);
      return {
        key,
        account: lane.account,
        entryOrders: entries.length,
        entryPrice: entries[0]?.limitPrice ?? null,
        entryQty: entries.reduce((s, o) => s + o.fillVolume, 0),
        exitQty,
        exitAvg: exitQty === 0 ? null : round(exits.reduce((s, t) => s + t.price * t.size, 0) / exitQty, 4),
        orders: mine
          .map(
            (o) =>
              `${o.customTag?.slice(pid.length + 1) ?? 'bracket'}:t${o.type}/s${o.side}/${o.size}@${o.limitPrice ?? o.stopPrice ?? 'mkt'}/st${o.status}/f${o.fillVolume}${o.filledPrice !== null ? `@${o.filledPrice}` : ''}`,
          )
          .join(' '),
      };
    }),
  );
}

/** "key" or "key@account", for notes. */
export const tradeLabel = (t: TradeSummary) => (t.account === null ? t.key : `${t.key}@${t.account}`);

/**
 * Whether the bot has caught up with the broker for one position: the last protective stop it
 * commanded (from its log, across restarts) is what the gateway has working, and the last state it
 * logged for the position passes `state`. The harness holds the market at the important points
 * (entry filled, top of the walk) until this is true, so a trade's outcome depends on what the bot
 * does, not on how fast the machine running it happens to be; the uninterrupted reference and the
 * killed runs then face the same market.
 */
export function caughtUp(
  lines: readonly Record<string, unknown>[],
  gateway: LocalGateway,
  pid: string,
  state: (s: string | undefined) => boolean,
  gatewayId?: number,
): boolean {
  let lastState: string | undefined;
  let lastStop: { price: number; quantity: number } | undefined;
  for (let i = lines.length - 1; i >= 0 && (lastState === undefined || lastStop === undefined); i--) {
    const l = lines[i]!;
    if (l.positionId !== pid) continue;
    if (lastState === undefined && l.msg === 'position state') lastState = String(l.state);
    if (lastStop === undefined && l.msg === 'order command' && l.type === 'moveStop')
      lastStop = { price: Number(l.stopPrice), quantity: Number(l.quantity) };
  }
  if (!state(lastState)) return false;
  const orders = gateway.orders(gatewayId);
  const entryIds = new Set(orders.filter((o) => o.customTag?.startsWith(`${pid}-e`)).map((o) => o.id));
  // The bot's stop: its own tagged order, or the live stop-loss bracket child of its entry.
  const stops = orders.filter(
    (o) =>
      (o.customTag?.startsWith(`${pid}-s`) && OPEN_STATUSES.has(o.status)) ||
      (o.parentOrderId !== null && entryIds.has(o.parentOrderId) && o.status === 1),
  );
  if (!lastStop || lastStop.quantity === 0) return stops.length === 0;
  return stops.length === 1 && stops[0]!.stopPrice === lastStop.price && stops[0]!.size === lastStop.quantity;
}

const IN_POSITION = new Set(['active', 'tp1', 'tp2', 'tp3']);
const SYNC_TIMEOUT_MS = 60_000;

export interface FaultContext {
  readonly gateway: LocalGateway;
  readonly alive: () => BotProcess | null;
  readonly finished: () => boolean;
}

export interface ScenarioPlan {
  readonly label: string;
  /** Trades to run; with `killTarget`, at least this many and on until the kills are done. */
  readonly trades: number;
  readonly killTarget: number | null;
  readonly seed: number;
  readonly server: string;
  readonly logDir: string;
  readonly log?: (line: string) => void;
  /** Use this database (already migrated) instead of a throwaway one on `server`. */
  readonly databaseUrl?: string;
  /** Runs beside the trades (fault injection); awaited before the run ends. */
  readonly faults?: (ctx: FaultContext) => Promise<void>;
  /** Extra environment for the bot. */
  readonly env?: Record<string, string>;
  /** The bot's --protective-stops (default broker). */
  readonly protectiveStops?: 'broker' | 'bracket';
  /** With `faults`: keep trading until this says the faults are done. */
  readonly until?: () => boolean;
  /** The bot's accounts list, all on the one gateway (default none: the single-account bot). */
  readonly accounts?: readonly CampaignAccount[];
}

export async function runScenario(plan: ScenarioPlan): Promise<ScenarioResult> {
  const random = seededRandom(plan.seed);
  const accounts = plan.accounts ?? [];
  const lanes = lanesOf(accounts);
  const setup = gatewayAccounts(accounts);
  const gateway = await startLocalGateway({
    userName: CRASH_SECRETS.user,
    apiKey: CRASH_SECRETS.apiKey,
    // Every restart logs in and reconciles: the 429 storms are campaign b's business.
    rateLimits: false,
    ...(setup ? { accounts: setup } : {}),
  });
  const contract = gateway.activeContractId('ES');
  pushHistory(gateway, contract, Date.now());
  const db = plan.databaseUrl
    ? { url: plan.databaseUrl, drop: async () => {} }
    : await createBotDatabase(plan.server, ALWAYS_TRADING);
  mkdirSync(plan.logDir, { recursive: true });
  const log: BotLog = { lines: [], file: join(plan.logDir, `${plan.label}.log`) };
  const { args, env } = botLaunch(gateway.baseUrl, db.url, plan.env, plan.protectiveStops, accounts);

  let alive: BotProcess | null = null;
  let finished = false;
  let phase = 'flat';
  let kills = 0;
  let unexpectedExits = 0;
  const killPhases: Record<string, number> = {};
  const restartsMs: number[] = [];
  const waitAlive = async (): Promise<BotProcess> => {
    while (!alive) await sleep(10);
    return alive;
  };

  // Supervisor: start, (maybe) kill after a seeded delay, restart at once.
  const supervisor = (async () => {
    while (!finished) {
      const t = Date.now();
      const bot = await startBotProcess(args, env, log);
      restartsMs.push(Date.now() - t);
      alive = bot;
      if (plan.killTarget === null) {
        let exited = false;
        void bot.exited.then(() => {
          exited = true;
        });
        while (!finished && !exited) await sleep(50);
        alive = null;
        if (exited && !finished) {
          unexpectedExits++;
          plan.log?.(`${plan.label}: the bot exited by itself; restarting`);
          continue;
        }
        await stopGracefully(bot);
        return;
      }
      await sleep(300 + random() * 2_700);
      alive = null;
      if (finished) {
        await stopGracefully(bot);
        return;
      }
      await killHard(bot);
      kills++;
      killPhases[phase] = (killPhases[phase] ?? 0) + 1;
    }
  })();

  // Monitor: per account, the longest time one of its gateway positions had no working stop of the
  // same account covering it.
  const unprotected = new Map<number, { since: number | null; max: number; over: number }>();
  const monitor = setInterval(() => {
    const positions = gateway.positions();
    const orders = gateway.orders();
    const now = Date.now();
    const naked = new Set(
      positions
        .filter((p) => {
          const exitSide = p.type === 1 ? 1 : 0;
          const cover = orders
            .filter(
              (o) =>
                o.accountId === p.accountId &&
                o.contractId === p.contractId &&
                o.status === 1 &&
                o.side === exitSide &&
                (o.type === 4 || o.type === 5),
            )
            .reduce((s, o) => s + o.size, 0);
          return cover < p.size;
        })
        .map((p) => p.accountId),
    );
    for (const id of naked) {
      const u = unprotected.get(id) ?? { since: null, max: 0, over: 0 };
      u.since ??= now;
      u.max = Math.max(u.max, now - u.since);
      unprotected.set(id, u);
    }
    for (const [id, u] of unprotected) {
      if (naked.has(id) || u.since === null) continue;
      if (now - u.since > MAX_UNPROTECTED_MS) u.over++;
      u.since = null;
    }
  }, 20);

  const push = async (price: number) => {
    await waitAlive();
    gateway.pushPrice(contract, price, { size: 1 });
    await sleep(30);
  };
  const flat = () => gateway.positions().length === 0;
  const working = () =>
    gateway.orders().filter((o) => o.contractId === contract && OPEN_STATUSES.has(o.status));
  const decisionFor = (key: string, lane: Lane) =>
    log.lines.find(
      (l) =>
        l.msg === 'signal decided' &&
        l.alertKey === `k_${key}` &&
        l.status !== 'EXECUTED' &&
        (lane.account === null || l.account === lane.account),
    );

  const keys: string[] = [];
  let noEntryInARow = 0;
  let syncTimeouts = 0;
  let aborted: string | null = null;
  const faultRun = plan.faults?.({ gateway, alive: () => alive, finished: () => finished });
  try {
    for (
      let n = 0;
      n < plan.trades ||
      (plan.killTarget !== null && kills < plan.killTarget) ||
      (plan.until && !plan.until());
      n++
    ) {
      if (n > plan.trades * 20 + 200 || noEntryInARow >= 10) {
        aborted = `stopped after ${n} trades: ${noEntryInARow >= 10 ? '10 alerts in a row got no entry (the bot is stuck)' : 'too many trades without reaching the kill target'}`;
        plan.log?.(`${plan.label}: ${aborted}`);
        break;
      }
      const key = `${plan.label}-${n}`;
      const side = n % 2 === 0 ? 'buy' : 'sell';
      // The intake prefixes an explicit key with `k_`; ids derive from that (and the account's tag).
      keys.push(key);
      phase = 'posting alert';
      for (;;) {
        const bot = await waitAlive();
        const ok = await fetch(`${bot.url}/webhook/tradingview/${CRASH_SECRETS.webhook}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ symbol: 'ES1!', action: side, key, time: new Date().toISOString() }),
        })
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ok) break;
        await sleep(100);
      }
      phase = 'waiting for the entry order';
      // Every account's entry working (or the account decided the alert otherwise).
      const entries = new Map<Lane, GatewayOrder>();
      const deadline = Date.now() + 90_000;
      const pending = () => lanes.filter((l) => !entries.has(l) && !decisionFor(key, l));
      while (pending().length > 0 && Date.now() < deadline) {
        for (const lane of pending()) {
          const pid = lane.pid(key);
          const entry = gateway
            .orders(lane.gatewayId)
            .find((o) => o.customTag === `${pid}-e0` && o.status === 1);
          if (entry) entries.set(lane, entry);
        }
        if (pending().length > 0) await sleep(25);
      }
      for (const lane of lanes.filter((l) => !entries.has(l)))
        plan.log?.(
          `${plan.label}: ${key}${lane.account ? ` on ${lane.account}` : ''} had no working entry (${String(decisionFor(key, lane)?.reason ?? 'timeout')})`,
        );
      const first = [...entries.values()][0];
      if (!first || first.limitPrice === null) {
        noEntryInARow++;
        continue;
      }
      noEntryInARow = 0;
      phase = 'entry working';
      const e = first.limitPrice;
      const inTrade = lanes.filter((l) => entries.has(l));
      const dir = side === 'buy' ? 1 : -1;
      // Hold the market at a price (pushing it again now and then, so a restarted bot sees it) until
      // the bot has caught up with the broker for this position.
      const hold = async (price: number, state: (s: string | undefined) => boolean, what: string) => {
        const until = Date.now() + SYNC_TIMEOUT_MS;
        while (!inTrade.every((l) => caughtUp(log.lines, gateway, l.pid(key), state, l.gatewayId))) {
          if (Date.now() > until) {
            syncTimeouts++;
            plan.log?.(
              `${plan.label}: ${key}: the bot did not catch up (${what}) within ${SYNC_TIMEOUT_MS / 1000} s`,
            );
            return;
          }
          await push(price);
          await sleep(70);
        }
      };
      await push(e);
      phase = 'in position';
      await hold(e, (s) => s !== undefined && IN_POSITION.has(s), 'entry filled, stop placed');
      // Up to the profile extreme (TP3), then back until the trailed stop takes the position out.
      const far = side === 'buy' ? 5010 : 4990;
      for (let p = e; dir * (far - p) >= 0; p += dir * 0.25) await push(p);
      await hold(far, (s) => s === 'tp3', 'top rung reached, stop trailed');
      const back = side === 'buy' ? 4985 : 5015;
      for (let p = far; dir * (p - back) >= 0 && !flat(); p -= dir * 0.25) await push(p);
      phase = 'exiting';
      const settle = Date.now() + 30_000;
      while ((!flat() || working().length > 0) && Date.now() < settle) await sleep(50);
      if (!flat() || working().length > 0)
        plan.log?.(
          `${plan.label}: ${key} did not settle (${gateway.positions().length} positions, ${working().length} working orders)`,
        );
      phase = 'flat';
    }
  } finally {
    finished = true;
    await faultRun?.catch((error: unknown) =>
      plan.log?.(`${plan.label}: fault loop failed: ${String(error)}`),
    );
    await supervisor.catch(() => {});
    clearInterval(monitor);
    // A window still open at the end counts too.
    for (const u of unprotected.values())
      if (u.since !== null && Date.now() - u.since > MAX_UNPROTECTED_MS) u.over++;
  }
  const unprotectedOf = (lane: Lane) =>
    lane.gatewayId === undefined
      ? [...unprotected.values()]
      : [unprotected.get(lane.gatewayId) ?? { since: null, max: 0, over: 0 }];
  const result: ScenarioResult = {
    trades: summarise(gateway, keys, lanes),
    kills,
    killPhases,
    maxUnprotectedMs: Math.max(0, ...[...unprotected.values()].map((u) => u.max)),
    unprotectedOver2s: [...unprotected.values()].reduce((n, u) => n + u.over, 0),
    byAccount: lanes.map((lane) => ({
      account: lane.account,
      maxUnprotectedMs: Math.max(0, ...unprotectedOf(lane).map((u) => u.max)),
      unprotectedOver2s: unprotectedOf(lane).reduce((n, u) => n + u.over, 0),
      finalPositions: gateway.positions(lane.gatewayId).length,
      finalWorkingOrders: gateway
        .orders(lane.gatewayId)
        .filter((o) => o.contractId === contract && OPEN_STATUSES.has(o.status)).length,
    })),
    lanes,
    finalPositions: gateway.positions().length,
    finalWorkingOrders: working().length,
    restartsMs,
    logFile: log.file,
    unexpectedExits,
    aborted,
    lines: log.lines,
    keys,
    syncTimeouts,
    undecided: await undecidedAlerts(db.url).catch(() => null),
  };
  await gateway.close();
  await db.drop().catch(() => {});
  return result;
}

export function crashParameters(fast: boolean): {
  scenarios: number;
  killsPerScenario: number;
  minTrades: number;
} {
  return fast
    ? { scenarios: 1, killsPerScenario: 4, minTrades: 2 }
    : { scenarios: 4, killsPerScenario: 52, minTrades: 4 };
}

export const sameTrade = (a: TradeSummary, b: TradeSummary) =>
  a.entryOrders === b.entryOrders &&
  a.entryPrice === b.entryPrice &&
  a.entryQty === b.entryQty &&
  a.exitQty === b.exitQty &&
  a.exitAvg === b.exitAvg;

export async function runCrash(options: CampaignOptions & { logDir?: string }): Promise<CampaignResult> {
  const started = Date.now();
  const p = crashParameters(options.fast);
  const server = serverUrl();
  const base = {
    id: 'crash',
    title: 'Crash injection: SIGKILL across trade lifecycles',
    parameters: {
      scenarios: p.scenarios,
      'kills per scenario (target)': p.killsPerScenario,
      'kill delay after start': '0.3–3.0 s, seeded',
      'protective stops': `${CRASH_PROTECTIVE_STOPS} (the entry carries its stop as a stop-loss bracket)`,
      accounts: `${CAMPAIGN_ACCOUNTS.length} (${CAMPAIGN_ACCOUNTS.map((a) => a.id).join(', ')}) traded by one bot on one local gateway; every alert goes to every account`,
      seed: options.seed,
    },
  };
  if (!server) return { ...base, figures: {}, criteria: [], error: NEEDS_POSTGRES, durationMs: 0 };
  const logDir = options.logDir ?? join(tmpdir(), `valuearea-reliability-${process.pid}`);
  mkdirSync(logDir, { recursive: true });

  const crashed: ScenarioResult[] = [];
  const reference: ScenarioResult[] = [];
  const mismatches: string[] = [];
  // Two scenarios at a time: the machine has few cores and each bot start compiles TypeScript.
  for (let s = 0; s < p.scenarios; s += 2) {
    const batch = [s, s + 1].filter((i) => i < p.scenarios);
    const runs = await Promise.all(
      batch.map((i) =>
        runScenario({
          label: `crash-s${i}`,
          trades: p.minTrades,
          killTarget: p.killsPerScenario,
          seed: options.seed * 1000 + i,
          server,
          logDir,
          protectiveStops: CRASH_PROTECTIVE_STOPS,
          accounts: CAMPAIGN_ACCOUNTS,
          ...(options.log ? { log: options.log } : {}),
        }),
      ),
    );
    crashed.push(...runs);
    options.log?.(`crash: scenarios ${batch.join(',')} done, ${runs.reduce((n, r) => n + r.kills, 0)} kills`);
    const refs = await Promise.all(
      batch.map((i, j) =>
        runScenario({
          label: `crash-s${i}`,
          trades: runs[j]?.keys.length ?? 0,
          killTarget: null,
          seed: options.seed * 1000 + i,
          server,
          logDir: join(logDir, 'reference'),
          protectiveStops: CRASH_PROTECTIVE_STOPS,
          accounts: CAMPAIGN_ACCOUNTS,
          ...(options.log ? { log: options.log } : {}),
        }).catch((error: unknown) => {
          throw error;
        }),
      ),
    );
    reference.push(...refs);
  }
  // Per account: trades compared, differing, duplicate entries, extra contracts.
  const lanes = lanesOf(CAMPAIGN_ACCOUNTS);
  const stats = new Map(
    lanes.map((l) => [l.account, { compared: 0, differ: 0, duplicateEntries: 0, extraContracts: 0 }]),
  );
  const statOf = (account: string | null) => stats.get(account) ?? stats.values().next().value!;
  crashed.forEach((run, i) => {
    const ref = reference[i];
    if (!ref) return;
    run.trades.forEach((t, j) => {
      const r = ref.trades[j];
      const st = statOf(t.account);
      st.compared++;
      if (!r || r.key !== t.key || r.account !== t.account || !sameTrade(t, r)) {
        st.differ++;
        const decision = run.lines.find(
          (l) =>
            l.msg === 'signal decided' &&
            l.alertKey === `k_${t.key}` &&
            (t.account === null || l.account === t.account),
        );
        mismatches.push(
          `${tradeLabel(t)}: the bot decided "${String(decision?.reason ?? 'nothing')}"; crashed ${JSON.stringify(t)} vs reference ${JSON.stringify(r)}`,
        );
      }
      if (r && t.entryOrders > r.entryOrders) st.duplicateEntries += t.entryOrders - r.entryOrders;
      if (r && t.entryQty > r.entryQty) st.extraContracts += t.entryQty - r.entryQty;
    });
  });
  const sum = (
    f: (v: { compared: number; differ: number; duplicateEntries: number; extraContracts: number }) => number,
  ) => [...stats.values()].reduce((n, v) => n + f(v), 0);
  const compared = sum((v) => v.compared);
  const duplicateEntries = sum((v) => v.duplicateEntries);
  const extraContracts = sum((v) => v.extraContracts);
  // Every alert must give one position (a filled entry) on every account, in the killed runs and the references.
  const alerts = crashed.reduce((n, r) => n + r.keys.length, 0);
  const alertsShort = (runs: readonly ScenarioResult[]) =>
    runs.flatMap((r) =>
      r.keys
        .filter((key) => {
          const mine = r.trades.filter((t) => t.key === key);
          return mine.length !== lanes.length || mine.some((t) => t.entryQty === 0);
        })
        .map((key) => `${r.logFile.includes('reference') ? 'reference ' : ''}${key}`),
    );
  const short = [...alertsShort(crashed), ...alertsShort(reference)];
  const accountFigure = (pick: (b: ScenarioResult['byAccount'][number]) => number, combine: 'max' | 'sum') =>
    perAccount(lanes, (lane) => {
      const values = crashed.flatMap((r) => r.byAccount.filter((b) => b.account === lane.account).map(pick));
      return combine === 'max' ? Math.max(0, ...values) : values.reduce((n, v) => n + v, 0);
    });
  const kills = crashed.reduce((n, r) => n + r.kills, 0);
  const phases: Record<string, number> = {};
  for (const r of crashed)
    for (const [k, v] of Object.entries(r.killPhases)) phases[k] = (phases[k] ?? 0) + v;
  const maxNaked = Math.max(0, ...crashed.map((r) => r.maxUnprotectedMs));
  const over2s = crashed.reduce((n, r) => n + r.unprotectedOver2s, 0);
  const refNaked = Math.max(0, ...reference.map((r) => r.maxUnprotectedMs));
  const restarts = crashed.flatMap((r) => r.restartsMs).sort((a, b) => a - b);
  const finalOpen = crashed.reduce((n, r) => n + r.finalPositions + r.finalWorkingOrders, 0);
  const kept = crashed.flatMap((r) => r.trades).filter((t) => t.entryQty > 0).length;
  const perAccountStat = (
    f: (v: {
      compared: number;
      differ: number;
      duplicateEntries: number;
      extraContracts: number;
    }) => string | number,
  ) => perAccount(lanes, (l) => f(statOf(l.account)));
  return {
    ...base,
    figures: {
      SIGKILLs: kills,
      'kills by phase': Object.entries(phases)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
      accounts: `${lanes.length} on one gateway (${CAMPAIGN_ACCOUNTS.map((a) => `${a.name} ${a.id}`).join(', ')})`,
      'alerts run under kills': alerts,
      'trades (alert × account) run under kills': crashed.reduce((n, r) => n + r.trades.length, 0),
      'trades that reached a fill': kept,
      'alerts without one filled position on every account (killed runs and references)': short.length,
      'trades compared with the uninterrupted reference': compared,
      'trades that differ from the reference': mismatches.length,
      'trades that differ from the reference, per account': perAccountStat(
        (v) => `${v.differ} of ${v.compared}`,
      ),
      'duplicate entry orders (more than the reference placed)': duplicateEntries,
      'extra contracts filled (more than the reference)': extraContracts,
      'duplicate entry orders / extra contracts, per account': perAccountStat(
        (v) => `${v.duplicateEntries} / ${v.extraContracts}`,
      ),
      'longest time a gateway position had no working stop (killed runs)': `${maxNaked} ms`,
      'longest time without a working stop, per account (killed runs)': accountFigure(
        (b) => b.maxUnprotectedMs,
        'max',
      ),
      'unprotected windows longer than 2 s': over2s,
      'longest unprotected time in the reference runs': `${refNaked} ms`,
      'bot start to "running", median / max': `${restarts[Math.floor(restarts.length / 2)] ?? 0} / ${restarts.at(-1) ?? 0} ms`,
      'positions or working orders left at the end': finalOpen,
      'positions + working orders left at the end, per account': accountFigure(
        (b) => b.finalPositions + b.finalWorkingOrders,
        'sum',
      ),
      'times the market was held a minute and the bot had not caught up': crashed.reduce(
        (n, r) => n + r.syncTimeouts,
        0,
      ),
      'alerts left without a decision at the end': crashed.reduce(
        (n, r) => n + (r.undecided?.length ?? 0),
        0,
      ),
    },
    criteria: [
      {
        name: `at least ${p.scenarios * p.killsPerScenario} SIGKILLs`,
        pass: kills >= p.scenarios * p.killsPerScenario,
        measured: `${kills}`,
      },
      {
        name: `every alert gives one position per account (${lanes.length} accounts)`,
        pass: short.length === 0 && alerts > 0,
        measured: `${short.length} of ${alerts} alerts short${short.length > 0 ? `: ${short.slice(0, 5).join(', ')}` : ''}`,
      },
      {
        name: 'final broker state equals the uninterrupted run, trade by trade, on every account',
        pass: mismatches.length === 0 && compared > 0,
        measured: `${mismatches.length} of ${compared} differ (${perAccountStat((v) => v.differ)})`,
      },
      {
        name: 'no duplicate orders on any account (entries or contracts beyond the reference)',
        pass: duplicateEntries === 0 && extraContracts === 0,
        measured: `${duplicateEntries} entries, ${extraContracts} contracts (${perAccountStat((v) => v.duplicateEntries + v.extraContracts)})`,
      },
      {
        name: 'no position unprotected for more than 2 s, on any account',
        pass: maxNaked <= MAX_UNPROTECTED_MS,
        measured: `${maxNaked} ms longest (${accountFigure((b) => b.maxUnprotectedMs, 'max')} ms)`,
      },
      {
        name: 'every scenario runs to its end (the bot never gets stuck)',
        pass: crashed.every((r) => r.aborted === null),
        measured: crashed.map((r, i) => `s${i}: ${r.aborted ?? 'completed'}`).join('; '),
      },
      {
        name: 'after every restart the bot catches up with the broker (its stop as commanded) within a minute',
        pass: crashed.every((r) => r.syncTimeouts === 0),
        measured: `${crashed.reduce((n, r) => n + r.syncTimeouts, 0)} times not`,
      },
      {
        name: 'every alert ends with a decision (no alert without a signal, no signal PENDING or EXECUTING)',
        pass: crashed.every((r) => r.undecided !== null && r.undecided.length === 0),
        measured: crashed
          .map((r, i) => `s${i}: ${r.undecided === null ? 'unknown' : r.undecided.length}`)
          .join('; '),
      },
      {
        name: 'every account flat with no working orders at the end',
        pass: finalOpen === 0,
        measured: `${finalOpen} left (${accountFigure((b) => b.finalPositions + b.finalWorkingOrders, 'sum')})`,
      },
    ],
    notes: [
      ...mismatches.slice(0, 10),
      ...short.slice(0, 10).map((k) => `alert without one filled position on every account: ${k}`),
      ...crashed.flatMap((r, i) => (r.undecided ?? []).map((a) => `s${i}: alert without a decision: ${a}`)),
    ],
    durationMs: Date.now() - started,
  };
}
