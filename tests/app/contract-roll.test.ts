/**
 * Rollover while running (docs/rollover.md) against the local ProjectX gateway on an injected clock:
 * the bot starts on Z26 and a position opens there; the gateway rolls ES to H27 and the clock passes
 * 17:00 Chicago: the next entry goes to H27, the Z26 position hears only Z26 prints and its exit and
 * stop still go to Z26.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { type LocalGateway, OrderStatus, OrderType, startLocalGateway } from '../../sim/gateway/index.ts';
import { createLocalVenue } from '../../sim/gateway/venue.ts';
import { type ContractRoll, startContractRoll, TradingDayWatch } from '../../src/app/contract-roll.ts';
import { initialGuardState } from '../../src/domain/guards.ts';
import { openQuantity } from '../../src/domain/pnl.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { parseTag } from '../../src/domain/tags.ts';
import type { PriceTick } from '../../src/domain/types.ts';
import { createTradingNode, type TradingNode } from '../../src/node/trading-node.ts';
import type { ContractChange, Venue } from '../../src/ports/venue.ts';
import { valueAreaBars } from '../fixtures/value-area-bars.ts';
import { until } from '../sim/gateway/helpers.ts';

const MIN = 60_000;
// Tuesday 2026-12-08 14:30 UTC = 08:30 Chicago: the ES front month is Z26.
const T0 = Date.UTC(2026, 11, 8, 14, 30);
// 23:05 UTC = 17:05 Chicago (CST): the trading day of Wednesday 2026-12-09 has started.
const T1 = Date.UTC(2026, 11, 8, 23, 5);
const Z26 = 'CON.F.US.EP.Z26';
const H27 = 'CON.F.US.EP.H27';

const history = (until: number, minutes: number) => valueAreaBars(until, minutes);

const settings: BotSettings = {
  ...DEFAULT_SETTINGS,
  flatByTime: '',
  tradingWindowStart: '',
  tradingWindowEnd: '',
  cooldownMs: 0,
};

describe('TradingDayWatch', () => {
  it('reports each new CME trading day once, at 17:00 Chicago, and ignores the first time and late times', () => {
    const watch = new TradingDayWatch();
    expect(watch.observe(T0)).toBeNull(); // the start: contracts were just resolved
    expect(watch.observe(T0 + 60 * MIN)).toBeNull();
    // 16:59 Chicago is still Tuesday's trading day; 17:00 starts Wednesday's.
    expect(watch.observe(Date.UTC(2026, 11, 8, 22, 59))).toBeNull();
    expect(watch.observe(Date.UTC(2026, 11, 8, 23, 0))).toBe('2026-12-09');
    expect(watch.observe(T1)).toBeNull();
    expect(watch.observe(T0)).toBeNull(); // a late print from before the turn
    // Friday 17:00 Chicago starts Monday's trading day; the weekend stays in it.
    expect(watch.observe(Date.UTC(2026, 11, 11, 23, 0))).toBe('2026-12-14');
    expect(watch.observe(Date.UTC(2026, 11, 13, 12, 0))).toBeNull();
    expect(watch.observe(Date.UTC(2026, 11, 14, 23, 0))).toBe('2026-12-15');
  });

  it('refreshes the contracts once per new trading day and logs each change', async () => {
    const calls: number[] = [];
    const lines: string[] = [];
    const roll = startContractRoll({
      venue: {
        refreshContracts: async (now) => {
          calls.push(now);
          return calls.length === 1 ? [{ symbol: 'ES', from: Z26, to: H27 }] : [];
        },
      },
      logger: { info: (_o, m) => lines.push(String(m)), warn: (_o, m) => lines.push(String(m)) },
    });
    roll.observe(T0);
    roll.observe(T0 + MIN);
    roll.observe(T1);
    roll.observe(T1 + MIN);
    await roll.settled();
    expect(calls).toEqual([T1]);
    expect(lines).toEqual([`ES rolled from ${Z26} to ${H27}`]);
    expect(roll.changes).toEqual([{ symbol: 'ES', from: Z26, to: H27 }]);
  });

  it('keeps the current contracts when a refresh fails, and a venue without refreshContracts never rolls', async () => {
    const warnings: string[] = [];
    const failing = startContractRoll({
      venue: { refreshContracts: () => Promise.reject(new Error('gateway down')) },
      logger: { info: () => {}, warn: (_o, m) => warnings.push(String(m)) },
    });
    failing.observe(T0);
    failing.observe(T1);
    await failing.settled();
    expect(warnings).toEqual(['contracts not refreshed at the trading-day start; keeping the current ones']);
    const paper = startContractRoll({ venue: {}, logger: { info: () => {}, warn: () => {} } });
    paper.observe(T0);
    paper.observe(T1);
    await paper.settled();
    expect(paper.changes).toEqual([]);
  });
});

describe('rollover while running, on the local gateway', () => {
  let gateway: LocalGateway | undefined;
  let venue: Venue | undefined;
  let node: TradingNode | undefined;
  afterEach(async () => {
    node?.stop();
    await venue?.stop();
    await gateway?.close();
  });

  it('new entries go to the new month; the open position keeps its contract for prints, stop and exit', async () => {
    const clock = new VirtualClock(T0);
    gateway = await startLocalGateway({ port: 0, rateLimits: false, now: () => clock.now() });
    expect(gateway.activeContractId('ES')).toBe(Z26);
    const info: { msg: string; fields: object }[] = [];
    const logger = {
      debug: () => {},
      info: (fields: object, msg?: string) => info.push({ msg: String(msg), fields }),
      warn: () => {},
      error: () => {},
    };
    venue = await createLocalVenue({
      options: {
        symbols: ['ES'],
        dryRun: false,
        protectiveStops: 'broker',
        demo: false,
        gatewayUrl: gateway.baseUrl,
      },
      clock,
      logger,
      env: {},
      knownPositions: () =>
        (node?.runtime.positions() ?? []).map((v) => ({
          positionId: v.positionId,
          contractId: v.context.contractId,
          side: v.context.side,
          quantity: openQuantity(v.context),
        })),
    });
    const broker = venue;
    const trading = createTradingNode({
      clock,
      venue: { accountId: broker.accountId, broker: broker.broker, contractId: (s) => broker.contractId(s) },
      settings: () => settings,
      bars: { barsBefore: (_s, ts, minutes) => history(ts, minutes) },
      guardState: initialGuardState(settings, T0),
      observers: [],
    });
    node = trading;
    // The bot's wiring (src/app/bot.ts): every print and every clock second pass the roll watch.
    const roll: ContractRoll = startContractRoll({ venue: broker, logger });
    roll.observe(clock.now());
    const ticks: PriceTick[] = [];
    broker.ticks$?.subscribe((t) => {
      ticks.push(t);
      roll.observe(t.ts);
      trading.price(t.symbol, t.price, t.ts, t.size ?? 1, t.contractId);
    });
    const gw = gateway;
    const push = async (contractId: string, price: number) => {
      const seen = ticks.length;
      gw.pushPrice(contractId, price);
      await until(
        () => ticks.slice(seen).some((t) => t.contractId === contractId && t.price === price),
        `the ${contractId} print at ${price}`,
      );
    };
    const ordersOf = (positionId: string) =>
      gw.orders().filter((o) => o.customTag && parseTag(o.customTag)?.positionId === positionId);

    // Day 1 on Z26: a long fills and its broker-side stop works on Z26.
    await push(Z26, 5005);
    const first = trading.alert({ key: 'a1', alertId: null, symbol: 'ES', action: 'buy' }, clock.now());
    expect(first.status).toBe('EXECUTING');
    const plan = first.plan!;
    const firstId = first.positionId!;
    await until(() => ordersOf(firstId).some((o) => o.status === OrderStatus.Open), 'the Z26 entry order');
    expect(ordersOf(firstId).every((o) => o.contractId === Z26)).toBe(true);
    const lowestLeg = Math.min(...plan.legs.map((l) => l.price));
    await push(Z26, lowestLeg);
    await until(
      () => trading.runtime.positions().some((p) => p.positionId === firstId && p.state === 'active'),
      'the Z26 position active',
    );
    await until(
      () => ordersOf(firstId).some((o) => o.type === OrderType.Stop && o.status === OrderStatus.Open),
      'the Z26 protective stop',
    );

    // The roll: the gateway lists H27 as the active contract, then the clock passes 17:00 Chicago.
    expect(gw.rollContract('ES')).toEqual({ from: Z26, to: H27 });
    expect(broker.contractId('ES')).toBe(Z26); // nothing changes before the trading day turns
    clock.advanceTo(T1);
    roll.observe(clock.now());
    trading.clockTick(clock.now());
    await roll.settled();
    expect(roll.changes).toEqual<ContractChange[]>([{ symbol: 'ES', from: Z26, to: H27 }]);
    expect(info.map((l) => l.msg)).toContain(`ES rolled from ${Z26} to ${H27}`);
    expect(broker.contractId('ES')).toBe(H27);

    // H27 prints arrive under ES but do not reach the Z26 position: one far below its stop leaves it open.
    await push(H27, plan.stopPrice - 20);
    expect(ticks.at(-1)).toMatchObject({ symbol: 'ES', contractId: H27 });
    await push(Z26, lowestLeg);
    expect(trading.runtime.positions().find((p) => p.positionId === firstId)?.state).toBe('active');
    expect(trading.runtime.positions().find((p) => p.positionId === firstId)?.context.contractId).toBe(Z26);

    // An opposing alert closes the Z26 position: its exit and its stop's cancel go to Z26.
    const opposing = trading.alert({ key: 'a2', alertId: null, symbol: 'ES', action: 'sell' }, clock.now());
    expect(opposing.status).toBe('EXECUTED');
    await until(() => ordersOf(firstId).some((o) => o.type === OrderType.Market), 'the Z26 exit order');
    await push(Z26, lowestLeg);
    await until(() => trading.runtime.slots().length === 0, 'the Z26 position closed');
    const firstOrders = ordersOf(firstId);
    expect(firstOrders.find((o) => o.type === OrderType.Market)).toMatchObject({
      contractId: Z26,
      status: OrderStatus.Filled,
    });
    expect(firstOrders.every((o) => o.contractId === Z26)).toBe(true);
    expect(gw.positions().filter((p) => p.contractId === Z26)).toEqual([]);

    // The next entry goes to the new month.
    await push(H27, 5005);
    clock.advanceTo(T1 + MIN);
    const next = trading.alert({ key: 'a3', alertId: null, symbol: 'ES', action: 'buy' }, clock.now());
    expect(next.status).toBe('EXECUTING');
    const nextId = next.positionId!;
    await until(() => ordersOf(nextId).length > 0, 'the H27 entry order');
    expect(ordersOf(nextId).every((o) => o.contractId === H27)).toBe(true);
    expect(trading.runtime.positions().find((p) => p.positionId === nextId)?.context.contractId).toBe(H27);
  }, 60_000);
});
