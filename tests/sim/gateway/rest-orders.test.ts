import { describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import type { GatewayAccountSetup, GatewayOrder } from '../../../sim/gateway/types.ts';
import { post, withGateway } from './helpers.ts';

const ACCOUNT = 1001;

function placer(gateway: LocalGateway, token: string) {
  const es = gateway.activeContractId('ES');
  return (fields: Record<string, unknown>) =>
    post(
      gateway,
      '/api/Order/place',
      { accountId: ACCOUNT, contractId: es, type: 2, side: 0, size: 1, ...fields },
      token,
    );
}

describe('Order/place rules', () => {
  it('keeps customTag unique per account, including tags of rejected orders, and gives no id on a duplicate', async () => {
    await withGateway({}, async (gateway, token) => {
      const place = placer(gateway, token);
      const first = await place({ customTag: 'a1' });
      expect(first.json).toMatchObject({ success: true, orderId: 1 });
      const duplicate = await place({ customTag: 'a1' });
      expect(duplicate.json).toEqual({
        success: false,
        errorCode: 2,
        errorMessage: 'Specified custom tag is already in use',
        orderId: null,
      });
      const rejected = await place({ customTag: 'b1', size: 0 });
      expect(rejected.json).toMatchObject({ success: false, errorCode: 2, orderId: 2 });
      const reuseRejected = await place({ customTag: 'b1' });
      expect(reuseRejected.json).toMatchObject({
        success: false,
        errorCode: 2,
        errorMessage: 'Specified custom tag is already in use',
      });
      expect(gateway.orders().map((o) => [o.customTag, o.status])).toEqual([
        ['a1', 1],
        ['b1', 5],
      ]);
    });
  });

  it('uses the PlaceOrder codes for unknown account, unknown and inactive contracts', async () => {
    await withGateway({}, async (gateway, token) => {
      const place = placer(gateway, token);
      expect((await place({ accountId: 999 })).json).toMatchObject({
        success: false,
        errorCode: 1,
        orderId: null,
      });
      expect((await place({ contractId: 'CON.F.US.XX.Z99' })).json).toMatchObject({
        success: false,
        errorCode: 8,
      });
      const expired = gateway.contracts().find((c) => !c.activeContract)!;
      expect((await place({ contractId: expired.id })).json).toMatchObject({ success: false, errorCode: 9 });
      expect((await place({ type: 3 })).json).toMatchObject({
        success: false,
        errorCode: 2,
        errorMessage: 'Invalid order type (3)',
      });
      expect((await place({ type: 1, limitPrice: 5000.1 })).json).toMatchObject({
        errorCode: 2,
        errorMessage: 'Invalid price. Price is not aligned to tick size.',
      });
      expect((await post(gateway, '/api/Order/place', { accountId: ACCOUNT }, token)).status).toBe(400);
    });
  });

  it('rejects brackets on a Position Brackets account with the exact message and still returns an orderId', async () => {
    const accounts: GatewayAccountSetup[] = [
      {
        id: ACCOUNT,
        name: 'P',
        balance: 50_000,
        canTrade: true,
        isVisible: true,
        simulated: true,
        bracketMode: 'position-brackets',
      },
    ];
    await withGateway({ accounts }, async (gateway, token) => {
      const reply = await placer(gateway, token)({ stopLossBracket: { ticks: -40, type: 4 } });
      expect(reply.json).toEqual({
        success: false,
        errorCode: 2,
        errorMessage: 'Brackets cannot be used with Position Brackets. You must enable Auto OCO Brackets.',
        orderId: 1,
      });
    });
  });

  it('enforces signed bracket ticks, the 4-tick minimum and the stop-loss type', async () => {
    await withGateway({}, async (gateway, token) => {
      const place = placer(gateway, token);
      const message = async (fields: Record<string, unknown>) => (await place(fields)).json!.errorMessage;
      expect(await message({ stopLossBracket: { ticks: 40, type: 4 } })).toBe(
        'Invalid stop loss ticks (40). Ticks should be less than zero when longing.',
      );
      expect(await message({ side: 1, takeProfitBracket: { ticks: 30, type: 1 } })).toBe(
        'Invalid take profit ticks (30). Ticks should be less than zero when going short.',
      );
      expect(await message({ stopLossBracket: { ticks: -3, type: 4 } })).toBe(
        'Invalid stop loss ticks (-3). Stop loss tick value should be at least 4 ticks.',
      );
      expect(await message({ stopLossBracket: { ticks: -40, type: 1 } })).toBe(
        'Invalid stop loss type (Limit)',
      );
      expect(
        (await place({ stopLossBracket: { ticks: -40, type: 4 }, takeProfitBracket: { ticks: 80, type: 1 } }))
          .json,
      ).toMatchObject({
        success: true,
      });
    });
  });

  it('the unconfirmed bracket checks can be switched off', async () => {
    await withGateway(
      { rules: { minimumBracketTicks: 0, requireStopTypeForStopLoss: false } },
      async (gateway, token) => {
        const reply = await placer(gateway, token)({ stopLossBracket: { ticks: -1, type: 1 } });
        expect(reply.json).toMatchObject({ success: true });
      },
    );
  });

  it('keeps bracket children Suspended until the parent fills, hidden from searchOpen but shown by v2/query', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const place = placer(gateway, token);
      const parent = await place({
        type: 1,
        limitPrice: 5000,
        stopLossBracket: { ticks: -8, type: 4 },
        takeProfitBracket: { ticks: 16, type: 1 },
      });
      const parentId = parent.json!['orderId'];
      const open = await post(gateway, '/api/Order/searchOpen', { accountId: ACCOUNT }, token);
      expect((open.json!['orders'] as GatewayOrder[]).map((o) => o.id)).toEqual([parentId]);
      const working = await post(
        gateway,
        '/api/Order/v2/query',
        { filter: { accountId: ACCOUNT, statuses: [1, 6, 7, 8] }, includeTotalCount: true },
        token,
      );
      expect(working.json!['totalCount']).toBe(3);
      const children = (working.json!['orders'] as GatewayOrder[]).filter(
        (o) => o.parentOrderId === parentId,
      );
      expect(children.map((o) => [o.status, o.type, o.side])).toEqual([
        [8, 4, 1],
        [8, 1, 1],
      ]);

      gateway.pushPrice(es, 4999.5); // fills the parent at its limit
      const [stopLoss, takeProfit] = gateway.orders().filter((o) => o.parentOrderId === parentId);
      expect(stopLoss).toMatchObject({ status: 1, stopPrice: 4998 });
      expect(takeProfit).toMatchObject({ status: 1, limitPrice: 5004 });
      gateway.pushPrice(es, 5004); // take profit fills, stop loss is cancelled (OCO)
      const after = gateway.orders().filter((o) => o.parentOrderId === parentId);
      expect(after.map((o) => o.status)).toEqual([3, 2]);
      expect(gateway.positions()).toEqual([]);
      const exit = gateway.trades().at(-1)!;
      expect(exit).toMatchObject({ price: 5004, profitAndLoss: 200, fees: 1.4, side: 1 });
    });
  });

  it('reads a trailing stop back as a distance, rejects more than 1000 ticks on place but not on modify', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const place = placer(gateway, token);
      expect((await place({ type: 5, side: 1, trailPrice: 104.25 })).json!.errorMessage).toBe(
        'Cannot trail without a last price',
      );
      gateway.pushPrice(es, 105.75);
      const placed = await place({ type: 5, side: 1, trailPrice: 104.25 });
      const id = placed.json!['orderId'];
      const read = await post(gateway, '/api/Order/searchById', { accountId: ACCOUNT, orderId: id }, token);
      expect(read.json!['order']).toMatchObject({
        type: 5,
        trailPrice: 1.5,
        trailDistance: 6,
        stopPrice: 104.25,
      });
      expect((await place({ type: 5, side: 1, trailPrice: 105.75 - 1001 * 0.25 })).json!.errorMessage).toBe(
        'Trail Distance exceeds maximum (1000)',
      );
      const modified = await post(
        gateway,
        '/api/Order/modify',
        { accountId: ACCOUNT, orderId: id, trailPrice: 105.75 - 1200 * 0.25 },
        token,
      );
      expect(modified.json).toMatchObject({ success: true });
      gateway.pushPrice(es, 110);
      expect(gateway.orders().find((o) => o.id === id)).toMatchObject({
        trailDistance: 1200,
        stopPrice: 110 - 300,
      });
    });
  });

  it('fills market orders at the next price, limits at their price and stops at the triggering price', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const place = placer(gateway, token);
      await place({ type: 2, side: 0, size: 1 });
      await place({ type: 1, side: 0, size: 1, limitPrice: 4990 });
      await place({ type: 4, side: 1, size: 1, stopPrice: 4980 });
      expect(gateway.orders().map((o) => o.status)).toEqual([1, 1, 1]);
      gateway.pushPrice(es, 5000);
      expect(gateway.orders()[0]).toMatchObject({ status: 2, filledPrice: 5000 });
      gateway.pushPrice(es, 4989);
      expect(gateway.orders()[1]).toMatchObject({ status: 2, filledPrice: 4990 });
      gateway.pushPrice(es, 4979.5);
      expect(gateway.orders()[2]).toMatchObject({ status: 2, filledPrice: 4979.5 });
      expect(gateway.positions()).toEqual([
        expect.objectContaining({ type: 1, size: 1, averagePrice: 4995 }),
      ]);
    });
  });
});

