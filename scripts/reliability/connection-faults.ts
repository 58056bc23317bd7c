/**
 * Campaign b — connection faults on the local gateway while the bot (child process, --broker local)
 * trades: market hub stall, user hub that silently stops delivering fills, repeated disconnects,
 * session logout, token expiry, a 429 storm and an order placement left ambiguous. One trade per
 * fault: the fault starts while the entry works, the entry fills during it, and the market keeps
 * moving slowly. Detection = the first bot log line that names the problem; recovery = from the end
 * of the fault until the bot's protective stop has followed the market to breakeven (a full round
 * trip: ticks in, order modified over REST, confirmed on the gateway). The same trades then run
 * without faults as the reference: every trade must match it, with no order or fill lost or doubled.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
import { idFromKey } from '../../src/runtime/signal-processor.ts';
import { type BotLog, type BotProcess, sleep, startBotProcess, stopGracefully } from './bot-process.ts';
import {
  botLaunch,
  CRASH_SECRETS,
  caughtUp,
  pushHistory,
  sameTrade,
  summarise,
  type TradeSummary,
} from './crash.ts';
import { ALWAYS_TRADING, createBotDatabase, NEEDS_POSTGRES, serverUrl } from './pg.ts';
import type { CampaignOptions, CampaignResult } from './types.ts';

interface Fault {
  readonly name: string;
  /** Before the alert (ambiguous placement) or once the entry works. */
  readonly when: 'before-alert' | 'entry-working';
  start(gateway: LocalGateway): void | Promise<void>;
  /** End a lasting fault (after detection or the cap). */
  end?(gateway: LocalGateway): void;
  /** How long a lasting fault may stay on waiting for detection. */
  readonly capMs: number;
  /** The bot log line that shows it noticed. */
  readonly detect: (line: Record<string, unknown>) => boolean;
}

const msg = (line: Record<string, unknown>) => String(line.msg ?? '');

export const FAULTS: readonly Fault[] = [
  {
    name: 'session logout (GatewayLogout, tokens revoked)',
    when: 'entry-working',
    start: (g) => g.faults.logout(),
    capMs: 0,
    detect: (l) => /GatewayLogout|token refused/.test(msg(l)),
  },
  {
    name: 'token expiry',
    when: 'entry-working',
    start: (g) => g.faults.expireTokens(),
    capMs: 0,
    detect: (l) => /token refused|logging in again|logged in/.test(msg(l)),
  },
  {
    // Ten 429s in a row: with the client's backoff (1, 1, 2, 4, 8, 16, 30 s) a storm of about a minute.
    name: '429 storm (next 10 REST calls answered 429)',
    when: 'entry-working',
    start: (g) => g.faults.rateLimit(10),
    capMs: 0,
    detect: (l) => l.status === 429 || /429|backing off|rate/.test(msg(l)),
  },
  {
    name: 'repeated disconnects (both hubs dropped 3 times, 1 s apart)',
    when: 'entry-working',
    start: async (g) => {
      for (let i = 0; i < 3; i++) {
        g.faults.dropConnections();
        await sleep(1_000);
      }
    },
    capMs: 0,
    detect: (l) => /restarting|hub health red|reconnect|signalr/.test(msg(l)),
  },
  {
    name: 'order placement left ambiguous (held past the client timeout, then created)',
    when: 'before-alert',
    start: (g) => g.faults.holdNextPlace('timeout-then-create'),
    capMs: 0,
    // Resolved without noise by the idempotent placement: "noticed" = the entry's outcome is known.
    detect: (l) => l.msg === 'signal decided' && l.status === 'EXECUTED',
  },
  {
    name: 'user hub silently stops delivering (fills included)',
    when: 'entry-working',
    start: (g) => g.faults.stall('user', true),
    end: (g) => g.faults.stall('user', false),
    capMs: 75_000,
    detect: (l) => /user hub missed|user hub silent/.test(`${msg(l)} ${String(l.reason ?? '')}`),
  },
  {
    name: 'market hub stall (connected, no data)',
    when: 'entry-working',
    start: (g) => g.faults.stall('market', true),
    end: (g) => g.faults.stall('market', false),
    capMs: 75_000,
    detect: (l) => l.hub === 'market' && /hub health red/.test(msg(l)),
  },
];

interface Episode {
  readonly fault: string;
  /** The bot's error lines while the episode ran. */
  readonly errors: readonly string[];
  readonly detectionMs: number | null;
  readonly recoveryMs: number | null;
}

