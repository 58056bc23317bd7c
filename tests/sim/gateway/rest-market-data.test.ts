import { describe, expect, it } from 'vitest';
import { startLocalGateway } from '../../../sim/gateway/index.ts';
import type { GatewayContractSetup } from '../../../sim/gateway/types.ts';
import { login, post, withGateway } from './helpers.ts';

describe('accounts and contracts', () => {
  it('Account/search lists accounts and filters inactive ones on onlyActiveAccounts', async () => {
    const accounts = [
      { id: 7, name: 'PRAC-7', balance: 50_000, canTrade: true, isVisible: true, simulated: true },
      { id: 8, name: 'OLD-8', balance: 0, canTrade: false, isVisible: true, simulated: true },
    ];
    await withGateway({ accounts }, async (gateway, token) => {
      const all = await post(gateway, '/api/Account/search', { onlyActiveAccounts: false }, token);
      expect(all.json).toMatchObject({ success: true, errorCode: 0, accounts });
      const active = await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token);
      expect((active.json!['accounts'] as unknown[]).length).toBe(1);
      const missing = await post(gateway, '/api/Account/search', {}, token);
      expect(missing.status).toBe(400);
    });
  });

  it('default contracts use ProjectX roots and one-digit-year names (§15)', async () => {
    await withGateway({ now: () => Date.UTC(2025, 6, 1) }, async (gateway, token) => {
      const available = await post(gateway, '/api/Contract/available', { live: false }, token);
      const contracts = available.json!['contracts'] as GatewayContractSetup[];
      expect(contracts.find((c) => c.symbolId === 'F.US.EP')).toEqual({
        id: 'CON.F.US.EP.U25',
        name: 'ESU5',
        description: 'E-Mini S&P 500: September 25',
        tickSize: 0.25,
        tickValue: 12.5,
        activeContract: true,
        symbolId: 'F.US.EP',
      });
      expect(contracts.find((c) => c.symbolId === 'F.US.ENQ')?.id).toBe('CON.F.US.ENQ.U25');
      expect(contracts.find((c) => c.symbolId === 'F.US.CLE')?.id).toBe('CON.F.US.CLE.Q25');
      expect(contracts.find((c) => c.symbolId === 'F.US.GCE')?.id).toBe('CON.F.US.GCE.Q25');
      expect(contracts.every((c) => c.activeContract)).toBe(true);
      expect(gateway.activeContractId('ES1!')).toBe('CON.F.US.EP.U25');
    });
  });

  it('Contract/search matches name, description and symbol, capped at 20', async () => {
    const many: GatewayContractSetup[] = Array.from({ length: 30 }, (_, i) => ({
      id: `CON.F.US.EP.X${i}`,
      name: `ESX${i}`,
      description: 'E-Mini S&P 500',
      tickSize: 0.25,
      tickValue: 12.5,
      activeContract: i === 0,
      symbolId: 'F.US.EP',
    }));
    await withGateway({ contracts: many }, async (gateway, token) => {
      const reply = await post(gateway, '/api/Contract/search', { searchText: 's&p', live: false }, token);
      expect((reply.json!['contracts'] as unknown[]).length).toBe(20);
      const none = await post(gateway, '/api/Contract/search', { searchText: 'NQ', live: false }, token);
      expect(none.json!['contracts']).toEqual([]);
    });
  });

  it('Contract/searchById returns a singular contract or code 1', async () => {
    await withGateway({}, async (gateway, token) => {
      const id = gateway.activeContractId('MNQ');
      const found = await post(gateway, '/api/Contract/searchById', { contractId: id }, token);
      expect(found.json).toMatchObject({ success: true, contract: { id, tickSize: 0.25, tickValue: 0.5 } });
      const missing = await post(
        gateway,
        '/api/Contract/searchById',
        { contractId: 'CON.F.US.XX.Z99' },
        token,
      );
      expect(missing.json).toMatchObject({ success: false, errorCode: 1, contract: null });
    });
  });

  it('rolls a ticker to its next month: the old one leaves Contract/available but trades until it expires', async () => {
    await withGateway({ now: () => Date.UTC(2026, 11, 8, 14, 30) }, async (gateway, token) => {
      expect(gateway.rollContract('ES')).toEqual({ from: 'CON.F.US.EP.Z26', to: 'CON.F.US.EP.H27' });
      expect(gateway.activeContractId('ES')).toBe('CON.F.US.EP.H27');
      const available = await post(gateway, '/api/Contract/available', { live: false }, token);
      const es = (available.json!['contracts'] as GatewayContractSetup[]).filter(
        (c) => c.symbolId === 'F.US.EP',
      );
      expect(es).toEqual([
        {
          id: 'CON.F.US.EP.H27',
          name: 'ESH7',
          description: 'E-Mini S&P 500: March 27',
          tickSize: 0.25,
          tickValue: 12.5,
          activeContract: true,
          symbolId: 'F.US.EP',
        },
      ]);
      const place = (contractId: string, customTag: string) =>
        post(
          gateway,
          '/api/Order/place',
          { accountId: 1001, contractId, type: 1, side: 0, size: 1, limitPrice: 5000, customTag },
          token,
        );
      expect((await place('CON.F.US.EP.Z26', 'z1')).json).toMatchObject({ success: true });
      expect((await place('CON.F.US.EP.H27', 'h1')).json).toMatchObject({ success: true });
      gateway.expireContract('CON.F.US.EP.Z26');
      expect((await place('CON.F.US.EP.Z26', 'z2')).json).toMatchObject({ success: false, errorCode: 9 });
    });
  });
});

