import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { TopstepxBroker } from '../../../src/adapters/topstepx/broker.ts';
import type { ProjectXHubs } from '../../../src/adapters/topstepx/hubs.ts';
import {
  applyReconciliation,
  type KnownPosition,
  Reconciler,
  reconcile,
} from '../../../src/adapters/topstepx/reconcile.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import type { BrokerEvent } from '../../../src/domain/events.ts';
import { ACCOUNT, client, gateway, hubsFor, until } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;
let es: string;
let nq: string;
const since = () => Date.now() - 3_600_000;

async function setup(quirks = {}) {
  gw = await gateway({ quirks });
  rest = client(gw);
  await rest.availableContracts();
  es = gw.activeContractId('ES');
  nq = gw.activeContractId('NQ');
  gw.pushPrice(es, 5000);
  gw.pushPrice(nq, 20000);
}

async function buyAtMarket(contractId: string, size: number, price: number, tag?: string) {
  await rest.placeOrder({
    accountId: ACCOUNT,
    contractId,
    type: 2,
    side: 0,
    size,
    ...(tag ? { customTag: tag } : {}),
  });
  gw.pushPrice(contractId, price);
}

afterEach(async () => {
  await gw.close();
});

describe('reconcile: diff of broker state against what the engine knows', () => {
  beforeEach(() => setup({ closeLeavesWorkingOrders: true }));

  it('finds unknown exposure and flattens it under the flatten policy', async () => {
    await buyAtMarket(nq, 2, 20000);
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [],
      knownOrderTags: [],
      since: since(),
    });
    expect(diff.unknownExposure.map((p) => [p.contractId, p.size])).toEqual([[nq, 2]]);
    const applied = await applyReconciliation(diff, { rest, accountId: ACCOUNT, unknownExposure: 'flatten' });
    expect(applied.flattened).toHaveLength(1);
    gw.pushPrice(nq, 20001);
    expect(gw.positions(ACCOUNT)).toEqual([]);
  });

  it('adopts unknown exposure under the adopt policy and sends nothing', async () => {
    await buyAtMarket(nq, 1, 20000);
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [],
      knownOrderTags: [],
      since: since(),
    });
    const before = gw.restCalls().length;
    const applied = await applyReconciliation(diff, { rest, accountId: ACCOUNT, unknownExposure: 'adopt' });
    expect(applied.adopted.map((p) => p.contractId)).toEqual([nq]);
    expect(gw.restCalls().length).toBe(before);
    expect(gw.positions(ACCOUNT)).toHaveLength(1);
  });

  it('reports our positions closed while away, with the fills that closed them', async () => {
    await buyAtMarket(es, 1, 5000, 'a-e0');
    await rest.closeContract(ACCOUNT, es);
    gw.pushPrice(es, 5002);
    const known: KnownPosition[] = [{ positionId: 'a', contractId: es, side: 'long', quantity: 1 }];
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: known,
      knownOrderTags: ['a-e0'],
      since: since(),
    });
    expect(diff.closedWhileAway).toHaveLength(1);
    expect(diff.closedWhileAway[0]!.fills.map((f) => [f.side, f.price])).toEqual([
      [0, 5000],
      [1, 5002],
    ]);
    expect(diff.unknownExposure).toEqual([]);
  });

  it('flags a size mismatch when both sides hold the contract differently', async () => {
    await buyAtMarket(es, 2, 5000, 'b-e0');
    const known: KnownPosition[] = [{ positionId: 'b', contractId: es, side: 'long', quantity: 1 }];
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: known,
      knownOrderTags: ['b-e0'],
      since: since(),
    });
    expect(diff.sizeMismatches.map((m) => m.broker.size)).toEqual([2]);
  });

  it('cancels a stop left behind after a flatten, but keeps a resting entry leg', async () => {
    await buyAtMarket(es, 1, 5000, 'c-e0');
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: es,
      type: 4,
      side: 1,
      size: 1,
      stopPrice: 4990,
      customTag: 'c-s1',
    });
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: es,
      type: 1,
      side: 0,
      size: 1,
      limitPrice: 4950,
      customTag: 'd-e0',
    });
    await rest.closeContract(ACCOUNT, es); // the quirk leaves c-s1 working
    gw.pushPrice(es, 5001);
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [],
      knownOrderTags: ['c-e0', 'c-s1', 'd-e0'],
      since: since(),
    });
    expect(diff.ordersToCancel.map((o) => o.customTag)).toEqual(['c-s1']);
    const applied = await applyReconciliation(diff, { rest, accountId: ACCOUNT, unknownExposure: 'adopt' });
    expect(applied.cancelled).toHaveLength(1);
    expect(gw.orders(ACCOUNT).find((o) => o.customTag === 'c-s1')?.status).toBe(3);
    expect(gw.orders(ACCOUNT).find((o) => o.customTag === 'd-e0')?.status).toBe(1);
  });

  it('keeps a bracket stop waiting on its working entry, cancels one left after its entry filled and was flattened', async () => {
    const bracketed = (tag: string, limitPrice: number) =>
      rest.placeOrder({
        accountId: ACCOUNT,
        contractId: es,
        type: 1,
        side: 0,
        size: 1,
        limitPrice,
        customTag: tag,
        stopLossBracket: { ticks: -8, type: 4 },
      });
    await bracketed('w-e0', 4950); // rests: its stop child is Suspended
    await bracketed('f-e0', 5000);
    gw.pushPrice(es, 5000); // f-e0 fills: its child goes live
    await rest.closeContract(ACCOUNT, es); // the quirk leaves the live child working
    gw.pushPrice(es, 5001);
    const byTag = (tag: string) => gw.orders(ACCOUNT).find((o) => o.customTag === tag)!.id;
    const childOf = (tag: string) => gw.orders(ACCOUNT).find((o) => o.parentOrderId === byTag(tag))!;
    expect([childOf('w-e0').status, childOf('f-e0').status]).toEqual([8, 1]);
    // Before the restored engine knows any tag (the first reconciliation after a restart).
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [],
      knownOrderTags: [],
      since: since(),
    });
    expect(diff.ordersToCancel.map((o) => o.id)).toEqual([childOf('f-e0').id]);
  });

  it('finds fills of our tagged orders the engine has not seen, and only those', async () => {
    await buyAtMarket(es, 1, 5000, 'e-e0');
    await buyAtMarket(nq, 1, 20000, 'someone-else');
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [{ positionId: 'e', contractId: es, side: 'long', quantity: 1 }],
      knownOrderTags: ['e-e0'],
      since: since(),
    });
    expect(diff.missedFills.map((m) => m.tag)).toEqual(['e-e0']);
    const seen = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [],
      knownOrderTags: ['e-e0'],
      since: since(),
      isFillSeen: () => true,
    });
    expect(seen.missedFills).toEqual([]);
  });
});

