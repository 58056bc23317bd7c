/**
 * Paper trading on live market data (freqtrade's dry-run): with TopstepX credentials and no demo,
 * the paper venue takes its contracts, history bars and prints from a ProjectX connection (here the
 * local gateway, which speaks the same wire protocol) while every order stays on the simulated
 * exchange. Without credentials, or with the demo, nothing connects.
 */
import { asyncScheduler, firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
import { createLocalVenue } from '../../sim/gateway/venue.ts';
import { createPaperVenue } from '../../sim/paper-venue.ts';
import type { BrokerEvent } from '../../src/domain/events.ts';
import type { Venue, VenueContext } from '../../src/ports/venue.ts';

// Tuesday 2026-12-08 14:30 UTC: a trading day with a full morning of bars behind it.
const T0 = Date.UTC(2026, 11, 8, 14, 30);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let gateway: LocalGateway | undefined;
let venue: Venue | undefined;
afterEach(async () => {
  await venue?.stop();
  await gateway?.close();
  venue = undefined;
  gateway = undefined;
});

const context = (env: Record<string, string>, demo: boolean): VenueContext => ({
  options: { symbols: ['ES'], dryRun: false, protectiveStops: 'broker', demo },
  clock: new VirtualClock(T0),
  logger: quiet,
  env,
  knownPositions: () => [],
});

const credentials = (g: LocalGateway) => ({
  PROJECTX_USERNAME: 'demo',
  PROJECTX_API_KEY: 'demo-key',
  PROJECTX_API_URL: g.baseUrl,
  PROJECTX_USER_HUB_URL: g.userHubUrl,
  PROJECTX_MARKET_HUB_URL: g.marketHubUrl,
});

describe('the paper venue on TopstepX market data', () => {
  it('takes contracts, bars and prints from the ProjectX connection and fills on the simulated exchange only', async () => {
    gateway = await startLocalGateway({ port: 0, now: () => T0 });
    const ctx = context(credentials(gateway), false);
    venue = await createPaperVenue(ctx);
    const contract = gateway.activeContractId('ES');
    expect(venue.kind).toBe('paper');
    expect(venue.accountId).toBe('PAPER');
    expect(venue.contractId('ES')).toBe(contract);

    // History from the gateway's REST bars, not an empty list.
    const bars = await venue.history('ES', T0);
    expect(bars.length).toBeGreaterThan(100);
    expect(bars.every((b) => b.ts < T0)).toBe(true);

    // Prints from the market hub.
    expect(venue.ticks$).toBeDefined();
    const ticks = firstValueFrom(venue.ticks$!.pipe(take(1), toArray()));
    for (let i = 0; i < 50 && (await Promise.race([ticks.then(() => true), sleep(40)])) !== true; i++)
      gateway.pushPrice(contract, 5000.25);
    const [tick] = await ticks;
    expect(tick).toMatchObject({ symbol: 'ES', price: 5000.25, contractId: contract });

    // An entry fills on the simulated exchange; the gateway sees no order at all. The prints are
    // continuous, so the resting buy at 5000 fills at its limit when the market trades through it,
    // not at the better print beyond it.
    const events: BrokerEvent[] = [];
    venue.broker.events$.subscribe((e) => events.push(e));
    venue.onPrice!('ES', 5000.25, T0, 10);
    venue.broker.execute({
      type: 'placeEntry',
      positionId: 'p1',
      signalId: 's1',
      accountId: venue.accountId,
      symbol: 'ES',
      contractId: venue.contractId('ES'),
      side: 'buy',
      legs: [{ tag: 'p1-e0', price: 5000, quantity: 1 }],
      stopPrice: 4995,
      ts: T0,
    });
    (ctx.clock as VirtualClock).advanceTo(T0 + 1_000);
    (ctx.clock as VirtualClock).flush();
    venue.onPrice!('ES', 4999.75, T0 + 1_000, 10);
    (ctx.clock as VirtualClock).flush();
    expect(events.find((e) => e.type === 'order.filled')).toMatchObject({ tag: 'p1-e0', price: 5000 });
    expect(gateway.orders()).toEqual([]);
    expect(gateway.restCalls().some((c) => /Order\/(place|modify|cancel)/.test(c.path))).toBe(false);
  });

  it('connects to nothing without credentials or with the demo', async () => {
    gateway = await startLocalGateway({ port: 0, now: () => T0 });
    venue = await createPaperVenue(context({}, false));
    expect(venue.contractId('ES')).toBe('PAPER.ES');
    expect(venue.ticks$).toBeUndefined();
    expect(await venue.history('ES', T0)).toEqual([]);
    await venue.stop();
    venue = await createPaperVenue(context(credentials(gateway), true));
    expect(venue.contractId('ES')).toBe('PAPER.ES');
    expect(gateway.restCalls()).toEqual([]);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the in-process local gateway's own market", () => {
  it('moves by a seeded random walk when the demo does not drive it', async () => {
    venue = await createLocalVenue({ ...context({}, false), clock: wallClock() });
    const prints = await firstValueFrom(venue.ticks$!.pipe(take(12), toArray()));
    const prices = new Set(prints.map((t) => t.price));
    expect(prints.every((t) => t.symbol === 'ES')).toBe(true);
    expect(prices.size).toBeGreaterThan(1);
  });
});

const wallClock = (): VenueContext['clock'] => ({
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  scheduler: asyncScheduler,
});
