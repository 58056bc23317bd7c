/**
 * Fast CSV loader for OHLCV bars and tick prints, straight into Float64Array columns.
 *
 * A hand-written byte-level parser: numbers are read digit by digit from the file's bytes (no string
 * per field), so the canonical double of each price comes out exactly as `Number(text)` would give it.
 * Columns are found by header name, timestamps by shape (ISO-8601, naive TradingView forms, epoch s/ms).
 * Every row is validated; the first bad row throws a CsvError naming file, line, column and the fix,
 * and nothing is returned half-way.
 */
import { readFileSync } from 'node:fs';
import { type ParsedTime, parseClockBytes, parseIsoBytes, ZoneConverter } from './csv-time.ts';

export interface BarSeries {
  readonly kind: 'bars';
  readonly source: string;
  readonly length: number;
  /** Bar open time, epoch ms UTC. */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface TickSeries {
  readonly kind: 'ticks';
  readonly source: string;
  readonly length: number;
  readonly ts: Float64Array;
  readonly price: Float64Array;
  /** Contracts per print; 1 when the file has no size column. */
  readonly size: Float64Array;
}

export interface CsvOptions {
  /** Name used in error messages (defaults to the path, or "<input>"). */
  readonly source?: string;
  /** When given, every price must lie on this grid. */
  readonly tickSize?: number;
  /** IANA zone for timestamps without an offset (default UTC). */
  readonly timeZone?: string;
}

export class CsvError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: string | null,
    problem: string,
  ) {
    super(`${source}: line ${line}${column ? `, column "${column}"` : ''}: ${problem}`);
    this.name = 'CsvError';
  }
}

type Role = 'skip' | 'time' | 'clock' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'price' | 'size';
type TimeUnit = 'auto' | 's' | 'ms' | 'text';

const TIME_NAMES = [
  'epoch_ms',
  'epoch_s',
  'unix',
  'epoch',
  'timestamp',
  'ts_utc',
  'ts',
  'datetime',
  'date/time',
  'date and time',
  'time',
  'date',
];
const ROLE_NAMES: Record<Exclude<Role, 'skip' | 'time' | 'clock'>, readonly string[]> = {
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c'],
  volume: ['volume', 'vol', 'v'],
  price: ['price', 'last', 'trade_price'],
  size: ['size', 'qty', 'quantity', 'volume', 'vol'],
};

const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

interface Layout {
  readonly delimiter: number;
  readonly names: readonly string[];
  readonly roles: Role[];
  readonly timeUnit: TimeUnit;
  readonly lastNeeded: number;
  readonly dataStart: number;
}

/** Decide from the header whether a file holds bars or ticks. */
export function detectKind(bytes: Uint8Array): 'bars' | 'ticks' | null {
  const header = headerNames(bytes).names;
  const has = (list: readonly string[]) => header.some((h) => list.includes(h));
  if (has(ROLE_NAMES.open) && has(ROLE_NAMES.high) && has(ROLE_NAMES.low) && has(ROLE_NAMES.close))
    return 'bars';
  if (has(ROLE_NAMES.price)) return 'ticks';
  return null;
}

export function loadMarketCsv(path: string, options: CsvOptions = {}): BarSeries | TickSeries {
  const bytes = readFile(path);
  const source = options.source ?? path;
  const kind = detectKind(bytes);
  if (kind === 'bars') return parseBarsCsv(bytes, { ...options, source });
  if (kind === 'ticks') return parseTicksCsv(bytes, { ...options, source });
  throw new CsvError(
    source,
    1,
    null,
    'header names neither bars (open, high, low, close, volume) nor ticks (price, size); add a header row with those names',
  );
}

export function loadBarsCsv(path: string, options: CsvOptions = {}): BarSeries {
  return parseBarsCsv(readFile(path), { ...options, source: options.source ?? path });
}

