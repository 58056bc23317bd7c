import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter, type TimeSource } from '../../../src/adapters/topstepx/rate-limit.ts';

/** A clock that only moves when someone sleeps. */
function virtualTime(): TimeSource & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

describe('sliding-window rate limiter', () => {
  it('lets `limit` requests through at once and makes the next one wait for the window', async () => {
    const time = virtualTime();
    const limiter = new SlidingWindowLimiter(50, 30_000, time);
    for (let i = 0; i < 50; i++) await limiter.acquire();
    expect(time.t).toBe(0);
    await limiter.acquire();
    expect(time.t).toBe(30_000);
  });

  it('never admits more than `limit` requests in any window (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 10, max: 1_000 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 60 }),
        async (limit, windowMs, gaps) => {
          const time = virtualTime();
          const limiter = new SlidingWindowLimiter(limit, windowMs, time);
          const admitted: number[] = [];
          for (const gap of gaps) {
            time.t += gap;
            await limiter.acquire();
            admitted.push(time.t);
          }
          for (let i = limit; i < admitted.length; i++)
            expect(admitted[i]! - admitted[i - limit]!).toBeGreaterThanOrEqual(windowMs);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('serves concurrent callers in arrival order', async () => {
    const time = virtualTime();
    const limiter = new SlidingWindowLimiter(1, 100, time);
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => limiter.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
    expect(time.t).toBe(200);
  });
});
