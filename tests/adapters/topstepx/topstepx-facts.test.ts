/**
 * TopstepX behaviours the adapter relies on, checked against the local gateway: a bracket stop is
 * moved with Order/modify, an idle user hub is not declared dead, REST rejections keep the broker's
 * errorMessage as the engine's reason, and an account whose bracket setting is wrong latches the
 * broker into a clear configuration error.
 */
import type { Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT, type LocalGateway } from '../../../sim/gateway/index.ts';
import { TopstepxBroker } from '../../../src/adapters/topstepx/broker.ts';
import type { ProjectXHubs } from '../../../src/adapters/topstepx/hubs.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import type { BrokerEvent, EngineCommand } from '../../../src/domain/events.ts';
import type { ExchangeHealth } from '../../../src/ports/index.ts';
import { ACCOUNT, client, gateway, hubsFor, until } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;
let hubs: ProjectXHubs | undefined;
let broker: TopstepxBroker | undefined;
let events: BrokerEvent[];
let subs: Subscription[] = [];
let es: string;

async function setup(options: Parameters<typeof gateway>[0] = {}, hubOptions = {}) {
  gw = await gateway(options);
  rest = client(gw);
  await rest.availableContracts();
  es = gw.activeContractId('ES');
  hubs = hubsFor(gw, rest, hubOptions);
  await hubs.start();
  gw.pushPrice(es, 5000);
}

function startBroker(options: { bracketStops?: boolean; logger?: TopstepxBrokerLogger } = {}) {
  broker = new TopstepxBroker({ rest, hubs, accountId: ACCOUNT, settleDelayMs: 10, ...options });
  events = [];
  subs.push(broker.events$.subscribe((e) => events.push(e)));
  return broker;
}
type TopstepxBrokerLogger = ConstructorParameters<typeof TopstepxBroker>[0]['logger'];

afterEach(async () => {
  for (const s of subs) s.unsubscribe();
  subs = [];
  broker?.dispose();
  broker = undefined;
  await hubs?.stop();
  hubs = undefined;
  await gw.close();
});

const base = () => ({ positionId: 'p1', accountId: String(ACCOUNT), symbol: 'ES', contractId: es, ts: 0 });
const entry = (tag: string, quantity: number, stopPrice = 4998): EngineCommand => ({
  ...base(),
  positionId: tag.split('-')[0]!,
  type: 'placeEntry',
  signalId: 's1',
  side: 'buy',
  legs: [{ tag, price: 4999, quantity }],
  stopPrice,
});
const stopAt = (stopPrice: number, quantity: number, tag = 'p1-s1'): EngineCommand => ({
  ...base(),
  positionId: tag.split('-')[0]!,
  type: 'moveStop',
  side: 'sell',
  stopPrice,
  quantity,
  tag,
});
const calls = (path: string) => gw.restCalls().filter((c) => c.path === path);

