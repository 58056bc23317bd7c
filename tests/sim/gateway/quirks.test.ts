import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { hubConnection, nextEvents, post, until, withGateway } from './helpers.ts';

const RS = '\u001e';

/** Raw user-hub text after subscribing, so the exact wire shape can be checked. */
async function rawUserHub(
  gateway: LocalGateway,
  token: string,
): Promise<{ text: () => string; close: () => void }> {
  const ws = new WebSocket(`${gateway.userHubUrl.replace('http', 'ws')}?access_token=${token}`);
  let text = '';
  ws.on('message', (data) => {
    text += data.toString();
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(
    `{"protocol":"json","version":1}${RS}{"type":1,"invocationId":"0","target":"SubscribeOrders","arguments":[1001]}${RS}`,
  );
  await until(() => text.includes('"invocationId":"0"'), 'subscription');
  return { text: () => text, close: () => ws.close() };
}

function placeMarket(gateway: LocalGateway, token: string) {
  const es = gateway.activeContractId('ES');
  return post(
    gateway,
    '/api/Order/place',
    { accountId: 1001, contractId: es, type: 2, side: 0, size: 1, customTag: 'q1' },
    token,
  );
}

describe('payload quirks (§12) behind switches', () => {
  it('actionDataWrapper wraps every user event as {action, data}', async () => {
    await withGateway({ quirks: { actionDataWrapper: true } }, async (gateway, token) => {
      const hub = hubConnection(gateway.userHubUrl, token, 'direct');
      const orders = nextEvents(hub, 'GatewayUserOrder');
      const positions = nextEvents(hub, 'GatewayUserPosition');
      await hub.start();
      await hub.invoke('SubscribeOrders', 1001);
      await hub.invoke('SubscribePositions', 1001);
      await placeMarket(gateway, token);
      gateway.pushPrice(gateway.activeContractId('ES'), 5000);
      expect((await orders)[0]![0]).toMatchObject({ action: 1, data: { id: 1, customTag: 'q1' } });
      expect((await positions)[0]![0]).toMatchObject({ action: 1, data: { size: 1, type: 1 } });
      await hub.stop();
    });
  });

  it('actionDataWrapperOrdersOnly wraps orders but not trades', async () => {
    await withGateway({ quirks: { actionDataWrapperOrdersOnly: true } }, async (gateway, token) => {
      const hub = hubConnection(gateway.userHubUrl, token, 'direct');
      const orders = nextEvents(hub, 'GatewayUserOrder');
      const trades = nextEvents(hub, 'GatewayUserTrade');
      await hub.start();
      await hub.invoke('SubscribeOrders', 1001);
      await hub.invoke('SubscribeTrades', 1001);
      await placeMarket(gateway, token);
      gateway.pushPrice(gateway.activeContractId('ES'), 5000);
      expect((await orders)[0]![0]).toHaveProperty('data');
      expect((await trades)[0]![0]).toMatchObject({ orderId: 1, price: 5000 });
      await hub.stop();
    });
  });

  it('arrayNullPadding sends GatewayTrade as a list and pads trade and depth lists with null', async () => {
    await withGateway({ quirks: { arrayNullPadding: true } }, async (gateway, token) => {
      const nq = gateway.activeContractId('NQ');
      const hub = hubConnection(gateway.marketHubUrl, token, 'direct');
      const trades = nextEvents(hub, 'GatewayTrade');
      const depth = nextEvents(hub, 'GatewayDepth');
      await hub.start();
      await hub.invoke('SubscribeContractTrades', nq);
      await hub.invoke('SubscribeContractMarketDepth', nq);
      gateway.pushPrice(nq, 21000);
      const [, tradeList] = (await trades)[0]!;
      expect(tradeList).toEqual([expect.objectContaining({ price: 21000, symbolId: 'F.US.ENQ' }), null]);
      const [, depthList] = (await depth)[0]!;
      expect((depthList as unknown[]).at(-1)).toBeNull();
      await hub.stop();
    });
  });

  it('sparseQuotes sends a full snapshot first, then only the fields that changed', async () => {
    await withGateway({ quirks: { sparseQuotes: true } }, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      gateway.pushPrice(es, 5000, { ts: Date.UTC(2026, 0, 5, 15) });
      const hub = hubConnection(gateway.marketHubUrl, token, 'negotiate');
      const quotes = nextEvents(hub, 'GatewayQuote', 3);
      await hub.start();
      await hub.invoke('SubscribeContractQuotes', es);
      gateway.pushPrice(es, 5000, { ts: Date.UTC(2026, 0, 5, 15, 0, 1) });
      gateway.pushPrice(es, 5001, { ts: Date.UTC(2026, 0, 5, 15, 0, 2) });
      const [snapshot, same, higher] = (await quotes).map((args) => args[1] as Record<string, unknown>);
      expect(Object.keys(snapshot!).sort()).toEqual(
        [
          'bestAsk',
          'bestBid',
          'change',
          'changePercent',
          'high',
          'lastPrice',
          'lastUpdated',
          'low',
          'open',
          'symbol',
          'symbolName',
          'timestamp',
          'volume',
        ].sort(),
      );
      expect(same).not.toHaveProperty('lastPrice');
      expect(same).toMatchObject({ symbol: 'F.US.EP', volume: 2 });
      expect(higher).toMatchObject({ lastPrice: 5001, bestBid: 5001, high: 5001 });
      expect(higher).not.toHaveProperty('open');
      await hub.stop();
    });
  });

  it('lowercaseEventNames emits lower-case targets that the client still matches case-insensitively', async () => {
    await withGateway({ quirks: { lowercaseEventNames: true } }, async (gateway, token) => {
      const raw = await rawUserHub(gateway, token);
      const hub = hubConnection(gateway.userHubUrl, token, 'direct');
      const orders = nextEvents(hub, 'GatewayUserOrder');
      await hub.start();
      await hub.invoke('SubscribeOrders', 1001);
      await placeMarket(gateway, token);
      await orders;
      await until(() => raw.text().includes('"target":"gatewayuserorder"'), 'lower-case target on the wire');
      raw.close();
      await hub.stop();
    });
  });

  it('nineDigitDecimals writes prices like 5000.250000000 on REST and hubs', async () => {
    await withGateway({ quirks: { nineDigitDecimals: true } }, async (gateway, token) => {
      const raw = await rawUserHub(gateway, token);
      const es = gateway.activeContractId('ES');
      const placed = await post(
        gateway,
        '/api/Order/place',
        { accountId: 1001, contractId: es, type: 1, side: 0, size: 1, limitPrice: 5000.25 },
        token,
      );
      expect(placed.json!.success).toBe(true);
      const search = await post(gateway, '/api/Order/searchOpen', { accountId: 1001 }, token);
      expect(search.text).toContain('"limitPrice":5000.250000000');
      expect((search.json!['orders'] as { limitPrice: number }[])[0]!.limitPrice).toBe(5000.25);
      await until(() => raw.text().includes('"limitPrice":5000.250000000'), 'nine digits on the hub');
      raw.close();
    });
  });

  it('nullLists returns null instead of an empty list; omitCustomTagInSearchOpen drops the tag there only', async () => {
    await withGateway(
      { quirks: { nullLists: true, omitCustomTagInSearchOpen: true } },
      async (gateway, token) => {
        const empty = await post(gateway, '/api/Position/searchOpen', { accountId: 1001 }, token);
        expect(empty.json).toMatchObject({ success: true, positions: null });
        const es = gateway.activeContractId('ES');
        await post(
          gateway,
          '/api/Order/place',
          { accountId: 1001, contractId: es, type: 1, side: 0, size: 1, limitPrice: 4000, customTag: 'keep' },
          token,
        );
        const open = await post(gateway, '/api/Order/searchOpen', { accountId: 1001 }, token);
        expect((open.json!['orders'] as object[])[0]).not.toHaveProperty('customTag');
        const all = await post(
          gateway,
          '/api/Order/search',
          { accountId: 1001, startTimestamp: '2020-01-01T00:00:00Z' },
          token,
        );
        expect((all.json!['orders'] as { customTag: string }[])[0]!.customTag).toBe('keep');
      },
    );
  });

  it('timestampStyle switches between +00:00 offsets and Z', async () => {
    const now = Date.UTC(2026, 0, 5, 15, 30, 1, 268);
    await withGateway({ now: () => now, timestampStyle: 'zulu' }, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      await post(
        gateway,
        '/api/Order/place',
        { accountId: 1001, contractId: es, type: 1, side: 0, size: 1, limitPrice: 4000 },
        token,
      );
      expect(gateway.orders()[0]!.creationTimestamp).toBe('2026-01-05T15:30:01.268Z');
    });
    await withGateway({ now: () => now }, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      await post(
        gateway,
        '/api/Order/place',
        { accountId: 1001, contractId: es, type: 1, side: 0, size: 1, limitPrice: 4000 },
        token,
      );
      expect(gateway.orders()[0]!.creationTimestamp).toBe('2026-01-05T15:30:01.268000+00:00');
    });
  });

  it('rejectedOrdersHiddenFromSearch keeps rejected orders out of Order/search and v2/query (the tag stays burned)', async () => {
    for (const hidden of [false, true]) {
      await withGateway({ quirks: { rejectedOrdersHiddenFromSearch: hidden } }, async (gateway, token) => {
        const es = gateway.activeContractId('ES');
        const place = (size: number) =>
          post(
            gateway,
            '/api/Order/place',
            { accountId: 1001, contractId: es, type: 2, side: 0, size, customTag: 'r1' },
            token,
          );
        expect((await place(0)).json).toMatchObject({ success: false, errorCode: 2, orderId: 1 });
        const search = await post(
          gateway,
          '/api/Order/search',
          { accountId: 1001, startTimestamp: '2020-01-01T00:00:00Z' },
          token,
        );
        expect((search.json!['orders'] as unknown[]).length).toBe(hidden ? 0 : 1);
        const query = await post(gateway, '/api/Order/v2/query', { filter: { accountId: 1001 } }, token);
        expect((query.json!['orders'] as unknown[]).length).toBe(hidden ? 0 : 1);
        expect((await place(1)).json!.errorMessage).toBe('Specified custom tag is already in use');
      });
    }
  });
});