describe('History/retrieveBars', () => {
  const start = Date.UTC(2026, 2, 2, 14, 0);
  const bars = (contractId: string, extra: Record<string, unknown> = {}) => ({
    contractId,
    live: false,
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 10 * 60_000).toISOString(),
    unit: 2,
    unitNumber: 1,
    limit: 100,
    includePartialBar: false,
    ...extra,
  });

  it('aggregates pushed prices into bars, newest first, dropping the partial bar unless asked', async () => {
    let clock = start;
    await withGateway({ now: () => clock }, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const prints: [number, number, number][] = [
        [0, 5000, 1],
        [20_000, 5002, 2],
        [50_000, 4999.5, 1],
        [60_000, 5001, 4],
        [119_000, 5003.25, 1],
        [125_000, 5004, 5],
      ];
      for (const [offset, price, size] of prints) gateway.pushPrice(es, price, { size, ts: start + offset });
      clock = start + 130_000;
      const closed = await post(gateway, '/api/History/retrieveBars', bars(es), token);
      expect(closed.json!['bars']).toEqual([
        { t: new Date(start + 60_000).toISOString(), o: 5001, h: 5003.25, l: 5001, c: 5003.25, v: 5 },
        { t: new Date(start).toISOString(), o: 5000, h: 5002, l: 4999.5, c: 4999.5, v: 4 },
      ]);
      const withPartial = await post(
        gateway,
        '/api/History/retrieveBars',
        bars(es, { includePartialBar: true, limit: 2 }),
        token,
      );
      const partialBars = withPartial.json!['bars'] as { t: string; c: number }[];
      expect(partialBars.map((bar) => bar.c)).toEqual([5004, 5003.25]);
    });
  });

  it('serves a deterministic synthetic series for unseen contracts, honouring limit with the most recent bars', async () => {
    const now = Date.UTC(2026, 2, 4, 12);
    await withGateway({ now: () => now }, async (gateway, token) => {
      const nq = gateway.activeContractId('NQ');
      const request = bars(nq, {
        startTime: new Date(Date.UTC(2026, 2, 2)).toISOString(),
        endTime: new Date(now).toISOString(),
        limit: 500,
      });
      const first = (await post(gateway, '/api/History/retrieveBars', request, token)).json!['bars'] as {
        t: string;
        o: number;
        h: number;
        l: number;
        c: number;
      }[];
      const again = (await post(gateway, '/api/History/retrieveBars', request, token)).json!['bars'];
      expect(first).toHaveLength(500);
      expect(again).toEqual(first);
      expect(first[0]!.t).toBe(new Date(now - 60_000).toISOString());
      for (let i = 1; i < first.length; i += 1)
        expect(Date.parse(first[i - 1]!.t)).toBeGreaterThan(Date.parse(first[i]!.t));
      for (const bar of first) {
        expect(bar.l).toBeLessThanOrEqual(Math.min(bar.o, bar.c));
        expect(bar.h).toBeGreaterThanOrEqual(Math.max(bar.o, bar.c));
        expect(Math.abs(bar.o * 4 - Math.round(bar.o * 4))).toBeLessThan(1e-9);
      }
    });
  });

  it('enforces its per-endpoint error codes and validation', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const call = (extra: Record<string, unknown>) =>
        post(gateway, '/api/History/retrieveBars', bars(es, extra), token);
      expect((await call({ contractId: 'CON.F.US.NOPE.Z99' })).json).toMatchObject({
        success: false,
        errorCode: 1,
      });
      expect((await call({ unit: 9 })).json).toMatchObject({ success: false, errorCode: 2 });
      expect((await call({ unitNumber: 0 })).json).toMatchObject({ success: false, errorCode: 3 });
      expect((await call({ limit: 20_001 })).json).toMatchObject({ success: false, errorCode: 4 });
      expect((await call({ limit: 0 })).json).toMatchObject({ success: false, errorCode: 4 });
      expect((await call({ limit: 20_000 })).json).toMatchObject({ success: true });
      const reversed = await call({
        startTime: new Date(start + 1).toISOString(),
        endTime: new Date(start).toISOString(),
      });
      expect(reversed.status).toBe(400);
    });
  });

  it('counts retrieveBars against its own 50 per 30 s window', async () => {
    let clock = start;
    const gateway = await startLocalGateway({ now: () => clock });
    try {
      const token = await login(gateway);
      const es = gateway.activeContractId('ES');
      for (let i = 0; i < 50; i += 1) {
        expect((await post(gateway, '/api/History/retrieveBars', bars(es, { limit: 1 }), token)).status).toBe(
          200,
        );
      }
      const limited = await post(gateway, '/api/History/retrieveBars', bars(es, { limit: 1 }), token);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('30');
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token)).status).toBe(
        200,
      );
      clock += 30_000;
      expect((await post(gateway, '/api/History/retrieveBars', bars(es, { limit: 1 }), token)).status).toBe(
        200,
      );
    } finally {
      await gateway.close();
    }
  });
});
