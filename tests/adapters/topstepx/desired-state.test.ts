/**
 * The desired-state pass against the local gateway, with a real position machine wired to the broker:
 * a stop the broker drops without a hub event is reported once and placed again under a new tag;
 * in-flight, filled and adopted bracket stops are left alone; a refused stop is retried once a pass.
 */
import type { Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topStateOf } from '../../../machines/position/ladder.ts';
import type { PositionOutputEvent } from '../../../machines/position/types.ts';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { TopstepxBroker } from '../../../src/adapters/topstepx/broker.ts';
import type { ProjectXHubs } from '../../../src/adapters/topstepx/hubs.ts';
import { silentLogger } from '../../../src/adapters/topstepx/log.ts';
import { Reconciler, type ReconcilerOptions } from '../../../src/adapters/topstepx/reconcile.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import { expectedStopsOf } from '../../../src/adapters/topstepx/venue.ts';
import type { BrokerEvent } from '../../../src/domain/events.ts';
import type { VenueRepair } from '../../../src/ports/venue.ts';
import { longPlan, request, startPosition } from '../../machines/fixtures.ts';
import { ACCOUNT, client, gateway, hubsFor, until } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;
let hubs: ProjectXHubs;
let broker: TopstepxBroker;
let events: BrokerEvent[];
let subs: Subscription[];
let es: string;
let position: ReturnType<typeof startPosition>;
let reconciler: Reconciler | undefined;

async function setup(options: { bracketStops?: boolean; stopPrice?: number; fill?: boolean } = {}) {
  gw = await gateway();
  rest = client(gw);
  await rest.availableContracts();
  es = gw.activeContractId('ES');
  gw.pushPrice(es, 100.5);
  hubs = hubsFor(gw, rest);
  await hubs.start();
  broker = new TopstepxBroker({
    rest,
    hubs,
    accountId: ACCOUNT,
    settleDelayMs: 10,
    bracketStops: options.bracketStops ?? false,
  });
  events = [];
  subs = [broker.events$.subscribe((e) => events.push(e))];
  // One long ES position, entry 100 for 1, stop at the plan's stop: its commands go to the broker,
  // the broker's events come back to it (the engine runtime in miniature).
  position = startPosition(
    request(longPlan(1, { stopPrice: options.stopPrice ?? 99 }), {
      contractId: es,
      accountId: String(ACCOUNT),
      expiresAt: Number.MAX_SAFE_INTEGER,
    }),
  );
  position.actor.on('position.output', (e: PositionOutputEvent) => {
    if (e.message.type !== 'update') broker.execute(e.message);
  });
  for (const command of position.commands()) broker.execute(command);
  subs.push(broker.events$.subscribe((e) => position.actor.send(e)));
  await broker.idle();
  if (options.fill === false) return;
  gw.pushPrice(es, 100); // the entry fills
  await until(() => position.state() === 'active', 'position active');
  await broker.idle();
}

function startReconciler(overrides: Partial<ReconcilerOptions> = {}) {
  reconciler = new Reconciler({
    rest,
    broker,
    hubs,
    accountId: ACCOUNT,
    unknownExposure: 'adopt',
    stopGraceMs: 0,
    knownState: () => {
      const ctx = position.context();
      const open = ctx.filledQty - ctx.exitedQty;
      return {
        knownPositions: open > 0 ? [{ positionId: 'p1', contractId: es, side: 'long', quantity: open }] : [],
        knownOrderTags: broker.knownOrderTags(),
        tagOf: (id) => broker.tagOf(id),
        isFillSeen: (id) => broker.hasSeenFill(id),
        expectedStops: expectedStopsOf({
          positions: () => [
            { positionId: 'p1', state: topStateOf(position.actor.getSnapshot().value), context: ctx },
          ],
        }),
      };
    },
    ...overrides,
  });
  const repairs: VenueRepair[] = [];
  subs.push(reconciler.repairs$.subscribe((r) => repairs.push(r)));
  return { r: reconciler, repairs };
}

