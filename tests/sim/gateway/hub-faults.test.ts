import { HubConnectionState } from '@microsoft/signalr';
import { describe, expect, it } from 'vitest';
import { delay, hubConnection, login, nextEvents, post, until, withGateway } from './helpers.ts';

describe('hub fault controls with the real SignalR client', () => {
  it('dropConnections: the client reconnects and its subscriptions are gone until replayed', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const hub = hubConnection(gateway.userHubUrl, token, 'direct', (b) =>
        b.withAutomaticReconnect([0, 0, 0]),
      );
      const orderEvents: unknown[] = [];
      hub.on('GatewayUserOrder', (order) => orderEvents.push(order));
      let reconnected = false;
      hub.onreconnected(() => {
        reconnected = true;
      });
      await hub.start();
      await hub.invoke('SubscribeOrders', 1001);
      gateway.faults.dropConnections('user');
      await until(() => reconnected, 'automatic reconnect');
      const trades = nextEvents(hub, 'GatewayUserTrade');
      await hub.invoke('SubscribeTrades', 1001);
      await post(
        gateway,
        '/api/Order/place',
        { accountId: 1001, contractId: es, type: 2, side: 0, size: 1 },
        token,
      );
      gateway.pushPrice(es, 5000);
      await trades;
      expect(orderEvents).toEqual([]);
      await hub.stop();
    });
  });

  it('stall: the connection stays up on pings while events are lost; unstalling resumes delivery', async () => {
    await withGateway({ pingIntervalMs: 50 }, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const hub = hubConnection(gateway.userHubUrl, token, 'negotiate');
      hub.serverTimeoutInMilliseconds = 400;
      hub.keepAliveIntervalInMilliseconds = 100;
      const orders: { id: number; status: number }[] = [];
      hub.on('GatewayUserOrder', (order: { id: number; status: number }) => orders.push(order));
      await hub.start();
      await hub.invoke('SubscribeOrders', 1001);
      gateway.faults.stall('user', true);
      await post(
        gateway,
        '/api/Order/place',
        { accountId: 1001, contractId: es, type: 2, side: 0, size: 1 },
        token,
      );
      gateway.pushPrice(es, 5000);
      await delay(800); // twice the client's server timeout: only pings keep it alive
      expect(hub.state).toBe(HubConnectionState.Connected);
      expect(gateway.orders()[0]!.status).toBe(2);
      gateway.faults.stall('user', false);
      await post(
        gateway,
        '/api/Order/place',
        { accountId: 1001, contractId: es, type: 1, side: 0, size: 1, limitPrice: 4000 },
        token,
      );
      await until(() => orders.length > 0, 'an event after the stall');
      expect(orders.map((o) => o.id)).toEqual([2]);
      await hub.stop();
    });
  });

  it('silence: without pings the client gives up after its server timeout', async () => {
    await withGateway({ pingIntervalMs: 50 }, async (gateway, token) => {
      const hub = hubConnection(gateway.marketHubUrl, token, 'direct');
      hub.serverTimeoutInMilliseconds = 300;
      hub.keepAliveIntervalInMilliseconds = 100;
      let closeError: Error | undefined;
      hub.onclose((error) => {
        closeError = error;
      });
      await hub.start();
      gateway.faults.silence('market', true);
      await until(() => hub.state === HubConnectionState.Disconnected, 'server timeout');
      expect(closeError?.message).toContain('Server timeout elapsed');
    });
  });

  it('closeHubs sends a Close message that reconnects only when allowReconnect is set', async () => {
    await withGateway({}, async (gateway, token) => {
      const reconnecting = hubConnection(gateway.userHubUrl, token, 'direct', (b) =>
        b.withAutomaticReconnect([0]),
      );
      const final = hubConnection(gateway.marketHubUrl, token, 'direct', (b) =>
        b.withAutomaticReconnect([0]),
      );
      let reconnected = false;
      let finalError: Error | undefined;
      reconnecting.onreconnected(() => {
        reconnected = true;
      });
      final.onclose((error) => {
        finalError = error;
      });
      await reconnecting.start();
      await final.start();
      gateway.faults.closeHubs('user', { error: 'maintenance', allowReconnect: true });
      gateway.faults.closeHubs('market', { error: 'go away' });
      await until(() => reconnected, 'reconnect after allowReconnect');
      await until(() => final.state === HubConnectionState.Disconnected, 'final close');
      expect(finalError?.message).toContain('go away');
      await reconnecting.stop();
    });
  });

  it('logout: GatewayLogout on both hubs, connections closed, tokens refused', async () => {
    await withGateway({}, async (gateway, token) => {
      const user = hubConnection(gateway.userHubUrl, token, 'direct');
      const market = hubConnection(gateway.marketHubUrl, token, 'negotiate');
      const userLogout = nextEvents(user, 'GatewayLogout');
      const marketLogout = nextEvents(market, 'GatewayLogout');
      await user.start();
      await market.start();
      gateway.faults.logout();
      await userLogout;
      await marketLogout;
      await until(
        () =>
          user.state === HubConnectionState.Disconnected && market.state === HubConnectionState.Disconnected,
        'both closed',
      );
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token)).status).toBe(
        401,
      );
      await expect(hubConnection(gateway.userHubUrl, token, 'direct').start()).rejects.toThrow();
    });
  });

  it('singleLogin: a second loginKey logs the first session out of the hubs', async () => {
    await withGateway({ quirks: { singleLogin: true } }, async (gateway, token) => {
      const user = hubConnection(gateway.userHubUrl, token, 'direct');
      const logout = nextEvents(user, 'GatewayLogout');
      await user.start();
      const second = await login(gateway);
      await logout;
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token)).status).toBe(
        401,
      );
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, second)).status).toBe(
        200,
      );
    });
  });

  it('inject delivers a raw event even to a stalled hub (scenario hook)', async () => {
    await withGateway({}, async (gateway, token) => {
      const hub = hubConnection(gateway.userHubUrl, token, 'direct');
      const events = nextEvents(hub, 'GatewayUserOrder');
      await hub.start();
      gateway.faults.stall('user', true);
      gateway.faults.inject('user', 'GatewayUserOrder', [{ id: 999, status: 2 }]);
      expect((await events)[0]).toEqual([{ id: 999, status: 2 }]);
      await hub.stop();
    });
  });
});

