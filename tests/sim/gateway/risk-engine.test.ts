import type { HubConnection } from '@microsoft/signalr';
import { describe, expect, it } from 'vitest';
import { defaultContracts } from '../../../sim/gateway/contracts.ts';
import type { LocalGateway, LocalGatewayOptions, RiskEngineOptions } from '../../../sim/gateway/index.ts';
import { type Envelope, hubConnection, post, until, withGateway } from './helpers.ts';

const ACCOUNT = 1001;
/** Chicago is UTC−6 in January: 10:00 CT on Monday 2026-01-05 is 16:00 UTC. */
const ct = (day: number, hour: number, minute = 0) => Date.UTC(2026, 0, day, hour + 6, minute);
const MONDAY_10_CT = ct(5, 10);
/** Fee-free contracts so that balances are round numbers (ES: $50 a point). */
const CONTRACTS = defaultContracts(MONDAY_10_CT).map((c) => ({ ...c, feePerSide: 0 }));

interface Clock {
  at: number;
}

async function withRiskGateway(
  risk: RiskEngineOptions,
  run: (gw: LocalGateway, token: string, clock: Clock) => Promise<void>,
  extra: Partial<LocalGatewayOptions> = {},
): Promise<void> {
  const clock: Clock = { at: MONDAY_10_CT };
  await withGateway(
    {
      now: () => clock.at,
      contracts: CONTRACTS,
      riskEngine: risk,
      tokenLifetimeMs: 30 * 24 * 3_600_000,
      ...extra,
    },
    (gw, token) => run(gw, token, clock),
  );
}

async function place(
  gw: LocalGateway,
  token: string,
  ticker: string,
  side: 0 | 1,
  size: number,
  extra: Record<string, unknown> = {},
): Promise<Envelope> {
  const reply = await post(
    gw,
    '/api/Order/place',
    { accountId: ACCOUNT, contractId: gw.activeContractId(ticker), type: 2, side, size, ...extra },
    token,
  );
  return reply.json!;
}

/** A market order filled at `price` (the next pushed print). */
async function trade(
  gw: LocalGateway,
  token: string,
  ticker: string,
  side: 0 | 1,
  size: number,
  price: number,
) {
  const reply = await place(gw, token, ticker, side, size);
  expect(reply).toMatchObject({ success: true, errorCode: 0 });
  gw.pushPrice(gw.activeContractId(ticker), price);
}

async function accounts(gw: LocalGateway, token: string, onlyActiveAccounts: boolean) {
  const reply = await post(gw, '/api/Account/search', { onlyActiveAccounts }, token);
  return reply.json!['accounts'] as { id: number; balance: number; canTrade: boolean }[];
}

async function userHub(
  gw: LocalGateway,
  token: string,
): Promise<{ hub: HubConnection; seen: Map<string, unknown[]> }> {
  const hub = hubConnection(gw.userHubUrl, token, 'direct');
  const seen = new Map<string, unknown[]>();
  for (const target of [
    'GatewayUserAccount',
    'GatewayUserOrder',
    'GatewayUserPosition',
    'GatewayUserTrade',
  ]) {
    seen.set(target, []);
    hub.on(target, (arg: unknown) => seen.get(target)!.push(arg));
  }
  await hub.start();
  await hub.invoke('SubscribeAccounts');
  await hub.invoke('SubscribeOrders', ACCOUNT);
  await hub.invoke('SubscribePositions', ACCOUNT);
  await hub.invoke('SubscribeTrades', ACCOUNT);
  return { hub, seen };
}

