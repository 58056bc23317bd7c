import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvError,
  loadBarsCsv,
  loadMarketCsv,
  loadTicksCsv,
  naiveParseBars,
  parseBarsCsv,
  parseTicksCsv,
  sliceBars,
} from '../../sim/csv.ts';

const enc = (text: string) => new TextEncoder().encode(text);
const bars = (text: string, options = {}) => parseBarsCsv(enc(text), { source: 'bars.csv', ...options });
const HEADER = 'ts_utc,open,high,low,close,volume\n';

function errorOf(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CsvError) return error;
    throw error;
  }
  throw new Error('expected a CsvError');
}

describe('CSV loader: good files', () => {
  it('reads ISO bars into typed columns with exact prices', () => {
    const s = bars(
      `${HEADER}2013-10-07T13:30:00Z,1676.75,1677.25,1673.5,1675.25,1884\n2013-10-07T13:31:00Z,1675.5,1675.75,1674,1674.25,753\n`,
    );
    expect(s.length).toBe(2);
    expect(s.ts).toBeInstanceOf(Float64Array);
    expect(Array.from(s.ts)).toEqual([Date.UTC(2013, 9, 7, 13, 30), Date.UTC(2013, 9, 7, 13, 31)]);
    expect(Array.from(s.open)).toEqual([1676.75, 1675.5]);
    expect(Array.from(s.volume)).toEqual([1884, 753]);
  });

  it('parses every decimal exactly like Number() (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 6 }), (units, decimals) => {
        const text = (units / 10 ** decimals).toFixed(decimals);
        const s = bars(`${HEADER}2020-01-01T00:00:00Z,${text},${text},${text},${text},1\n`);
        expect(s.open[0]).toBe(Number(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('detects epoch seconds and milliseconds by magnitude, and epoch_s/epoch_ms by name', () => {
    const s = bars('time,open,high,low,close,volume\n1381152600,1,2,0.5,1.5,10\n1381152660,1,2,0.5,1.5,10\n');
    expect(s.ts[0]).toBe(1381152600000);
    const ms = bars('timestamp,open,high,low,close,volume\n1381152600000,1,2,0.5,1.5,10\n');
    expect(ms.ts[0]).toBe(1381152600000);
    const named = bars('epoch_ms,open,high,low,close,volume\n5000,1,2,0.5,1.5,10\n');
    expect(named.ts[0]).toBe(5000);
  });

  it('reads TradingView naive times, offsets, CRLF, BOM, quotes, semicolons and capitalised headers', () => {
    const s = bars(
      '\ufeff"Date","Open","High","Low","Close","Volume"\r\n"2013-10-07 13:30:00",1,2,0.5,1.5,10\r\n"2013-10-07 13:31",1,2,0.5,1.5,10\r\n',
    );
    expect(Array.from(s.ts)).toEqual([Date.UTC(2013, 9, 7, 13, 30), Date.UTC(2013, 9, 7, 13, 31)]);
    const off = bars('time;open;high;low;close;volume\n2013-10-07T08:30:00-05:00;1;2;0.5;1.5;10\n');
    expect(off.ts[0]).toBe(Date.UTC(2013, 9, 7, 13, 30));
  });

  it('reads separate date and time columns, and US month/day/year dates', () => {
    const split = bars(
      'Date,Time,Open,High,Low,Close,Volume\n10/07/2013,13:30,1,2,0.5,1.5,10\n2013-10-07,13:31:30,1,2,0.5,1.5,10\n',
    );
    expect(Array.from(split.ts)).toEqual([Date.UTC(2013, 9, 7, 13, 30), Date.UTC(2013, 9, 7, 13, 31, 30)]);
    const zoned = bars('Date,Time,Open,High,Low,Close,Volume\n10/07/2013,08:30,1,2,0.5,1.5,10\n', {
      timeZone: 'America/Chicago',
    });
    expect(zoned.ts[0]).toBe(Date.UTC(2013, 9, 7, 13, 30));
    const us = bars('datetime,open,high,low,close,volume\n10/07/2013 13:30:00,1,2,0.5,1.5,10\n');
    expect(us.ts[0]).toBe(Date.UTC(2013, 9, 7, 13, 30));
    const error = errorOf(() =>
      bars('Date,Time,Open,High,Low,Close,Volume\n10/07/2013,1:30pm,1,2,0.5,1.5,10\n'),
    );
    expect(error.message).toMatch(/line 2, column "time": "1:30pm" is not a time of day; use HH:MM/);
  });

  it('reads naive local times in the --tz zone, across a DST change', () => {
    const s = bars(`${HEADER}2013-10-07 08:30:00,1,2,0.5,1.5,1\n2013-11-04 08:30:00,1,2,0.5,1.5,1\n`, {
      timeZone: 'America/Chicago',
    });
    expect(s.ts[0]).toBe(Date.UTC(2013, 9, 7, 13, 30)); // CDT, UTC-5
    expect(s.ts[1]).toBe(Date.UTC(2013, 10, 4, 14, 30)); // CST, UTC-6
  });

  it('reads quoted, space-padded, fractional and date-only ISO times', () => {
    const s = bars(
      `${HEADER}" 2020-01-01T00:00:00.250Z ",1,2,0.5,1.5,1\n2020-01-01 00:01:00 ,1,2,0.5,1.5,1\n2020-01-02,1,2,0.5,1.5,1\n`,
    );
    expect(Array.from(s.ts)).toEqual([
      Date.UTC(2020, 0, 1, 0, 0, 0, 250),
      Date.UTC(2020, 0, 1, 0, 1),
      Date.UTC(2020, 0, 2),
    ]);
  });

  it('reads ticks with millisecond ISO times and equal timestamps', () => {
    const t = parseTicksCsv(
      enc('ts_utc,price,size\n2013-10-08T00:00:00.374Z,1323.4,1\n2013-10-08T00:00:00.374Z,1323.5,3\n'),
      {
        source: 't.csv',
      },
    );
    expect(Array.from(t.ts)).toEqual([1381190400374, 1381190400374]);
    expect(Array.from(t.size)).toEqual([1, 3]);
  });

  it('slices bars by time without copying', () => {
    const s = bars(
      `${HEADER}2020-01-01T00:00:00Z,1,1,1,1,1\n2020-01-01T00:01:00Z,2,2,2,2,1\n2020-01-01T00:02:00Z,3,3,3,3,1\n`,
    );
    const part = sliceBars(s, Date.UTC(2020, 0, 1, 0, 1), Date.UTC(2020, 0, 1, 0, 2));
    expect(part.length).toBe(1);
    expect(part.close[0]).toBe(2);
  });
});

describe('CSV loader: every validation error names file, line, column and the fix', () => {
  const cases: [string, string, RegExp, number, string | null][] = [
    [
      'high below close',
      `${HEADER}2020-01-01T00:00:00Z,1,1.5,0.5,2,1\n`,
      /high 1\.5 is below max.*fix the bar/,
      2,
      'high',
    ],
    [
      'low above open',
      `${HEADER}2020-01-01T00:00:00Z,1,2,1.25,1.5,1\n`,
      /low 1\.25 is above min.*fix the bar/,
      2,
      'low',
    ],
    [
      'time not increasing',
      `${HEADER}2020-01-01T00:01:00Z,1,2,0.5,1,1\n2020-01-01T00:01:00Z,1,2,0.5,1,1\n`,
      /not after the previous.*sort the file/,
      3,
      'ts_utc',
    ],
    [
      'number does not parse',
      `${HEADER}2020-01-01T00:00:00Z,abc,2,0.5,1,1\n`,
      /"abc" is not a number/,
      2,
      'open',
    ],
    ['empty value', `${HEADER}2020-01-01T00:00:00Z,1,2,,1,1\n`, /empty; fill it in/, 2, 'low'],
    ['bad time', `${HEADER}yesterday,1,2,0.5,1,1\n`, /not a time/, 2, 'ts_utc'],
    ['bad month', `${HEADER}2020-13-01T00:00:00Z,1,2,0.5,1,1\n`, /impossible month/, 2, 'ts_utc'],
    [
      'junk after the time',
      `${HEADER}2020-01-01T00:00:00Zx,1,2,0.5,1,1\n`,
      /unexpected characters after the date-time/,
      2,
      'ts_utc',
    ],
    [
      'short row',
      `${HEADER}2020-01-01T00:00:00Z,1,2,0.5\n`,
      /row ends after 4 field.*add the missing values/,
      2,
      'close',
    ],
    [
      'missing column',
      'ts_utc,open,high,low,close\n2020-01-01T00:00:00Z,1,2,0.5,1\n',
      /missing column "volume"/,
      1,
      'volume',
    ],
    ['no time column', 'when,open,high,low,close,volume\n1,1,2,0.5,1,1\n', /no time column/, 1, null],
    ['negative volume', `${HEADER}2020-01-01T00:00:00Z,1,2,0.5,1,-1\n`, /negative/, 2, 'volume'],
    ['no rows', HEADER, /no data rows/, 2, null],
    [
      'off the tick grid',
      `${HEADER}2020-01-01T00:00:00Z,1,2,0.5,1.1,1\n`,
      /close 1\.1 is not on the 0\.25 tick grid/,
      2,
      'close',
    ],
  ];
  for (const [name, text, message, line, column] of cases) {
    it(`rejects: ${name}`, () => {
      const error = errorOf(() => bars(text, { tickSize: 0.25 }));
      expect(error.message).toMatch(message);
      expect(error.message).toContain('bars.csv');
      expect(error.line).toBe(line);
      expect(error.column).toBe(column);
    });
  }

  it('rejects ticks going back in time', () => {
    const error = errorOf(() =>
      parseTicksCsv(enc('ts_utc,price,size\n2020-01-01T00:00:01Z,1,1\n2020-01-01T00:00:00Z,1,1\n'), {
        source: 't.csv',
      }),
    );
    expect(error.message).toMatch(/t\.csv: line 3, column "ts_utc": .*before the previous/);
  });

  it('rejects a file that is neither bars nor ticks', () => {
    expect(() => loadMarketCsv(fileURLToPath(new URL('../../package.json', import.meta.url)))).toThrow(
      /neither bars/,
    );
  });

  it('names the path when the file is missing', () => {
    expect(() => loadBarsCsv('/nonexistent/bars.csv')).toThrow(
      /cannot read \/nonexistent\/bars\.csv \(ENOENT\)/,
    );
  });
});

const market = (name: string) =>
  fileURLToPath(new URL(`../../../shared/data/market/${name}`, import.meta.url));
const ES = market('ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv');
const haveData = existsSync(ES);
if (!haveData && process.env.CI === 'true') throw new Error(`CI needs the shared market data at ${ES}`);

describe.skipIf(!haveData)('CSV loader on the real shared data (needs ../shared/data/market)', () => {
  it('loads the ES file: 8,198 bars on the 0.25 grid, identical to a naive parse', () => {
    const s = loadBarsCsv(ES, { tickSize: 0.25 });
    expect(s.length).toBe(8198);
    expect(s.ts[0]).toBe(Date.UTC(2013, 9, 6, 22, 0));
    const naive = naiveParseBars(readFileSync(ES, 'utf8'));
    expect(Array.from(s.ts)).toEqual(naive.ts);
    expect(Array.from(s.high)).toEqual(naive.high);
    expect(Array.from(s.low)).toEqual(naive.low);
    expect(Array.from(s.close)).toEqual(naive.close);
    expect(Array.from(s.volume)).toEqual(naive.volume);
  });

  it('loads the GC bars and ticks on the 0.10 grid', () => {
    const gc = loadMarketCsv(market('GC_GCZ13_1m_2013-10-07_2013-10-11_utc.csv'), { tickSize: 0.1 });
    expect(gc.kind).toBe('bars');
    expect(gc.length).toBe(6687);
    const ticks = loadTicksCsv(market('GC_GCZ13_ticks_2013-10-08_utc.csv'), { tickSize: 0.1 });
    expect(ticks.length).toBe(52038);
    expect(ticks.ts[0]).toBe(1381190400374);
  });

  it('rejects the GC file on the ES grid with the first off-grid line', () => {
    expect(() =>
      loadBarsCsv(market('GC_GCZ13_1m_2013-10-07_2013-10-11_utc.csv'), { tickSize: 0.25 }),
    ).toThrow(/line \d+, column "\w+": .* not on the 0\.25 tick grid/);
  });
});

if (!haveData) console.warn(`skipped real-data CSV tests: ${ES} not found (clone ../shared beside the repo)`);
