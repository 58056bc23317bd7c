import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderStateOf } from '../../../src/adapters/topstepx/enums.ts';
import {
  parseTimestamp,
  readAccount,
  readBar,
  readContract,
  readHalfTrade,
  readList,
  readOrder,
  readPosition,
} from '../../../src/adapters/topstepx/models.ts';
import {
  entities,
  QuoteBook,
  readMarketTrades,
  readUserOrders,
  readUserTrades,
  splitRecords,
} from '../../../src/adapters/topstepx/parse.ts';

const rest = JSON.parse(readFileSync(new URL('./fixtures/rest-payloads.json', import.meta.url), 'utf8'));
const hub = JSON.parse(readFileSync(new URL('./fixtures/hub-events.json', import.meta.url), 'utf8'));
const ES = { tickSize: 0.25, decimals: 2 };

describe('REST model readers on recorded ProjectX payloads', () => {
  it('reads accounts, and keeps a null list distinct from an empty one', () => {
    expect(readList(rest.accountSearch.accounts, readAccount, 'accounts')).toEqual([
      { id: 1, name: 'TEST_ACCOUNT_1', balance: 50000, canTrade: true, isVisible: true, simulated: true },
    ]);
    expect(readList(rest.accountSearchNull.accounts, readAccount, 'accounts')).toBeNull();
    expect(readList([], readAccount, 'accounts')).toEqual([]);
  });

  it('reads contracts, deriving a missing symbolId from the id', () => {
    const contracts = rest.contractAvailable.contracts.map(readContract);
    expect(contracts.map((c: { symbolId: string }) => c.symbolId)).toEqual([
      'F.US.ENQ',
      'F.US.EP',
      'F.US.RTY',
    ]);
    expect(contracts[2].tickSize).toBe(0.1);
  });

  it('reads orders with both timestamp styles, nine-digit decimals and an unknown status', () => {
    const [filled, odd] = rest.orderSearch.orders.map((o: unknown) => readOrder(o, () => ES));
    expect(filled).toMatchObject({ id: 36598, state: 'filled', filledPrice: 6335.25, customTag: 's7f3a-e0' });
    expect(filled.createdAt).toBe(Date.UTC(2025, 6, 18, 21, 0, 1, 268));
    expect(odd).toMatchObject({ state: 'unknown', updatedAt: null, customTag: null, stopPrice: 2208 });
    expect(odd.createdAt).toBe(Date.UTC(2025, 0, 20, 15, 47, 39, 882));
  });

  it('reads positions, trades (null P&L = opening fill) and bars', () => {
    expect(readPosition(rest.positionSearchOpen.positions[0])).toMatchObject({
      type: 1,
      size: 2,
      averagePrice: 1575.75,
    });
    const [open, close] = rest.tradeSearch.trades.map((t: unknown) => readHalfTrade(t));
    expect(open.profitAndLoss).toBeNull();
    expect(close).toMatchObject({ profitAndLoss: 50, fees: 1.4, orderId: 14326 });
    const bars = rest.retrieveBars.bars.map((b: unknown) => readBar(b, { tickSize: 0.1, decimals: 1 }));
    expect(bars[0]).toMatchObject({ open: 2208.1, high: 2217, low: 2206.7, close: 2210.1, volume: 87 });
  });

  it('names the model and field of a required value that is missing', () => {
    expect(() => readOrder(hub.userOrderBroken[0])).toThrow(/Order\.contractId: expected a string/);
  });

  it('maps all nine order statuses explicitly and anything else to unknown', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1].map(orderStateOf)).toEqual([
      'none',
      'working',
      'filled',
      'cancelled',
      'expired',
      'rejected',
      'pending',
      'pendingCancellation',
      'suspended',
      'unknown',
      'unknown',
    ]);
  });
});