/** Stop orders on the book that may still fill. */
const stops = () => gw.orders(ACCOUNT).filter((o) => o.type === 4 && [1, 6, 8].includes(o.status));
const ofType = (type: BrokerEvent['type'], tag?: string) =>
  events.filter((e) => e.type === type && (!tag || ('tag' in e && e.tag === tag)));

afterEach(async () => {
  reconciler?.stop();
  reconciler = undefined;
  for (const s of subs) s.unsubscribe();
  position.actor.stop();
  broker.dispose();
  await hubs.stop();
  await gw.close();
});

describe('desired-state pass: broker stops', () => {
  beforeEach(() => setup());

  it('a stop the broker dropped silently is reported once and placed again under the next tag', async () => {
    const { r, repairs } = startReconciler();
    await until(() => stops().some((o) => o.customTag === 'p1-s1'), 'the first stop working');
    expect(await r.checkDesiredState()).toEqual([]);
    const dropped = gw.faults.dropWorkingStop(ACCOUNT)!;
    expect(dropped).toMatchObject({ customTag: 'p1-s1', status: 3 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ofType('order.cancelled', 'p1-s1')).toEqual([]); // no hub event: nobody knows yet

    const found = await r.checkDesiredState();
    expect(found).toEqual([
      expect.objectContaining({
        kind: 'stop_replaced',
        accountId: String(ACCOUNT),
        positionId: 'p1',
        orderId: String(dropped.id),
        contractId: es,
        detectedBy: 'periodic',
      }),
    ]);
    expect(found[0]!.reason).toMatch(
      new RegExp(`stop ${dropped.id} \\(tag p1-s1\\) is no longer working at the broker.*re-placed`),
    );
    expect(repairs).toEqual(found);
    await broker.idle();
    await until(() => stops().some((o) => o.customTag === 'p1-s2'), 'the stop placed again');
    expect(stops()).toMatchObject([{ customTag: 'p1-s2', stopPrice: 99, size: 1, side: 1 }]);
    expect(ofType('order.cancelled', 'p1-s1')).toHaveLength(1);
    expect(position.context()).toMatchObject({ stopSeq: 2, stopQty: 1 });

    // Once: the next passes find the new stop working and repair nothing.
    expect(await r.checkDesiredState()).toEqual([]);
    expect(await r.checkDesiredState()).toEqual([]);
    expect(ofType('order.cancelled')).toHaveLength(1);
    expect(stops()).toHaveLength(1);
  });

  it('a stop created within the grace period is not looked for yet (its placement may be in flight)', async () => {
    const { r } = startReconciler({ stopGraceMs: 60_000 });
    await until(() => stops().length === 1, 'the stop working');
    gw.faults.dropWorkingStop(ACCOUNT);
    expect(await r.checkDesiredState()).toEqual([]);
    expect(ofType('order.cancelled')).toEqual([]);
  });

  it('a stop that filled without a hub event is not missing: the fill is replayed, nothing is placed again', async () => {
    const { r, repairs } = startReconciler();
    await until(() => stops().length === 1, 'the stop working');
    gw.faults.stall('user', true);
    gw.pushPrice(es, 99); // the stop fills; the stalled hub says nothing
    await until(() => gw.positions(ACCOUNT).length === 0, 'flat at the broker');
    expect(await r.checkDesiredState()).toEqual([]);
    await until(() => ofType('order.filled', 'p1-s1').length === 1, 'the stop fill replayed');
    gw.faults.stall('user', false);
    await broker.idle();
    expect(position.state()).toBe('closed');
    expect(repairs.filter((x) => x.kind === 'stop_replaced')).toEqual([]);
    expect(gw.orders(ACCOUNT).filter((o) => o.customTag === 'p1-s2')).toEqual([]);
  });

  it('after a reconnect the pass runs too (once the reconciliation is done)', async () => {
    const { r, repairs } = startReconciler();
    await r.start();
    r.startDesiredState(600_000); // on, but the timer never fires in this test
    await until(() => stops().length === 1, 'the stop working');
    gw.faults.dropWorkingStop(ACCOUNT);
    gw.faults.dropConnections('user');
    await until(() => repairs.some((x) => x.kind === 'stop_replaced'), 'repair after the reconnect');
    expect(repairs.filter((x) => x.kind === 'stop_replaced')).toMatchObject([{ detectedBy: 'reconnect' }]);
    await until(() => stops().some((o) => o.customTag === 'p1-s2'), 'the stop placed again');
  });

  it('an orphan stop (no position on its contract) is cancelled through a full run, with a record', async () => {
    const { r, repairs } = startReconciler();
    const nq = gw.activeContractId('NQ');
    gw.pushPrice(nq, 20_000);
    await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: nq,
      type: 4,
      side: 1,
      size: 1,
      stopPrice: 19_900,
    });
    await r.checkDesiredState();
    expect(gw.orders(ACCOUNT).filter((o) => o.contractId === nq && o.status === 1)).toEqual([]);
    expect(repairs).toMatchObject([{ kind: 'order_cancelled', contractId: nq, detectedBy: 'periodic' }]);
    expect(stops()).toMatchObject([{ customTag: 'p1-s1' }]); // ours stays
  });

  it('unknown exposure is adopted after two passes (not on one: a fill may be on its way), reported once', async () => {
    const { r, repairs } = startReconciler();
    const nq = gw.activeContractId('NQ');
    await rest.placeOrder({ accountId: ACCOUNT, contractId: nq, type: 2, side: 0, size: 1 });
    gw.pushPrice(nq, 20_000);
    await until(() => gw.positions(ACCOUNT).some((p) => p.contractId === nq), 'unknown position');
    await r.checkDesiredState();
    expect(repairs).toEqual([]);
    await r.checkDesiredState();
    await r.checkDesiredState();
    expect(repairs).toMatchObject([{ kind: 'position_adopted', contractId: nq }]);
  });

  it('with an adopt hook the unknown position goes into a ladder of its own; refused, it is flattened with the reason', async () => {
    const asked: number[] = [];
    let answer: { ok: true; positionId: string } | { ok: false; reason: string } = {
      ok: true,
      positionId: 'a9',
    };
    const { r, repairs } = startReconciler({
      adopt: (p) => {
        asked.push(p.size);
        return answer;
      },
    });
    const nq = gw.activeContractId('NQ');
    await rest.placeOrder({ accountId: ACCOUNT, contractId: nq, type: 2, side: 0, size: 2 });
    gw.pushPrice(nq, 20_000);
    await until(() => gw.positions(ACCOUNT).some((p) => p.contractId === nq), 'unknown position');
    await r.checkDesiredState();
    await r.checkDesiredState();
    expect(asked).toEqual([2]);
    expect(repairs).toMatchObject([{ kind: 'position_adopted', contractId: nq, positionId: 'a9' }]);
    expect(repairs[0]?.reason).toMatch(/adopted into a ladder of its own as position a9/);
    // Refused (no profile, a stop through the market…): flattened at market, the reason kept.
    answer = { ok: false, reason: 'no ladder can be built: no bars' };
    repairs.length = 0;
    await r.run('test');
    gw.pushPrice(nq, 20_000); // the market order fills on the next print
    await until(() => !gw.positions(ACCOUNT).some((p) => p.contractId === nq && p.size > 0), 'flattened');
    expect(repairs).toMatchObject([{ kind: 'position_flattened', contractId: nq }]);
    expect(repairs[0]?.reason).toMatch(
      /it cannot be adopted \(no ladder can be built: no bars\), so it was flattened at market/,
    );
  });
});

