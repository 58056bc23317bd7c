import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { type ExchangeConfig, SimulatedExchange } from '../../sim/exchange.ts';
import type { BrokerEvent, EngineCommand } from '../../src/domain/events.ts';

const base = { positionId: 'p1', accountId: 'A', symbol: 'ES', contractId: 'CON.F.US.EP.Z13', ts: 0 };

function setup(config: ExchangeConfig = {}) {
  const clock = new VirtualClock(0);
  const exchange = new SimulatedExchange(clock, config);
  const events: BrokerEvent[] = [];
  exchange.events$.subscribe((e) => events.push(e));
  /** One price point, the way the replay delivers it. */
  const price = (p: number, ts: number, sweep = true, size?: number) => {
    clock.advanceTo(ts);
    exchange.onPrice('ES', p, ts, size, sweep);
    clock.flush();
  };
  const run = (command: EngineCommand) => exchange.execute(command);
  const buyEntry = (limit: number, quantity = 1, tag = 'p1-e0'): EngineCommand => ({
    ...base,
    type: 'placeEntry',
    signalId: 's1',
    side: 'buy',
    legs: [{ tag, price: limit, quantity }],
    stopPrice: limit - 1,
  });
  return { clock, exchange, events, price, run, buyEntry };
}

const fills = (events: BrokerEvent[]) => events.filter((e) => e.type === 'order.filled');

describe('SimulatedExchange: limit orders', () => {
  it('acknowledges after the ack latency and fills a buy only when price trades through the limit', () => {
    const s = setup();
    s.run(s.buyEntry(100));
    s.price(101, 10);
    expect(s.events).toEqual([]);
    s.price(101, 50);
    expect(s.events).toEqual([{ type: 'order.accepted', ts: 50, tag: 'p1-e0', orderId: 'SIM-1' }]);
    s.price(100, 60);
    expect(fills(s.events)).toEqual([]);
    s.price(99.75, 70);
    expect(fills(s.events)).toEqual([
      {
        type: 'order.filled',
        ts: 70,
        tag: 'p1-e0',
        orderId: 'SIM-1',
        price: 100,
        quantity: 1,
        side: 'buy',
        fees: 1.4,
      },
    ]);
    expect(s.exchange.position('ES')).toBe(1);
  });

  it('does not fill before the acknowledgement even when price crosses', () => {
    const s = setup();
    s.run(s.buyEntry(100));
    s.price(99, 49);
    expect(fills(s.events)).toEqual([]);
    s.price(99, 50);
    expect(fills(s.events)).toHaveLength(1);
  });

  it('fills on touch when fillOnTouch is set', () => {
    const s = setup({ fillOnTouch: true });
    s.run(s.buyEntry(100));
    s.price(101, 50);
    s.price(100, 60);
    expect(fills(s.events)).toHaveLength(1);
  });

  it('fills at the better price when the market gaps through the limit', () => {
    const s = setup();
    s.run(s.buyEntry(100));
    s.price(101, 50);
    s.price(98.5, 60_000, false);
    expect(fills(s.events)[0]).toMatchObject({ price: 98.5 });
  });

  it('sells mirror buys', () => {
    const s = setup();
    s.run({
      ...base,
      type: 'placeEntry',
      signalId: 's1',
      side: 'sell',
      legs: [{ tag: 'p1-e0', price: 100, quantity: 2 }],
      stopPrice: 99,
    });
    s.price(99, 50);
    s.price(100, 60);
    expect(fills(s.events)).toEqual([]);
    s.price(100.25, 70);
    expect(fills(s.events)[0]).toMatchObject({ price: 100, quantity: 2, side: 'sell', fees: 2.8 });
    expect(s.exchange.position('ES')).toBe(-2);
  });

  it('fills partially with maxFillPerPoint and with the print size', () => {
    const s = setup({ maxFillPerPoint: 2 });
    s.run(s.buyEntry(100, 5));
    s.price(99, 50);
    s.price(99, 51);
    s.price(99, 52);
    expect(fills(s.events).map((e) => (e.type === 'order.filled' ? e.quantity : 0))).toEqual([2, 2, 1]);
    const t = setup({ fillFromPrintSize: true });
    t.run(t.buyEntry(100, 3));
    t.price(99, 50, false, 1);
    t.price(99, 51, false, 5);
    expect(fills(t.events).map((e) => (e.type === 'order.filled' ? e.quantity : 0))).toEqual([1, 2]);
  });
});