export function loadTicksCsv(path: string, options: CsvOptions = {}): TickSeries {
  return parseTicksCsv(readFile(path), { ...options, source: options.source ?? path });
}

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${path}${code ? ` (${code})` : ''}; check the path`);
  }
}

function headerNames(bytes: Uint8Array): { names: string[]; delimiter: number; dataStart: number } {
  let end = 0;
  while (end < bytes.length && bytes[end] !== LF) end++;
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3; // UTF-8 BOM
  const text = new TextDecoder().decode(bytes.subarray(start, end)).replace(/\r$/, '');
  const counts = [',', ';', '\t'].map((d) => [d, text.split(d).length - 1] as const);
  const delimiter = counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const names = text.split(delimiter).map((n) =>
    n
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim()
      .toLowerCase(),
  );
  return { names, delimiter: delimiter.charCodeAt(0), dataStart: Math.min(end + 1, bytes.length) };
}

function layoutFor(bytes: Uint8Array, wanted: readonly Role[], source: string): Layout {
  const { names, delimiter, dataStart } = headerNames(bytes);
  if (bytes.length === 0 || names.every((n) => n === '')) {
    throw new CsvError(source, 1, null, 'the file is empty; it needs a header row and data rows');
  }
  const roles: Role[] = names.map(() => 'skip');
  const timeName = TIME_NAMES.find((n) => names.includes(n));
  if (timeName === undefined) {
    throw new CsvError(
      source,
      1,
      null,
      `no time column; name one of ${TIME_NAMES.join(', ')} (header has: ${names.join(', ')})`,
    );
  }
  // Separate "date" and "time" columns (NinjaTrader, Kibot…): the date is the time role, the time of
  // day is added to it.
  const splitDateTime =
    names.includes('date') &&
    names.includes('time') &&
    !TIME_NAMES.slice(0, 10).some((n) => names.includes(n));
  if (splitDateTime) {
    roles[names.indexOf('date')] = 'time';
    roles[names.indexOf('time')] = 'clock';
  } else {
    roles[names.indexOf(timeName)] = 'time';
  }
  for (const role of wanted) {
    if (role === 'time' || role === 'skip' || role === 'clock') continue;
    const candidates = ROLE_NAMES[role];
    const index = names.findIndex((n, i) => roles[i] === 'skip' && candidates.includes(n));
    if (index < 0) {
      if (role === 'size') continue; // optional for ticks
      throw new CsvError(
        source,
        1,
        role,
        `missing column "${role}"; add a column named ${candidates.map((c) => `"${c}"`).join(' or ')} (header has: ${names.join(', ')})`,
      );
    }
    roles[index] = role;
  }
  const timeUnit: TimeUnit =
    timeName === 'epoch_ms'
      ? 'ms'
      : timeName === 'epoch_s' || timeName === 'unix' || timeName === 'epoch'
        ? 's'
        : 'auto';
  let lastNeeded = 0;
  roles.forEach((r, i) => {
    if (r !== 'skip') lastNeeded = i;
  });
  return { delimiter, names, roles, timeUnit, lastNeeded, dataStart };
}

/** Growable set of Float64Array columns. */
class Columns {
  arrays: Float64Array[];
  capacity: number;
  constructor(count: number, capacity: number) {
    this.capacity = Math.max(16, capacity);
    this.arrays = Array.from({ length: count }, () => new Float64Array(this.capacity));
  }
  grow(): void {
    this.capacity *= 2;
    this.arrays = this.arrays.map((a) => {
      const next = new Float64Array(this.capacity);
      next.set(a);
      return next;
    });
  }
  /** Views of the filled part; copies only when more than a quarter would be wasted. */
  trimmed(length: number): Float64Array[] {
    return this.arrays.map((a) =>
      length === a.length ? a : length * 4 >= a.length * 3 ? a.subarray(0, length) : a.slice(0, length),
    );
  }
}

/** Shared row loop: fills `values[role]` per row and calls `accept(row, line)`. */
function scanRows(
  bytes: Uint8Array,
  layout: Layout,
  options: CsvOptions,
  source: string,
  onRow: (values: Float64Array, line: number) => void,
  roleSlots: Record<Role, number>,
): void {
  const { delimiter, roles, lastNeeded, names } = layout;
  const values = new Float64Array(8);
  // Column → value slot, as numbers: a keyed lookup by role name per field is slow.
  const slotOf = Int32Array.from(roles, (role) => roleSlots[role]);
  const timeSlot = roleSlots.time;
  let rowNaive = false;
  let clockMs = -1;
  const time: ParsedTime = { ms: 0, naive: false, error: null, end: 0 };
  const zone =
    options.timeZone && options.timeZone.toUpperCase() !== 'UTC' ? new ZoneConverter(options.timeZone) : null;
  let timeUnit = layout.timeUnit;
  const n = bytes.length;
  let p = layout.dataStart;
  let line = 2;
  while (p < n) {
    let c = bytes[p]!;
    if (c === LF) {
      p++;
      line++;
      continue;
    }
    if (c === CR && (p + 1 >= n || bytes[p + 1] === LF)) {
      p += 2;
      line++;
      continue;
    }
    for (let col = 0; col <= lastNeeded; col++) {
      const role = roles[col]!;
      if (role === 'skip') {
        // Skip the field, honouring quotes.
        if (bytes[p] === QUOTE) {
          p++;
          while (p < n && bytes[p] !== QUOTE) p++;
          p++;
        }
        while (p < n) {
          c = bytes[p]!;
          if (c === delimiter || c === LF || c === CR) break;
          p++;
        }
      } else if (role === 'clock') {
        let start = p;
        let end = p;
        while (end < n) {
          c = bytes[end]!;
          if (c === delimiter || c === LF || c === CR) break;
          end++;
        }
        p = end;
        while (start < end && (bytes[start] === SPACE || bytes[start] === QUOTE)) start++;
        while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === QUOTE)) end--;
        const ms = parseClockBytes(bytes, start, end);
        if (ms < 0) {
          throw new CsvError(
            source,
            line,
            names[col]!,
            `"${latin1(bytes, start, end)}" is not a time of day; use HH:MM or HH:MM:SS`,
          );
        }
        clockMs = ms;
      } else if (role === 'time') {
        let start = p;
        while (start < n && (bytes[start] === SPACE || bytes[start] === QUOTE)) start++;
        const looksText =
          start + 10 <= n && (bytes[start + 4] === 45 || bytes[start + 4] === 47 || bytes[start + 2] === 47);
        if (timeUnit === 'auto' && looksText) timeUnit = 'text';
        let fast = false;
        if (looksText) {
          // Fast path: parse the date-time straight from the row, then expect the field to end.
          parseIsoBytes(bytes, start, n, time, false);
          if (time.error === null) {
            let q = time.end;
            while (q < n && (bytes[q] === SPACE || bytes[q] === QUOTE)) q++;
            if (q >= n || bytes[q] === delimiter || bytes[q] === LF || bytes[q] === CR) {
              p = q;
              fast = true;
              values[timeSlot] = time.ms;
              rowNaive = time.naive;
            }
          }
        }
        if (!fast) {
          let end = p;
          while (end < n) {
            c = bytes[end]!;
            if (c === delimiter || c === LF || c === CR) break;
            end++;
          }
          p = end;
          start = Math.min(start, end);
          while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === QUOTE)) end--;
          if (start === end)
            throw new CsvError(source, line, names[col]!, 'the time is empty; fill it in or drop the row');
          if (looksText) {
            parseIsoBytes(bytes, start, end, time);
            if (time.error !== null) {
              throw new CsvError(source, line, names[col]!, `"${latin1(bytes, start, end)}" ${time.error}`);
            }
            values[timeSlot] = time.ms;
            rowNaive = time.naive;
          } else {
            const v = parseNumber(bytes, start, end);
            if (!Number.isFinite(v)) {
              throw new CsvError(
                source,
                line,
                names[col]!,
                `"${latin1(bytes, start, end)}" is not a time; use ISO-8601 (2013-10-07T13:30:00Z) or epoch seconds/milliseconds`,
              );
            }
            if (timeUnit === 'auto') timeUnit = Math.abs(v) < 1e11 ? 's' : 'ms';
            values[timeSlot] = timeUnit === 's' ? Math.round(v * 1000) : v;
            rowNaive = false;
          }
        }
      } else {
        // Single pass: digits accumulate while scanning; anything unusual takes the exact slow path.
        const start = p;
        let negative = false;
        c = p < n ? bytes[p]! : LF;
        if (c === 45) {
          negative = true;
          p++;
        }
        let mantissa = 0;
        let digits = 0;
        let fraction = -1;
        while (p < n) {
          c = bytes[p]!;
          const d = c - 48;
          if (d >= 0 && d <= 9) {
            mantissa = mantissa * 10 + d;
            digits++;
            p++;
          } else if (c === 46 && fraction < 0) {
            fraction = digits;
            p++;
          } else break;
        }
        let v: number;
        if (digits > 0 && digits <= 15 && (p >= n || c === delimiter || c === LF || c === CR)) {
          v = fraction < 0 || fraction === digits ? mantissa : mantissa / POW10[digits - fraction]!;
          if (negative) v = -v;
        } else {
          let end = p;
          while (end < n) {
            c = bytes[end]!;
            if (c === delimiter || c === LF || c === CR) break;
            end++;
          }
          p = end;
          let a = start;
          while (a < end && (bytes[a] === SPACE || bytes[a] === QUOTE)) a++;
          while (end > a && (bytes[end - 1] === SPACE || bytes[end - 1] === QUOTE)) end--;
          v = parseNumber(bytes, a, end);
          if (Number.isNaN(v)) {
            const text = latin1(bytes, a, end);
            throw new CsvError(
              source,
              line,
              names[col]!,
              text === ''
                ? 'the value is empty; fill it in or drop the row'
                : `"${text}" is not a number; write it like 1676.25`,
            );
          }
        }
        values[slotOf[col]!] = v;
      }
      if (col < lastNeeded) {
        if (p >= n || bytes[p] !== delimiter) {
          throw new CsvError(
            source,
            line,
            names[col + 1]!,
            `the row ends after ${col + 1} field(s) but the header has ${names.length}; add the missing values`,
          );
        }
        p++;
      }
    }
    if (clockMs >= 0) values[timeSlot] = values[timeSlot]! + clockMs;
    if (rowNaive && zone !== null) values[timeSlot] = zone.toUtc(values[timeSlot]!);
    onRow(values, line);
    // Rest of the line (columns we do not need).
    while (p < n && bytes[p] !== LF) p++;
    p++;
    line++;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < start + 60; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Decimal number from bytes [start, end): exact like Number(text); NaN when not a number. */
export function parseNumber(b: Uint8Array, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  let p = start;
  let negative = false;
  const first = b[p]!;
  if (first === 45 || first === 43) {
    negative = first === 45;
    p++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let dot = false;
  for (; p < end; p++) {
    const c = b[p]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
      if (dot) fraction++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (p < end || digits > 15) {
    // Exponents, long mantissas and oddities: let the engine's own parser decide (still exact).
    const text = latin1Full(b, start, end);
    const v = Number(text);
    return text.trim() === '' || Number.isNaN(v) ? Number.NaN : v;
  }
  if (digits === 0) return Number.NaN;
  // Both operands are exact doubles (mantissa < 2^53, 10^k for k ≤ 22), so the quotient is the
  // correctly rounded value of the decimal text.
  const v = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
  return negative ? -v : v;
}

function latin1Full(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function estimateRows(bytes: Uint8Array, dataStart: number): number {
  let end = dataStart;
  while (end < bytes.length && bytes[end] !== LF) end++;
  const firstLine = Math.max(8, end - dataStart + 1);
  return Math.ceil(((bytes.length - dataStart) / firstLine) * 1.1) + 16;
}

const SLOT: Record<Role, number> = {
  skip: 7,
  clock: 6,
  time: 0,
  open: 1,
  high: 2,
  low: 3,
  close: 4,
  volume: 5,
  price: 1,
  size: 2,
};

export function parseBarsCsv(bytes: Uint8Array, options: CsvOptions = {}): BarSeries {
  const source = options.source ?? '<input>';
  const layout = layoutFor(bytes, ['time', 'open', 'high', 'low', 'close', 'volume'], source);
  const grid = gridOf(options.tickSize);
  const cols = new Columns(6, estimateRows(bytes, layout.dataStart));
  let length = 0;
  let previous = Number.NEGATIVE_INFINITY;
  const name = (role: Role) => layout.names[layout.roles.indexOf(role)] ?? role;
  scanRows(
    bytes,
    layout,
    options,
    source,
    (v, line) => {
      const ts = v[0]!;
      const open = v[1]!;
      const high = v[2]!;
      const low = v[3]!;
      const close = v[4]!;
      const volume = v[5]!;
      if (ts <= previous) {
        throw new CsvError(
          source,
          line,
          name('time'),
          `time ${new Date(ts).toISOString()} is not after the previous row's ${new Date(previous).toISOString()}; sort the file by time and remove duplicate bars`,
        );
      }
      if (high < Math.max(open, close)) {
        throw new CsvError(
          source,
          line,
          name('high'),
          `high ${high} is below max(open ${open}, close ${close}); fix the bar so that high ≥ open and close`,
        );
      }
      if (low > Math.min(open, close)) {
        throw new CsvError(
          source,
          line,
          name('low'),
          `low ${low} is above min(open ${open}, close ${close}); fix the bar so that low ≤ open and close`,
        );
      }
      if (volume < 0) {
        throw new CsvError(
          source,
          line,
          name('volume'),
          `volume ${volume} is negative; volume counts contracts and must be ≥ 0`,
        );
      }
      if (grid !== null) {
        const off = offGrid(open, grid)
          ? 'open'
          : offGrid(high, grid)
            ? 'high'
            : offGrid(low, grid)
              ? 'low'
              : offGrid(close, grid)
                ? 'close'
                : null;
        if (off !== null) {
          const price = off === 'open' ? open : off === 'high' ? high : off === 'low' ? low : close;
          throw new CsvError(
            source,
            line,
            name(off),
            `${off} ${price} is not on the ${grid.tickSize} tick grid; check the symbol (--symbol) or the data`,
          );
        }
      }
      if (length === cols.capacity) cols.grow();
      const a = cols.arrays;
      a[0]![length] = ts;
      a[1]![length] = open;
      a[2]![length] = high;
      a[3]![length] = low;
      a[4]![length] = close;
      a[5]![length] = volume;
      length++;
      previous = ts;
    },
    SLOT,
  );
  if (length === 0) throw new CsvError(source, 2, null, 'no data rows after the header; add bars');
  const [ts, open, high, low, close, volume] = cols.trimmed(length) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  return { kind: 'bars', source, length, ts, open, high, low, close, volume };
}

