import { describe, expect, it } from 'vitest';
import {
  CALENDAR_COVERAGE,
  CalendarCoverageError,
  CalendarDataError,
  cmeSessionDay,
  type ProductGroup,
  productGroup,
  validateCalendar,
} from '../../src/domain/calendar.ts';
import calendar from '../../src/domain/data/cme-calendar.json' with { type: 'json' };
import { SUPPORTED_SYMBOLS } from '../../src/domain/instruments.ts';
import { tradingDayId } from '../../src/domain/session-time.ts';

const GROUPS: readonly ProductGroup[] = ['equity', 'energy', 'metals'];

/** A minimal well-formed file with one entry, to break one field at a time. */
const withEntry = (entry: Record<string, unknown>, years: number[] = [2026]) => ({
  coverage: { years },
  groups: { equity: [entry], energy: [], metals: [] },
});

describe('productGroup', () => {
  it('maps every root we trade to its CME product group', () => {
    expect(SUPPORTED_SYMBOLS.map((s) => [s, productGroup(s)])).toEqual([
      ['ES', 'equity'],
      ['MES', 'equity'],
      ['NQ', 'equity'],
      ['MNQ', 'equity'],
      ['RTY', 'equity'],
      ['M2K', 'equity'],
      ['CL', 'energy'],
      ['MCL', 'energy'],
      ['GC', 'metals'],
      ['MGC', 'metals'],
    ]);
  });

  it('accepts any casing and returns undefined for a root we do not trade', () => {
    expect(productGroup(' mnq ')).toBe('equity');
    expect(productGroup('ZB')).toBeUndefined();
  });
});

describe('cmeSessionDay', () => {
  it('the day after Thanksgiving 2026 is a 12:15 CT early close for equity', () => {
    expect(cmeSessionDay('2026-11-27', 'equity')).toEqual({
      tradingDay: '2026-11-27',
      closed: false,
      earlyCloseMinutesCt: 12 * 60 + 15,
      name: 'Day after Thanksgiving',
    });
  });

  it('the day after Thanksgiving 2026 closes at 13:45 CT for energy and metals', () => {
    expect(cmeSessionDay('2026-11-27', 'energy').earlyCloseMinutesCt).toBe(13 * 60 + 45);
    expect(cmeSessionDay('2026-11-27', 'metals').earlyCloseMinutesCt).toBe(13 * 60 + 45);
  });

  it('Christmas Day 2026 has no session in any group', () => {
    for (const group of GROUPS) {
      const day = cmeSessionDay('2026-12-25', group);
      expect(day.closed, group).toBe(true);
      expect(day.earlyCloseMinutesCt, group).toBeNull();
      expect(day.name, group).toBe('Christmas Day');
    }
  });

  it('an ordinary Tuesday is a normal session', () => {
    for (const group of GROUPS) {
      expect(cmeSessionDay('2026-03-10', group)).toEqual({
        tradingDay: '2026-03-10',
        closed: false,
        earlyCloseMinutesCt: null,
        name: null,
      });
    }
  });

  it('the shipped backtest month (October 2013) has only normal sessions', () => {
    for (let day = 1; day <= 31; day++) {
      const date = `2013-10-${String(day).padStart(2, '0')}`;
      for (const group of GROUPS) expect(cmeSessionDay(date, group).name, `${date} ${group}`).toBeNull();
    }
  });

  it('takes the trading day tradingDayId gives: Thanksgiving 2026 evening belongs to the Friday', () => {
    // 2026-11-26 17:30 CT (23:30 UTC) is the evening reopen for the day after Thanksgiving.
    const day = tradingDayId(Date.UTC(2026, 10, 26, 23, 30));
    expect(day).toBe('2026-11-27');
    expect(cmeSessionDay(day, 'equity').earlyCloseMinutesCt).toBe(735);
  });

  it('a year outside the coverage throws a CalendarCoverageError naming the covered years and the file', () => {
    expect(() => cmeSessionDay('2028-03-07', 'equity')).toThrow(CalendarCoverageError);
    expect(() => cmeSessionDay('2020-03-10', 'metals')).toThrow(
      /no data for 2020.*covers 2013, 2024, 2025, 2026, 2027.*src\/domain\/data\/cme-calendar\.json/,
    );
  });

  it('a year between covered years but not held (2018) throws too', () => {
    expect(() => cmeSessionDay('2018-06-05', 'energy')).toThrow(CalendarCoverageError);
  });

  it('refuses text that is not a date', () => {
    expect(() => cmeSessionDay('2026-13-01', 'equity')).toThrow(RangeError);
    expect(() => cmeSessionDay('Nov 27', 'equity')).toThrow(/YYYY-MM-DD/);
  });
});

