/**
 * Crash recovery against the local ProjectX gateway: the bot enters, gets killed with SIGKILL,
 * starts again, and carries on managing the same position: no second entry order, the protective
 * stop never leaves the book, the ladder moves it on the next target, and the stop closes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushHistory } from '../../scripts/reliability/crash.ts';
import { type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
import { createPgliteStore } from '../../src/adapters/store/pglite.ts';
import { idFromKey } from '../../src/runtime/signal-processor.ts';
import { type BotProcess, eventually, type LogLine, sleep, startBotProcess, tempDir } from './helpers.ts';

const SECRET = 'crash-test-secret-1234';
const ORDER_OPEN = 1;
const TYPE_STOP = 4;

describe('crash recovery with the local gateway', () => {
  let gateway: LocalGateway;
  let contract: string;
  const bots: BotProcess[] = [];
  const dataDir = tempDir('valuearea-crash-');

  beforeAll(async () => {
    gateway = await startLocalGateway({ port: 0 });
    contract = gateway.activeContractId('ES');
    // A fixed profile from pushed history: the gateway's own synthetic bars follow the wall clock
    // (none on Saturdays), which could make the plan untradeable at some hours.
    pushHistory(gateway, contract, Date.now());
  });
  afterAll(async () => {
    for (const bot of bots) bot.child.kill('SIGKILL');
    await gateway?.close();
  });

  const start = async (dir = dataDir, extra: string[] = []) => {
    const bot = startBotProcess(
      [
        '--broker',
        'local',
        '--gateway-url',
        gateway.baseUrl,
        '--no-demo',
        '--status',
        'off',
        '--port',
        '0',
        ...extra,
      ],
      { PGLITE_DIR: dir, WEBHOOK_SECRET: SECRET },
    );
    bots.push(bot);
    const running = await bot.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    return { bot, url: String(running.url) };
  };
  /** Post an alert; wait for its decision and for its entry order to work on the gateway. */
  const enter = async (url: string, bot: BotProcess, action: 'buy' | 'sell', id: string) => {
    const fired = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const response = await fetch(`${url}/webhook/tradingview/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticker: 'ES1!', action, time: fired, id }),
    });
    expect(response.status).toBe(200);
    const decided: LogLine = await bot.waitFor(
      (l) => l.msg === 'signal decided' && l.status === 'EXECUTED',
      30_000,
    );
    const plan = decided.plan as { entry: number; stop: number; tp1: number; quantity: number };
    const entry = await eventually(
      () =>
        gateway.orders().find((o) => o.type === 1 && o.status === ORDER_OPEN && o.limitPrice === plan.entry),
      20_000,
      'the working entry order',
    );
    return { plan, entry };
  };
  const tagged = (suffix: string) => gateway.orders().filter((o) => o.customTag?.endsWith(suffix));
  const workingStop = () => gateway.orders().find((o) => o.type === TYPE_STOP && o.status === ORDER_OPEN);

  it('restores the position after SIGKILL with no duplicate order and the stop kept on the book', async () => {
    const first = await start();
    const { plan } = await enter(first.url, first.bot, 'buy', 'crash-1');

    // Trade through the entry: the gateway fills the limit, the bot places its protective stop.
    gateway.pushPrice(contract, plan.entry - 0.25);
    const stop = await eventually(() => workingStop(), 20_000, 'the protective stop order');
    expect(stop.stopPrice).toBe(plan.stop);
    expect(stop.size).toBe(plan.quantity);

    first.bot.child.kill('SIGKILL');
    await first.bot.exited;
    gateway.pushPrice(contract, plan.entry);
    expect(workingStop()).toBeDefined();

    const second = await start();
    await second.bot.waitFor((l) => l.msg === 'restoring open positions', 5_000).catch(() => undefined);
    // Still exactly one entry order, and the stop is still working.
    expect(tagged('-e0')).toHaveLength(1);
    expect(workingStop()?.stopPrice).toBe(plan.stop);

    // The restored ladder moves the stop to entry at TP1 ...
    gateway.pushPrice(contract, plan.tp1);
    await eventually(() => workingStop()?.stopPrice === plan.entry, 20_000, 'the stop moved to entry');
    // ... and the stop closes the position.
    gateway.pushPrice(contract, plan.entry - 0.5);
    await eventually(
      () => gateway.positions().every((p) => p.size === 0) && !workingStop(),
      20_000,
      'flat with no order left on the book',
    );
    expect(tagged('-e0')).toHaveLength(1);
    const orderTags = gateway.orders().map((o) => o.customTag);
    expect(new Set(orderTags).size).toBe(orderTags.length);

    await stopsCleanly(second.bot);
    await sleep(10);
  }, 240_000);

  it('decides again an alert whose process died before its entry order was sent', async () => {
    // The state a kill leaves between "signal EXECUTING" and "position stored": the entry order
    // is only sent once its position is stored, so nothing reached the broker.
    const dir = tempDir('valuearea-crash-alert-');
    const store = await createPgliteStore({ dataDir: dir });
    const key = 'k_interrupted-1';
    const now = Date.now();
    const { id: alertId } = await store.insertAlert({
      idempotencyKey: key,
      receivedAt: now,
      sourceAddress: '127.0.0.1',
      contentType: 'application/json',
      rawBody: '{"ticker":"ES1!","action":"buy"}',
      parsed: { key, symbol: 'ES', ticker: 'ES1!', action: 'buy', dialect: 'json', firedAt: now },
      status: 'received',
      reason: null,
    });
    await store.upsertSignal({
      id: idFromKey('s', key),
      alertId,
      accountId: '1001',
      symbol: 'ES',
      action: 'buy',
      status: 'EXECUTING',
      reason: null,
      attempts: 1,
      scheduledAt: null,
      executedTradeId: idFromKey('p', key),
      confirmationScore: null,
      createdAt: now,
      updatedAt: now,
    });
    await store.close();
    const before = gateway.orders().length;
    const bot = await start(dir);
    const decided: LogLine = await bot.bot.waitFor(
      (l) => l.msg === 'signal decided' && l.alertKey === key,
      30_000,
    );
    expect(decided.status).toBe('EXECUTED');
    const entries = await eventually(
      () => {
        const mine = gateway.orders().filter((o) => o.customTag === `${idFromKey('p', key)}-e0`);
        return mine.length > 0 ? mine : undefined;
      },
      20_000,
      'the entry order',
    );
    expect(entries).toHaveLength(1);
    expect(gateway.orders().length).toBe(before + 1);
    await stopsCleanly(bot.bot);
  }, 240_000);

  it('learns of an entry that filled while it was down and places the stop at once after the restart', async () => {
    const dir = tempDir('valuearea-crash-fill-');
    const first = await start(dir);
    const { plan } = await enter(first.url, first.bot, 'sell', 'crash-2');
    // Killed with the entry working; the market trades through it while the bot is down: the
    // position exists on the broker with no protective stop, and the stored actor still says pending.
    first.bot.child.kill('SIGKILL');
    await first.bot.exited;
    gateway.pushPrice(contract, plan.entry + 0.25);
    await eventually(() => gateway.positions().some((p) => p.size === plan.quantity), 10_000, 'the fill');
    expect(workingStop()).toBeUndefined();

    const second = await start(dir);
    const stop = await eventually(() => workingStop(), 20_000, 'the protective stop after the restart');
    expect(stop).toMatchObject({ stopPrice: plan.stop, size: plan.quantity, side: 0 });
    await second.bot.waitFor((l) => l.msg === 'position state' && l.state === 'active', 10_000);
    // The stop closes it, and the closed trade is the one the entry opened: nothing doubled.
    gateway.pushPrice(contract, plan.stop + 0.25);
    await eventually(
      () => gateway.positions().every((p) => p.size === 0) && !workingStop(),
      20_000,
      'flat with no order left on the book',
    );
    const orderTags = gateway.orders().map((o) => o.customTag);
    expect(new Set(orderTags).size).toBe(orderTags.length);
    await stopsCleanly(second.bot);
  }, 240_000);

  it('with --protective-stops bracket the stop is on the book from the fill while the bot is down, and adopted after', async () => {
    const dir = tempDir('valuearea-crash-bracket-');
    const bracket = ['--protective-stops', 'bracket'];
    const first = await start(dir, bracket);
    const { plan, entry } = await enter(first.url, first.bot, 'buy', 'crash-3');
    // The stop waits on the entry (Suspended) before anything has filled.
    const childOfEntry = () => gateway.orders().filter((o) => o.parentOrderId === entry.id);
    expect(childOfEntry()).toMatchObject([{ type: TYPE_STOP, status: 8, stopPrice: plan.stop }]);
    first.bot.child.kill('SIGKILL');
    await first.bot.exited;
    gateway.pushPrice(contract, plan.entry - 0.25);
    await eventually(() => gateway.positions().some((p) => p.size === plan.quantity), 10_000, 'the fill');
    // Nobody is running, and the position is protected all the same.
    expect(workingStop()).toMatchObject({
      parentOrderId: entry.id,
      stopPrice: plan.stop,
      size: plan.quantity,
    });

    const second = await start(dir, bracket);
    await second.bot.waitFor((l) => l.msg === 'position state' && l.state === 'active', 20_000);
    await second.bot.waitFor(
      (l) => /stop-loss bracket is the position's protective stop/.test(String(l.msg)),
      10_000,
    );
    // One stop, the bracket child: the restarted bot placed none of its own.
    expect(
      gateway.orders().filter((o) => o.type === TYPE_STOP && [ORDER_OPEN, 8].includes(o.status)),
    ).toHaveLength(1);
    expect(gateway.orders().filter((o) => o.id > entry.id && o.customTag !== null)).toEqual([]);
    gateway.pushPrice(contract, plan.stop - 0.25);
    await eventually(
      () => gateway.positions().every((p) => p.size === 0) && !workingStop(),
      20_000,
      'flat with no order left on the book',
    );
    await second.bot.waitFor((l) => l.msg === 'position state' && l.state === 'closed', 10_000);
    await stopsCleanly(second.bot);
  }, 240_000);
});

/** SIGTERM ends the bot with exit code 0 (and says how it ended when it does not). */
async function stopsCleanly(bot: BotProcess): Promise<void> {
  bot.child.kill('SIGTERM');
  const code = await bot.exited;
  expect(
    code,
    `exit signal ${String(bot.child.signalCode)}; stderr: ${bot.stderr.join('').slice(-1500)}`,
  ).toBe(0);
}