describe('order types that follow the market', () => {
  it('a sell trailing stop ratchets up behind prints and fills at the print that crosses it', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      gateway.pushPrice(es, 105.75);
      await placer(gateway, token)({ type: 5, side: 1, trailPrice: 104.25 });
      gateway.pushPrice(es, 110);
      expect(gateway.orders()[0]).toMatchObject({ status: 1, stopPrice: 108.5, trailDistance: 6 });
      gateway.pushPrice(es, 109);
      expect(gateway.orders()[0]).toMatchObject({ status: 1, stopPrice: 108.5 });
      gateway.pushPrice(es, 108.25);
      expect(gateway.orders()[0]).toMatchObject({ status: 2, filledPrice: 108.25 });
    });
  });

  it('JoinBid rests at the bid (last print) and JoinAsk one tick above, and need a last price', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const place = placer(gateway, token);
      expect((await place({ type: 6 })).json!.errorMessage).toBe('Cannot join without a last price');
      gateway.pushPrice(es, 5000);
      await place({ type: 6, side: 0 });
      await place({ type: 7, side: 1 });
      const [, bid, ask] = gateway.orders();
      expect(bid).toMatchObject({ type: 6, limitPrice: 5000, status: 1 });
      expect(ask).toMatchObject({ type: 7, limitPrice: 5000.25, status: 1 });
      gateway.pushPrice(es, 5000.25);
      expect(gateway.orders()[2]!.status).toBe(2);
      gateway.pushPrice(es, 5000);
      expect(gateway.orders()[1]!.status).toBe(2);
    });
  });
});