export function parseTicksCsv(bytes: Uint8Array, options: CsvOptions = {}): TickSeries {
  const source = options.source ?? '<input>';
  const layout = layoutFor(bytes, ['time', 'price', 'size'], source);
  const hasSize = layout.roles.includes('size');
  const grid = gridOf(options.tickSize);
  const cols = new Columns(3, estimateRows(bytes, layout.dataStart));
  let length = 0;
  let previous = Number.NEGATIVE_INFINITY;
  const name = (role: Role) => layout.names[layout.roles.indexOf(role)] ?? role;
  scanRows(
    bytes,
    layout,
    options,
    source,
    (v, line) => {
      const ts = v[0]!;
      const price = v[1]!;
      const size = hasSize ? v[2]! : 1;
      if (ts < previous) {
        throw new CsvError(
          source,
          line,
          name('time'),
          `time ${new Date(ts).toISOString()} is before the previous row's ${new Date(previous).toISOString()}; sort the file by time`,
        );
      }
      if (size < 0)
        throw new CsvError(
          source,
          line,
          name('size'),
          `size ${size} is negative; it counts contracts and must be ≥ 0`,
        );
      if (grid !== null && offGrid(price, grid)) {
        throw new CsvError(
          source,
          line,
          name('price'),
          `price ${price} is not on the ${grid.tickSize} tick grid; check the symbol (--symbol) or the data`,
        );
      }
      if (length === cols.capacity) cols.grow();
      const a = cols.arrays;
      a[0]![length] = ts;
      a[1]![length] = price;
      a[2]![length] = size;
      length++;
      previous = ts;
    },
    SLOT,
  );
  if (length === 0) throw new CsvError(source, 2, null, 'no data rows after the header; add tick prints');
  const [ts, price, size] = cols.trimmed(length) as [Float64Array, Float64Array, Float64Array];
  return { kind: 'ticks', source, length, ts, price, size };
}