describe('timestamps', () => {
  it('parse offsets and any number of fraction digits', () => {
    expect(parseTimestamp('2025-07-18T21:00:01.268009+00:00')).toBe(Date.UTC(2025, 6, 18, 21, 0, 1, 268));
    expect(parseTimestamp('2025-01-20T15:47:39.882Z')).toBe(Date.UTC(2025, 0, 20, 15, 47, 39, 882));
    expect(parseTimestamp('2025-01-20T10:47:39.8-05:00')).toBe(Date.UTC(2025, 0, 20, 15, 47, 39, 800));
    expect(parseTimestamp('2025-01-20T15:47:39')).toBe(Date.UTC(2025, 0, 20, 15, 47, 39));
    expect(() => parseTimestamp('yesterday', 'Order.creationTimestamp')).toThrow(/Order.creationTimestamp/);
  });

  it('round-trip any instant through ISO text with a 0–9 digit fraction and any offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: -720, max: 840 }),
        fc.integer({ min: 3, max: 9 }),
        (ms, offsetMin, digits) => {
          const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const text = `${local}${'0'.repeat(digits - 3)}${offset}`;
          expect(parseTimestamp(text)).toBe(ms);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('hub payloads', () => {
  it('unwrap {action, data}, skip null padding, accept one object or a list', () => {
    expect(entities([{ action: 1, data: { id: 1 } }, null, { id: 2 }])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(entities({ id: 3 })).toEqual([{ id: 3 }]);
    expect(entities(null)).toEqual([]);
    const wrapped = readUserOrders(hub.userOrderWrapped[0], () => ES);
    expect(wrapped.items[0]).toMatchObject({
      id: 789,
      customTag: 'sig1-e0',
      limitPrice: 6330,
      state: 'working',
    });
    expect(readUserOrders(hub.userOrderBare[0]).items[0]).toMatchObject({
      state: 'filled',
      filledPrice: 6336.25,
    });
    expect(readUserTrades(hub.userTradeWrapped[0]).items[0]).toMatchObject({ orderId: 789, price: 6330 });
    expect(readUserOrders(hub.userOrderBroken[0]).errors[0]).toMatch(/contractId/);
  });

  it('read market trades from a null-padded list or a single object', () => {
    const [id, list] = hub.marketTradeList;
    expect(readMarketTrades(id, list, ES).map((t) => [t.price, t.size, t.aggressor])).toEqual([
      [6335.5, 2, 'buy'],
      [6335.25, 1, 'sell'],
    ]);
    expect(readMarketTrades(id, hub.marketTradeObject[1])).toHaveLength(1);
  });

  it('merge sparse quotes per contract: a missing field keeps its last value', () => {
    const book = new QuoteBook(() => ES);
    const [id, snapshot] = hub.quoteSnapshot;
    book.apply(id, snapshot);
    const [afterBid] = book.apply(id, hub.quoteSparseBidOnly[1]);
    expect(afterBid).toMatchObject({
      lastPrice: 6335.25,
      bestBid: 6335.25,
      bestAsk: 6335.25,
      volume: 104526,
    });
    const [afterLast] = book.apply(id, hub.quoteSparseLastOnly[1]);
    expect(afterLast).toMatchObject({ lastPrice: 6335.5, bestBid: 6335.25, high: 6340, volume: 104530 });
    expect(afterLast?.ts).toBe(Date.parse('2025-07-18T14:30:01.456Z'));
  });

  it('never reads a missing quote field as 0 (property)', () => {
    const field = fc.constantFrom('lastPrice', 'bestBid', 'bestAsk', 'open', 'high', 'low', 'volume');
    const update = fc.dictionary(
      field,
      fc.integer({ min: 1, max: 40_000 }).map((t) => t * 0.25),
    );
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 30 }), (updates) => {
        const book = new QuoteBook(() => ES);
        const expected: Record<string, number> = {};
        for (const u of updates) {
          book.apply('C', u);
          Object.assign(expected, u);
        }
        const quote = book.get('C') as unknown as Record<string, unknown>;
        for (const [name, value] of Object.entries(expected)) expect(quote[name]).toBe(value);
        for (const name of ['lastPrice', 'bestBid', 'bestAsk', 'open', 'high', 'low', 'volume']) {
          if (!(name in expected)) expect(quote[name]).toBeUndefined();
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('split SignalR frames on the record separator', () => {
    const records = hub.frames.flatMap(splitRecords);
    expect(records).toHaveLength(5);
    expect(JSON.parse(records[1]!)).toEqual({ type: 6 });
  });
});
