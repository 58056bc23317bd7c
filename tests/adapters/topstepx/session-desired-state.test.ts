/** The session runs the desired-state pass on its own timer (never in a dry run) and publishes repairs. */
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { loadProjectXConfig } from '../../../src/adapters/topstepx/config.ts';
import { startTopstepxSession, type TopstepxSession } from '../../../src/adapters/topstepx/session.ts';
import type { BrokerEvent } from '../../../src/domain/events.ts';
import type { VenueRepair } from '../../../src/ports/venue.ts';
import { ACCOUNT, gateway, until } from './helpers.ts';

let gw: LocalGateway;
let session: TopstepxSession | undefined;

afterEach(async () => {
  await session?.stop();
  session = undefined;
  await gw.close();
});

const config = (gw: LocalGateway) =>
  loadProjectXConfig({
    PROJECTX_USERNAME: 'demo',
    PROJECTX_API_KEY: 'demo-key',
    PROJECTX_API_URL: gw.baseUrl,
    PROJECTX_USER_HUB_URL: gw.userHubUrl,
    PROJECTX_MARKET_HUB_URL: gw.marketHubUrl,
  });

describe('TopstepX session: the periodic desired-state pass', () => {
  it('finds a stop the broker dropped silently within one interval and tells the engine once', async () => {
    gw = await gateway();
    const es = gw.activeContractId('ES');
    gw.pushPrice(es, 5000);
    let holding = false;
    session = await startTopstepxSession({
      config: config(gw),
      symbols: ['ES'],
      userHubPollMs: 0,
      desiredStateIntervalMs: 100,
      knownPositions: () =>
        holding ? [{ positionId: 'q1', contractId: es, side: 'long', quantity: 1 }] : [],
      expectedStops: () =>
        holding
          ? [
              {
                positionId: 'q1',
                tag: 'q1-s1',
                contractId: es,
                quantity: 1,
                stopPrice: 4990,
                commanded: true,
              },
            ]
          : [],
    });
    const events: BrokerEvent[] = [];
    const repairs: VenueRepair[] = [];
    session.broker.events$.subscribe((e) => events.push(e));
    session.reconciler.repairs$.subscribe((r) => repairs.push(r));
    await session.rest.placeOrder({ accountId: ACCOUNT, contractId: es, type: 2, side: 0, size: 1 });
    gw.pushPrice(es, 5000);
    await until(() => gw.positions(ACCOUNT).length === 1, 'long 1 at the broker');
    session.broker.execute({
      type: 'moveStop',
      positionId: 'q1',
      accountId: String(ACCOUNT),
      symbol: 'ES',
      contractId: es,
      ts: 0,
      side: 'sell',
      stopPrice: 4990,
      quantity: 1,
      tag: 'q1-s1',
    });
    await session.broker.idle();
    holding = true;
    // The pass leaves a fresh stop alone for 2 s (stopGraceMs): the repair comes on a later pass.
    const dropped = gw.faults.dropWorkingStop(ACCOUNT)!;
    await until(() => repairs.length > 0, 'a repair', 9_000);
    expect(repairs).toMatchObject([
      { kind: 'stop_replaced', positionId: 'q1', orderId: String(dropped.id), detectedBy: 'periodic' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.filter((e) => e.type === 'order.cancelled')).toMatchObject([{ tag: 'q1-s1' }]);
    expect(repairs).toHaveLength(1);
  }, 15_000);

  it('a dry run never runs it', async () => {
    gw = await gateway();
    session = await startTopstepxSession({
      config: config(gw),
      symbols: ['ES'],
      dryRun: true,
      desiredStateIntervalMs: 20,
    });
    const reads = () => gw.restCalls().filter((c) => c.path === '/api/Position/searchOpen').length;
    const before = reads();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads()).toBe(before);
  });
});