async function runTrades(
  faults: readonly (Fault | null)[],
  server: string,
  logDir: string,
  label: string,
  log?: (line: string) => void,
): Promise<{ trades: TradeSummary[]; episodes: Episode[]; final: number; exits: number }> {
  const gateway = await startLocalGateway({ userName: CRASH_SECRETS.user, apiKey: CRASH_SECRETS.apiKey });
  const contract = gateway.activeContractId('ES');
  pushHistory(gateway, contract, Date.now());
  const db = await createBotDatabase(server, ALWAYS_TRADING);
  mkdirSync(logDir, { recursive: true });
  const botLog: BotLog = { lines: [], file: join(logDir, `${label}.log`) };
  const { args, env } = botLaunch(gateway.baseUrl, db.url);
  const bot: BotProcess = await startBotProcess(args, env, botLog);
  let exits = 0;
  let stopping = false;
  void bot.exited.then(() => {
    if (!stopping) exits++;
  });
  const keys: string[] = [];
  const episodes: Episode[] = [];
  const push = async (price: number, ms = 30) => {
    gateway.pushPrice(contract, price, { size: 1 });
    await sleep(ms);
  };
  const flat = () => gateway.positions().length === 0;
  const working = () =>
    gateway.orders().filter((o) => o.contractId === contract && [1, 6, 8].includes(o.status));
  try {
    for (let n = 0; n < faults.length; n++) {
      const fault = faults[n] ?? null;
      const key = `${label}-${n}`;
      const pid = idFromKey('p', `k_${key}`);
      keys.push(key);
      const side = n % 2 === 0 ? 'buy' : 'sell';
      const dir = side === 'buy' ? 1 : -1;
      let t0 = 0;
      const from = () => botLog.lines.length;
      let mark = from();
      if (fault?.when === 'before-alert') {
        t0 = Date.now();
        mark = from();
        await fault.start(gateway);
      }
      for (let attempt = 0; attempt < 50; attempt++) {
        const ok = await fetch(`${bot.url}/webhook/tradingview/${CRASH_SECRETS.webhook}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ symbol: 'ES1!', action: side, key, time: new Date().toISOString() }),
        })
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ok) break;
        await sleep(200);
      }
      const entryDeadline = Date.now() + 90_000;
      let entry = gateway.orders().find((o) => o.customTag === `${pid}-e0`);
      while (entry?.status !== 1 && Date.now() < entryDeadline) {
        await sleep(25);
        entry = gateway.orders().find((o) => o.customTag === `${pid}-e0`);
      }
      if (!entry || entry.limitPrice === null) {
        log?.(`${label}: ${key} had no working entry`);
        episodes.push({ fault: fault?.name ?? 'none', errors: [], detectionMs: null, recoveryMs: null });
        continue;
      }
      const e = entry.limitPrice;
      if (fault?.when === 'entry-working') {
        t0 = Date.now();
        mark = from();
        await fault.start(gateway);
      }
      await push(e);
      // A live market: slow steps toward TP1 (the profile's POC, 5000) while the fault lasts.
      let detectedAt: number | null = null;
      const detected = () => {
        if (detectedAt !== null || !fault) return detectedAt !== null;
        if (botLog.lines.slice(mark).some((l) => fault.detect(l))) detectedAt = Date.now();
        return detectedAt !== null;
      };
      let p = e;
      const capEnd = t0 + (fault?.capMs ?? 0);
      while (fault?.end && !detected() && Date.now() < capEnd) {
        if (dir * (5000 - p) > 0) p += dir * 0.25;
        await push(p, 200);
      }
      fault?.end?.(gateway);
      const endedAt = Date.now();
      // Recovery: until the protective stop has followed the market to breakeven.
      let recoveredAt: number | null = null;
      const recoveryDeadline = endedAt + 60_000;
      const beTarget = 5000 + dir * 1;
      while (recoveredAt === null && Date.now() < recoveryDeadline) {
        if (dir * (beTarget - p) > 0) p += dir * 0.25;
        await push(p, 50);
        detected();
        const stop = gateway
          .orders()
          .find((o) => o.customTag?.startsWith(`${pid}-s`) && o.status === 1 && o.type === 4);
        if (stop?.stopPrice !== null && stop?.stopPrice !== undefined && dir * (stop.stopPrice - e) >= 0)
          recoveredAt = Date.now();
      }
      for (let i = 0; i < 40 && !detected(); i++) await sleep(50);
      episodes.push({
        fault: fault?.name ?? 'none',
        errors: botLog.lines
          .slice(mark)
          .filter((l) => l.level === 'error' || l.level === 50)
          .map(
            (l) =>
              `${String(l.msg)}${l.tag ? ` (${String(l.tag)})` : ''}${l.error ? `: ${String(l.error)}` : ''}`,
          )
          .slice(0, 3),
        detectionMs: detectedAt === null ? null : detectedAt - t0,
        recoveryMs: recoveredAt === null ? null : recoveredAt - endedAt,
      });
      // Finish the trade as in the crash campaign: to the extreme, held there until the bot has
      // trailed its stop (so the outcome depends on the bot, not on the machine's speed), then back
      // until the stop takes it out.
      const far = side === 'buy' ? 5010 : 4990;
      for (; dir * (far - p) >= 0; p += dir * 0.25) await push(p);
      p = far;
      const holdUntil = Date.now() + 60_000;
      while (!caughtUp(botLog.lines, gateway, pid, (s) => s === 'tp3') && Date.now() < holdUntil)
        await push(far, 100);
      const back = side === 'buy' ? 4985 : 5015;
      for (p = far; dir * (p - back) >= 0 && !flat(); p -= dir * 0.25) await push(p);
      const settle = Date.now() + 30_000;
      while ((!flat() || working().length > 0) && Date.now() < settle) await sleep(50);
      log?.(`${label}: ${fault?.name ?? 'reference'} done`);
    }
  } finally {
    stopping = true;
    await stopGracefully(bot);
  }
  const trades = summarise(gateway, keys);
  const final = gateway.positions().length + working().length;
  await gateway.close();
  await db.drop().catch(() => {});
  return { trades, episodes, final, exits };
}

export async function runConnectionFaults(
  options: CampaignOptions & { logDir?: string },
): Promise<CampaignResult> {
  const started = Date.now();
  // The two stalls wait up to 75 s each for detection: full run only.
  const faults = options.fast ? FAULTS.filter((f) => !f.end) : FAULTS;
  const base = {
    id: 'connection',
    title: 'Connection faults on the local gateway',
    parameters: {
      faults: faults.map((f) => f.name).join('; '),
      'cap on a lasting fault': "75 s (the bot's stale-data limits are 45 s user hub, 60 s market)",
      'rate limits': 'enforced (gateway defaults)',
    },
  };
  const server = serverUrl();
  if (!server) return { ...base, figures: {}, criteria: [], error: NEEDS_POSTGRES, durationMs: 0 };
  const logDir = options.logDir ?? join(tmpdir(), `valuearea-reliability-${process.pid}`);
  const faulty = await runTrades(faults, server, logDir, 'connection-faults', options.log);
  const reference = await runTrades(
    faults.map(() => null),
    server,
    join(logDir, 'reference'),
    'connection-faults',
    options.log,
  );
  const mismatches: string[] = [];
  let doubled = 0;
  faulty.trades.forEach((t, i) => {
    const r = reference.trades[i];
    if (!r || !sameTrade(t, r)) {
      const errors = faulty.episodes[i]?.errors ?? [];
      mismatches.push(
        `${faults[i]?.name}: bot errors ${errors.length > 0 ? errors.join(' | ') : 'none'}; ${JSON.stringify(t)} vs reference ${JSON.stringify(r)}`,
      );
    }
    if (r && (t.entryOrders > r.entryOrders || t.entryQty > r.entryQty || t.exitQty > r.exitQty)) doubled++;
  });
  const figures: Record<string, string | number> = {};
  for (const e of faulty.episodes)
    figures[e.fault] =
      `detected ${e.detectionMs === null ? 'not logged' : `${e.detectionMs} ms`}, recovered ${e.recoveryMs === null ? 'NOT within 60 s' : `${e.recoveryMs} ms`} after the fault ended`;
  figures['trades that differ from the reference'] = mismatches.length;
  figures['trades with more orders, contracts or exits than the reference'] = doubled;
  figures['positions or working orders left at the end'] = faulty.final;
  const unrecovered = faulty.episodes.filter((e) => e.recoveryMs === null).length;
  const undetected = faulty.episodes.filter((e) => e.detectionMs === null).length;
  return {
    ...base,
    figures,
    criteria: [
      {
        name: 'the bot recovers from every fault (stop follows the market again within 60 s)',
        pass: unrecovered === 0,
        measured: `${unrecovered} not recovered`,
      },
      {
        name: 'every fault is noticed in the bot log',
        pass: undetected === 0,
        measured: `${undetected} not logged`,
      },
      {
        name: 'nothing lost: every trade equals the fault-free reference',
        pass: mismatches.length === 0,
        measured: `${mismatches.length} of ${faulty.trades.length} differ`,
      },
      {
        name: 'nothing doubled: no extra orders, contracts or exits',
        pass: doubled === 0,
        measured: `${doubled}`,
      },
      {
        name: 'flat, no working orders, bot never exited',
        pass: faulty.final === 0 && faulty.exits === 0,
        measured: `${faulty.final} left, ${faulty.exits} exits`,
      },
    ],
    notes: mismatches.slice(0, 10),
    durationMs: Date.now() - started,
  };
}
