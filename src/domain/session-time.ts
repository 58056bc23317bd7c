/**
 * Session time: local wall-clock time in a named zone and the CME trading day, computed from an event
 * time. Pure given `ts` (Intl with an explicit zone never reads the clock), so backtests and live
 * trading get the same answers.
 */

export const CME_ZONE = 'America/Chicago';
/** CME Globex reopens at 17:00 Chicago; that minute starts the next trading day. */
export const CME_SESSION_OPEN_MINUTES = 17 * 60;

export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** hour * 60 + minute. */
  readonly minutesOfDay: number;
}

// Building a DateTimeFormat costs ~50 µs; one per zone is kept (a cache, not state that changes answers).
const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        weekday: 'short',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new Error(`time zone "${timeZone}" is not known — use an IANA name such as America/Chicago`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

const BLOCK_MS = 15 * 60_000;
/** Zone → 15-minute block → UTC offset (ms). Offsets change only on whole quarter hours. */
const offsets = new Map<string, Map<number, number>>();

/**
 * Wall-clock time at `ts` (epoch ms) in `timeZone`. Intl is slow (microseconds per call, on every
 * guard check of a backtest), so the zone's offset is looked up once per quarter hour and reused.
 */
export function localTime(ts: number, timeZone: string): LocalTime {
  const block = Math.floor(ts / BLOCK_MS);
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  let offset = zone.get(block);
  if (offset === undefined) {
    const start = block * BLOCK_MS;
    const t = intlLocalTime(start, timeZone);
    offset = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - start;
    if (zone.size > 50_000) zone.clear();
    zone.set(block, offset);
  }
  const d = new Date(ts + offset);
  const hour = d.getUTCHours();
  const minute = d.getUTCMinutes();
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour,
    minute,
    second: d.getUTCSeconds(),
    minutesOfDay: hour * 60 + minute,
  };
}

/** The same through Intl, for every call (the reference the cache is checked against). */
export function intlLocalTime(ts: number, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(new Date(ts));
  let year = 0;
  let month = 0;
  let day = 0;
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of parts) {
    if (p.type === 'year') year = Number(p.value);
    else if (p.type === 'month') month = Number(p.value);
    else if (p.type === 'day') day = Number(p.value);
    else if (p.type === 'weekday') weekday = WEEKDAYS[p.value] ?? 0;
    else if (p.type === 'hour') hour = Number(p.value) % 24;
    else if (p.type === 'minute') minute = Number(p.value);
    else if (p.type === 'second') second = Number(p.value);
  }
  return { year, month, day, weekday, hour, minute, second, minutesOfDay: hour * 60 + minute };
}

/** Parse a local clock time "HH:MM" into minutes after midnight. */
export function parseClock(text: string, field = 'time'): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new Error(`${field} "${text}" is not a clock time — write it as HH:MM, e.g. 15:10`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** "HH:MM" for minutes after midnight. */
export function formatClock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** True when `minutes` lies in [start, end); a window whose end is before its start wraps past midnight. */
export function inClockWindow(minutes: number, start: number, end: number): boolean {
  if (start === end) return true;
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/**
 * CME trading day id ("YYYY-MM-DD") for an event time: from 17:00 Chicago a new trading day starts,
 * named after the next weekday (Friday 17:00 and the weekend belong to Monday).
 */
export function tradingDayId(ts: number): string {
  // Constant within a quarter hour (the day turns at 17:00 Chicago): remember the last one.
  const block = Math.floor(ts / BLOCK_MS);
  if (block === lastDayBlock) return lastDayId;
  lastDayId = computeTradingDayId(ts);
  lastDayBlock = block;
  return lastDayId;
}

let lastDayBlock = Number.NaN;
let lastDayId = '';

function computeTradingDayId(ts: number): string {
  const t = localTime(ts, CME_ZONE);
  let date = Date.UTC(t.year, t.month - 1, t.day);
  let weekday = t.weekday;
  if (t.minutesOfDay >= CME_SESSION_OPEN_MINUTES) {
    date += 86_400_000;
    weekday = (weekday + 1) % 7;
  }
  if (weekday === 6) date += 2 * 86_400_000;
  else if (weekday === 0) date += 86_400_000;
  return new Date(date).toISOString().slice(0, 10);
}

/** Short human duration: 45s, 2m10s, 5m, 1h5m, 3d4h. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(total / 86_400);
  if (d > 0) {
    const hours = Math.floor((total % 86_400) / 3600);
    return hours > 0 ? `${d}d${hours}h` : `${d}d`;
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h}h${m}m` : `${h}h`;
  if (m > 0) return s > 0 ? `${m}m${s}s` : `${m}m`;
  return `${s}s`;
}