describe('SimulatedExchange: market and stop orders', () => {
  it('fills a close at the next price with adverse slippage', () => {
    const s = setup({ slippageTicks: 2 });
    s.run(s.buyEntry(100));
    s.price(99, 50);
    s.run({
      ...base,
      ts: 50,
      type: 'closePosition',
      side: 'sell',
      quantity: 1,
      tag: 'p1-x0',
      reason: 'close_alert',
    });
    s.price(101, 60);
    expect(fills(s.events)).toHaveLength(1);
    s.price(101, 100);
    expect(fills(s.events)[1]).toMatchObject({ tag: 'p1-x0', price: 100.5, side: 'sell' });
    expect(s.exchange.position('ES')).toBe(0);
  });

  it('triggers a protective sell stop at or through the stop and fills one tick worse', () => {
    const s = setup();
    s.run(s.buyEntry(100));
    s.price(99.75, 50);
    s.run({ ...base, type: 'moveStop', side: 'sell', stopPrice: 98, quantity: 1, tag: 'p1-s0' });
    s.price(98.25, 100);
    expect(fills(s.events)).toHaveLength(1);
    s.price(98, 110);
    expect(fills(s.events)[1]).toMatchObject({ tag: 'p1-s0', price: 97.75, side: 'sell' });
  });

  it('fills a gapped stop at the gap price minus slippage', () => {
    const s = setup();
    s.run({ ...base, type: 'moveStop', side: 'sell', stopPrice: 98, quantity: 1, tag: 'p1-s0' });
    s.price(99, 50);
    s.price(96, 60_000, false);
    expect(fills(s.events)[0]).toMatchObject({ price: 95.75 });
  });

  it('moving the stop to a new tag cancels the old one; quantity 0 cancels it', () => {
    const s = setup();
    s.run({ ...base, type: 'moveStop', side: 'sell', stopPrice: 98, quantity: 1, tag: 'p1-s0' });
    s.price(99.5, 50);
    s.run({ ...base, type: 'moveStop', side: 'sell', stopPrice: 99, quantity: 1, tag: 'p1-s1' });
    s.price(99.5, 100);
    expect(s.events.map((e) => `${e.type}:${'tag' in e ? e.tag : ''}`)).toEqual([
      'order.accepted:p1-s0',
      'order.cancelled:p1-s0',
      'order.accepted:p1-s1',
    ]);
    s.run({ ...base, type: 'moveStop', side: 'sell', stopPrice: 99, quantity: 0, tag: 'p1-s2' });
    s.price(99.5, 150);
    s.price(90, 160);
    expect(s.events.map((e) => `${e.type}:${'tag' in e ? e.tag : ''}`).slice(3)).toEqual([
      'order.cancelled:p1-s1',
    ]);
  });
});

describe('SimulatedExchange: orders that start working against the market', () => {
  const close = (tag: string, triggerPrice?: number): EngineCommand => ({
    ...base,
    type: 'closePosition',
    side: 'sell',
    quantity: 1,
    tag,
    reason: triggerPrice === undefined ? 'manual' : 'target_tp3',
    ...(triggerPrice === undefined ? {} : { triggerPrice }),
  });
  const long = () => {
    const s = setup();
    s.run(s.buyEntry(100));
    s.price(100.5, 50);
    s.price(99.75, 60); // fills at 100
    return s;
  };

  it('a market exit fills at the price that sent it, when it starts working, not at a later point', () => {
    const s = long();
    s.price(98, 100);
    s.run(close('p1-x1'));
    s.clock.advanceTo(150); // acknowledged: the market is still at 98
    s.price(110, 200); // the bar's next extreme, too late for it
    expect(fills(s.events).at(-1)).toMatchObject({ tag: 'p1-x1', price: 97.75, ts: 150 });
  });

  it('a favourable exit that swept through its level fills at the level, a gap through it at the gap', () => {
    const s = long();
    s.price(110, 100, true); // swept up from 99.75 to 110 through the 105 target
    s.run(close('p1-x1', 105));
    s.clock.advanceTo(150);
    expect(fills(s.events).at(-1)).toMatchObject({ tag: 'p1-x1', price: 104.75 });
    const t = long();
    t.price(110, 100, false); // gapped to 110 (a bar's open): the market was there
    t.run(close('p1-x1', 105));
    t.clock.advanceTo(150);
    expect(fills(t.events).at(-1)).toMatchObject({ tag: 'p1-x1', price: 109.75 });
  });

  it('a marketable limit fills at the market, and a stop already through at the market less slippage', () => {
    const s = setup();
    s.price(99, 10);
    s.run(s.buyEntry(100)); // the market (99) is below the buy limit
    s.clock.advanceTo(60);
    expect(fills(s.events)).toEqual([expect.objectContaining({ tag: 'p1-e0', price: 99, ts: 60 })]);
    s.price(97, 100);
    s.run({ ...base, type: 'moveStop', side: 'sell', stopPrice: 98, quantity: 1, tag: 'p1-s1' });
    s.clock.advanceTo(150);
    expect(fills(s.events).at(-1)).toMatchObject({ tag: 'p1-s1', price: 96.75, ts: 150 });
  });
});