describe('reconcile: positions the broker closed by itself', () => {
  beforeEach(() => setup());

  /** Every fill so far, as if the engine had seen them all (the state just before the broker acts). */
  const seenNow = async () => {
    const ids = new Set((await rest.searchTrades(ACCOUNT, since())).map((t) => t.id));
    return (id: number) => ids.has(id);
  };

  it('attributes a close the bot did not send to the position, at the broker fill price', async () => {
    await buyAtMarket(es, 2, 5000, 'g-e0');
    const isFillSeen = await seenNow();
    await rest.closeContract(ACCOUNT, es); // untagged: not ours
    gw.pushPrice(es, 5003);
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [{ positionId: 'g', contractId: es, side: 'long', quantity: 2 }],
      knownOrderTags: ['g-e0'],
      since: since(),
      isFillSeen,
    });
    expect(diff.flattenedByBroker).toEqual([
      expect.objectContaining({
        quantity: 2,
        fills: [expect.objectContaining({ price: 5003, quantity: 2 })],
      }),
    ]);
    expect(diff.flattenedByBroker[0]!.position.positionId).toBe('g');
    expect(diff.missedFills).toEqual([]);
  });

  it('shares one broker close over two positions on the same contract, never using a fill twice', async () => {
    await buyAtMarket(es, 1, 5000, 'h-e0');
    await buyAtMarket(es, 2, 5001, 'i-e0');
    const isFillSeen = await seenNow();
    await rest.closeContract(ACCOUNT, es);
    gw.pushPrice(es, 5004);
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [
        { positionId: 'h', contractId: es, side: 'long', quantity: 1 },
        { positionId: 'i', contractId: es, side: 'long', quantity: 2 },
      ],
      knownOrderTags: ['h-e0', 'i-e0'],
      since: since(),
      isFillSeen,
    });
    expect(diff.flattenedByBroker.map((f) => [f.position.positionId, f.quantity])).toEqual([
      ['h', 1],
      ['i', 2],
    ]);
    const total = diff.flattenedByBroker.flatMap((f) => f.fills).reduce((n, f) => n + f.quantity, 0);
    expect(total).toBe(3);
  });

  it('counts our own exits the engine missed first: only the rest was the broker', async () => {
    await buyAtMarket(es, 2, 5000, 'j-e0');
    await buyAtMarket(nq, 1, 20000, 'k-e0');
    const isFillSeen = await seenNow();
    // j: one contract closed by our own exit (missed), the other by the broker.
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: es,
      type: 2,
      side: 1,
      size: 1,
      customTag: 'j-x1',
    });
    gw.pushPrice(es, 5002);
    await rest.closeContract(ACCOUNT, es);
    gw.pushPrice(es, 5001);
    // k: closed entirely by our own exit (missed): nothing for the broker.
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: nq,
      type: 2,
      side: 1,
      size: 1,
      customTag: 'k-x1',
    });
    gw.pushPrice(nq, 20010);
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [
        { positionId: 'j', contractId: es, side: 'long', quantity: 2 },
        { positionId: 'k', contractId: nq, side: 'long', quantity: 1 },
      ],
      knownOrderTags: ['j-e0', 'j-x1', 'k-e0', 'k-x1'],
      since: since(),
      isFillSeen,
    });
    expect(diff.missedFills.map((m) => m.tag).sort()).toEqual(['j-x1', 'k-x1']);
    expect(
      diff.flattenedByBroker.map((f) => [f.position.positionId, f.quantity, f.fills.map((x) => x.price)]),
    ).toEqual([['j', 1, [5001]]]);
  });

  it('without isFillSeen an own fill already delivered would count as missed (why the session passes it)', async () => {
    await buyAtMarket(es, 1, 5000, 'm-e0');
    await rest.closeContract(ACCOUNT, es);
    gw.pushPrice(es, 5001);
    const diff = await reconcile(rest, {
      accountId: ACCOUNT,
      knownPositions: [{ positionId: 'm', contractId: es, side: 'long', quantity: 1 }],
      knownOrderTags: ['m-e0'],
      since: since(),
    });
    // The delivered entry counted again makes 2 to account for; only 1 broker fill exists.
    expect(diff.flattenedByBroker[0]!.quantity).toBe(2);
  });
});

