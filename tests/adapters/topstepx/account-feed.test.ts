import { asyncScheduler, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalGateway, LocalGatewayOptions } from '../../../sim/gateway/index.ts';
import { connectProjectXVenue } from '../../../src/adapters/topstepx/venue.ts';
import type { BrokerEvent } from '../../../src/domain/events.ts';
import type { Clock } from '../../../src/ports/index.ts';
import type { AccountState, Venue, VenueContext } from '../../../src/ports/venue.ts';
import { ACCOUNT, client, gateway, until } from './helpers.ts';

/** Monday 2026-01-05 10:00 CT: inside the session, before the 15:10 CT deadline. */
const START = Date.UTC(2026, 0, 5, 16);

let gw: LocalGateway | undefined;
let venue: Venue | undefined;
const subscriptions: Subscription[] = [];

afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  await venue?.stop();
  await gw?.close();
  venue = undefined;
  gw = undefined;
});

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The venue's clock: real timers, an injected `now` the account states are stamped with. */
function venueClock(now: () => number): Clock {
  return {
    now,
    setTimeout: (fn, delayMs) => setTimeout(fn, delayMs),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    scheduler: asyncScheduler,
  };
}

async function start(options: LocalGatewayOptions = {}) {
  const gatewayTime = { at: START };
  gw = await gateway({ now: () => gatewayTime.at, ...options });
  let venueTime = 1_000;
  const context: VenueContext = {
    options: { symbols: ['ES'], dryRun: false, protectiveStops: 'broker', demo: false },
    clock: venueClock(() => venueTime),
    logger: silent,
    env: {},
    knownPositions: () => [],
  };
  venue = await connectProjectXVenue(
    context,
    {
      userName: 'demo',
      apiKey: 'demo-key',
      apiUrl: gw.baseUrl,
      userHubUrl: gw.userHubUrl,
      marketHubUrl: gw.marketHubUrl,
      accountId: ACCOUNT,
    },
    { kind: 'local', demoCenter: () => 5000 },
  );
  const states: AccountState[] = [];
  subscriptions.push(venue.account$!.subscribe((s) => states.push(s)));
  const rest = client(gw);
  const es = gw.activeContractId('ES');
  return {
    gw,
    venue,
    states,
    es,
    setVenueTime: (t: number) => {
      venueTime = t;
    },
    /** A market order from another client of the same account, filled at `price`. */
    trade: async (side: 0 | 1, size: number, price: number) => {
      await rest.placeOrder({ accountId: ACCOUNT, contractId: es, type: 2, side, size });
      gw!.pushPrice(es, price);
    },
  };
}

describe('TopstepX venue: the account feed (account$)', () => {
  it('replays the account read at start, then the balance after each fill, stamped by the venue clock', async () => {
    const { states, trade, setVenueTime, venue } = await start();
    expect(states).toEqual([{ balance: 50_000, canTrade: true, ts: 1_000 }]);
    setVenueTime(2_000);
    await trade(0, 1, 5000);
    // Fees are 1.40 a side on ES.
    await until(() => states.some((s) => s.balance === 49_998.6), 'the balance after the opening fill');
    setVenueTime(3_000);
    await trade(1, 1, 5010);
    await until(() => states.at(-1)?.balance === 50_497.2, 'the balance after the closing fill');
    expect(states.at(-1)).toEqual({ balance: 50_497.2, canTrade: true, ts: 3_000 });
    expect(states.find((s) => s.balance === 49_998.6)?.ts).toBe(2_000);
    expect(await venue.accountBalance()).toBe(50_497.2);
  });

  it('reads the account again after the user hub reconnects (pushes lost meanwhile)', async () => {
    const { gw, states, trade, setVenueTime } = await start();
    gw.faults.stall('user', true);
    await trade(0, 2, 5000); // fills, but the user hub delivers nothing
    await until(() => gw.positions(ACCOUNT).length === 1, 'the fill on the gateway');
    expect(states.every((s) => s.balance === 50_000)).toBe(true);
    gw.faults.stall('user', false);
    setVenueTime(9_000);
    gw.faults.dropConnections('user');
    await until(() => states.at(-1)?.balance === 49_997.2, 'the fresh read after the reconnect');
    expect(states.at(-1)).toEqual({ balance: 49_997.2, canTrade: true, ts: 9_000 });
  });

  it('reports a failed account (Maximum Loss Limit breach) with canTrade false, also on a fresh read', async () => {
    const { gw, es, states, trade, venue } = await start({
      riskEngine: { startingBalance: 50_000, maxLossLimit: 2_000 },
    });
    await trade(0, 4, 5000);
    gw.pushPrice(es, 4990); // −2,000 open: the floor
    await until(() => states.at(-1)?.canTrade === false, 'canTrade false from GatewayUserAccount');
    expect(gw.riskState(ACCOUNT).failed).toBe(true);
    // The account is no longer "active", yet the venue still reads its balance.
    const balance = gw.riskState(ACCOUNT).balance;
    expect(await venue.accountBalance()).toBe(balance);
    const before = states.length;
    gw.faults.dropConnections('user');
    await until(() => states.length > before, 'the fresh read after the reconnect');
    expect(states.at(-1)).toMatchObject({ balance, canTrade: false });
  });

  it("a placement the risk engine refuses reaches the bot as order.rejected with the gateway's message", async () => {
    const { venue, es } = await start({ riskEngine: { maxPositionMinis: 5 } });
    const events: BrokerEvent[] = [];
    subscriptions.push(venue.broker.events$.subscribe((e) => events.push(e)));
    venue.broker.execute({
      type: 'placeEntry',
      positionId: 'p1',
      accountId: String(ACCOUNT),
      symbol: 'ES',
      contractId: es,
      ts: 0,
      signalId: 's1',
      side: 'buy',
      legs: [{ tag: 'p1-e0', price: 4999, quantity: 6 }],
      stopPrice: 4990,
    });
    const rejected = await until(
      () => events.find((e) => e.type === 'order.rejected'),
      'the rejection of the oversized entry',
    );
    expect(rejected).toMatchObject({ tag: 'p1-e0' });
    expect(JSON.stringify(rejected)).toMatch(/maximum position size of 5 contracts.*errorCode 2/);
  });
});
