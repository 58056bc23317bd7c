/**
 * Several accounts from one bot (docs/accounts.md), against the local gateway holding three
 * accounts: one alert becomes three positions with three stops (each account its own orders and
 * tags, sized by its own settings); a breach of one account's loss limit flattens that account only,
 * and the others keep trading; a stop the broker silently drops is re-placed by the reconciler; a
 * position opened behind the bot's back (on a disabled fourth account) is adopted into a ladder of
 * its own with its stop at the broker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pushHistory } from '../../scripts/reliability/crash.ts';
import { DEFAULT_ACCOUNT, type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
import { client } from '../adapters/topstepx/helpers.ts';
import { type BotProcess, eventually, type LogLine, sleep, startBotProcess, tempDir } from './helpers.ts';

const SECRET = 'accounts-secret-1234';
const ALWAYS_OPEN = {
  flatByTime: '',
  noNewEntriesAfter: '',
  tradingWindowStart: '',
  tradingWindowEnd: '',
  cmeCalendar: false,
  cooldownMs: 0,
  accountRules: 'custom',
  trailingDrawdown: 0,
  maxPosition: 100,
  riskPerTrade: 200,
};
const ACCOUNTS = [
  { id: '1001', name: 'Combine A' },
  // B's broker enforces a $20 daily loss limit (below): a tick against its 3 ES breaches it.
  { id: '1002', name: 'Combine B' },
  { id: '1003', name: 'XFA C', sizeMultiplier: 2 },
  // Disabled: every alert is filtered for it, but what it holds is still protected (adopted below).
  { id: '1004', name: 'Spare D', enabled: false },
];
const WORKING = 1;
const STOP = 4;
const LIMIT = 1;

describe('three accounts from one bot (local gateway)', () => {
  let gateway: LocalGateway | undefined;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    for (const bot of bots.splice(0)) bot.child.kill('SIGKILL');
    await gateway?.close();
    gateway = undefined;
  });

  const post = async (url: string, ticker: string, action: 'buy' | 'sell', id: string) => {
    const response = await fetch(`${url}/webhook/tradingview/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ticker,
        action,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        id,
      }),
    });
    expect(response.status).toBe(200);
  };
  const decisionsOf = (bot: BotProcess, key: string) =>
    bot.lines.filter((l: LogLine) => l.msg === 'signal decided' && l.alertKey === `k_${key}`);

  it('one alert → three positions with three stops; a breach on one leaves the others trading; a dropped stop is re-placed', async () => {
    gateway = await startLocalGateway({
      port: 0,
      accounts: ACCOUNTS.map((a) => ({
        ...DEFAULT_ACCOUNT,
        id: Number(a.id),
        name: a.name,
        ...(a.id === '1002'
          ? {
              riskEngine: {
                dailyLossLimit: 20,
                dailyLossAction: 'liquidate_and_block' as const,
                flattenAtCt: null,
              },
            }
          : {}),
      })),
    });
    const es = gateway.activeContractId('ES');
    const nq = gateway.activeContractId('NQ');
    pushHistory(gateway, es, Date.now());
    pushHistory(gateway, nq, Date.now());
    const dir = tempDir('valuearea-accounts-');
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ accounts: ACCOUNTS }));
    const bot = startBotProcess(
      [
        '--broker',
        'local',
        '--gateway-url',
        gateway.baseUrl,
        '--symbol',
        'ES,NQ',
        '--config',
        configFile,
        '--no-demo',
        '--status',
        'off',
        '--port',
        '0',
      ],
      {
        PGLITE_DIR: join(dir, 'db'),
        WEBHOOK_SECRET: SECRET,
        VALUEAREA_SETTINGS: JSON.stringify(ALWAYS_OPEN),
      },
    );
    bots.push(bot);
    const running = await bot.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    expect(running.accounts).toEqual(['1001', '1002', '1003', '1004']);
    const url = String(running.url);

    // One alert: every account decides it, each with its own position id (its tag at the end).
    await post(url, 'ES1!', 'buy', 'acc-1');
    await eventually(() => decisionsOf(bot, 'acc-1').length >= 4, 30_000, 'four decisions');
    const byAccount = Object.fromEntries(decisionsOf(bot, 'acc-1').map((d) => [String(d.account), d]));
    const decided = ['1001', '1002', '1003'].map((id) => byAccount[id]!);
    expect(decided.map((d) => d.status)).toEqual(['EXECUTED', 'EXECUTED', 'EXECUTED']);
    expect(new Set(decided.map((d) => d.positionId)).size).toBe(3);
    expect(byAccount['1004']).toMatchObject({
      status: 'FILTERED',
      reason:
        'FILTERED: account disabled — account Spare D (1004) is disabled in the accounts configuration; set "enabled": true to trade it',
    });
    const plans = decided.map((d) => d.plan as { entry: number; stop: number; quantity: number });
    const a = plans[0]!;
    // C trades twice A's size (sizeMultiplier 2); the same alert, the same levels.
    expect(plans[2]!.quantity).toBe(2 * a.quantity);
    expect(plans.map((p) => [p.entry, p.stop])).toEqual([
      [a.entry, a.stop],
      [a.entry, a.stop],
      [a.entry, a.stop],
    ]);
    const g = gateway;
    await eventually(
      () =>
        [1001, 1002, 1003].every((id) => g.orders(id).some((o) => o.type === LIMIT && o.status === WORKING)),
      20_000,
      'three entry orders',
    );
    // The entries fill at their limit; every account gets its own stop at the broker.
    g.pushPrice(es, a.entry);
    const stopsOf = (id: number) =>
      g.orders(id).filter((o) => o.type === STOP && o.status === WORKING && o.contractId === es);
    await eventually(() => [1001, 1002, 1003].every((id) => stopsOf(id).length === 1), 20_000, 'three stops');
    expect([1001, 1002, 1003].map((id) => g.positions(id).find((p) => p.contractId === es)?.size)).toEqual([
      a.quantity,
      a.quantity,
      2 * a.quantity,
    ]);
    expect([1001, 1002, 1003].map((id) => stopsOf(id)[0]!.size)).toEqual([
      a.quantity,
      a.quantity,
      2 * a.quantity,
    ]);
    expect(g.orders(1004)).toEqual([]);
    const tags = [1001, 1002, 1003].map((id) => stopsOf(id)[0]!.customTag ?? '');
    expect(tags.map((t) => t.replace(/^.*_(\d+)-s\d+$/, '$1'))).toEqual(['1001', '1002', '1003']);

    // B's loss limit: an open loss of a tick breaches it; the broker flattens and blocks B alone.
    g.pushPrice(es, a.entry - 0.25);
    await bot.waitFor(
      (l) => l.msg === 'the broker reports the account cannot trade' && l.account === '1002',
      30_000,
    );
    await eventually(
      () => (g.positions(1002).find((p) => p.contractId === es)?.size ?? 0) === 0,
      20_000,
      'B flat',
    );
    await sleep(1_500);
    expect(g.positions(1001).find((p) => p.contractId === es)?.size).toBe(a.quantity);
    expect(g.positions(1003).find((p) => p.contractId === es)?.size).toBe(2 * a.quantity);
    expect(stopsOf(1001)).toHaveLength(1);
    expect(stopsOf(1003)).toHaveLength(1);

    // The others keep trading: a new alert opens on A and C; B refuses it with its guard's reason.
    await post(url, 'NQ1!', 'buy', 'acc-2');
    await eventually(
      () => decisionsOf(bot, 'acc-2').length >= 4,
      30_000,
      'four decisions on the second alert',
    );
    const second = Object.fromEntries(decisionsOf(bot, 'acc-2').map((d) => [String(d.account), d]));
    expect(second['1001']?.status).toBe('EXECUTED');
    expect(second['1003']?.status).toBe('EXECUTED');
    expect(second['1002']?.status).toBe('FILTERED');
    expect(String(second['1002']?.reason)).toMatch(/^GUARD: broker — the account cannot trade/);
    await eventually(
      () => [1001, 1003].every((id) => g.orders(id).some((o) => o.contractId === nq && o.type === LIMIT)),
      20_000,
      'the NQ entries of A and C',
    );
    expect(g.orders(1002).some((o) => o.contractId === nq)).toBe(false);

    // The broker silently drops A's stop: the reconciler re-places it under a new tag. (A stop younger
    // than the pass's 2 s grace is left for the next pass: drop one older than that.)
    await sleep(2_000);
    const dropped = g.faults.dropWorkingStop(1001, stopsOf(1001)[0]!.id);
    expect(dropped?.status).toBe(3);
    const droppedAt = Date.now();
    await eventually(() => stopsOf(1001).length === 1, 30_000, 'the stop re-placed');
    const replaced = stopsOf(1001)[0]!;
    expect(replaced.id).not.toBe(dropped?.id);
    expect(replaced.size).toBe(a.quantity);
    expect(replaced.stopPrice).toBe(dropped?.stopPrice);
    const repair = await bot.waitFor(
      (l) => l.msg === 'broker state repaired' && l.repair === 'stop_replaced',
      10_000,
    );
    expect(repair.account).toBe('1001');
    console.log(
      `dropped stop re-placed after ${Date.now() - droppedAt} ms (repair logged after ${Date.parse(String(repair.time)) - droppedAt} ms)`,
    );

    // A position opened behind the bot's back (here on the disabled account D): adopted into a ladder.
    const rest = client(g);
    await rest.placeOrder({ accountId: 1004, contractId: nq, type: 2, side: 0, size: 1 });
    g.pushPrice(nq, 5000);
    const adopted = await bot.waitFor(
      (l) => l.msg === 'broker state repaired' && l.repair === 'position_adopted' && l.account === '1004',
      30_000,
    );
    expect(String(adopted.reason)).toMatch(/adopted into a ladder of its own as position a\d+_1004/);
    await eventually(
      () =>
        g
          .orders(1004)
          .some((o) => o.contractId === nq && o.type === STOP && o.status === WORKING && o.size === 1),
      20_000,
      'the adopted position’s stop',
    );
  }, 240_000);
});