function offGrid(price: number, grid: { tickSize: number; perTick: number }): boolean {
  const exact = price * grid.perTick;
  const d = exact - Math.round(exact);
  return d > 1e-6 || d < -1e-6;
}

function gridOf(tickSize: number | undefined): { tickSize: number; perTick: number } | null {
  if (tickSize === undefined) return null;
  if (!(tickSize > 0)) throw new Error(`tickSize must be a positive number, got ${tickSize}`);
  return { tickSize, perTick: 1 / tickSize };
}

/** Index of the first element ≥ ts in a sorted time column (binary search). */
export function lowerBound(ts: Float64Array, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bars with from ≤ ts < to, sharing memory with the input. */
export function sliceBars(
  bars: BarSeries,
  from = Number.NEGATIVE_INFINITY,
  to = Number.POSITIVE_INFINITY,
): BarSeries {
  const a = lowerBound(bars.ts, bars.length, from);
  const b = lowerBound(bars.ts, bars.length, to);
  return {
    kind: 'bars',
    source: bars.source,
    length: b - a,
    ts: bars.ts.subarray(a, b),
    open: bars.open.subarray(a, b),
    high: bars.high.subarray(a, b),
    low: bars.low.subarray(a, b),
    close: bars.close.subarray(a, b),
    volume: bars.volume.subarray(a, b),
  };
}

export function sliceTicks(
  ticks: TickSeries,
  from = Number.NEGATIVE_INFINITY,
  to = Number.POSITIVE_INFINITY,
): TickSeries {
  const a = lowerBound(ticks.ts, ticks.length, from);
  const b = lowerBound(ticks.ts, ticks.length, to);
  return {
    kind: 'ticks',
    source: ticks.source,
    length: b - a,
    ts: ticks.ts.subarray(a, b),
    price: ticks.price.subarray(a, b),
    size: ticks.size.subarray(a, b),
  };
}

/** The naive way (split + Number + Date.parse), kept for the benchmark baseline and as a test oracle. */
export function naiveParseBars(text: string): {
  ts: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
} {
  const lines = text.split('\n');
  const header = lines[0]!.trim().split(',');
  const idx = (n: string) => header.indexOf(n);
  const [ti, oi, hi, li, ci, vi] = ['ts_utc', 'open', 'high', 'low', 'close', 'volume'].map(idx) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const out = {
    ts: [] as number[],
    open: [] as number[],
    high: [] as number[],
    low: [] as number[],
    close: [] as number[],
    volume: [] as number[],
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const f = line.split(',');
    out.ts.push(Date.parse(f[ti]!));
    out.open.push(Number(f[oi]));
    out.high.push(Number(f[hi]));
    out.low.push(Number(f[li]));
    out.close.push(Number(f[ci]));
    out.volume.push(Number(f[vi]));
  }
  return out;
}