describe('REST fault controls', () => {
  it('rateLimit answers the next calls with 429 (optionally per endpoint), with a switchable Retry-After', async () => {
    await withGateway({}, async (gateway, token) => {
      const search = () => post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token);
      gateway.faults.rateLimit(2);
      const first = await search();
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('1');
      gateway.faults.retryAfter(false);
      const second = await search();
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBeNull();
      expect((await search()).status).toBe(200);
      gateway.faults.rateLimit(1, { endpoint: '/api/Order/searchOpen' });
      expect((await search()).status).toBe(200);
      expect((await post(gateway, '/api/Order/searchOpen', { accountId: 1001 }, token)).status).toBe(429);
      expect((await post(gateway, '/api/Order/searchOpen', { accountId: 1001 }, token)).status).toBe(200);
    });
  });

  it('enforces 200 calls per 60 s outside retrieveBars, not counting login', async () => {
    let clock = Date.UTC(2026, 0, 5, 15);
    await withGateway({ now: () => clock, rateLimits: {} }, async (gateway, token) => {
      const search = () => post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token);
      for (let i = 0; i < 200; i += 1) expect((await search()).status).toBe(200);
      const limited = await search();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
      await login(gateway);
      clock += 60_000;
      expect((await search()).status).toBe(200);
    });
  });

  it.each([
    ['timeout-then-create', 1],
    ['timeout-no-create', 0],
  ] as const)(
    'holdNextPlace %s: the client times out; a tag lookup then shows %i order and a same-tag retry never duplicates',
    async (mode, created) => {
      await withGateway({}, async (gateway, token) => {
        const es = gateway.activeContractId('ES');
        const body = {
          accountId: 1001,
          contractId: es,
          type: 1,
          side: 0,
          size: 1,
          limitPrice: 4000,
          customTag: 'sig9-entry-a1',
        };
        gateway.faults.holdNextPlace(mode);
        await expect(
          fetch(`${gateway.baseUrl}/api/Order/place`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(150),
          }),
        ).rejects.toThrow();
        const search = await post(
          gateway,
          '/api/Order/search',
          { accountId: 1001, startTimestamp: '2020-01-01T00:00:00Z' },
          token,
        );
        const tagged = (search.json!['orders'] as { customTag: string }[]).filter(
          (o) => o.customTag === 'sig9-entry-a1',
        );
        expect(tagged).toHaveLength(created);
        const retry = await post(gateway, '/api/Order/place', body, token);
        expect(retry.json!.success).toBe(created === 0);
        expect(gateway.orders().filter((o) => o.customTag === 'sig9-entry-a1')).toHaveLength(1);
      });
    },
  );

  it('holdNextPlace server-error-then-create, pending-then-create and unknown-error-no-create', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const place = (customTag: string) =>
        post(
          gateway,
          '/api/Order/place',
          { accountId: 1001, contractId: es, type: 1, side: 0, size: 1, limitPrice: 4000, customTag },
          token,
        );
      gateway.faults.holdNextPlace('server-error-then-create');
      expect((await place('x1')).status).toBe(500);
      gateway.faults.holdNextPlace('pending-then-create');
      expect((await place('x2')).json).toMatchObject({ success: false, errorCode: 6, orderId: null });
      gateway.faults.holdNextPlace('unknown-error-no-create');
      expect((await place('x3')).json).toMatchObject({ success: false, errorCode: 7, orderId: null });
      expect(gateway.orders().map((o) => o.customTag)).toEqual(['x1', 'x2']);
      expect((await place('x4')).json).toMatchObject({ success: true });
    });
  });

  it('ambiguousNext gives modify, cancel, close and partial close their own Pending and UnknownError codes', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const call = (path: string, body: Record<string, unknown>) =>
        post(gateway, path, { accountId: 1001, ...body }, token);
      await call('/api/Order/place', { contractId: es, type: 1, side: 0, size: 1, limitPrice: 4000 });
      gateway.faults.ambiguousNext('/api/Order/modify', 'pending-then-apply');
      expect((await call('/api/Order/modify', { orderId: 1, limitPrice: 4001 })).json).toMatchObject({
        success: false,
        errorCode: 4,
      });
      expect(gateway.orders()[0]!.limitPrice).toBe(4001);
      gateway.faults.ambiguousNext('/api/Order/cancel', 'unknown-error-no-apply');
      expect((await call('/api/Order/cancel', { orderId: 1 })).json).toMatchObject({
        success: false,
        errorCode: 5,
      });
      expect(gateway.orders()[0]!.status).toBe(1);
      await call('/api/Order/place', { contractId: es, type: 2, side: 0, size: 3 });
      gateway.pushPrice(es, 5000);
      gateway.faults.ambiguousNext('/api/Position/partialCloseContract', 'unknown-error-no-apply');
      expect(
        (await call('/api/Position/partialCloseContract', { contractId: es, size: 1 })).json,
      ).toMatchObject({ errorCode: 8 });
      gateway.faults.ambiguousNext('/api/Position/closeContract', 'pending-then-apply');
      expect((await call('/api/Position/closeContract', { contractId: es })).json).toMatchObject({
        errorCode: 6,
      });
      gateway.pushPrice(es, 5001);
      expect(gateway.positions()).toEqual([]);
      gateway.faults.ambiguousNext('/api/Order/cancel', 'timeout-then-apply');
      await expect(
        fetch(`${gateway.baseUrl}/api/Order/cancel`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ accountId: 1001, orderId: 1 }),
          signal: AbortSignal.timeout(150),
        }),
      ).rejects.toThrow();
      const status = await call('/api/Order/searchById', { orderId: 1 });
      expect(status.json!['order']).toMatchObject({ status: 3 });
      expect(() =>
        gateway.faults.ambiguousNext('/api/Order/search' as '/api/Order/place', 'timeout-no-apply'),
      ).toThrow(/not a mutation endpoint/);
    });
  });
});