describe('modify, cancel and searches', () => {
  it('modify uses its own codes: 1 account, 2 order not found, 3 rejected', async () => {
    await withGateway({}, async (gateway, token) => {
      const place = placer(gateway, token);
      const id = (await place({ type: 1, limitPrice: 4000 })).json!['orderId'];
      const modify = (fields: Record<string, unknown>) =>
        post(gateway, '/api/Order/modify', { accountId: ACCOUNT, orderId: id, ...fields }, token);
      expect((await modify({ limitPrice: 4001.5, size: 3 })).json).toMatchObject({
        success: true,
        errorCode: 0,
      });
      expect(gateway.orders()[0]).toMatchObject({ limitPrice: 4001.5, size: 3 });
      expect((await modify({ accountId: 5 })).json).toMatchObject({ success: false, errorCode: 1 });
      expect((await modify({ orderId: 77 })).json).toMatchObject({ success: false, errorCode: 2 });
      expect((await modify({ limitPrice: 4001.1 })).json).toMatchObject({ success: false, errorCode: 3 });
      expect((await modify({ stopPrice: 4001 })).json).toMatchObject({ success: false, errorCode: 3 });
    });
  });

  it('cancel works on simulated accounts and refuses live and follower accounts with code 6', async () => {
    const accounts: GatewayAccountSetup[] = [
      { id: ACCOUNT, name: 'PRAC', balance: 50_000, canTrade: true, isVisible: true, simulated: true },
      { id: 2, name: 'LIVE', balance: 50_000, canTrade: true, isVisible: true, simulated: false },
      {
        id: 3,
        name: 'FOLLOW',
        balance: 50_000,
        canTrade: true,
        isVisible: true,
        simulated: true,
        follower: true,
      },
    ];
    await withGateway({ accounts }, async (gateway, token) => {
      const place = placer(gateway, token);
      const id = (await place({ type: 1, limitPrice: 4000 })).json!['orderId'];
      const live = (await place({ accountId: 2, type: 1, limitPrice: 4000 })).json!['orderId'];
      const follower = (await place({ accountId: 3, type: 1, limitPrice: 4000 })).json!['orderId'];
      const cancel = (accountId: number, orderId: unknown) =>
        post(gateway, '/api/Order/cancel', { accountId, orderId }, token);
      expect((await cancel(2, live)).json).toMatchObject({ success: false, errorCode: 6 });
      expect((await cancel(3, follower)).json).toMatchObject({ success: false, errorCode: 6 });
      expect((await cancel(ACCOUNT, 404)).json).toMatchObject({ success: false, errorCode: 2 });
      expect((await cancel(ACCOUNT, id)).json).toMatchObject({ success: true });
      expect((await cancel(ACCOUNT, id)).json).toMatchObject({ success: false, errorCode: 5 });
      expect((await cancel(99, id)).json).toMatchObject({ success: false, errorCode: 1 });
    });
  });

  it('Order/search filters by time window, searchById answers code 1, v2/query pages and sorts', async () => {
    let clock = Date.UTC(2026, 1, 2, 15);
    await withGateway({ now: () => clock }, async (gateway, token) => {
      const place = placer(gateway, token);
      for (let i = 0; i < 5; i += 1) {
        await place({ type: 1, limitPrice: 4000 + i, customTag: `t${i}` });
        clock += 60_000;
      }
      const window = await post(
        gateway,
        '/api/Order/search',
        {
          accountId: ACCOUNT,
          startTimestamp: new Date(Date.UTC(2026, 1, 2, 15, 1)).toISOString(),
          endTimestamp: new Date(Date.UTC(2026, 1, 2, 15, 3)).toISOString(),
        },
        token,
      );
      expect((window.json!['orders'] as GatewayOrder[]).map((o) => o.customTag)).toEqual(['t1', 't2', 't3']);
      expect((window.json!['orders'] as GatewayOrder[])[0]!.creationTimestamp).toBe(
        '2026-02-02T15:01:00.000000+00:00',
      );
      expect(
        (
          await post(
            gateway,
            '/api/Order/search',
            { accountId: 42, startTimestamp: '2026-01-01T00:00:00Z' },
            token,
          )
        ).json,
      ).toMatchObject({ errorCode: 1 });
      expect((await post(gateway, '/api/Order/search', { accountId: ACCOUNT }, token)).status).toBe(400);
      expect(
        (await post(gateway, '/api/Order/searchById', { accountId: ACCOUNT, orderId: 99 }, token)).json,
      ).toMatchObject({ success: false, errorCode: 1, order: null });
      const page = await post(
        gateway,
        '/api/Order/v2/query',
        {
          filter: { accountId: ACCOUNT },
          pageSize: 2,
          pageOffset: 1,
          sortBy: 1,
          sortDirection: 1,
          includeTotalCount: true,
        },
        token,
      );
      expect((page.json!['orders'] as GatewayOrder[]).map((o) => o.id)).toEqual([4, 3]);
      expect(page.json!['totalCount']).toBe(5);
      const invalid = await post(gateway, '/api/Order/v2/query', { filter: {} }, token);
      expect(invalid.status).toBe(400);
      expect(invalid.json!['errors']).toHaveProperty(['filter.accountId']);
    });
  });
});

