/**
 * The terminal status of a bot trading several accounts: one block per account (name, broker,
 * venue, the day, headroom to both loss limits, last decision, its book), a compact log line that
 * names each account, plain lines that say which account changed; and the bot's observers building
 * it from real lanes (one account: today's screen with the account named).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/adapters/log/logger.ts';
import {
  type AccountStatus,
  buildAccountsStatusModel,
  type StatusModel,
} from '../../../src/adapters/status/model.ts';
import { plainStatusLines } from '../../../src/adapters/status/plain.ts';
import { compactStatusLine, renderStatus, statusChangeKey } from '../../../src/adapters/status/render.ts';
import { WriteQueue } from '../../../src/adapters/store/write-queue.ts';
import { type BotConfig, parseCommandLine } from '../../../src/app/config.ts';
import { attachObservers } from '../../../src/app/observers.ts';
import { LANE_T, openLanePosition, type TestLane, THREE_ACCOUNTS, testLane } from '../dashboard/lanes.ts';
import { AT, esTp1, guardState, model, nqPending } from './status-fixtures.ts';

const combineA: AccountStatus = {
  accountId: 'ACC-1',
  account: 'Combine A (ACC-1)',
  enabled: true,
  canTrade: true,
  positions: [esTp1],
  pendingOrders: [
    { symbol: 'ES', side: 'sell', kind: 'stop', price: 5000.25, quantity: 2, status: 'working', decimals: 2 },
  ],
  lastAlert: { at: AT - 15_000, symbol: 'ES', action: 'buy', decision: 'opened', reason: 'long at VAL' },
  connections: [
    { name: 'market data', level: 'green' },
    { name: 'user hub', level: 'green' },
  ],
  guards: {
    state: guardState,
    dailyLossLimit: 1000,
    lossLimitFloor: 48_500,
    riskBuffer: 200,
    unrealizedPnl: 475,
  },
};

const combineB: AccountStatus = {
  accountId: 'ACC-2',
  account: 'Combine B (ACC-2)',
  enabled: true,
  canTrade: false,
  positions: [nqPending],
  pendingOrders: [],
  lastAlert: {
    at: AT - 5_000,
    symbol: 'ES',
    action: 'buy',
    decision: 'filtered',
    reason: 'daily loss limit reached',
  },
  connections: [
    { name: 'market data', level: 'green' },
    { name: 'user hub', level: 'red', detail: 'hub closed' },
  ],
  guards: {
    state: { ...guardState, realizedPnlToday: -900, equity: 99_100, highWaterMark: 100_000 },
    dailyLossLimit: 1000,
    lossLimitFloor: 97_000,
    riskBuffer: 200,
    unrealizedPnl: 0,
    brokerBlocked: 'account cannot trade (canTrade false)',
  },
};

function accountsModel(accounts: readonly AccountStatus[] = [combineA, combineB]): StatusModel {
  const base = model();
  return {
    ...base,
    positions: accounts.flatMap((a) => a.positions),
    pendingOrders: accounts.flatMap((a) => a.pendingOrders),
    connections: [],
    guards: null,
    accounts,
  };
}

describe('status of several accounts', () => {
  it('draws one block per account: name, broker, venue, day, headroom, last decision and book', () => {
    const { account: _, ...withoutAccount } = accountsModel();
    expect(renderStatus(withoutAccount, { width: 220, color: false }).split('\n')).toEqual([
      'valuearea · paper · 2 accounts · 14:32:05 UTC',
      'Write queue  0 pending · 1 dirty · last flush 14:32:01',
      '',
      'Combine A (ACC-1) · broker can trade · market data ● green  user hub ● green',
      '  Today      P&L +$175.00 (realised -$300.00, open +$475.00)',
      '  Guards     daily loss limit $1,000.00 ($1,175.00 to go) · loss limit $48,500.00 ($1,675.00 to go, the bot stops $200.00 above it)',
      '  Last alert 14:31:50 ES buy → opened: long at VAL',
      '  Positions (1)',
      '    SYMBOL  STATE  SIDE  SIZE  ENTRY    STOP     TP1        TP2      TP3      LAST     UNREALISED',
      '    ES      tp1    long  2/2   5000.25  5000.25  [5004.00]  5008.50  5012.00  5005.00  +$475.00',
      '  Pending orders (1)',
      '    ES  stop  sell  2 @ 5000.25  working',
      '',
      'Combine B (ACC-2) · broker BLOCKED: account cannot trade (canTrade false) · market data ● green  user hub ● red (hub closed)',
      '  Today      P&L -$900.00 (realised -$900.00, open $0.00)',
      '  Guards     account cannot trade (canTrade false) · daily loss limit $1,000.00 ($100.00 to go) · loss limit $97,000.00 ($2,100.00 to go, the bot stops $200.00 above it)',
      '  Last alert 14:32:00 ES buy → filtered: daily loss limit reached',
      '  Positions (1)',
      '    SYMBOL  STATE          SIDE   SIZE  ENTRY         STOP      TP1       TP2       TP3       LAST      UNREALISED',
      '    NQ      pending_entry  short  0/1   18120.50 lmt  18140.00  18100.00  18080.00  18060.00  18110.25  —',
      '  Pending orders (0)',
      '    none',
    ]);
  });

  it('says when an account is disabled or its broker has not said whether it can trade', () => {
    const text = renderStatus(accountsModel([{ ...combineA, enabled: false, canTrade: null }]), {
      width: 200,
      color: false,
    });
    expect(text).toContain('Combine A (ACC-1) · broker canTrade not reported · disabled: no new entries ·');
  });

  it('names each account in the compact log line, with its headroom; a price move alone is no change', () => {
    expect(compactStatusLine(accountsModel())).toBe(
      'status: [Combine A (ACC-1)] positions ES tp1 long 2/2 @5000.25 stop 5000.25 upnl +$475.00 | pending 1 | alert ES buy → opened | realised today -$300.00 | market data green user hub green | to go daily loss $1,175.00 loss limit $1,675.00' +
        ' || [Combine B (ACC-2)] positions NQ pending_entry short 0/1 @lmt 18120.50 stop 18140.00 | pending 0 | alert ES buy → filtered | realised today -$900.00 | BROKER BLOCKED | market data green user hub red | to go daily loss $100.00 loss limit $2,100.00' +
        ' || queue 0',
    );
    const base = statusChangeKey(accountsModel());
    const moved = { ...combineA, positions: [{ ...esTp1, lastPrice: 5007, unrealizedPnl: 675 }] };
    expect(
      statusChangeKey(
        accountsModel([{ ...moved, guards: { ...combineA.guards!, unrealizedPnl: 675 } }, combineB]),
      ),
    ).toBe(base);
    // The broker taking B's orders again is news.
    const unblocked = { ...combineB, canTrade: true, guards: { ...combineB.guards!, brokerBlocked: null } };
    expect(statusChangeKey(accountsModel([combineA, unblocked]))).not.toBe(base);
  });

  it('prints plain lines that name the account they are about', () => {
    const first = plainStatusLines(null, accountsModel());
    expect(first).toEqual([
      '14:32:05 valuearea · paper · 2 accounts: Combine A (ACC-1), Combine B (ACC-2) · times UTC',
      '14:32:05 Combine A (ACC-1) · realised today -$300.00 · daily loss limit $1,000.00 ($1,175.00 to go) · loss limit $48,500.00',
      '14:32:05 Combine A (ACC-1) · ES long 2 @ 5000.25 TP1 hit stop 5000.25 (breakeven stop) P&L +$475.00',
      '14:31:50 Combine A (ACC-1) · alert ES buy → opened: long at VAL',
      '14:32:05 Combine A (ACC-1) · market data green',
      '14:32:05 Combine A (ACC-1) · user hub green',
      '14:32:05 Combine B (ACC-2) · realised today -$900.00 · daily loss limit $1,000.00 ($100.00 to go) · loss limit $97,000.00',
      '14:32:05 Combine B (ACC-2) · NQ short 1 @ 18120.50 limit pending entry stop 18140.00 (initial stop)',
      '14:32:00 Combine B (ACC-2) · alert ES buy → filtered: daily loss limit reached',
      '14:32:05 Combine B (ACC-2) · market data green',
      '14:32:05 Combine B (ACC-2) · user hub red (hub closed)',
      '14:32:05 Combine B (ACC-2) · broker refuses orders: account cannot trade (canTrade false)',
    ]);
    // Only Combine B's position closed and its broker came back: only B's lines.
    const next = accountsModel([
      combineA,
      {
        ...combineB,
        canTrade: true,
        positions: [],
        guards: { ...combineB.guards!, brokerBlocked: null },
      },
    ]);
    expect(plainStatusLines(accountsModel(), next)).toEqual([
      '14:32:05 Combine B (ACC-2) · NQ short 1 entry at 18120.50 cancelled',
      '14:32:05 Combine B (ACC-2) · flat',
      '14:32:05 Combine B (ACC-2) · broker can trade',
    ]);
  });

  it('sums the book for whatever reads only the top level', () => {
    const built = buildAccountsStatusModel({
      at: 5,
      mode: 'paper',
      accounts: [
        { accountId: 'A', account: 'A', positions: [], lastAlert: { ...combineA.lastAlert!, at: 3 } },
        { accountId: 'B', account: 'B', positions: [], lastAlert: { ...combineB.lastAlert!, at: 4 } },
      ],
    });
    expect(built.lastAlert?.at).toBe(4);
    expect(built.accounts?.map((a) => [a.accountId, a.enabled, a.canTrade, a.guards])).toEqual([
      ['A', true, null, null],
      ['B', true, null, null],
    ]);
  });
});

describe('the bot’s status over its lanes', () => {
  afterEach(() => vi.useRealTimers());

  const setup = async (status: BotConfig['status'], lanes: readonly TestLane[]) => {
    const { config: parsed } = parseCommandLine([], {});
    const config: BotConfig = { ...parsed, status, broker: 'paper', dryRun: false, demo: false };
    const logs: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => logs.push(line) } });
    const writes: string[] = [];
    const stdout = {
      write: (chunk: string) => writes.push(chunk),
      isTTY: false,
    } as unknown as NodeJS.WriteStream;
    const observers = await attachObservers(config, { logger, stdout });
    const writeQueue = new WriteQueue(
      {} as never,
      { now: () => LANE_T, setTimeout: () => 0, clearTimeout: () => {} } as never,
    );
    const running = observers.startStatus(() => ({ lanes, writeQueue, url: null }));
    return { logs, writes, stop: () => running.stop() };
  };

  it('one account: today’s lines with the account named', async () => {
    const lane = testLane(THREE_ACCOUNTS[0]!);
    vi.useFakeTimers();
    const { writes, stop } = await setup('plain', [lane]);
    stop();
    const auto = await setup('auto', [lane]);
    vi.advanceTimersByTime(1_000);
    auto.stop();
    lane.runtime.stop();
    const logged = JSON.parse(auto.logs.find((l) => l.includes('"status"'))!) as {
      account: string;
      status: string;
    };
    expect(logged.account).toBe('Combine A (ACC-1)');
    expect(logged.status).toMatch(/^status: positions flat \| pending 0 \| realised today -\$250\.00 \|/);
    expect(writes[0]).toMatch(
      /^\d\d:\d\d:\d\d valuearea · paper · account Combine A \(ACC-1\) · times UTC\n/,
    );
    // A $1,000 limit with $250 lost; the floor min(50,000, 50,600 − 2,000).
    expect(writes[0]).toContain(
      'realised today -$250.00 · daily loss limit $1,000.00 ($750.00 to go) · loss limit $48,600.00',
    );
  });

  it('several accounts: each named, with its own limits, positions and broker', async () => {
    const lanes = THREE_ACCOUNTS.map((spec) => testLane(spec));
    openLanePosition(lanes[1]!, 'pb1', { quantity: 1, last: 99.5 });
    vi.useFakeTimers();
    const { logs, writes, stop } = await setup('plain', lanes);
    const text = writes.join('');
    expect(text).toContain(
      'valuearea · paper · 3 accounts: Combine A (ACC-1), Combine B (ACC-2), ACC-3 · times UTC',
    );
    expect(text).toContain(
      'Combine B (ACC-2) · realised today -$700.00 · daily loss limit $800.00 ($75.00 to go) · loss limit $97,000.00',
    );
    expect(text).toContain(
      'Combine B (ACC-2) · ES long 1 @ 100.00 active stop 99.00 (initial stop) P&L -$25.00',
    );
    expect(text).toContain('ACC-3 · realised today +$125.00 · loss limit $145,500.00');
    expect(text).toContain('ACC-3 · flat');
    stop();
    // Off a terminal (auto): one structured log line naming every account.
    const auto = await setup('auto', lanes);
    vi.advanceTimersByTime(1_000);
    auto.stop();
    const line = JSON.parse(auto.logs.find((l) => l.includes('"status"'))!).status as string;
    expect(line).toMatch(/^status: \[Combine A \(ACC-1\)\] positions flat \| pending 0 \|/);
    expect(line).toContain(
      '|| [Combine B (ACC-2)] positions ES active long 1/1 @100.00 stop 99.00 upnl -$25.00',
    );
    expect(line).toContain('to go daily loss $75.00 loss limit $2,275.00');
    expect(line).toContain('|| [ACC-3] positions flat');
    expect(logs).toEqual([]);
    for (const lane of lanes) lane.runtime.stop();
  });
});
