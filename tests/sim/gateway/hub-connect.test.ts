import { HubConnectionState } from '@microsoft/signalr';
import { describe, expect, it } from 'vitest';
import { type Connect, hubConnection, nextEvents, post, withGateway } from './helpers.ts';

describe.each<Connect>(['negotiate', 'direct'])('the real SignalR client connecting with %s', (mode) => {
  it('receives order, position, trade and account events for an order filled via pushPrice', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const userHub = hubConnection(gateway.userHubUrl, token, mode);
      const orders = nextEvents(userHub, 'GatewayUserOrder', 2);
      const positions = nextEvents(userHub, 'GatewayUserPosition');
      const trades = nextEvents(userHub, 'GatewayUserTrade');
      const accounts = nextEvents(userHub, 'GatewayUserAccount');
      await userHub.start();
      expect(userHub.state).toBe(HubConnectionState.Connected);
      await userHub.invoke('SubscribeAccounts');
      await userHub.invoke('SubscribeOrders', 1001);
      await userHub.invoke('SubscribePositions', 1001);
      await userHub.invoke('SubscribeTrades', 1001);

      const place = await post(
        gateway,
        '/api/Order/place',
        {
          accountId: 1001,
          contractId: es,
          type: 1,
          side: 0,
          size: 2,
          limitPrice: 5000.25,
          customTag: 'sig1-entry-a1',
        },
        token,
      );
      expect(place.json).toMatchObject({ success: true, errorCode: 0, errorMessage: null, orderId: 1 });
      gateway.pushPrice(es, 5001);
      gateway.pushPrice(es, 5000.25);

      const [placed, filled] = (await orders).map((args) => args[0] as Record<string, unknown>);
      expect(placed).toMatchObject({
        id: 1,
        status: 1,
        type: 1,
        side: 0,
        size: 2,
        limitPrice: 5000.25,
        customTag: 'sig1-entry-a1',
      });
      expect(filled).toMatchObject({ id: 1, status: 2, fillVolume: 2, filledPrice: 5000.25 });
      expect((await positions)[0]![0]).toMatchObject({
        accountId: 1001,
        contractId: es,
        type: 1,
        size: 2,
        averagePrice: 5000.25,
      });
      expect((await trades)[0]![0]).toMatchObject({
        orderId: 1,
        price: 5000.25,
        size: 2,
        profitAndLoss: null,
        side: 0,
        voided: false,
      });
      expect((await accounts)[0]![0]).toMatchObject({ id: 1001, balance: 50_000 - 2.8 });
      await userHub.stop();
    });
  });

  it('streams quotes, trades and depth on the market hub with two arguments', async () => {
    await withGateway({}, async (gateway, token) => {
      const nq = gateway.activeContractId('NQ');
      const marketHub = hubConnection(gateway.marketHubUrl, token, mode);
      const quotes = nextEvents(marketHub, 'GatewayQuote');
      const trades = nextEvents(marketHub, 'GatewayTrade');
      const depth = nextEvents(marketHub, 'GatewayDepth');
      await marketHub.start();
      await marketHub.invoke('SubscribeContractQuotes', nq);
      await marketHub.invoke('SubscribeContractTrades', nq);
      await marketHub.invoke('SubscribeContractMarketDepth', nq);
      gateway.pushPrice(nq, 21000.5, { size: 3 });
      const [quoteArgs] = await quotes;
      expect(quoteArgs![0]).toBe(nq);
      expect(quoteArgs![1]).toMatchObject({
        symbol: 'F.US.ENQ',
        lastPrice: 21000.5,
        bestBid: 21000.5,
        bestAsk: 21000.75,
      });
      const [tradeArgs] = await trades;
      expect(tradeArgs).toEqual([
        nq,
        expect.objectContaining({ symbolId: 'F.US.ENQ', price: 21000.5, volume: 3 }),
      ]);
      const [depthArgs] = await depth;
      expect(Array.isArray(depthArgs![1])).toBe(true);
      await marketHub.stop();
    });
  });
});

describe('unsubscribing', () => {
  it('UnsubscribeOrders stops order events while other subscriptions keep flowing', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const hub = hubConnection(gateway.userHubUrl, token, 'negotiate');
      const orders: unknown[] = [];
      hub.on('GatewayUserOrder', (order) => orders.push(order));
      await hub.start();
      await hub.invoke('SubscribeOrders', 1001);
      await hub.invoke('SubscribeTrades', 1001);
      await hub.invoke('UnsubscribeOrders', 1001);
      const trades = nextEvents(hub, 'GatewayUserTrade');
      await post(
        gateway,
        '/api/Order/place',
        { accountId: 1001, contractId: es, type: 2, side: 0, size: 1 },
        token,
      );
      gateway.pushPrice(es, 5000);
      await trades;
      expect(orders).toEqual([]);
      await hub.stop();
    });
  });
});