describe('TopstepX facts, against the local gateway', () => {
  it('(a) the ladder moves an adopted bracket stop with Order/modify, never cancel + place', async () => {
    await setup();
    const b = startBroker({ bracketStops: true });
    b.execute(entry('p1-e0', 1));
    await b.idle();
    const parent = gw.orders(ACCOUNT).find((o) => o.customTag === 'p1-e0')!;
    const child = gw.orders(ACCOUNT).find((o) => o.parentOrderId === parent.id)!;
    expect(child).toMatchObject({ status: 8, type: 4, stopPrice: 4998 }); // Suspended until the fill
    gw.pushPrice(es, 4999);
    await until(() => events.some((e) => e.type === 'order.filled'), 'entry fill');
    const placesBefore = calls('/api/Order/place').length;
    for (const price of [4998, 4998.5, 4999, 4999.5]) {
      b.execute(stopAt(price, 1));
      await b.idle();
    }
    expect(calls('/api/Order/place')).toHaveLength(placesBefore);
    expect(calls('/api/Order/cancel')).toHaveLength(0);
    expect(calls('/api/Order/modify').length).toBeGreaterThanOrEqual(3);
    expect(gw.orders(ACCOUNT).find((o) => o.id === child.id)).toMatchObject({ status: 1, stopPrice: 4999.5 });
    expect(events.filter((e) => e.type === 'order.accepted' && e.tag === 'p1-s1')).toEqual([
      expect.objectContaining({ orderId: String(child.id) }),
    ]);
  });

  it('(b) an idle user hub (no events, server pings only) stays green and is not reconnected', async () => {
    // Pings every 200 ms; the watchdog would call the hub silent after 300 ms without any frame.
    await setup({}, { userStaleMs: 300 });
    const healths: ExchangeHealth[] = [];
    const reconnects: string[] = [];
    subs.push(hubs!.health$.subscribe((h) => healths.push(h)));
    subs.push(hubs!.reconnected$.subscribe((r) => reconnects.push(r.hub)));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(hubs!.currentHealth.userHub).toBe('green');
    expect(healths.some((h) => h.userHub === 'red')).toBe(false);
    expect(reconnects).toEqual([]);
    expect(Date.now() - hubs!.user.lastActivityAt).toBeLessThan(1_000); // pings keep arriving
  });

  it('(c) a REST rejection keeps the broker errorMessage (and code) as the engine’s reason', async () => {
    await setup();
    const b = startBroker();
    b.execute(entry('p1-e0', 0));
    b.execute(stopAt(4998.1, 1, 'p2-s1'));
    await b.idle();
    const reasons = events.flatMap((e) => (e.type === 'order.rejected' ? [[e.tag, e.reason]] : []));
    expect(reasons).toEqual([
      ['p1-e0', expect.stringMatching(/^Invalid order size \(0\) \(errorCode \d+\)$/)],
      [
        'p2-s1',
        expect.stringMatching(/^Invalid price\. Price is not aligned to tick size\. \(errorCode \d+\)$/),
      ],
    ]);
  });

  it('(d) an account in Position Brackets mode: the first refusal latches a configuration error, later bracketed entries are refused without a REST call', async () => {
    await setup({ accounts: [{ ...DEFAULT_ACCOUNT, bracketMode: 'position-brackets' }] });
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_: object, m: string) => void errors.push(m) };
    const b = startBroker({ bracketStops: true, logger });
    expect(b.configurationError()).toBeNull();
    b.execute(entry('p1-e0', 1));
    await b.idle();
    expect(b.configurationError()).toMatch(
      /Brackets cannot be used with Position Brackets.*Auto OCO Brackets in TopstepX, or run with --protective-stops broker/,
    );
    expect(errors.filter((m) => /refuses stop-loss brackets/.test(m))).toHaveLength(1);
    const places = calls('/api/Order/place').length;
    b.execute(entry('p3-e0', 1));
    await b.idle();
    expect(calls('/api/Order/place')).toHaveLength(places);
    const rejected = events.filter((e) => e.type === 'order.rejected');
    expect(rejected).toMatchObject([{ tag: 'p1-e0' }, { tag: 'p3-e0', retryable: false }]);
    expect((rejected[1] as { reason: string }).reason).toBe(b.configurationError());
    expect(errors.filter((m) => /refuses stop-loss brackets/.test(m))).toHaveLength(1);
    // An entry too close for a bracket goes without one, so it is still placed.
    b.execute(entry('p4-e0', 1, 4998.75));
    await b.idle();
    expect(calls('/api/Order/place')).toHaveLength(places + 1);
  });
});

describe('a stop placed again after the broker lost the previous one', () => {
  it('is not placed when the broker no longer holds the position (a stop alone would open one)', async () => {
    await setup();
    const warned: string[] = [];
    const logger = { debug() {}, info() {}, warn: (_: object, m: string) => void warned.push(m), error() {} };
    const b = startBroker({ logger });
    b.execute(stopAt(4990, 1, 'p1-s2'));
    await b.idle();
    expect(calls('/api/Order/place')).toHaveLength(0);
    expect(warned).toContain(
      'topstepx broker: no stop placed again: the broker no longer holds the position (reconciliation tells the engine)',
    );
    // The first stop of a position is placed without that check (the fill that asked for it is fresh).
    b.execute(stopAt(4990, 1));
    await b.idle();
    expect(calls('/api/Order/place')).toHaveLength(1);
  });
});