describe('the shipped calendar data', () => {
  const entries = GROUPS.flatMap((group) =>
    (calendar.groups[group] as readonly { date: string }[]).map((e) => ({ group, date: e.date })),
  );

  it('lists the covered years', () => {
    expect(CALENDAR_COVERAGE.years).toEqual([2013, 2024, 2025, 2026, 2027]);
  });

  it('has every entry in a covered year', () => {
    const outside = entries.filter((e) => !CALENDAR_COVERAGE.years.includes(Number(e.date.slice(0, 4))));
    expect(outside).toEqual([]);
  });

  it('never lists a weekend', () => {
    const weekends = entries.filter((e) => {
      const weekday = new Date(`${e.date}T12:00:00Z`).getUTCDay();
      return weekday === 0 || weekday === 6;
    });
    expect(weekends).toEqual([]);
  });

  it('names a source for every entry not marked derived', () => {
    const bare = GROUPS.flatMap((group) =>
      (calendar.groups[group] as readonly { date: string; derived?: boolean; source?: string }[])
        .filter((e) => e.derived !== true && e.source === undefined)
        .map((e) => `${group} ${e.date}`),
    );
    expect(bare).toEqual([]);
  });

  it('lists each source with the date it was checked', () => {
    for (const source of calendar.sources) {
      expect(source.url).toMatch(/^https?:\/\//);
      expect(source.checked).toBe('2026-12-06');
      expect(source.covers.length).toBeGreaterThan(0);
    }
  });
});

describe('validateCalendar', () => {
  it('accepts the shipped file', () => {
    expect(validateCalendar(calendar).years).toEqual([2013, 2024, 2025, 2026, 2027]);
  });

  it('rejects a date that does not exist, naming the entry', () => {
    expect(() => validateCalendar(withEntry({ date: '2026-02-30', name: 'x', kind: 'closed' }))).toThrow(
      /groups\.equity\[0\] \(2026-02-30\): date "2026-02-30" is not a real date/,
    );
  });

  it('rejects a closeCt that is not HH:MM', () => {
    expect(() =>
      validateCalendar(withEntry({ date: '2026-11-27', name: 'x', kind: 'early_close', closeCt: '12.15' })),
    ).toThrow(CalendarDataError);
    expect(() =>
      validateCalendar(withEntry({ date: '2026-11-27', name: 'x', kind: 'early_close', closeCt: '24:00' })),
    ).toThrow(/closeCt "24:00" is not "HH:MM"/);
  });

  it('rejects an unknown kind', () => {
    expect(() => validateCalendar(withEntry({ date: '2026-11-27', name: 'x', kind: 'half_day' }))).toThrow(
      /kind "half_day" is unknown/,
    );
  });

  it('rejects a duplicate date', () => {
    const entry = { date: '2026-12-25', name: 'Christmas Day', kind: 'closed' };
    const raw = { coverage: { years: [2026] }, groups: { equity: [entry, entry], energy: [], metals: [] } };
    expect(() => validateCalendar(raw)).toThrow(
      /groups\.equity\[1\] \(2026-12-25\): date 2026-12-25 appears twice/,
    );
  });

  it('rejects a weekend and a year outside the coverage', () => {
    expect(() => validateCalendar(withEntry({ date: '2026-11-28', name: 'x', kind: 'closed' }))).toThrow(
      /weekend/,
    );
    expect(() => validateCalendar(withEntry({ date: '2025-12-25', name: 'x', kind: 'closed' }))).toThrow(
      /outside coverage\.years/,
    );
  });

  it('rejects a file without a group', () => {
    expect(() => validateCalendar({ coverage: { years: [2026] }, groups: { equity: [] } })).toThrow(
      /groups\.energy: is missing/,
    );
  });
});
