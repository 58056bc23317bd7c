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

  it('refreshContracts: a rolled symbol gets the new month, the held old month keeps routing until released', async () => {
    gw = await gateway({ now: () => Date.UTC(2026, 11, 8, 14, 30) });
    let held: { positionId: string; contractId: string; side: 'long'; quantity: number }[] = [];
    session = await startTopstepxSession({
      config: loadProjectXConfig(env(gw)),
      symbols: ['ES', 'NQ'],
      userHubPollMs: 0,
      knownPositions: () => held,
    });
    const s = session;
    expect(s.contracts.get('ES')!.id).toBe('CON.F.US.EP.Z26');
    expect(await s.refreshContracts()).toEqual([]);
    held = [{ positionId: 'p1', contractId: 'CON.F.US.EP.Z26', side: 'long', quantity: 1 }];
    gw.rollContract('ES');
    expect(await s.refreshContracts()).toEqual([
      { symbol: 'ES', from: 'CON.F.US.EP.Z26', to: 'CON.F.US.EP.H27' },
    ]);
    expect(s.contracts.get('ES')!.id).toBe('CON.F.US.EP.H27');
    expect(s.contracts.get('NQ')!.id).toBe('CON.F.US.ENQ.Z26');
    const ticks: { symbol: string; contractId?: string; price: number }[] = [];
    s.marketData.ticks$.subscribe((t) => ticks.push(t));
    gw.pushPrice('CON.F.US.EP.Z26', 5000);
    gw.pushPrice('CON.F.US.EP.H27', 5050);
    await until(() => ticks.length >= 2, 'prints of both months');
    expect(ticks).toEqual([
      expect.objectContaining({ symbol: 'ES', contractId: 'CON.F.US.EP.Z26', price: 5000 }),
      expect.objectContaining({ symbol: 'ES', contractId: 'CON.F.US.EP.H27', price: 5050 }),
    ]);
    // Released: the next refresh drops the old month; its prints no longer reach the bot.
    held = [];
    expect(await s.refreshContracts()).toEqual([]);
    gw.pushPrice('CON.F.US.EP.Z26', 5001);
    gw.pushPrice('CON.F.US.EP.H27', 5051);
    await until(() => ticks.some((t) => t.price === 5051), 'the H27 print');
    expect(ticks.map((t) => t.price)).toEqual([5000, 5050, 5051]);
  });
});
