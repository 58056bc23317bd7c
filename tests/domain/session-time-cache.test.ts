import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intlLocalTime, localTime } from '../../src/domain/session-time.ts';

describe('localTime cache', () => {
  it('agrees with Intl at every instant, across DST changes and zones', () => {
    const zones = [
      'America/Chicago',
      'America/New_York',
      'Europe/London',
      'Asia/Kolkata',
      'Australia/Adelaide',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom(...zones),
        (ts, zone) => {
          expect(localTime(ts, zone)).toEqual(intlLocalTime(ts, zone));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('agrees minute by minute around the 2024 Chicago spring-forward and fall-back', () => {
    for (const start of [Date.UTC(2024, 2, 10, 6), Date.UTC(2024, 10, 3, 5)]) {
      for (let m = 0; m < 4 * 60; m++) {
        const ts = start + m * 60_000 + 7_000;
        expect(localTime(ts, 'America/Chicago')).toEqual(intlLocalTime(ts, 'America/Chicago'));
      }
    }
  });
});