describe('desired-state pass: a user hub that stopped delivering', () => {
  beforeEach(() => setup({ fill: false }));

  it('an entry that filled with no hub event is named as missed by the hub, the hub is restarted and the fill replayed', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_: object, message: string) => warnings.push(message) };
    const stale: string[] = [];
    const { r } = startReconciler({
      hubGraceMs: 0,
      logger,
      hubs: { reconnected$: hubs.reconnected$, markStale: async (_hub, reason) => void stale.push(reason) },
    });
    await until(
      () => gw.orders(ACCOUNT).some((o) => o.customTag === 'p1-e0' && o.status === 1),
      'entry working',
    );
    expect(await r.checkDesiredState()).toEqual([]);
    expect(warnings.filter((w) => w.includes('user hub missed'))).toEqual([]); // nothing missed yet

    gw.faults.stall('user', true);
    gw.pushPrice(es, 100); // the entry fills; the stalled hub says nothing
    await until(() => gw.positions(ACCOUNT).length === 1, 'long at the broker');
    const entry = gw.orders(ACCOUNT).find((o) => o.customTag === 'p1-e0')!;
    expect(position.state()).toEqual({ pending_entry: 'working' });

    await r.checkDesiredState();
    expect(warnings).toContainEqual(
      expect.stringMatching(
        new RegExp(`user hub missed 1 order update\\(s\\) \\(order ${entry.id}\\); REST shows them filled`),
      ),
    );
    expect(stale).toHaveLength(1);
    await until(() => position.state() === 'active', 'the fill replayed into the position');
    gw.faults.stall('user', false);
    await broker.idle();
    await until(() => stops().some((o) => o.customTag === 'p1-s1'), 'its stop placed');
  });
});

