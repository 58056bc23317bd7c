/**
 * Property: whatever mix of mark-to-market ticks, state changes, timer flushes and explicit flushes
 * the runtime produces, the write queue never loses a state change (the last row written for each
 * position carries its last state-changing update) and never writes because of P&L alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WriteQueue, type WriteTarget } from '../../../src/adapters/store/write-queue.ts';
import type { PositionRecord } from '../../../src/ports/store.ts';
import { position, T0 } from './fixtures.ts';
import { ManualClock } from './manual-clock.ts';

type Step =
  | { kind: 'tick'; id: number; pnl: number }
  | { kind: 'change'; id: number; stopTicks: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'flush' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('tick' as const),
    id: fc.integer({ min: 0, max: 3 }),
    pnl: fc.integer({ min: -500, max: 500 }),
  }),
  fc.record({
    kind: fc.constant('change' as const),
    id: fc.integer({ min: 0, max: 3 }),
    stopTicks: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 7_000 }) }),
  fc.record({ kind: fc.constant('flush' as const) }),
);

class Recorder implements WriteTarget {
  readonly written = new Map<string, PositionRecord[]>();
  async upsertSignal(): Promise<void> {}
  async appendEvents(): Promise<void> {}
  async closePositionWithTrade(): Promise<boolean> {
    return true;
  }
  async upsertPositions(ps: readonly PositionRecord[]): Promise<number> {
    for (const p of ps) this.written.set(p.id, [...(this.written.get(p.id) ?? []), p]);
    return ps.length;
  }
}

describe('write queue property', () => {
  it('keeps every last state change and never writes for P&L alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const clock = new ManualClock(T0);
        const target = new Recorder();
        const queue = new WriteQueue(target, clock);
        const current = new Map<string, PositionRecord>();
        const stateChanges = new Map<string, number>();
        let t = T0;
        for (const s of steps) {
          if (s.kind === 'advance') await clock.advance(s.ms);
          else if (s.kind === 'flush') await queue.flush();
          else {
            const id = `P${s.id}`;
            const before = current.get(id) ?? position(id, { state: 'active', filledQuantity: 2 });
            t += 1;
            const next =
              s.kind === 'tick'
                ? { ...before, unrealizedPnl: s.pnl, updatedAt: t }
                : { ...before, stopPrice: 5005.5 + s.stopTicks * 0.25, updatedAt: t };
            const isChange = !current.has(id) || next.stopPrice !== before.stopPrice;
            if (isChange) stateChanges.set(id, (stateChanges.get(id) ?? 0) + 1);
            current.set(id, next);
            queue.updatePosition(next);
          }
        }
        await queue.flush();
        for (const [id, latest] of current) {
          const rows = target.written.get(id) ?? [];
          expect(rows.at(-1)?.stopPrice).toBe(latest.stopPrice);
          expect(rows.length).toBeLessThanOrEqual(stateChanges.get(id) ?? 0);
        }
        expect(queue.status).toMatchObject({ pendingWrites: 0, dirtyPositions: 0, rejectedWrites: 0 });
      }),
      { numRuns: 1_000 },
    );
  });
});
