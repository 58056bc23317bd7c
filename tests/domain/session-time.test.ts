/** Local time in a named zone and the CME trading day, from event times only. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  inClockWindow,
  localTime,
  parseClock,
  tradingDayId,
} from '../../src/domain/session-time.ts';

describe('session time', () => {
  it('local time of day follows daylight saving in America/Chicago', () => {
    // 2025-01-15 21:10Z = 15:10 CST (UTC-6); 2025-07-15 20:10Z = 15:10 CDT (UTC-5).
    expect(localTime(Date.parse('2025-01-15T21:10:00Z'), 'America/Chicago')).toMatchObject({
      hour: 15,
      minute: 10,
      minutesOfDay: 910,
      weekday: 3,
    });
    expect(localTime(Date.parse('2025-07-15T20:10:00Z'), 'America/Chicago')).toMatchObject({
      hour: 15,
      minute: 10,
    });
    expect(localTime(Date.parse('2025-07-15T00:00:00Z'), 'UTC')).toMatchObject({ hour: 0, minutesOfDay: 0 });
  });

  it('an unknown zone is an error that names the fix', () => {
    expect(() => localTime(0, 'Mars/Olympus')).toThrow(/not known — use an IANA name/);
  });

  it('the CME trading day starts at 17:00 Chicago and Friday evening belongs to Monday', () => {
    expect(tradingDayId(Date.parse('2025-06-10T21:59:00Z'))).toBe('2025-06-10'); // Tue 16:59 CDT
    expect(tradingDayId(Date.parse('2025-06-10T22:00:00Z'))).toBe('2025-06-11'); // Tue 17:00 CDT
    expect(tradingDayId(Date.parse('2025-06-13T22:30:00Z'))).toBe('2025-06-16'); // Fri 17:30 → Mon
    expect(tradingDayId(Date.parse('2025-06-15T23:00:00Z'))).toBe('2025-06-16'); // Sun 18:00 → Mon
    expect(tradingDayId(Date.parse('2013-10-07T14:00:00Z'))).toBe('2013-10-07');
  });

  it('trading day ids never go backwards as time moves forward', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_400_000_000_000, max: 1_900_000_000_000 }),
        fc.integer({ min: 0, max: 7 * 86_400_000 }),
        (t, dt) => {
          expect(tradingDayId(t + dt) >= tradingDayId(t)).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('clock strings parse and windows may wrap midnight', () => {
    expect(parseClock('15:10')).toBe(910);
    expect(parseClock('8:30')).toBe(510);
    expect(() => parseClock('25:00', 'flatByTime')).toThrow(
      /flatByTime "25:00" is not a clock time — write it as HH:MM/,
    );
    expect(inClockWindow(600, 510, 900)).toBe(true);
    expect(inClockWindow(900, 510, 900)).toBe(false);
    expect(inClockWindow(60, 1020, 120)).toBe(true);
    expect(inClockWindow(600, 1020, 120)).toBe(false);
  });

  it('durations read like 2m10s', () => {
    expect(formatDuration(130_000)).toBe('2m10s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(3_900_000)).toBe('1h5m');
    expect(formatDuration(23 * 3_600_000)).toBe('23h');
    expect(formatDuration(76 * 3_600_000 + 60_000)).toBe('3d4h');
    expect(formatDuration(2 * 86_400_000)).toBe('2d');
  });
});