describe('local gateway: Topstep risk-engine mode', () => {
  it('is off by default: no cap, no risk state', async () => {
    await withGateway({ now: () => MONDAY_10_CT, contracts: CONTRACTS }, async (gw, token) => {
      expect((await place(gw, token, 'ES', 0, 50)).success).toBe(true);
      expect(() => gw.riskState(ACCOUNT)).toThrow(/no risk engine/);
    });
  });

  it('the Maximum Loss Limit trails the end-of-day balance high and locks at the starting balance', async () => {
    await withRiskGateway({ startingBalance: 50_000, maxLossLimit: 2_000 }, async (gw, token, clock) => {
      expect(gw.riskState(ACCOUNT)).toMatchObject({
        balance: 50_000,
        floor: 48_000,
        eodHigh: 50_000,
        locked: false,
      });
      const dayEnds: [points: number, floor: number, eodHigh: number, locked: boolean][] = [
        [10, 49_000, 51_000, false], // day 1 ends at 51,000
        [20, 50_000, 53_000, true], // day 2 ends at 53,000: the floor reaches the start and locks
        [20, 50_000, 55_000, true], // day 3 ends at 55,000: still 50,000
      ];
      let day = 5;
      let previousFloor = 48_000;
      for (const [points, floor, eodHigh, locked] of dayEnds) {
        clock.at = ct(day, 10);
        await trade(gw, token, 'ES', 0, 2, 5000);
        await trade(gw, token, 'ES', 1, 2, 5000 + points);
        // Intraday the floor does not move, however high the balance goes.
        expect(gw.riskState(ACCOUNT).floor).toBe(previousFloor);
        clock.at = ct(day, 17);
        gw.checkRisk();
        expect(gw.riskState(ACCOUNT)).toMatchObject({ floor, eodHigh, locked, canTrade: true });
        previousFloor = floor;
        day += 1;
      }
      expect(gw.riskState(ACCOUNT).balance).toBe(55_000);
      expect(gw.riskState(ACCOUNT).events.filter((e) => e.kind === 'day-end')).toHaveLength(3);
    });
  });

  it('a losing day does not lower the floor (end-of-day high, not the last close)', async () => {
    await withRiskGateway({ startingBalance: 50_000, maxLossLimit: 2_000 }, async (gw, token, clock) => {
      await trade(gw, token, 'ES', 0, 2, 5000);
      await trade(gw, token, 'ES', 1, 2, 5010); // +1,000
      clock.at = ct(5, 17);
      gw.checkRisk();
      expect(gw.riskState(ACCOUNT).floor).toBe(49_000);
      clock.at = ct(6, 10);
      await trade(gw, token, 'ES', 0, 1, 5000);
      await trade(gw, token, 'ES', 1, 1, 4990); // −500
      clock.at = ct(6, 17);
      gw.checkRisk();
      expect(gw.riskState(ACCOUNT)).toMatchObject({ balance: 50_500, floor: 49_000, eodHigh: 51_000 });
    });
  });

  it('an intraday breach cancels orders, flattens at the last price, fails the account and publishes it on the hub', async () => {
    await withRiskGateway({ startingBalance: 50_000, maxLossLimit: 2_000 }, async (gw, token) => {
      const { hub, seen } = await userHub(gw, token);
      try {
        await trade(gw, token, 'ES', 0, 5, 5000);
        const resting = await place(gw, token, 'ES', 0, 1, { type: 1, limitPrice: 4900 });
        expect(resting.success).toBe(true);
        gw.pushPrice(gw.activeContractId('ES'), 4996); // −1,000 open: above the floor
        expect(gw.positions(ACCOUNT)).toHaveLength(1);
        gw.pushPrice(gw.activeContractId('ES'), 4992); // −2,000 open: equity 48,000 = floor
        const state = gw.riskState(ACCOUNT);
        expect(state).toMatchObject({ balance: 48_000, canTrade: false, failed: true, floor: 48_000 });
        expect(state.reason).toMatch(/Maximum Loss Limit/);
        expect(state.events.map((e) => e.kind)).toContain('max-loss-breach');
        expect(gw.positions(ACCOUNT)).toEqual([]);
        expect(gw.orders(ACCOUNT).find((o) => o.id === resting['orderId'])?.status).toBe(3);
        const close = gw.trades(ACCOUNT).at(-1)!;
        expect(close).toMatchObject({ price: 4992, size: 5, side: 1, profitAndLoss: -2_000 });

        await until(
          () => seen.get('GatewayUserAccount')!.some((a) => (a as { canTrade: boolean }).canTrade === false),
          'GatewayUserAccount canTrade false',
        );
        await until(
          () =>
            seen
              .get('GatewayUserTrade')!
              .some((t) => (t as { profitAndLoss: number }).profitAndLoss === -2_000),
          'the liquidation trade',
        );
        await until(
          () => seen.get('GatewayUserPosition')!.some((p) => (p as { size: number }).size === 0),
          'the closed position',
        );
        await until(
          () =>
            seen
              .get('GatewayUserOrder')!
              .some(
                (o) =>
                  (o as { id: number; status: number }).id === resting['orderId'] &&
                  (o as { status: number }).status === 3,
              ),
          'the cancelled order',
        );
        const account = seen.get('GatewayUserAccount')!.at(-1) as { canTrade: boolean; balance: number };
        expect(account).toMatchObject({ canTrade: false, balance: 48_000 });

        expect(await accounts(gw, token, true)).toEqual([]);
        expect(await accounts(gw, token, false)).toMatchObject([
          { id: ACCOUNT, canTrade: false, balance: 48_000 },
        ]);
        const refused = await place(gw, token, 'ES', 0, 1);
        expect(refused).toMatchObject({ success: false, errorCode: 10, orderId: null });
        expect(refused.errorMessage).toMatch(/Account cannot trade: Maximum Loss Limit/);
        gw.pushPrice(gw.activeContractId('ES'), 5100);
        expect(gw.riskState(ACCOUNT).canTrade).toBe(false);
      } finally {
        await hub.stop();
      }
    });
  });

  it('failed is permanent across trading days', async () => {
    await withRiskGateway({ startingBalance: 50_000, maxLossLimit: 2_000 }, async (gw, token, clock) => {
      await trade(gw, token, 'ES', 0, 1, 5000);
      gw.pushPrice(gw.activeContractId('ES'), 4960); // −2,000
      expect(gw.riskState(ACCOUNT).failed).toBe(true);
      clock.at = ct(6, 17);
      gw.checkRisk();
      expect(gw.riskState(ACCOUNT)).toMatchObject({ canTrade: false, failed: true, floor: 48_000 });
      expect(gw.accounts()[0]!.canTrade).toBe(false);
    });
  });

  it('the position cap refuses opening orders beyond it, micros count 10 to a mini, reducing orders pass', async () => {
    await withRiskGateway({ maxPositionMinis: 5 }, async (gw, token) => {
      await trade(gw, token, 'ES', 0, 4, 5000);
      const tooMany = await place(gw, token, 'MES', 0, 11);
      expect(tooMany).toMatchObject({ success: false, errorCode: 2, orderId: null });
      expect(tooMany.errorMessage).toMatch(/maximum position size of 5 contracts.*5\.1/);
      await trade(gw, token, 'MES', 0, 10, 5000); // 4 ES + 10 MES = 5 minis
      expect(
        gw
          .positions(ACCOUNT)
          .map((p) => p.size)
          .sort((a, b) => a - b),
      ).toEqual([4, 10]);
      expect((await place(gw, token, 'MES', 0, 1)).errorCode).toBe(2);
      expect((await place(gw, token, 'ES', 0, 1)).errorCode).toBe(2);
      // A sell through flat (4 long → 6 short) opens more than it closes: refused.
      expect((await place(gw, token, 'ES', 1, 10)).errorCode).toBe(2);
      // Reducing orders are always accepted, at the cap too.
      expect((await place(gw, token, 'ES', 1, 2)).success).toBe(true);
      expect((await place(gw, token, 'MES', 1, 10, { type: 1, limitPrice: 5100 })).success).toBe(true);
      // The refused orders left no order record and burnt no tag.
      expect(gw.orders(ACCOUNT).filter((o) => o.status === 5)).toEqual([]);
      expect(gw.riskState(ACCOUNT).events.filter((e) => e.kind === 'order-refused')).toHaveLength(4);
    });
  });

  it('the position cap counts shorts too and lets the other side of a short reduce it', async () => {
    await withRiskGateway({ maxPositionMinis: 5 }, async (gw, token) => {
      await trade(gw, token, 'NQ', 1, 5, 21000);
      expect((await place(gw, token, 'MNQ', 1, 1)).errorCode).toBe(2);
      expect((await place(gw, token, 'NQ', 0, 5)).success).toBe(true);
    });
  });

  it('auto-liquidation at 15:10 CT: orders cancelled, positions flattened, opening orders refused until 17:00 CT', async () => {
    await withRiskGateway({ startingBalance: 50_000, maxLossLimit: 2_000 }, async (gw, token, clock) => {
      clock.at = ct(5, 15);
      await trade(gw, token, 'ES', 0, 2, 5000);
      const resting = await place(gw, token, 'ES', 0, 1, { type: 1, limitPrice: 4990 });
      gw.pushPrice(gw.activeContractId('ES'), 5002);
      clock.at = ct(5, 15, 9);
      gw.checkRisk();
      expect(gw.positions(ACCOUNT)).toHaveLength(1);
      clock.at = ct(5, 15, 10);
      gw.checkRisk();
      expect(gw.positions(ACCOUNT)).toEqual([]);
      expect(gw.orders(ACCOUNT).find((o) => o.id === resting['orderId'])?.status).toBe(3);
      expect(gw.trades(ACCOUNT).at(-1)).toMatchObject({ price: 5002, profitAndLoss: 200 });
      const state = gw.riskState(ACCOUNT);
      expect(state).toMatchObject({ canTrade: true, balance: 50_200 });
      expect(state.reason).toMatch(/15:10 CT until the session reopens at 17:00 CT/);
      expect(state.events.find((e) => e.kind === 'deadline-flatten')?.reason).toMatch(
        /1 order\(s\) cancelled, 1 position/,
      );

      clock.at = ct(5, 16, 30);
      const refused = await place(gw, token, 'ES', 0, 1);
      expect(refused).toMatchObject({ success: false, errorCode: 5, orderId: null });
      expect(refused.errorMessage).toMatch(/Auto-liquidation/);
      expect((await accounts(gw, token, true))[0]?.canTrade).toBe(true);

      clock.at = ct(5, 17);
      expect(gw.riskState(ACCOUNT).reason).toBeNull();
      expect((await place(gw, token, 'ES', 0, 1)).success).toBe(true);
      gw.pushPrice(gw.activeContractId('ES'), 5000);
      expect(gw.positions(ACCOUNT)).toHaveLength(1);
      // The next day's deadline flattens again.
      clock.at = ct(6, 15, 10);
      gw.pushPrice(gw.activeContractId('ES'), 5001);
      expect(gw.positions(ACCOUNT)).toEqual([]);
      expect(gw.riskState(ACCOUNT).events.filter((e) => e.kind === 'deadline-flatten')).toHaveLength(2);
    });
  });

  it("daily loss limit 'liquidate': flattens, the account keeps trading", async () => {
    await withRiskGateway(
      { startingBalance: 50_000, maxLossLimit: 3_000, dailyLossLimit: 1_000, dailyLossAction: 'liquidate' },
      async (gw, token) => {
        await trade(gw, token, 'ES', 0, 2, 5000);
        gw.pushPrice(gw.activeContractId('ES'), 4995); // −500
        expect(gw.positions(ACCOUNT)).toHaveLength(1);
        gw.pushPrice(gw.activeContractId('ES'), 4990); // −1,000
        expect(gw.positions(ACCOUNT)).toEqual([]);
        const state = gw.riskState(ACCOUNT);
        expect(state).toMatchObject({ balance: 49_000, dayPnl: -1_000, canTrade: true, failed: false });
        expect(state.events.map((e) => e.kind)).toContain('daily-loss');
        expect((await place(gw, token, 'ES', 0, 1)).success).toBe(true);
      },
    );
  });

  it("daily loss limit 'liquidate_and_block': canTrade false until 17:00 CT, both changes published", async () => {
    await withRiskGateway(
      {
        startingBalance: 50_000,
        maxLossLimit: 3_000,
        dailyLossLimit: 1_000,
        dailyLossAction: 'liquidate_and_block',
      },
      async (gw, token, clock) => {
        const { hub, seen } = await userHub(gw, token);
        try {
          await trade(gw, token, 'ES', 0, 2, 5000);
          gw.pushPrice(gw.activeContractId('ES'), 4989); // −1,100
          expect(gw.positions(ACCOUNT)).toEqual([]);
          expect(gw.riskState(ACCOUNT)).toMatchObject({ balance: 48_900, canTrade: false, failed: false });
          expect(gw.riskState(ACCOUNT).reason).toMatch(/Daily loss limit/);
          const refused = await place(gw, token, 'ES', 0, 1);
          expect(refused).toMatchObject({ success: false, errorCode: 10, orderId: null });
          expect(refused.errorMessage).toMatch(/Daily loss limit/);
          const canTrade = () =>
            seen.get('GatewayUserAccount')!.map((a) => (a as { canTrade: boolean }).canTrade);
          await until(() => canTrade().includes(false), 'GatewayUserAccount canTrade false');

          clock.at = ct(5, 16, 59);
          gw.checkRisk();
          expect(gw.riskState(ACCOUNT).canTrade).toBe(false);
          clock.at = ct(5, 17);
          gw.checkRisk();
          expect(gw.riskState(ACCOUNT)).toMatchObject({
            canTrade: true,
            reason: null,
            dayPnl: 0,
            floor: 47_000,
          });
          await until(() => canTrade().at(-1) === true, 'GatewayUserAccount canTrade true again');
          expect(gw.riskState(ACCOUNT).events.map((e) => e.kind)).toEqual([
            'daily-loss',
            'order-refused',
            'day-end',
            'daily-unblock',
          ]);
          expect((await place(gw, token, 'ES', 0, 1)).success).toBe(true);
        } finally {
          await hub.stop();
        }
      },
    );
  });

  it('an account can opt out of the gateway-wide rules', async () => {
    const clock = { at: MONDAY_10_CT };
    await withGateway(
      {
        now: () => clock.at,
        contracts: CONTRACTS,
        riskEngine: { maxPositionMinis: 1 },
        accounts: [
          { id: ACCOUNT, name: 'A', balance: 50_000, canTrade: true, isVisible: true, simulated: true },
          {
            id: 1002,
            name: 'B',
            balance: 50_000,
            canTrade: true,
            isVisible: true,
            simulated: true,
            riskEngine: false,
          },
        ],
      },
      async (gw, token) => {
        const es = gw.activeContractId('ES');
        const big = (accountId: number) =>
          post(gw, '/api/Order/place', { accountId, contractId: es, type: 2, side: 0, size: 3 }, token);
        expect((await big(ACCOUNT)).json).toMatchObject({ success: false, errorCode: 2 });
        expect((await big(1002)).json).toMatchObject({ success: true });
        expect(() => gw.riskState(1002)).toThrow(/no risk engine/);
      },
    );
  });
});
