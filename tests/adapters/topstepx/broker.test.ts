import type { Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT, type LocalGateway } from '../../../sim/gateway/index.ts';
import { TopstepxBroker } from '../../../src/adapters/topstepx/broker.ts';
import type { ProjectXHubs } from '../../../src/adapters/topstepx/hubs.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import type { BrokerEvent, EngineCommand } from '../../../src/domain/events.ts';
import { ACCOUNT, client, gateway, hubsFor, until } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;
let hubs: ProjectXHubs;
let broker: TopstepxBroker;
let events: BrokerEvent[];
let sub: Subscription;
let es: string;

const base = () => ({ positionId: 'p1', accountId: String(ACCOUNT), symbol: 'ES', contractId: es, ts: 0 });

beforeEach(async () => {
  gw = await gateway();
  rest = client(gw, { requestTimeoutMs: 200 });
  await rest.availableContracts();
  es = gw.activeContractId('ES');
  hubs = hubsFor(gw, rest);
  await hubs.start();
  broker = new TopstepxBroker({ rest, hubs, accountId: ACCOUNT, settleDelayMs: 10 });
  events = [];
  sub = broker.events$.subscribe((e) => events.push(e));
  gw.pushPrice(es, 5000);
});
afterEach(async () => {
  sub.unsubscribe();
  broker.dispose();
  await hubs.stop();
  await gw.close();
});

const ofType = (type: BrokerEvent['type'], tag?: string) =>
  events.filter((e) => e.type === type && (!tag || ('tag' in e && e.tag === tag)));

/** p1's entry: one buy leg at 4999, the plan's stop at `stopPrice`. */
const longEntry = (quantity: number, stopPrice = 4998): EngineCommand => ({
  ...base(),
  type: 'placeEntry',
  signalId: 's1',
  side: 'buy',
  legs: [{ tag: 'p1-e0', price: 4999, quantity }],
  stopPrice,
});

/** p1's protective stop (a long's: a sell stop) at `stopPrice` for `quantity` contracts. */
const stopAt = (stopPrice: number, quantity: number): EngineCommand => ({
  ...base(),
  type: 'moveStop',
  side: 'sell',
  stopPrice,
  quantity,
  tag: 'p1-s1',
});

/** Place p1's entry (one buy leg at 4999) and trade through it. */
const enterLong = async (quantity: number) => {
  broker.execute(longEntry(quantity));
  await broker.idle();
  gw.pushPrice(es, 4999);
  await until(() => ofType('order.filled', 'p1-e0')[0], 'entry fill');
};

