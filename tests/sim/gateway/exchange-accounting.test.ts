import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarHistory } from '../../../sim/gateway/bars.ts';
import { defaultContracts } from '../../../sim/gateway/contracts.ts';
import { Exchange } from '../../../sim/gateway/exchange.ts';
import { DEFAULT_ACCOUNT } from '../../../sim/gateway/index.ts';
import { renderPosition } from '../../../sim/gateway/records.ts';

const NOW = Date.UTC(2026, 0, 5, 15);
const contracts = defaultContracts(NOW);
const es = contracts.find((c) => c.symbolId === 'F.US.EP' && c.activeContract)!;

function exchange(): Exchange {
  return new Exchange([DEFAULT_ACCOUNT], contracts, () => NOW, {
    minimumBracketTicks: 4,
    requireStopTypeForStopLoss: true,
    closeLeavesWorkingOrders: false,
  });
}

const fill = fc.record({
  side: fc.constantFrom(0, 1),
  size: fc.integer({ min: 1, max: 5 }),
  ticks: fc.integer({ min: 19_000, max: 21_000 }),
});

describe('exchange accounting', () => {
  it('realised P&L over a round trip equals the cash flow of its fills, and the net position follows the fills', () => {
    fc.assert(
      fc.property(
        fc.array(fill, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 19_000, max: 21_000 }),
        (fills, exitTicks) => {
          const venue = exchange();
          let net = 0;
          let cashTicks = 0;
          for (const f of fills) {
            venue.place({ accountId: 1001, contractId: es.id, type: 2, side: f.side, size: f.size });
            venue.pushPrice(es.id, f.ticks * es.tickSize, 1, NOW);
            const signed = f.side === 0 ? f.size : -f.size;
            net += signed;
            cashTicks -= signed * f.ticks;
            const open = venue.openPositions();
            expect(open.reduce((sum, p) => sum + p.netSize, 0)).toBe(net);
            for (const p of open) {
              const average = renderPosition(p, 'zulu').averagePrice;
              expect(average).toBeGreaterThanOrEqual(19_000 * es.tickSize);
              expect(average).toBeLessThanOrEqual(21_000 * es.tickSize);
            }
          }
          if (net !== 0) {
            venue.place({
              accountId: 1001,
              contractId: es.id,
              type: 2,
              side: net > 0 ? 1 : 0,
              size: Math.abs(net),
            });
            venue.pushPrice(es.id, exitTicks * es.tickSize, 1, NOW);
            cashTicks += net * exitTicks;
          }
          expect(venue.openPositions()).toEqual([]);
          const trades = venue.tradeList();
          const realised = trades.reduce((sum, t) => sum + (t.profitAndLoss ?? 0), 0);
          expect(Math.abs(realised - cashTicks * es.tickValue)).toBeLessThanOrEqual(
            0.005 * trades.length + 1e-6,
          );
          const traded = trades.reduce((sum, t) => sum + t.size, 0);
          expect(traded).toBe(fills.reduce((sum, f) => sum + f.size, 0) + Math.abs(net));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('bars keep every print: volumes add up, each bar spans its prints, newest first', () => {
    const print = fc.record({
      offset: fc.integer({ min: 0, max: 3_600_000 }),
      ticks: fc.integer({ min: 1, max: 400 }),
      size: fc.integer({ min: 1, max: 9 }),
    });
    fc.assert(
      fc.property(
        fc.array(print, { minLength: 1, maxLength: 60 }),
        fc.constantFrom(1, 5, 15),
        (prints, minutes) => {
          const history = new BarHistory();
          for (const p of prints) history.record(es.id, NOW + p.offset, 20_000 + p.ticks, p.size);
          const bars = history.retrieve({
            contract: es,
            startMs: NOW,
            endMs: NOW + 3_600_001,
            unit: 2,
            unitNumber: minutes,
            limit: 20_000,
            includePartialBar: true,
            nowMs: NOW + 3_600_001,
          });
          expect(bars.reduce((sum, b) => sum + b.v, 0)).toBe(prints.reduce((sum, p) => sum + p.size, 0));
          for (let i = 0; i < bars.length; i += 1) {
            const bar = bars[i]!;
            expect(bar.l).toBeLessThanOrEqual(Math.min(bar.o, bar.c));
            expect(bar.h).toBeGreaterThanOrEqual(Math.max(bar.o, bar.c));
            expect(bar.t % (minutes * 60_000)).toBe(0);
            if (i > 0) expect(bars[i - 1]!.t).toBeGreaterThan(bar.t);
          }
          const highest = Math.max(...prints.map((p) => p.ticks));
          expect(Math.max(...bars.map((b) => b.h))).toBe((20_000 + highest) * es.tickSize);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