describe('positions and trades', () => {
  it('nets fills into one position with an average price and books P&L and fees on closing half-trades', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const place = placer(gateway, token);
      await place({ side: 0, size: 1 });
      gateway.pushPrice(es, 5000);
      await place({ side: 0, size: 1 });
      gateway.pushPrice(es, 5001);
      const positions = await post(gateway, '/api/Position/searchOpen', { accountId: ACCOUNT }, token);
      expect(positions.json!['positions']).toEqual([
        expect.objectContaining({
          accountId: ACCOUNT,
          contractId: es,
          type: 1,
          size: 2,
          averagePrice: 5000.5,
        }),
      ]);
      await place({ side: 1, size: 3 }); // closes 2, opens 1 short
      gateway.pushPrice(es, 5002);
      const trades = (
        await post(
          gateway,
          '/api/Trade/search',
          { accountId: ACCOUNT, startTimestamp: '2020-01-01T00:00:00Z' },
          token,
        )
      ).json!['trades'];
      expect(trades).toEqual([
        expect.objectContaining({
          price: 5000,
          size: 1,
          profitAndLoss: null,
          fees: 1.4,
          side: 0,
          orderId: 1,
        }),
        expect.objectContaining({
          price: 5001,
          size: 1,
          profitAndLoss: null,
          fees: 1.4,
          side: 0,
          orderId: 2,
        }),
        expect.objectContaining({ price: 5002, size: 2, profitAndLoss: 150, fees: 2.8, side: 1, orderId: 3 }),
        expect.objectContaining({
          price: 5002,
          size: 1,
          profitAndLoss: null,
          fees: 1.4,
          side: 1,
          orderId: 3,
        }),
      ]);
      expect(gateway.positions()).toEqual([
        expect.objectContaining({ type: 2, size: 1, averagePrice: 5002 }),
      ]);
      expect(gateway.accounts()[0]!.balance).toBe(50_000 + 150 - 1.4 * 5);
      expect((await post(gateway, '/api/Trade/search', { accountId: 5 }, token)).json).toMatchObject({
        errorCode: 1,
        trades: null,
      });
      expect((await post(gateway, '/api/Position/searchOpen', { accountId: 5 }, token)).json).toMatchObject({
        errorCode: 1,
      });
    });
  });

  it('closeContract and partialCloseContract close at the next price and use their own codes', async () => {
    const accounts: GatewayAccountSetup[] = [
      { id: ACCOUNT, name: 'PRAC', balance: 50_000, canTrade: true, isVisible: true, simulated: true },
      { id: 2, name: 'LIVE', balance: 50_000, canTrade: true, isVisible: true, simulated: false },
    ];
    await withGateway({ accounts }, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const place = placer(gateway, token);
      const close = (accountId: number, contractId = es) =>
        post(gateway, '/api/Position/closeContract', { accountId, contractId }, token);
      const partial = (accountId: number, size: number) =>
        post(gateway, '/api/Position/partialCloseContract', { accountId, contractId: es, size }, token);
      expect((await close(ACCOUNT)).json).toMatchObject({ success: false, errorCode: 2 });
      expect((await close(ACCOUNT, 'CON.F.US.NOPE.Z99')).json).toMatchObject({
        success: false,
        errorCode: 3,
      });
      expect((await close(77)).json).toMatchObject({ success: false, errorCode: 1 });
      await place({ size: 3 });
      await place({ accountId: 2, size: 1 });
      gateway.pushPrice(es, 5000);
      expect((await close(2)).json).toMatchObject({ success: false, errorCode: 8 });
      expect((await partial(2, 1)).json).toMatchObject({ success: false, errorCode: 9 });
      expect((await partial(ACCOUNT, 4)).json).toMatchObject({ success: false, errorCode: 5 });
      expect((await partial(ACCOUNT, 1)).json).toMatchObject({ success: true });
      gateway.pushPrice(es, 5001);
      expect(gateway.positions(ACCOUNT)).toEqual([expect.objectContaining({ size: 2 })]);
      expect((await close(ACCOUNT)).json).toMatchObject({ success: true });
      gateway.pushPrice(es, 5002);
      expect(gateway.positions(ACCOUNT)).toEqual([]);
    });
  });

  it('closeContract cancels the contract resting orders unless closeLeavesWorkingOrders is on', async () => {
    for (const leave of [false, true]) {
      await withGateway({ quirks: { closeLeavesWorkingOrders: leave } }, async (gateway, token) => {
        const es = gateway.activeContractId('ES');
        const place = placer(gateway, token);
        await place({ size: 1, stopLossBracket: { ticks: -8, type: 4 } });
        gateway.pushPrice(es, 5000);
        const stop = gateway.orders().find((o) => o.parentOrderId === 1)!;
        expect(stop.status).toBe(1);
        await post(gateway, '/api/Position/closeContract', { accountId: ACCOUNT, contractId: es }, token);
        gateway.pushPrice(es, 5001);
        expect(gateway.positions()).toEqual([]);
        expect(gateway.orders().find((o) => o.id === stop.id)!.status).toBe(leave ? 1 : 3);
      });
    }
  });

  it('a repeated closeContract before the next price never flips the position', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      await placer(gateway, token)({ size: 2 });
      gateway.pushPrice(es, 5000);
      const close = () =>
        post(gateway, '/api/Position/closeContract', { accountId: ACCOUNT, contractId: es }, token);
      expect((await close()).json).toMatchObject({ success: true });
      expect((await close()).json).toMatchObject({ success: true });
      gateway.pushPrice(es, 5001);
      expect(gateway.positions()).toEqual([]);
      expect(gateway.orders().map((o) => o.status)).toEqual([2, 3, 2]); // the second close cancels the first
    });
  });
});

describe('pushPrice', () => {
  it('refuses prices off the tick grid or for unknown contracts, naming the problem', async () => {
    await withGateway({}, async (gateway) => {
      const es = gateway.activeContractId('ES');
      expect(() => gateway.pushPrice(es, 5000.1)).toThrow(/not on the 0.25 tick grid/);
      expect(() => gateway.pushPrice('CON.F.US.NOPE.Z99', 1)).toThrow(
        /unknown contractId 'CON.F.US.NOPE.Z99'/,
      );
      expect(() => gateway.pushPrice(es, Number.NaN)).toThrow(/positive number/);
    });
  });
});
