/**
 * The broker closes a position by itself (docs/risk.md, "When the broker flattens"): the local gateway
 * in its Topstep risk-engine mode auto-liquidates at 15:10 CT while the bot's own flat-by is off. The
 * bot must not keep a ghost position: the trade closes as broker_flatten at the gateway's fill price,
 * its slot frees, it sends nothing more for it, and the next entry fails once with the broker's reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PositionContext } from '../../machines/position/types.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { type LocalGateway, OrderStatus, OrderType, startLocalGateway } from '../../sim/gateway/index.ts';
import { createLocalVenue } from '../../sim/gateway/venue.ts';
import { initialGuardState } from '../../src/domain/guards.ts';
import { openQuantity } from '../../src/domain/pnl.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { parseTag } from '../../src/domain/tags.ts';
import type { PriceTick } from '../../src/domain/types.ts';
import { createTradingNode, type TradingNode } from '../../src/node/trading-node.ts';
import type { Venue } from '../../src/ports/venue.ts';
import type { SignalDecision } from '../../src/runtime/signal-processor.ts';
import { valueAreaBars } from '../fixtures/value-area-bars.ts';
import { until } from '../sim/gateway/helpers.ts';

// Tuesday 2026-12-08 14:50 Chicago (CST, UTC−6) = 20:50 UTC.
const T0 = Date.UTC(2026, 11, 8, 20, 50);
// 15:10:30 Chicago: past the gateway's auto-liquidation.
const DEADLINE = Date.UTC(2026, 11, 8, 21, 10, 30);
const ES = 'CON.F.US.EP.Z26';

const settings: BotSettings = {
  ...DEFAULT_SETTINGS,
  // The bot's own deadline handling is off: only the broker flattens here.
  flatByTime: '',
  noNewEntriesAfter: '',
  tradingWindowStart: '',
  tradingWindowEnd: '',
  cooldownMs: 0,
};

describe('the broker flattens a position by itself (local gateway, risk-engine mode)', () => {
  let gateway: LocalGateway | undefined;
  let venue: Venue | undefined;
  let node: TradingNode | undefined;
  afterEach(async () => {
    node?.stop();
    await venue?.stop();
    await gateway?.close();
  });

  it('closes the trade as broker_flatten at the broker fill, frees the slot, and the next entry fails once with the reason', async () => {
    const clock = new VirtualClock(T0);
    gateway = await startLocalGateway({
      port: 0,
      rateLimits: false,
      now: () => clock.now(),
      riskEngine: { flattenAtCt: '15:10' },
    });
    expect(gateway.activeContractId('ES')).toBe(ES);
    venue = await createLocalVenue({
      options: {
        symbols: ['ES'],
        dryRun: false,
        protectiveStops: 'broker',
        demo: false,
        gatewayUrl: gateway.baseUrl,
      },
      clock,
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
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
    const decisions: SignalDecision[] = [];
    const finished: PositionContext[] = [];
    const trading = createTradingNode({
      clock,
      venue: { accountId: broker.accountId, broker: broker.broker, contractId: (s) => broker.contractId(s) },
      settings: () => settings,
      bars: { barsBefore: (_s, ts, minutes) => valueAreaBars(ts, minutes) },
      guardState: initialGuardState(settings, T0),
      observers: [
        {
          onDecision: (d) => decisions.push(d),
          onOutput: (o) => {
            if (o.type === 'position.finished') finished.push(o.context);
          },
        },
      ],
    });
    node = trading;
    const ticks: PriceTick[] = [];
    broker.ticks$?.subscribe((t) => {
      ticks.push(t);
      trading.price(t.symbol, t.price, t.ts, t.size ?? 1, t.contractId);
    });
    const gw = gateway;
    const push = async (price: number) => {
      const seen = ticks.length;
      gw.pushPrice(ES, price);
      await until(() => ticks.slice(seen).some((t) => t.price === price), `the print at ${price}`);
    };
    const ordersOf = (positionId: string) =>
      gw.orders().filter((o) => o.customTag && parseTag(o.customTag)?.positionId === positionId);

    // A long fills at 14:50 and its protective stop works at the broker.
    await push(5005);
    const entry = trading.alert({ key: 'f1', alertId: null, symbol: 'ES', action: 'buy' }, clock.now());
    expect(entry.status).toBe('EXECUTING');
    const plan = entry.plan!;
    const id = entry.positionId!;
    await until(() => ordersOf(id).some((o) => o.status === OrderStatus.Open), 'the entry order');
    const lowest = Math.min(...plan.legs.map((l) => l.price));
    await push(lowest);
    await until(
      () => ordersOf(id).some((o) => o.type === OrderType.Stop && o.status === OrderStatus.Open),
      'the protective stop',
    );
    const filledQty = trading.runtime.positions().find((p) => p.positionId === id)!.context.filledQty;
    expect(filledQty).toBeGreaterThan(0);

    // 15:10:30 CT: the broker cancels every order and flattens at its last price, with its own order.
    const flatPrice = lowest + 0.5; // between the stop and TP1: nothing the bot's ladder acts on
    expect(flatPrice).toBeLessThan(plan.tp1);
    await push(flatPrice);
    clock.advanceTo(DEADLINE);
    trading.clockTick(clock.now());
    const ordersBefore = gw.orders().length;
    gw.checkRisk();
    const flatten = gw.orders().slice(ordersBefore);
    expect(flatten).toEqual([expect.objectContaining({ customTag: null, type: OrderType.Market })]);
    expect(gw.positions().filter((p) => p.size !== 0)).toEqual([]);

    // The bot sees the contract flat, reconciles, and closes its position on the broker's fill.
    await until(() => trading.runtime.slots().length === 0, 'the bot position closed', 15_000);
    expect(finished).toHaveLength(1);
    const trade = finished[0]!;
    expect(trade).toMatchObject({ positionId: id, exitReason: 'broker_flatten', exitedQty: filledQty });
    expect((trade.exitTicksSum / trade.exitedQty) * 0.25).toBe(flatPrice);
    // Nothing more goes out for it: no close order of its own, no new stop.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ordersOf(id).filter((o) => o.status === OrderStatus.Open)).toEqual([]);
    expect(ordersOf(id).some((o) => o.type === OrderType.Market)).toBe(false);

    // A new entry after the deadline: the broker refuses it, once, with its reason.
    const placedBefore = gw.orders().length;
    const next = trading.alert({ key: 'f2', alertId: null, symbol: 'ES', action: 'buy' }, clock.now());
    expect(next.status).toBe('EXECUTING');
    await until(() => decisions.some((d) => d.status === 'FAILED'), 'the refused entry decided');
    const failed = decisions.filter((d) => d.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toMatch(
      /^FAILED: broker rejected the entry — .*Auto-liquidation: trading is closed from 15:10 CT until the session reopens at 17:00 CT/,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      gw
        .orders()
        .slice(placedBefore)
        .filter((o) => o.status !== OrderStatus.Rejected),
    ).toEqual([]);
    const refused = gw.riskState(gw.accounts()[0]!.id).events.filter((e) => e.kind === 'order-refused');
    expect(refused).toHaveLength(1);
    expect(trading.runtime.slots()).toEqual([]);
  }, 60_000);
});