describe('desired-state pass: a refused stop', () => {
  // 99.1 is off the tick grid: the gateway refuses every stop at it.
  beforeEach(() => setup({ stopPrice: 99.1 }));

  it('is tried again once a pass, never in a loop', async () => {
    const { r, repairs } = startReconciler();
    await until(() => ofType('order.rejected', 'p1-s1').length === 1, 'the first stop refused');
    expect(position.context()).toMatchObject({ stopSeq: 2, stopQty: 0 });
    const placed = () => gw.restCalls().filter((c) => c.path === '/api/Order/place').length;
    const before = placed();

    expect(await r.checkDesiredState()).toMatchObject([{ kind: 'stop_replaced', positionId: 'p1' }]);
    await broker.idle();
    expect(repairs[0]!.reason).toMatch(/no protective stop working \(stop p1-s1 was refused\)/);
    expect(placed()).toBe(before + 1);
    expect(ofType('order.rejected', 'p1-s3')).toHaveLength(1);
    expect(position.context()).toMatchObject({ stopSeq: 4, stopQty: 0 });

    await r.checkDesiredState();
    await broker.idle();
    expect(placed()).toBe(before + 2);
    expect(ofType('order.rejected', 'p1-s5')).toHaveLength(1);
  });
});

describe('desired-state pass: bracket stops', () => {
  beforeEach(() => setup({ bracketStops: true }));

  it('an adopted bracket child counts as the stop; once dropped, a plain stop replaces it', async () => {
    const { r, repairs } = startReconciler();
    await until(() => ofType('order.accepted', 'p1-s1').length === 1, 'bracket child adopted');
    const child = stops()[0]!;
    expect(child).toMatchObject({ customTag: null, status: 1 });
    expect(child.parentOrderId).not.toBeNull();
    expect(await r.checkDesiredState()).toEqual([]);

    gw.faults.dropWorkingStop(ACCOUNT, child.id);
    expect(await r.checkDesiredState()).toMatchObject([
      { kind: 'stop_replaced', orderId: String(child.id), positionId: 'p1' },
    ]);
    await broker.idle();
    await until(() => stops().some((o) => o.customTag === 'p1-s2'), 'a plain stop placed');
    expect(stops()).toMatchObject([{ customTag: 'p1-s2', stopPrice: 99, parentOrderId: null }]);
    expect(repairs).toHaveLength(1);
  });
});
