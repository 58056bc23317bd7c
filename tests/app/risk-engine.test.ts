/**
 * The bot against the local gateway in its Topstep risk-engine mode: an entry beyond the broker's
 * position cap is rejected once with the broker's reason (no retry storm), and once the broker
 * liquidates and blocks the account the bot closes its own position on the broker's fill (no ghost),
 * refuses entries with that reason, sends no order, and the dashboard shows why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pushHistory } from '../../scripts/reliability/crash.ts';
import { type LocalGateway, type RiskEngineOptions, startLocalGateway } from '../../sim/gateway/index.ts';
import { type BotProcess, eventually, type LogLine, sleep, startBotProcess, tempDir } from './helpers.ts';

const SECRET = 'risk-engine-secret-1234';
const ALWAYS_OPEN = {
  flatByTime: '',
  noNewEntriesAfter: '',
  tradingWindowStart: '',
  tradingWindowEnd: '',
  cmeCalendar: false,
  cooldownMs: 0,
};

describe('the bot against a Topstep risk engine (local gateway)', () => {
  let gateway: LocalGateway | undefined;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    for (const bot of bots.splice(0)) bot.child.kill('SIGKILL');
    await gateway?.close();
    gateway = undefined;
  });

  const start = async (riskEngine: RiskEngineOptions, settings: Record<string, unknown>) => {
    gateway = await startLocalGateway({ port: 0, riskEngine });
    const contract = gateway.activeContractId('ES');
    pushHistory(gateway, contract, Date.now());
    const bot = startBotProcess(
      ['--broker', 'local', '--gateway-url', gateway.baseUrl, '--no-demo', '--status', 'off', '--port', '0'],
      {
        PGLITE_DIR: tempDir('valuearea-risk-engine-'),
        WEBHOOK_SECRET: SECRET,
        VALUEAREA_SETTINGS: JSON.stringify({ ...ALWAYS_OPEN, ...settings }),
      },
    );
    bots.push(bot);
    const running = await bot.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    return { bot, url: String(running.url), contract, gateway };
  };
  const post = async (url: string, action: 'buy' | 'sell', id: string) => {
    const response = await fetch(`${url}/webhook/tradingview/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ticker: 'ES1!',
        action,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        id,
      }),
    });
    expect(response.status).toBe(200);
  };
  const decided = (bot: BotProcess, status: string) =>
    bot.waitFor((l: LogLine) => l.msg === 'signal decided' && l.status === status, 30_000);

  it('an entry beyond the broker position cap fails once with the broker’s reason: no retry storm', async () => {
    // The bot's rules allow 5 ES (combine-50k); this broker allows 2.
    const { bot, url, gateway } = await start(
      { maxPositionMinis: 2, flattenAtCt: null },
      { riskPerTrade: 2_000 },
    );
    await post(url, 'buy', 'cap-1');
    const failed = await decided(bot, 'FAILED');
    expect(String(failed.reason)).toMatch(
      /^FAILED: broker rejected the entry — Order exceeds the maximum position size of 2 contracts/,
    );
    await sleep(3_000);
    const refused = gateway
      .riskState(gateway.accounts()[0]!.id)
      .events.filter((e) => e.kind === 'order-refused');
    expect(refused).toHaveLength(1);
    expect(gateway.orders()).toHaveLength(0);
  }, 180_000);

  it('a liquidated and blocked account: flat at the broker, entries refused with the reason, shown on the dashboard', async () => {
    const { bot, url, contract, gateway } = await start(
      { dailyLossLimit: 5, dailyLossAction: 'liquidate_and_block', flattenAtCt: null },
      { riskPerTrade: 200 },
    );
    await post(url, 'buy', 'block-1');
    const executed = await decided(bot, 'EXECUTED');
    const plan = executed.plan as { entry: number; stop: number; quantity: number };
    await eventually(
      () => gateway.orders().some((o) => o.type === 1 && o.status === 1),
      20_000,
      'the entry order',
    );
    gateway.pushPrice(contract, plan.entry - 0.25); // fills the entry; open P&L below −$5
    gateway.pushPrice(contract, plan.entry - 0.5);
    await bot.waitFor((l) => l.msg === 'the broker reports the account cannot trade', 30_000);
    await eventually(() => gateway.positions().every((p) => p.size === 0), 20_000, 'flat at the broker');
    // The bot keeps no ghost: its position closes on the broker's own fill and the trade says why.
    let trades: { exitReason: string; quantity: number }[] = [];
    for (const deadline = Date.now() + 20_000; trades.length === 0; await sleep(200)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the trade closed by the broker');
      const log = (await (await fetch(`${url}/api/trades-log`)).json()) as { items: typeof trades };
      trades = log.items;
    }
    expect(trades).toEqual([
      expect.objectContaining({ exitReason: 'broker_flatten', quantity: plan.quantity }),
    ]);
    const ordersBefore = gateway.orders().length;
    await post(url, 'buy', 'block-2');
    const filtered = await bot.waitFor(
      (l) =>
        l.msg === 'signal decided' && l.status === 'FILTERED' && String(l.reason).startsWith('GUARD: broker'),
      30_000,
    );
    expect(filtered.reason).toBe(
      'GUARD: broker — the account cannot trade right now (canTrade false: the broker liquidated or blocked it); entries refused until it can',
    );
    await sleep(3_000);
    // Nothing new sent for the refused alert, and the bot does not keep re-sending its stop.
    const sentAfter = gateway.orders().slice(ordersBefore);
    expect(sentAfter.filter((o) => o.type === 1)).toHaveLength(0);
    expect(sentAfter.length).toBeLessThanOrEqual(2);
    const kpis = (await (await fetch(`${url}/api/kpis`)).json()) as {
      guards: { brokerBlocked: string | null; rules: string }[];
    };
    expect(kpis.guards[0]).toMatchObject({ brokerBlocked: filtered.reason, rules: 'Trading Combine 50K' });
  }, 180_000);
});