describe('SimulatedExchange: cancels and rejects', () => {
  it('cancels a working entry, and an order can fill while its cancel is in flight', () => {
    const s = setup();
    s.run(s.buyEntry(100));
    s.price(101, 50);
    s.run({ ...base, ts: 50, type: 'cancelEntry', tags: ['p1-e0'] });
    s.price(101, 100);
    expect(s.events.at(-1)).toMatchObject({ type: 'order.cancelled', tag: 'p1-e0', ts: 100 });
    const t = setup();
    t.run(t.buyEntry(100));
    t.price(101, 50);
    t.run({ ...base, ts: 50, type: 'cancelEntry', tags: ['p1-e0'] });
    t.price(99, 60);
    t.price(99, 100);
    expect(t.events.map((e) => e.type)).toEqual(['order.accepted', 'order.filled', 'order.rejected']);
    expect(t.events.at(-1)).toMatchObject({ reason: 'order "p1-e0" is already filled' });
  });

  it('rejects off-grid prices, bad quantities, reused tags and unknown tags on cancel', () => {
    const s = setup();
    s.run(s.buyEntry(100.1, 1, 'a-e0'));
    s.run(s.buyEntry(100, 0, 'b-e0'));
    s.run(s.buyEntry(100, 1.5, 'c-e0'));
    s.run(s.buyEntry(100, 1, 'd-e0'));
    s.run(s.buyEntry(100, 1, 'd-e0'));
    s.run({ ...base, type: 'cancelEntry', tags: ['nope-e0'] });
    s.run({
      ...base,
      symbol: 'XYZ',
      type: 'closePosition',
      side: 'sell',
      quantity: 1,
      tag: 'e-x0',
      reason: 'manual',
    });
    s.price(101, 50);
    const rejected = s.events
      .filter((e) => e.type === 'order.rejected')
      .map((e) => (e.type === 'order.rejected' ? `${e.tag}: ${e.reason}` : ''));
    expect(rejected).toEqual([
      'a-e0: price 100.1 is not on the 0.25 tick grid of ES',
      'b-e0: quantity 0 must be a whole number of contracts ≥ 1',
      'c-e0: quantity 1.5 must be a whole number of contracts ≥ 1',
      'd-e0: tag "d-e0" was already used; every order needs a new tag',
      'e-x0: unknown symbol "XYZ"',
      // A cancel is judged when it reaches the book, after the ack latency.
      'nope-e0: no order with tag "nope-e0" to cancel',
    ]);
  });
});

describe('SimulatedExchange: the cached trigger band', () => {
  it('says a price range is quiet only when no working order can trigger inside it', () => {
    const s = setup();
    expect(s.exchange.quietBetween('ES', 90, 110)).toBe(true);
    s.run(s.buyEntry(100));
    expect(s.exchange.quietBetween('ES', 90, 110)).toBe(true); // not acknowledged yet
    s.price(101, 50);
    expect(s.exchange.quietBetween('ES', 100.25, 105)).toBe(true);
    expect(s.exchange.quietBetween('ES', 100, 105)).toBe(true); // a limit needs a trade through it
    expect(s.exchange.quietBetween('ES', 99.75, 105)).toBe(false);
    const t = setup();
    t.run({ ...base, type: 'moveStop', side: 'sell', stopPrice: 99, quantity: 1, tag: 'p1-s0' });
    // No price yet: a market order that starts working now waits for the next point.
    t.clock.advanceTo(50);
    expect(t.exchange.quietBetween('ES', 99.25, 110)).toBe(true);
    expect(t.exchange.quietBetween('ES', 99, 110)).toBe(false); // a sell stop triggers at or below it
    t.run({
      ...base,
      ts: 50,
      type: 'closePosition',
      side: 'sell',
      quantity: 1,
      tag: 'p1-x0',
      reason: 'manual',
    });
    t.clock.advanceTo(100); // acknowledged, not filled yet: a working market order is never quiet
    expect(t.exchange.quietBetween('ES', 99.25, 110)).toBe(false);
    t.price(101, 101);
    // Nothing was held: a close flattens what is open and never opens the other way.
    expect(fills(t.events)).toHaveLength(0);
    t.clock.advanceTo(200);
    expect(t.events.some((e) => e.type === 'order.cancelled' && e.tag === 'p1-x0')).toBe(true);
    expect(t.exchange.quietBetween('ES', 99.25, 110)).toBe(true);
  });

  it('gives the same fills as checking every order on every price (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 380, max: 420 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 370, max: 430 }), { minLength: 1, maxLength: 60 }),
        (limits, path) => {
          const s = setup({ ackLatencyMs: 0 });
          limits.forEach((l, i) => {
            s.run({
              ...base,
              type: 'placeEntry',
              signalId: 's1',
              side: i % 2 ? 'sell' : 'buy',
              legs: [{ tag: `p${i}-e0`, price: l / 4, quantity: 1 }],
              stopPrice: l / 4 - 1,
            });
          });
          path.forEach((p, i) => {
            s.price(p / 4, i + 1);
          });
          // Oracle: a limit fills at the first price strictly through it.
          const expected = limits
            .map((l, i) => {
              const buy = i % 2 === 0;
              const at = path.findIndex((p) => (buy ? p < l : p > l));
              return at < 0 ? null : `p${i}-e0@${at + 1}`;
            })
            .filter((x) => x !== null)
            .sort();
          const actual = fills(s.events)
            .map((e) => `${e.tag}@${e.ts}`)
            .sort();
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
