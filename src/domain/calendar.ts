/**
 * CME Globex holidays and early closes for the products we trade, read from data shipped with the
 * code (src/domain/data/cme-calendar.json, described in docs/calendar.md). Validated once at load;
 * every lookup is pure.
 */
import calendar from './data/cme-calendar.json' with { type: 'json' };

export type ProductGroup = 'equity' | 'energy' | 'metals';

const PRODUCT_GROUPS: readonly ProductGroup[] = ['equity', 'energy', 'metals'];

/** Root symbol → product group, for every root in src/domain/instruments.ts. */
const GROUP_BY_SYMBOL: ReadonlyMap<string, ProductGroup> = new Map([
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

/** The calendar's product group for a root symbol (any casing), or undefined for one we do not trade. */
export function productGroup(symbol: string): ProductGroup | undefined {
  return GROUP_BY_SYMBOL.get(symbol.trim().toUpperCase());
}

export interface SessionDay {
  /** "YYYY-MM-DD", as tradingDayId() in src/domain/session-time.ts names it. */
  readonly tradingDay: string;
  /** No session at all that trading day. */
  readonly closed: boolean;
  /** Minutes after midnight America/Chicago at which Globex halts that day; null on a normal or closed day. */
  readonly earlyCloseMinutesCt: number | null;
  /** The holiday or event, null on a normal day. */
  readonly name: string | null;
}

export interface CalendarEntry {
  readonly date: string;
  readonly name: string;
  readonly kind: 'closed' | 'early_close';
  readonly closeCt?: string;
  readonly derived?: boolean;
  readonly source?: string;
}

export interface CmeCalendar {
  readonly years: readonly number[];
  readonly groups: Readonly<Record<ProductGroup, readonly CalendarEntry[]>>;
}

/** A lookup outside the years the calendar file holds. */
export class CalendarCoverageError extends Error {
  override readonly name = 'CalendarCoverageError';
}

/** The calendar file is malformed; the message names the entry and the field. */
export class CalendarDataError extends Error {
  override readonly name = 'CalendarDataError';
}

const FILE = 'src/domain/data/cme-calendar.json';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The weekday (0 Sunday … 6 Saturday) of a real calendar date, or undefined if the text is not one. */
function weekdayOf(date: string): number | undefined {
  const match = DATE.exec(date);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(Date.UTC(year, month - 1, day));
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) {
    return undefined;
  }
  return utc.getUTCDay();
}

function fail(where: string, problem: string, fix: string): never {
  throw new CalendarDataError(`${FILE} ${where}: ${problem}; ${fix}`);
}

/**
 * Check a parsed calendar file and return it typed. Throws CalendarDataError naming the entry
 * (`groups.equity[3] (2026-11-27)`) and what is wrong: a date that is not a real weekday YYYY-MM-DD,
 * a year outside `coverage.years`, a duplicate date, an unknown kind, a closeCt that is not "HH:MM".
 */
export function validateCalendar(raw: unknown): CmeCalendar {
  if (!isRecord(raw))
    fail('top level', 'is not a JSON object', 'restore { sources, notes, coverage, groups }');
  const coverage = raw['coverage'];
  if (!isRecord(coverage) || !Array.isArray(coverage['years'])) {
    fail('coverage', 'has no "years" array', 'list the years present, e.g. "years": [2024, 2025]');
  }
  const years = coverage['years'] as unknown[];
  if (years.length === 0 || !years.every((y) => Number.isInteger(y))) {
    fail('coverage.years', `is ${JSON.stringify(years)}`, 'list whole four-digit years');
  }
  const covered = new Set(years as number[]);
  const rawGroups = raw['groups'];
  if (!isRecord(rawGroups))
    fail('groups', 'is missing', `give one array per group: ${PRODUCT_GROUPS.join(', ')}`);
  const groups = {} as Record<ProductGroup, CalendarEntry[]>;
  for (const group of PRODUCT_GROUPS) {
    const list = rawGroups[group];
    if (!Array.isArray(list))
      fail(`groups.${group}`, 'is missing or not an array', 'add the group (it may be [])');
    const seen = new Set<string>();
    groups[group] = list.map((item: unknown, index: number) => {
      const date = isRecord(item) ? item['date'] : undefined;
      const where = `groups.${group}[${index}]${typeof date === 'string' ? ` (${date})` : ''}`;
      return validateEntry(item, where, covered, seen);
    });
  }
  return { years: [...covered].sort((a, b) => a - b), groups };
}

function validateEntry(
  item: unknown,
  where: string,
  covered: ReadonlySet<number>,
  seen: Set<string>,
): CalendarEntry {
  if (!isRecord(item)) fail(where, 'is not an object', 'write { "date", "name", "kind", "closeCt" }');
  const { date, name, kind, closeCt, derived, source } = item;
  const weekday = typeof date === 'string' ? weekdayOf(date) : undefined;
  if (typeof date !== 'string' || weekday === undefined) {
    fail(where, `date ${JSON.stringify(date)} is not a real date`, 'write the trading day as "YYYY-MM-DD"');
  }
  if (weekday === 0 || weekday === 6) {
    fail(
      where,
      `date ${date} is a weekend`,
      'weekends are never trading days; list the weekday CME observes',
    );
  }
  if (!covered.has(Number(date.slice(0, 4)))) {
    fail(
      where,
      `date ${date} lies outside coverage.years`,
      'add its year to coverage.years or move the entry',
    );
  }
  if (seen.has(date)) fail(where, `date ${date} appears twice`, 'keep one entry per trading day');
  seen.add(date);
  if (typeof name !== 'string' || name.trim() === '') fail(where, 'has no name', 'name the holiday or event');
  if (derived !== undefined && typeof derived !== 'boolean') {
    fail(where, `derived is ${JSON.stringify(derived)}`, 'use true or leave it out');
  }
  if (source !== undefined && typeof source !== 'string') {
    fail(where, `source is ${JSON.stringify(source)}`, 'give the URL the entry was checked against');
  }
  const extra = {
    ...(derived === true ? { derived } : {}),
    ...(typeof source === 'string' ? { source } : {}),
  };
  if (kind === 'closed') {
    if (closeCt !== undefined)
      fail(where, 'is closed but has a closeCt', 'drop closeCt or use "early_close"');
    return { date, name, kind, ...extra };
  }
  if (kind === 'early_close') {
    if (typeof closeCt !== 'string' || !CLOCK.test(closeCt)) {
      fail(
        where,
        `closeCt ${JSON.stringify(closeCt)} is not "HH:MM"`,
        'write the Chicago halt time, e.g. "12:15"',
      );
    }
    return { date, name, kind, closeCt, ...extra };
  }
  fail(where, `kind ${JSON.stringify(kind)} is unknown`, 'use "closed" or "early_close"');
}

const DATA = validateCalendar(calendar);

const BY_GROUP: ReadonlyMap<ProductGroup, ReadonlyMap<string, CalendarEntry>> = new Map(
  PRODUCT_GROUPS.map((group) => [group, new Map(DATA.groups[group].map((e) => [e.date, e]))]),
);

export const CALENDAR_COVERAGE: { readonly years: readonly number[] } = Object.freeze({
  years: Object.freeze([...DATA.years]),
});

function minutesOf(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

/**
 * The CME session for one trading day ("YYYY-MM-DD", as tradingDayId() in src/domain/session-time.ts
 * produces it) and product group. A day the calendar does not list is a normal session. Throws
 * CalendarCoverageError for a year the calendar file does not hold, RangeError for text that is not
 * a date.
 */
export function cmeSessionDay(tradingDay: string, group: ProductGroup): SessionDay {
  if (weekdayOf(tradingDay) === undefined) {
    throw new RangeError(
      `trading day "${tradingDay}" is not a date; pass "YYYY-MM-DD" as tradingDayId() gives it`,
    );
  }
  const entries = BY_GROUP.get(group);
  if (!entries) {
    throw new RangeError(`product group "${group}" is unknown; use one of ${PRODUCT_GROUPS.join(', ')}`);
  }
  const year = Number(tradingDay.slice(0, 4));
  if (!CALENDAR_COVERAGE.years.includes(year)) {
    throw new CalendarCoverageError(
      `the CME holiday calendar has no data for ${year} (trading day ${tradingDay}); it covers ` +
        `${CALENDAR_COVERAGE.years.join(', ')}. Add ${year} to ${FILE} (see docs/calendar.md, "Adding a year").`,
    );
  }
  const entry = entries.get(tradingDay);
  if (!entry) return { tradingDay, closed: false, earlyCloseMinutesCt: null, name: null };
  return {
    tradingDay,
    closed: entry.kind === 'closed',
    earlyCloseMinutesCt: entry.closeCt === undefined ? null : minutesOf(entry.closeCt),
    name: entry.name,
  };
}
