/** faults.dropWorkingStop: a working stop vanishes from the book with no hub event (a silent broker drop). */
import { describe, expect, it } from 'vitest';
import { delay, type Envelope, hubConnection, post, withGateway } from './helpers.ts';

const ACCOUNT = 1001;
const orders = (reply: { json: Envelope | null }) =>
  (reply.json?.['orders'] ?? []) as { id: number; status: number }[];

describe('fault: the broker silently drops a working stop', () => {
  it('the stop turns Cancelled in REST, leaves searchOpen and v2/query, and no GatewayUserOrder is sent', async () => {
    await withGateway({ pingIntervalMs: 50 }, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      gateway.pushPrice(es, 5000);
      const hub = hubConnection(gateway.userHubUrl, token, 'direct');
      const seen: { id: number; status: number }[] = [];
      hub.on('GatewayUserOrder', (o: { id: number; status: number }) => seen.push(o));
      await hub.start();
      await hub.invoke('SubscribeOrders', ACCOUNT);
      const placeStop = (stopPrice: number, customTag: string) =>
        post(
          gateway,
          '/api/Order/place',
          { accountId: ACCOUNT, contractId: es, type: 4, side: 1, size: 1, stopPrice, customTag },
          token,
        );
      const first = (await placeStop(4990, 'p1-s1')).json?.['orderId'] as number;
      const second = (await placeStop(4980, 'p2-s1')).json?.['orderId'] as number;
      await delay(100);
      const eventsBefore = seen.length;

      // By id; then the oldest working stop when no id is given.
      expect(gateway.faults.dropWorkingStop(ACCOUNT, second)).toMatchObject({
        id: second,
        status: 3,
        customTag: 'p2-s1',
      });
      expect(gateway.faults.dropWorkingStop(ACCOUNT)).toMatchObject({ id: first, status: 3 });
      expect(gateway.faults.dropWorkingStop(ACCOUNT)).toBeNull();
      expect(gateway.faults.dropWorkingStop(ACCOUNT, 999_999)).toBeNull();

      const search = await post(
        gateway,
        '/api/Order/search',
        { accountId: ACCOUNT, startTimestamp: new Date(Date.now() - 60_000).toISOString() },
        token,
      );
      expect(orders(search).filter((o) => o.id === first || o.id === second)).toMatchObject([
        { status: 3 },
        { status: 3 },
      ]);
      expect(orders(await post(gateway, '/api/Order/searchOpen', { accountId: ACCOUNT }, token))).toEqual([]);
      const query = await post(
        gateway,
        '/api/Order/v2/query',
        { filter: { accountId: ACCOUNT, statuses: [1, 6, 7, 8] } },
        token,
      );
      expect(orders(query)).toEqual([]);
      await delay(150);
      expect(seen).toHaveLength(eventsBefore);
      // A dropped stop never triggers.
      gateway.pushPrice(es, 4975);
      expect(gateway.positions(ACCOUNT)).toEqual([]);
      await hub.stop();
    });
  });

  it('refuses what is not a working stop: a limit order, a Suspended bracket child, another account', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      gateway.pushPrice(es, 5000);
      const limit = await post(
        gateway,
        '/api/Order/place',
        {
          accountId: ACCOUNT,
          contractId: es,
          type: 1,
          side: 0,
          size: 1,
          limitPrice: 4995,
          stopLossBracket: { ticks: -20, type: 4 },
        },
        token,
      );
      const limitId = limit.json?.['orderId'] as number;
      const child = gateway.orders(ACCOUNT).find((o) => o.parentOrderId === limitId)!;
      expect(child.status).toBe(8);
      expect(gateway.faults.dropWorkingStop(ACCOUNT, limitId)).toBeNull();
      expect(gateway.faults.dropWorkingStop(ACCOUNT, child.id)).toBeNull();
      expect(gateway.faults.dropWorkingStop(ACCOUNT)).toBeNull();
      expect(gateway.faults.dropWorkingStop(2002, child.id)).toBeNull();
      expect(gateway.orders(ACCOUNT).map((o) => o.status)).toEqual([1, 8]);
    });
  });
});
