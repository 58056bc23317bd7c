import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { loadProjectXConfig } from '../../../src/adapters/topstepx/config.ts';
import { startTopstepxSession, type TopstepxSession } from '../../../src/adapters/topstepx/session.ts';
import type { BrokerEvent } from '../../../src/domain/events.ts';
import { ACCOUNT, gateway, until } from './helpers.ts';

let gw: LocalGateway;
let session: TopstepxSession | undefined;

afterEach(async () => {
  await session?.stop();
  session = undefined;
  await gw.close();
});

const env = (gw: LocalGateway, extra: Record<string, string> = {}) => ({
  PROJECTX_USERNAME: 'demo',
  PROJECTX_API_KEY: 'demo-key',
  PROJECTX_API_URL: gw.baseUrl,
  PROJECTX_USER_HUB_URL: gw.userHubUrl,
  PROJECTX_MARKET_HUB_URL: gw.marketHubUrl,
  ...extra,
});

describe('TopstepX session against the local gateway', () => {
  it('logs in, picks the account, streams ticks for the symbols and trades through the broker port', async () => {
    gw = await gateway();
    session = await startTopstepxSession({
      config: loadProjectXConfig(env(gw)),
      symbols: ['ES1!', 'NQ'],
      userHubPollMs: 0,
      hubs: { reconnectInitialMs: 20 },
    });
    expect(session.account.id).toBe(ACCOUNT);
    expect(session.reconciler.isReady()).toBe(true);
    const es = session.contracts.get('ES')!.id;
    const tick = firstValueFrom(session.marketData.ticks$);
    gw.pushPrice(es, 5000);
    expect(await tick).toMatchObject({ symbol: 'ES', price: 5000 });

    const events: BrokerEvent[] = [];
    session.broker.events$.subscribe((e) => events.push(e));
    session.broker.execute({
      type: 'placeEntry',
      signalId: 's',
      positionId: 'q1',
      accountId: String(ACCOUNT),
      symbol: 'ES',
      contractId: '',
      ts: 0,
      side: 'buy',
      legs: [{ tag: 'q1-e0', price: 4999.75, quantity: 1 }],
      stopPrice: 4998.75,
    });
    await session.broker.idle();
    gw.pushPrice(es, 4999.75);
    await until(() => events.some((e) => e.type === 'order.filled'), 'fill');
    expect(events.map((e) => e.type)).toEqual(['order.accepted', 'order.filled']);
  });

  it('dry run: connects for real data, sends no order and emits no event', async () => {
    gw = await gateway();
    session = await startTopstepxSession({
      config: loadProjectXConfig(env(gw)),
      symbols: ['MNQ'],
      dryRun: true,
    });
    const events: BrokerEvent[] = [];
    session.broker.events$.subscribe((e) => events.push(e));
    session.broker.execute({
      type: 'closePosition',
      positionId: 'q2',
      accountId: String(ACCOUNT),
      symbol: 'MNQ',
      contractId: '',
      ts: 0,
      side: 'sell',
      quantity: 1,
      tag: 'q2-x1',
      reason: 'manual',
    });
    await session.broker.idle();
    expect(gw.restCalls().filter((c) => c.path.startsWith('/api/Order/place'))).toHaveLength(0);
    expect(events).toEqual([]);
  });

  it('asks for PROJECTX_ACCOUNT_ID when several accounts can trade', async () => {
    const account = { name: 'A', balance: 1, canTrade: true, isVisible: true, simulated: true };
    gw = await gateway({
      accounts: [
        { id: 1, ...account },
        { id: 2, ...account },
      ],
    });
    await expect(
      startTopstepxSession({ config: loadProjectXConfig(env(gw)), symbols: ['ES'] }),
    ).rejects.toThrow(/set PROJECTX_ACCOUNT_ID/);
    await expect(
      startTopstepxSession({
        config: loadProjectXConfig(env(gw, { PROJECTX_ACCOUNT_ID: '3' })),
        symbols: ['ES'],
      }),
    ).rejects.toThrow(/PROJECTX_ACCOUNT_ID 3 is not among/);
  });
});
