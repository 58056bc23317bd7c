/**
 * Several accounts from one bot (docs/accounts.md), against the local gateway holding three
 * accounts: one alert becomes three positions with three stops (each account its own orders and
 * tags, sized by its own settings); a breach of one account's loss limit flattens that account only,
 * and the others keep trading; a stop the broker silently drops is re-placed by the reconciler.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pushHistory } from '../../scripts/reliability/crash.ts';
import { DEFAULT_ACCOUNT, type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
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
  // B's own loss limit: a tick against its position breaches it (A's and C's are the default $1,000).
  { id: '1002', name: 'Combine B', settings: { dailyLossLimit: 5, dailyLossAction: 'liquidate_and_block' } },
  { id: '1003', name: 'XFA C', sizeMultiplier: 2 },
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
    bot.lines.filter((l: LogLine) => l.msg === 'signal decided' && String(l.signalId).includes(key));

  it('one alert → three positions with three stops; a breach on one leaves the others trading; a dropped stop is re-placed', async () => {
    gateway = await startLocalGateway({
      port: 0,
      accounts: ACCOUNTS.map((a) => ({ ...DEFAULT_ACCOUNT, id: Number(a.id), name: a.name })),
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
      { PGLITE_DIR: join(dir, 'db'), WEBHOOK_SECRET: SECRET, VALUEAREA_SETTINGS: JSON.stringify(ALWAYS_OPEN) },
    );
    bots.push(bot);
    const running = await bot.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    expect(running.accounts).toEqual(['1001', '1002', '1003']);
    const url = String(running.url);

    // One alert: every account decides it, each with its own position id (its tag at the end).
    await post(url, 'ES1!', 'buy', 'acc-1');
    await eventually(() => decisionsOf(bot, 'acc_1').length >= 3, 30_000, 'three decisions');
    const decided = decisionsOf(bot, 'acc_1');
    expect(decided.map((d) => d.status)).toEqual(['EXECUTED', 'EXECUTED', 'EXECUTED']);
    expect(new Set(decided.map((d) => d.positionId)).size).toBe(3);
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
      () => [1001, 1002, 1003].every((id) => g.orders(id).some((o) => o.type === LIMIT && o.status === WORKING)),
      20_000,
      'three entry orders',
    );
    // The entries fill; every account gets its own stop at the broker.
    g.pushPrice(es, a.entry - 0.25);
    const stopsOf = (id: number) =>
      g.orders(id).filter((o) => o.type === STOP && o.status === WORKING && o.contractId === es);
    await eventually(() => [1001, 1002, 1003].every((id) => stopsOf(id).length === 1), 20_000, 'three stops');
    expect([1001, 1002, 1003].map((id) => g.positions(id).find((p) => p.contractId === es)?.size)).toEqual([
      a.quantity,
      a.quantity,
      2 * a.quantity,
    ]);
    expect([1001, 1002, 1003].map((id) => stopsOf(id)[0]!.size)).toEqual([a.quantity, a.quantity, 2 * a.quantity]);
    const tags = [1001, 1002, 1003].map((id) => stopsOf(id)[0]!.customTag ?? '');
    expect(tags.map((t) => t.replace(/^.*_(\d+)-s\d+$/, '$1'))).toEqual(['1001', '1002', '1003']);

    // B's loss limit: an open loss of a tick breaches it; B alone is flattened and blocked.
    await bot.waitFor((l) => l.msg?.startsWith('guard breached on account Combine B (1002)') === true, 30_000);
    await eventually(() => (g.positions(1002).find((p) => p.contractId === es)?.size ?? 0) === 0, 20_000, 'B flat');
    await sleep(1_500);
    expect(g.positions(1001).find((p) => p.contractId === es)?.size).toBe(a.quantity);
    expect(g.positions(1003).find((p) => p.contractId === es)?.size).toBe(2 * a.quantity);
    expect(stopsOf(1001)).toHaveLength(1);
    expect(stopsOf(1003)).toHaveLength(1);

    // The others keep trading: a new alert opens on A and C; B refuses it with its guard's reason.
    await post(url, 'NQ1!', 'buy', 'acc-2');
    await eventually(() => decisionsOf(bot, 'acc_2').length >= 3, 30_000, 'three decisions on the second alert');
    const second = Object.fromEntries(decisionsOf(bot, 'acc_2').map((d) => [String(d.account), d]));
    expect(second['1001']?.status).toBe('EXECUTED');
    expect(second['1003']?.status).toBe('EXECUTED');
    expect(second['1002']?.status).toBe('FILTERED');
    expect(String(second['1002']?.reason)).toMatch(/^GUARD: daily loss/);
    await eventually(
      () => [1001, 1003].every((id) => g.orders(id).some((o) => o.contractId === nq && o.type === LIMIT)),
      20_000,
      'the NQ entries of A and C',
    );
    expect(g.orders(1002).some((o) => o.contractId === nq)).toBe(false);

    // The broker silently drops A's stop: the reconciler re-places it under a new tag.
    const dropped = g.faults.dropWorkingStop(1001, stopsOf(1001)[0]!.id);
    expect(dropped?.status).toBe(3);
    const droppedAt = Date.now();
    await eventually(() => stopsOf(1001).length === 1, 30_000, 'the stop re-placed');
    const replaced = stopsOf(1001)[0]!;
    expect(replaced.id).not.toBe(dropped?.id);
    expect(replaced.size).toBe(a.quantity);
    expect(replaced.stopPrice).toBe(dropped?.stopPrice);
    const repair = await bot.waitFor((l) => l.msg === 'broker state repaired' && l.repair === 'stop_replaced', 10_000);
    expect(repair.account).toBe('1001');
    console.log(`dropped stop re-placed after ${Date.now() - droppedAt} ms`);
  }, 240_000);
});