describe('Reconciler with live hubs', () => {
  let hubs: ProjectXHubs;
  let broker: TopstepxBroker;
  let events: BrokerEvent[];
  let sub: Subscription;

  beforeEach(async () => {
    await setup();
    hubs = hubsFor(gw, rest);
    await hubs.start();
    broker = new TopstepxBroker({ rest, hubs, accountId: ACCOUNT, settleDelayMs: 10 });
    events = [];
    sub = broker.events$.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    sub.unsubscribe();
    await hubs.stop();
  });

  const reconciler = (hubGraceMs = 0) =>
    new Reconciler({
      rest,
      broker,
      hubs,
      accountId: ACCOUNT,
      unknownExposure: 'flatten',
      knownState: () => ({ knownPositions: [], knownOrderTags: broker.knownOrderTags() }),
      hubGraceMs,
    });

  it('tells the engine once that the broker closed a position, however often it reconciles', async () => {
    broker.execute({
      positionId: 'n',
      accountId: String(ACCOUNT),
      symbol: 'ES',
      contractId: es,
      ts: 0,
      type: 'placeEntry',
      signalId: 's1',
      side: 'buy',
      legs: [{ tag: 'n-e0', price: 5000, quantity: 1 }],
      stopPrice: 4990,
    });
    await broker.idle();
    gw.pushPrice(es, 5000);
    await until(() => events.some((e) => e.type === 'order.filled'), 'entry fill');
    await rest.closeContract(ACCOUNT, es);
    gw.pushPrice(es, 4998);
    const r = new Reconciler({
      rest,
      broker,
      hubs,
      accountId: ACCOUNT,
      unknownExposure: 'adopt',
      knownState: () => ({
        knownPositions: [{ positionId: 'n', contractId: es, side: 'long', quantity: 1 }],
        knownOrderTags: broker.knownOrderTags(),
        isFillSeen: (id) => broker.hasSeenFill(id),
      }),
    });
    await r.run('test');
    await r.run('again');
    const flats = events.filter((e) => e.type === 'position.flattened');
    expect(flats).toEqual([
      expect.objectContaining({ positionId: 'n', quantity: 1, fills: [{ price: 4998, quantity: 1 }] }),
    ]);
    r.stop();
  });

  it('closes the gate while reconciling and opens it when done, at start and after a reconnect', async () => {
    const r = reconciler();
    const states: boolean[] = [];
    r.ready$.subscribe((ready) => states.push(ready));
    await r.start();
    expect(r.isReady()).toBe(true);
    const again = firstValueFrom(r.reconciled$.pipe(filter((report) => report.reason.includes('hub'))));
    gw.faults.dropConnections('user');
    const report = await again;
    expect(report.reason).toMatch(/user hub reconnected/);
    await r.whenReady();
    expect(states[0]).toBe(false);
    expect(states).toContain(true);
    r.stop();
  });

  it('detects a stalled user hub (health red), reconciles and delivers the missed fill once', async () => {
    const r = reconciler();
    await r.start();
    broker.execute({
      positionId: 'f',
      accountId: String(ACCOUNT),
      symbol: 'ES',
      contractId: es,
      ts: 0,
      type: 'placeEntry',
      signalId: 's1',
      side: 'buy',
      legs: [{ tag: 'f-e0', price: 4999, quantity: 1 }],
      stopPrice: 4998,
    });
    await broker.idle();
    gw.faults.stall('user', true);
    gw.pushPrice(es, 4999); // fills; the stalled hub says nothing
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events.filter((e) => e.type === 'order.filled')).toHaveLength(0);

    const reds: string[] = [];
    hubs.health$.subscribe((h) => h.userHub === 'red' && h.reason && reds.push(h.reason));
    const missed = await r.checkUserHub();
    expect(missed).toBe(1);
    expect(reds.some((reason) => /missed 1 order update/.test(reason))).toBe(true);
    await until(
      () => events.some((e) => e.type === 'order.filled' && e.tag === 'f-e0'),
      'missed fill replayed',
    );
    gw.faults.stall('user', false);
    await r.whenReady();
    await until(() => hubs.currentHealth.userHub === 'green', 'user hub back to green');
    expect(events.filter((e) => e.type === 'order.filled')).toHaveLength(1);
    r.stop();
  });
});