describe('TopstepX broker adapter: commands to REST, replies to BrokerEvents', () => {
  it('round trip: entry legs, fill, protective stop moved, partial and full close', async () => {
    const exec = (c: EngineCommand) => broker.execute(c);
    exec({
      ...base(),
      type: 'placeEntry',
      signalId: 's1',
      side: 'buy',
      legs: [
        { tag: 'p1-e0', price: 4999, quantity: 2 },
        { tag: 'p1-e1', price: 4990, quantity: 1 },
      ],
      stopPrice: 4985,
    });
    await broker.idle();
    await until(() => ofType('order.accepted').length === 2, 'both legs accepted');
    expect(
      gw
        .orders(ACCOUNT)
        .filter((o) => o.type === 1)
        .map((o) => [o.customTag, o.limitPrice, o.size]),
    ).toEqual([
      ['p1-e0', 4999, 2],
      ['p1-e1', 4990, 1],
    ]);

    gw.pushPrice(es, 4999);
    const fill = await until(() => ofType('order.filled', 'p1-e0')[0], 'entry fill');
    expect(fill).toMatchObject({ tag: 'p1-e0', price: 4999, quantity: 2, side: 'buy' });
    expect(fill?.ts).toBe(Date.parse(gw.trades(ACCOUNT)[0]!.creationTimestamp));

    exec(stopAt(4980, 2));
    exec(stopAt(4995.25, 2));
    exec({ ...base(), type: 'cancelEntry', tags: ['p1-e1'] });
    await broker.idle();
    const stop = gw.orders(ACCOUNT).find((o) => o.customTag === 'p1-s1');
    expect(stop).toMatchObject({ type: 4, stopPrice: 4995.25, size: 2, side: 1 });
    await until(() => ofType('order.cancelled', 'p1-e1').length === 1, 'entry leg cancelled');

    exec({ ...base(), type: 'closePosition', side: 'sell', quantity: 1, tag: 'p1-x1', reason: 'manual' });
    exec(stopAt(4995.25, 1));
    await broker.idle();
    gw.pushPrice(es, 5001);
    await until(() => ofType('order.filled', 'p1-x1').length === 1, 'partial close fill');
    expect(gw.positions(ACCOUNT)[0]?.size).toBe(1);
    expect(gw.orders(ACCOUNT).find((o) => o.customTag === 'p1-s1')?.size).toBe(1);

    exec({ ...base(), type: 'closePosition', side: 'sell', quantity: 1, tag: 'p1-x2', reason: 'manual' });
    exec(stopAt(4995.25, 0));
    await broker.idle();
    gw.pushPrice(es, 5002);
    await until(() => ofType('order.filled', 'p1-x2').length === 1, 'final close fill');
    await until(() => ofType('order.cancelled', 'p1-s1').length === 1, 'stop cancelled');
    expect(gw.positions(ACCOUNT)).toEqual([]);

    // Every event exactly once, even though REST results and hub events both reported them.
    const keys = events.map(
      (e) =>
        `${e.type}:${'tag' in e ? e.tag : ''}:${'orderId' in e ? e.orderId : ''}:${e.type === 'order.filled' ? e.quantity : ''}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(ofType('order.accepted').map((e) => ('tag' in e ? e.tag : ''))).toEqual([
      'p1-e0',
      'p1-e1',
      'p1-s1',
      'p1-x1',
      'p1-x2',
    ]);
  });

  it('an exit after the protective stop already filled closes nothing (no reversal)', async () => {
    const exec = (c: EngineCommand) => broker.execute(c);
    await enterLong(2);
    exec(stopAt(4995, 2));
    await broker.idle();
    // The print that fills the broker-side stop is the tick that makes the engine leave at market.
    gw.pushPrice(es, 4995);
    await until(() => ofType('order.filled', 'p1-s1')[0], 'stop fill');
    exec({
      ...base(),
      type: 'closePosition',
      side: 'sell',
      quantity: 2,
      tag: 'p1-x1',
      reason: 'initial_stop',
    });
    await broker.idle();
    gw.pushPrice(es, 4994);
    gw.pushPrice(es, 4993);
    expect(gw.orders(ACCOUNT).find((o) => o.customTag === 'p1-x1')).toBeUndefined();
    expect(gw.positions(ACCOUNT)).toEqual([]);
  });

  it('after a restart that missed the stop fill, an exit replays that fill instead of closing again', async () => {
    const exec = (c: EngineCommand) => broker.execute(c);
    await enterLong(2);
    exec(stopAt(4995, 2));
    await broker.idle();
    // The process dies; the stop fills while it is away; a fresh adapter starts knowing nothing.
    sub.unsubscribe();
    broker.dispose();
    gw.faults.stall('user', true); // nobody hears the stop fill
    gw.pushPrice(es, 4995);
    broker = new TopstepxBroker({ rest, hubs, accountId: ACCOUNT, settleDelayMs: 10 });
    events = [];
    sub = broker.events$.subscribe((e) => events.push(e));
    broker.execute({
      ...base(),
      type: 'closePosition',
      side: 'sell',
      quantity: 2,
      tag: 'p1-x1',
      reason: 'initial_stop',
    });
    await broker.idle();
    expect(ofType('order.filled', 'p1-s1')).toMatchObject([{ quantity: 2, price: 4995 }]);
    expect(gw.orders(ACCOUNT).find((o) => o.customTag === 'p1-x1')).toBeUndefined();
    expect(gw.positions(ACCOUNT)).toEqual([]);
  });

  it('resync after a restart: fills the previous process never heard of are sent once, counted ones never', async () => {
    broker.execute(longEntry(2));
    await broker.idle();
    await until(() => ofType('order.accepted', 'p1-e0')[0], 'entry accepted');
    // Killed before the fill arrived; the entry fills while nobody listens.
    sub.unsubscribe();
    broker.dispose();
    gw.faults.stall('user', true);
    gw.pushPrice(es, 4999);
    broker = new TopstepxBroker({ rest, hubs, accountId: ACCOUNT, settleDelayMs: 10 });
    events = [];
    sub = broker.events$.subscribe((e) => events.push(e));
    const counted = { positionId: 'p1', entryFilled: { 'p1-e0': 0 }, exitedQty: 0 };
    expect(await broker.resync(() => [counted])).toEqual({ orders: 1, fills: 1 });
    // States are re-sent on purpose (the machine takes them idempotently); fills only what is missing.
    expect(ofType('order.accepted', 'p1-e0').length).toBeGreaterThan(0);
    expect(ofType('order.filled')).toMatchObject([{ tag: 'p1-e0', quantity: 2, price: 4999, side: 'buy' }]);
    // Once the actor has counted them, the same fills are never sent again (a second resync, the hub).
    events = [];
    expect(await broker.resync(() => [{ ...counted, entryFilled: { 'p1-e0': 2 } }])).toEqual({
      orders: 1,
      fills: 0,
    });
    gw.faults.stall('user', false);
    expect(ofType('order.filled')).toEqual([]);
    // A position this instance resynced needs no tag lookup: its stop is placed at once.
    const searches = gw.restCalls().filter((c) => c.path === '/api/Order/search').length;
    broker.execute(stopAt(4995, 2));
    await broker.idle();
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-s1')).toMatchObject([
      { stopPrice: 4995, size: 2 },
    ]);
    expect(gw.restCalls().filter((c) => c.path === '/api/Order/search').length).toBe(searches);
  });

  it('resync sends only the part of a fill the actor did not count, and closing fills after the entry', async () => {
    await enterLong(3);
    broker.execute(stopAt(4995, 3));
    await broker.idle();
    sub.unsubscribe();
    broker.dispose();
    gw.faults.stall('user', true);
    gw.pushPrice(es, 4995); // the stop fills while the bot is down
    broker = new TopstepxBroker({ rest, hubs, accountId: ACCOUNT, settleDelayMs: 10 });
    events = [];
    sub = broker.events$.subscribe((e) => events.push(e));
    // The actor had counted one contract of the entry (it died mid-way through its events).
    await broker.resync(() => [{ positionId: 'p1', entryFilled: { 'p1-e0': 1 }, exitedQty: 0 }]);
    const filled = events.filter((e) => e.type === 'order.filled');
    expect(filled).toMatchObject([
      { tag: 'p1-e0', quantity: 2, price: 4999 },
      { tag: 'p1-s1', quantity: 3, price: 4995, side: 'sell' },
    ]);
  });

  it('a protective stop whose placement stays unknown through a 429 storm is placed once the storm ends', async () => {
    gw.faults.retryAfter(false);
    const logged: string[] = [];
    const log = { debug() {}, info() {}, warn() {}, error: (_: object, m: string) => void logged.push(m) };
    sub.unsubscribe();
    broker.dispose();
    broker = new TopstepxBroker({
      rest,
      hubs,
      accountId: ACCOUNT,
      settleDelayMs: 5,
      placeRetryMs: 20,
      logger: log,
    });
    events = [];
    sub = broker.events$.subscribe((e) => events.push(e));
    await enterLong(1);
    // More 429s than one placement's lookups and retries absorb.
    gw.faults.rateLimit(30);
    broker.execute(stopAt(4995, 1));
    await broker.idle();
    expect(logged).toContain('topstepx broker: placement outcome unknown; trying again with the same tag');
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-s1')).toMatchObject([{ status: 1, size: 1 }]);
    expect(ofType('order.accepted', 'p1-s1')).toHaveLength(1);
  });

  it('reports a broker rejection once, not retryable', async () => {
    broker.execute(longEntry(0));
    await broker.idle();
    const rejected = ofType('order.rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ tag: 'p1-e0', retryable: false });
  });

  it('an ambiguous entry placement yields one order and one acceptance', async () => {
    gw.faults.holdNextPlace('timeout-then-create');
    broker.execute(longEntry(1));
    await broker.idle();
    await until(() => ofType('order.accepted').length === 1, 'acceptance');
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-e0')).toHaveLength(1);
  });

  it('never places the same tag twice when a command repeats', async () => {
    const cmd: EngineCommand = {
      ...base(),
      type: 'placeEntry',
      signalId: 's1',
      side: 'buy',
      legs: [{ tag: 'p1-e0', price: 4999, quantity: 1 }],
      stopPrice: 4998,
    };
    broker.execute(cmd);
    broker.execute(cmd);
    await broker.idle();
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-e0')).toHaveLength(1);
  });

  it('dry run sends nothing and emits nothing', async () => {
    const logged: string[] = [];
    const log = { debug() {}, info: (_: object, m: string) => void logged.push(m), warn() {}, error() {} };
    const dry = new TopstepxBroker({ rest, accountId: ACCOUNT, dryRun: true, logger: log });
    const seen: BrokerEvent[] = [];
    dry.events$.subscribe((e) => seen.push(e));
    dry.execute({
      ...base(),
      type: 'placeEntry',
      signalId: 's1',
      side: 'buy',
      legs: [{ tag: 'd-e0', price: 4999, quantity: 1 }],
      stopPrice: 4998,
    });
    await dry.idle();
    expect(gw.restCalls().filter((c) => c.path === '/api/Order/place')).toHaveLength(0);
    expect(seen).toEqual([]);
    expect(logged[0]).toMatch(/dry run: would send placeEntry/);
  });
});

describe('TopstepX broker adapter: the stop rides on the entry as a stop-loss bracket', () => {
  const bracketBroker = () =>
    new TopstepxBroker({ rest, hubs, accountId: ACCOUNT, settleDelayMs: 10, bracketStops: true });
  const restart = () => {
    sub.unsubscribe();
    broker.dispose();
    broker = bracketBroker();
    events = [];
    sub = broker.events$.subscribe((e) => events.push(e));
  };
  const placeLong = (quantity: number, stopPrice: number) => broker.execute(longEntry(quantity, stopPrice));
  /** Stop orders on the book that may still fill (working or waiting for their parent). */
  const stops = () => gw.orders(ACCOUNT).filter((o) => o.type === 4 && [1, 6, 8].includes(o.status));

  beforeEach(() => restart());

  it('the entry carries the stop; at the fill the broker activates it and the position adopts it (one stop)', async () => {
    placeLong(2, 4998);
    await broker.idle();
    const entry = gw.orders(ACCOUNT).find((o) => o.customTag === 'p1-e0')!;
    expect(stops()).toMatchObject([{ parentOrderId: entry.id, status: 8, stopPrice: 4998, size: 2 }]);
    gw.pushPrice(es, 4999);
    await until(() => ofType('order.filled', 'p1-e0')[0], 'entry fill');
    // Protected from the fill on, before the engine has said anything.
    expect(stops()).toMatchObject([{ parentOrderId: entry.id, status: 1, stopPrice: 4998 }]);
    broker.execute(stopAt(4998, 2));
    await broker.idle();
    expect(ofType('order.accepted', 'p1-s1')).toHaveLength(1);
    // The ladder moves the same order; nothing tagged p1-s1 is ever placed.
    broker.execute(stopAt(4999, 2));
    await broker.idle();
    expect(stops()).toMatchObject([{ parentOrderId: entry.id, status: 1, stopPrice: 4999, size: 2 }]);
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-s1')).toEqual([]);
    gw.pushPrice(es, 4999);
    await until(() => ofType('order.filled', 'p1-s1')[0], 'stop fill under the stop tag');
    expect(ofType('order.filled', 'p1-s1')).toMatchObject([{ quantity: 2, price: 4999, side: 'sell' }]);
    expect(gw.positions(ACCOUNT)).toEqual([]);
  });

  it('an exit cancels the adopted bracket stop before it closes', async () => {
    placeLong(1, 4998);
    await broker.idle();
    gw.pushPrice(es, 4999);
    await until(() => ofType('order.filled', 'p1-e0')[0], 'entry fill');
    broker.execute(stopAt(4998, 1));
    broker.execute(stopAt(4998, 0));
    broker.execute({
      ...base(),
      type: 'closePosition',
      side: 'sell',
      quantity: 1,
      tag: 'p1-x1',
      reason: 'close_alert',
    });
    await broker.idle();
    gw.pushPrice(es, 5000); // the market close fills on the next print
    await until(() => gw.positions(ACCOUNT).length === 0, 'flat');
    expect(stops()).toEqual([]);
    expect(ofType('order.cancelled', 'p1-s1')).toHaveLength(1);
  });

  it('a stop closer than 4 ticks goes on after the fill instead', async () => {
    placeLong(1, 4998.5);
    await broker.idle();
    expect(stops()).toEqual([]);
    gw.pushPrice(es, 4999);
    await until(() => ofType('order.filled', 'p1-e0')[0], 'entry fill');
    broker.execute(stopAt(4998.5, 1));
    await broker.idle();
    expect(stops()).toMatchObject([{ customTag: 'p1-s1', stopPrice: 4998.5, parentOrderId: null }]);
  });

  it('after a restart that missed the fill, resync adopts the live bracket stop instead of placing a second', async () => {
    placeLong(2, 4998);
    await broker.idle();
    gw.faults.stall('user', true);
    gw.pushPrice(es, 4999); // filled while the process is dead: the bracket stop is already working
    restart();
    const counted = { positionId: 'p1', entryFilled: { 'p1-e0': 0 }, exitedQty: 0, stopTag: 'p1-s1' };
    expect(await broker.resync(() => [counted])).toEqual({ orders: 2, fills: 1 });
    expect(ofType('order.accepted', 'p1-s1')).toHaveLength(1);
    broker.execute(stopAt(4998, 2));
    await broker.idle();
    expect(stops()).toHaveLength(1);
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-s1')).toEqual([]);
    // The bracket stop then fills while the process is away again: resync sends it as the stop fill.
    gw.pushPrice(es, 4998);
    restart();
    await broker.resync(() => [{ ...counted, entryFilled: { 'p1-e0': 2 } }]);
    expect(ofType('order.filled')).toMatchObject([{ tag: 'p1-s1', quantity: 2, price: 4998, side: 'sell' }]);
  });

  it('a 429 storm while it looks for its bracket: it waits the storm out and adds no second stop', async () => {
    gw.faults.retryAfter(false);
    const warned: string[] = [];
    const log = { debug() {}, info() {}, warn: (_: object, m: string) => void warned.push(m), error() {} };
    sub.unsubscribe();
    broker.dispose();
    // No hubs: the child is known only through REST, so the stop must be looked up.
    broker = new TopstepxBroker({
      rest,
      accountId: ACCOUNT,
      settleDelayMs: 5,
      placeRetryMs: 20,
      bracketStops: true,
      logger: log,
    });
    events = [];
    sub = broker.events$.subscribe((e) => events.push(e));
    placeLong(1, 4998);
    await broker.idle();
    gw.pushPrice(es, 4999);
    await until(() => stops().some((o) => o.status === 1), 'the bracket stop live');
    gw.faults.rateLimit(30);
    broker.execute(stopAt(4998.25, 1));
    await broker.idle();
    expect(warned).toContain('topstepx broker: could not look for the entry stop-loss bracket');
    expect(stops()).toMatchObject([{ customTag: null, stopPrice: 4998.25, status: 1 }]);
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-s1')).toEqual([]);
  });

  it('an account in Position Brackets mode: the rejection says how to fix it', async () => {
    const other = await gateway({ accounts: [{ ...DEFAULT_ACCOUNT, bracketMode: 'position-brackets' }] });
    try {
      const otherRest = client(other);
      await otherRest.availableContracts();
      const b = new TopstepxBroker({ rest: otherRest, accountId: ACCOUNT, bracketStops: true });
      const seen: BrokerEvent[] = [];
      b.events$.subscribe((e) => seen.push(e));
      b.execute({ ...longEntry(1), contractId: other.activeContractId('ES') });
      await b.idle();
      expect(seen).toMatchObject([{ type: 'order.rejected', tag: 'p1-e0', retryable: false }]);
      expect((seen[0] as { reason: string }).reason).toMatch(
        /Position Brackets.*Auto OCO Brackets in TopstepX, or run with --protective-stops broker/,
      );
      b.dispose();
    } finally {
      await other.close();
    }
  });

  it('a restored position whose resync failed still finds its bracket stop through REST', async () => {
    placeLong(1, 4998);
    await broker.idle();
    gw.pushPrice(es, 4999);
    await until(() => ofType('order.filled', 'p1-e0')[0], 'entry fill');
    restart(); // no resync: the new instance knows nothing of p1
    broker.execute(stopAt(4998.25, 1));
    await broker.idle();
    expect(stops()).toMatchObject([{ stopPrice: 4998.25, status: 1, customTag: null }]);
  });
});
