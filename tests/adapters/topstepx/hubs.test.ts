import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalGateway, LocalGatewayOptions } from '../../../sim/gateway/index.ts';
import type { ProjectXHubs } from '../../../src/adapters/topstepx/hubs.ts';
import type { Quote } from '../../../src/adapters/topstepx/parse.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import { ACCOUNT, client, gateway, hubsFor, until } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;
let hubs: ProjectXHubs;

async function setup(options: LocalGatewayOptions = {}, hubOptions = {}) {
  gw = await gateway(options);
  rest = client(gw);
  await rest.availableContracts();
  hubs = hubsFor(gw, rest, hubOptions);
  await hubs.start();
  return gw.activeContractId('ES');
}

afterEach(async () => {
  await hubs?.stop();
  await gw?.close();
});

describe('user and market hubs through @microsoft/signalr', () => {
  it('streams quotes and trades for subscribed contracts and user events for the account', async () => {
    const es = await setup();
    await hubs.subscribeContract(es);
    const quote = firstValueFrom(hubs.quotes$);
    const trade = firstValueFrom(hubs.trades$);
    gw.pushPrice(es, 5000.25, { size: 3 });
    expect(await quote).toMatchObject({ contractId: es, lastPrice: 5000.25 });
    expect(await trade).toMatchObject({ contractId: es, price: 5000.25, size: 3 });
    const order = firstValueFrom(hubs.orders$);
    const fill = firstValueFrom(hubs.userTrades$);
    const position = firstValueFrom(hubs.positions$);
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: es,
      type: 1,
      side: 0,
      size: 1,
      limitPrice: 5000,
      customTag: 'h-e0',
    });
    expect(await order).toMatchObject({ customTag: 'h-e0', state: 'working' });
    gw.pushPrice(es, 5000);
    expect(await fill).toMatchObject({ price: 5000, size: 1, side: 0 });
    expect(await position).toMatchObject({ contractId: es, size: 1, type: 1 });
  });

  it('merges sparse quotes: a field the update leaves out keeps its last value, never 0', async () => {
    const es = await setup({ quirks: { sparseQuotes: true } });
    await hubs.subscribeContract(es);
    const quotes = firstValueFrom(hubs.quotes$.pipe(take(3), toArray()));
    gw.pushPrice(es, 5000);
    gw.pushPrice(es, 5000); // nothing changes: a sparse update without lastPrice
    gw.pushPrice(es, 5001);
    const seen: Quote[] = await quotes;
    expect(seen.map((q) => q.lastPrice)).toEqual([5000, 5000, 5001]);
    for (const q of seen) expect(q.bestBid).toBeGreaterThan(0);
  });

  it('reads {action, data} wrappers, lower-cased event names and null-padded lists', async () => {
    const es = await setup({
      quirks: { actionDataWrapper: true, lowercaseEventNames: true, arrayNullPadding: true },
    });
    await hubs.subscribeContract(es);
    const order = firstValueFrom(hubs.orders$);
    const trades = firstValueFrom(hubs.trades$);
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: es,
      type: 1,
      side: 1,
      size: 1,
      limitPrice: 5010,
      customTag: 'w-e0',
    });
    gw.pushPrice(es, 5000);
    expect(await order).toMatchObject({ customTag: 'w-e0', side: 1 });
    expect(await trades).toMatchObject({ price: 5000 });
  });

  it('reconnects after dropped sockets and replays every subscription', async () => {
    const es = await setup();
    await hubs.subscribeContract(es);
    const reconnected = firstValueFrom(hubs.reconnected$.pipe(take(2), toArray()));
    gw.faults.dropConnections();
    expect((await reconnected).map((r) => r.hub).sort()).toEqual(['market', 'user']);
    const quote = firstValueFrom(hubs.quotes$.pipe(filter((q) => q.lastPrice === 5003)));
    const order = firstValueFrom(hubs.orders$);
    gw.pushPrice(es, 5003);
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: es,
      type: 1,
      side: 0,
      size: 1,
      limitPrice: 4000,
      customTag: 'r-e0',
    });
    expect(await quote).toMatchObject({ lastPrice: 5003 });
    expect(await order).toMatchObject({ customTag: 'r-e0' });
    await until(
      () => hubs.currentHealth.userHub === 'green' && hubs.currentHealth.marketData === 'green',
      'green health',
    );
  });

  it('restarts after a Close without allowReconnect (the automatic policy does not run then)', async () => {
    const es = await setup();
    await hubs.subscribeContract(es);
    const back = firstValueFrom(hubs.reconnected$.pipe(filter((r) => r.hub === 'market')));
    gw.faults.closeHubs('market', { error: 'maintenance', allowReconnect: false });
    await back;
    const quote = firstValueFrom(hubs.quotes$);
    gw.pushPrice(es, 5004);
    expect(await quote).toMatchObject({ lastPrice: 5004 });
  });

  it('handles GatewayLogout: logs in again and reconnects both hubs with the new token', async () => {
    const es = await setup();
    await hubs.subscribeContract(es);
    const logins = () =>
      gw.restCalls().filter((c) => c.path === '/api/Auth/loginKey' && c.status === 200).length;
    expect(logins()).toBe(1);
    const back = firstValueFrom(hubs.reconnected$.pipe(take(2), toArray()));
    gw.faults.logout();
    await back;
    expect(logins()).toBe(2);
    const order = firstValueFrom(hubs.orders$);
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: es,
      type: 1,
      side: 0,
      size: 1,
      limitPrice: 4000,
      customTag: 'l-e0',
    });
    expect(await order).toMatchObject({ customTag: 'l-e0' });
  });

  it('reconnects with a fresh token after the old one expired', async () => {
    const es = await setup();
    await hubs.subscribeContract(es);
    gw.faults.expireTokens();
    const back = firstValueFrom(hubs.reconnected$.pipe(take(2), toArray()));
    gw.faults.dropConnections();
    await back;
    const quote = firstValueFrom(hubs.quotes$);
    gw.pushPrice(es, 5005);
    expect(await quote).toMatchObject({ lastPrice: 5005 });
  });

  it('marks market data red when subscribed contracts stay silent, green again on data', async () => {
    const es = await setup({}, { marketStaleMs: 100 });
    await hubs.subscribeContract(es);
    gw.pushPrice(es, 5000);
    const red = await until(
      () => (hubs.currentHealth.marketData === 'red' ? hubs.currentHealth : undefined),
      'red market health',
    );
    expect(red?.reason).toMatch(/no market data/);
    gw.pushPrice(es, 5001);
    await until(() => hubs.currentHealth.marketData === 'green', 'green market health');
  });

  it('marks the user hub red when it goes silent (no events, no pings)', async () => {
    await setup({}, { userStaleMs: 300, serverTimeoutMs: 60_000 });
    gw.faults.silence('user', true);
    const red = await until(
      () => (hubs.currentHealth.userHub === 'red' ? hubs.currentHealth : undefined),
      'red user health',
    );
    expect(red?.reason).toMatch(/user hub silent/);
    gw.faults.silence('user', false);
    await until(() => hubs.currentHealth.userHub === 'green', 'green user health');
  });
});
