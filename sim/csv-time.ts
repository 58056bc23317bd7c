/**
 * Timestamp parsing for the CSV loader, straight from bytes: ISO-8601 (`2013-10-07T13:30:00Z`,
 * `…+02:00`, `….374Z`), the naive forms of TradingView exports (`2013-10-07 13:30:00`, `2013-10-07 13:30`,
 * `2013-10-07`), US dates (`10/07/2013 13:30`), separate date and time columns, and epoch numbers (seconds or milliseconds, by column name or magnitude).
 * Naive times are read in `timeZone` (IANA name) when given, otherwise as UTC.
 */

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Result of parsing a date-time field: epoch ms, or a reason it is not one. */
export interface ParsedTime {
  ms: number;
  /** True when the text carried no offset (Z or ±hh:mm): the caller applies the time zone. */
  naive: boolean;
  error: string | null;
  /** Position just after the parsed text. */
  end: number;
}

function digitsAt(b: Uint8Array, p: number, count: number, end: number): number {
  if (p + count > end) return -1;
  let v = 0;
  for (let i = 0; i < count; i++) {
    const c = b[p + i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

let lastDateKey = -1;
let lastDateMs = 0;

/** Parse `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH[:]MM]` in bytes [p, end). Writes into `out`. */
export function parseIsoBytes(b: Uint8Array, p: number, end: number, out: ParsedTime, exact = true): void {
  out.naive = true;
  out.error = null;
  // US exports write MM/DD/YYYY; everything else here is year first.
  const us = b[p + 2] === 47 && b[p + 5] === 47;
  const year = us ? digitsAt(b, p + 6, 4, end) : digitsAt(b, p, 4, end);
  const month = us ? digitsAt(b, p, 2, end) : digitsAt(b, p + 5, 2, end);
  const day = us ? digitsAt(b, p + 3, 2, end) : digitsAt(b, p + 8, 2, end);
  const sep1 = b[p + 4];
  const dateSep = us || ((sep1 === 45 /* - */ || sep1 === 47) /* / */ && b[p + 7] === sep1);
  if (year < 0 || month < 0 || day < 0 || !dateSep) {
    out.error =
      'is not a date-time; use ISO-8601 like 2013-10-07T13:30:00Z, "2013-10-07 13:30:00", or epoch seconds/ms';
    return;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    out.error = 'has an impossible month or day; use YYYY-MM-DD';
    return;
  }
  // Consecutive rows share their date: remember the last one.
  const dateKey = year * 10_000 + month * 100 + day;
  if (dateKey !== lastDateKey) {
    lastDateKey = dateKey;
    lastDateMs = daysFromCivil(year, month, day) * MS_PER_DAY;
  }
  let ms = lastDateMs;
  let q = p + 10;
  const next = b[q + 1]! - 48;
  if (q < end && (b[q] === 84 /* T */ || (b[q] === 32 /* space */ && next >= 0 && next <= 9))) {
    const hour = digitsAt(b, q + 1, 2, end);
    const minute = digitsAt(b, q + 4, 2, end);
    if (hour < 0 || minute < 0 || b[q + 3] !== 58 || hour > 23 || minute > 59) {
      out.error = 'has a bad time of day; use HH:MM or HH:MM:SS (24-hour)';
      return;
    }
    ms += hour * 3_600_000 + minute * 60_000;
    q += 6;
    if (q < end && b[q] === 58) {
      const second = digitsAt(b, q + 1, 2, end);
      if (second < 0 || second > 60) {
        out.error = 'has bad seconds; use HH:MM:SS';
        return;
      }
      ms += second * 1000;
      q += 3;
      // A comma fraction only in an exact field: in a row it is the delimiter.
      if (q < end && (b[q] === 46 || (exact && b[q] === 44))) {
        // Fraction of a second: keep milliseconds, drop finer digits.
        q++;
        let scale = 100;
        let fraction = 0;
        while (q < end) {
          const c = b[q]! - 48;
          if (c < 0 || c > 9) break;
          if (scale >= 1) fraction += c * scale;
          scale /= 10;
          q++;
        }
        ms += Math.floor(fraction);
      }
    }
  }
  if (q < end && b[q] === 90 /* Z */) {
    out.naive = false;
    q++;
  } else if (q < end && (b[q] === 43 || b[q] === 45)) {
    const sign = b[q] === 43 ? 1 : -1;
    const oh = digitsAt(b, q + 1, 2, end);
    const colon = b[q + 3] === 58 ? 1 : 0;
    const om = q + 3 + colon < end ? digitsAt(b, q + 3 + colon, 2, end) : 0;
    if (oh < 0 || om < 0) {
      out.error = 'has a bad UTC offset; use Z, +HH:MM or -HH:MM';
      return;
    }
    ms -= sign * (oh * 3_600_000 + om * 60_000);
    out.naive = false;
    q += 3 + (q + 3 + colon < end ? colon + 2 : 0);
  }
  if (exact && q !== end) {
    out.error = 'has unexpected characters after the date-time; use ISO-8601 like 2013-10-07T13:30:00Z';
    return;
  }
  out.end = q;
  out.ms = ms;
}

/** Time of day `HH:MM[:SS[.fff]]` in bytes [p, end) as ms since midnight, or −1. */
export function parseClockBytes(b: Uint8Array, p: number, end: number): number {
  const hour = digitsAt(b, p, 2, end);
  const minute = digitsAt(b, p + 3, 2, end);
  if (hour < 0 || minute < 0 || b[p + 2] !== 58 || hour > 23 || minute > 59) return -1;
  let ms = hour * 3_600_000 + minute * 60_000;
  let q = p + 5;
  if (q < end && b[q] === 58) {
    const second = digitsAt(b, q + 1, 2, end);
    if (second < 0 || second > 60) return -1;
    ms += second * 1000;
    q += 3;
    if (q < end && b[q] === 46) {
      q++;
      let scale = 100;
      while (q < end) {
        const c = b[q]! - 48;
        if (c < 0 || c > 9) return -1;
        if (scale >= 1) ms += c * scale;
        scale /= 10;
        q++;
      }
    }
  }
  return q === end ? ms : -1;
}

/** Converts naive local wall times in one IANA zone to UTC, caching the offset per hour. */
export class ZoneConverter {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new Error(`time zone "${timeZone}" is not known; use an IANA name like America/Chicago or UTC`);
    }
  }

  /** Offset of the zone from UTC (local − UTC, ms) at a UTC instant. */
  offsetAt(utcMs: number): number {
    const hourKey = Math.floor(utcMs / 3_600_000);
    const cached = this.offsets.get(hourKey);
    if (cached !== undefined) return cached;
    const parts = this.format.formatToParts(new Date(hourKey * 3_600_000));
    const get = (type: string) => Number(parts.find((x) => x.type === type)?.value);
    const local =
      daysFromCivil(get('year'), get('month'), get('day')) * MS_PER_DAY +
      get('hour') * 3_600_000 +
      get('minute') * 60_000 +
      get('second') * 1000;
    const offset = local - hourKey * 3_600_000;
    this.offsets.set(hourKey, offset);
    return offset;
  }

  /** UTC epoch ms of a local wall time given as if it were UTC. Ambiguous times take the earlier instant. */
  toUtc(localMs: number): number {
    let utc = localMs - this.offsetAt(localMs);
    utc = localMs - this.offsetAt(utc);
    return utc;
  }
}
