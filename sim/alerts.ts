/**
 * Alert sources for backtests. Every source yields the same time-sorted list of BacktestAlert with ids
 * derived from the inputs (never from a counter that depends on the run):
 * - a JSON file: an array of { time|ts|timestamp, ticker|symbol, action, quantity|contracts? }, or
 *   JSON Lines (one such object per line);
 * - a CSV file of alerts with the same column names;
 * - a TradingView Strategy Tester "List of trades" export (entries become buy/sell, exits close);
 * - alerts stored by the bot (AlertRecord rows from the Store), see `alertsFromRecords`;
 * - the built-in demo generator (close crossing its moving average, or alternating every N bars).
 * Bad input throws an error naming the file, the line (or array index) and the fix.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { resolveTicker } from '../src/domain/instruments.ts';
import type { AlertRecord } from '../src/ports/store.ts';
import type { BarSeries } from './csv.ts';
import { ZoneConverter } from './csv-time.ts';

export type BacktestAction = 'buy' | 'sell' | 'close';

export interface BacktestAlert {
  readonly ts: number;
  readonly symbol: string;
  readonly action: BacktestAction;
  readonly quantity?: number;
  readonly id: string;
}

export interface AlertFileOptions {
  /** Symbol for sources that carry none (TradingView "List of trades"), and the default elsewhere. */
  readonly symbol?: string;
  /** IANA zone for times without an offset (default UTC). */
  readonly timeZone?: string;
}

export class AlertFileError extends Error {
  constructor(source: string, where: string, problem: string) {
    super(`${source}: ${where}: ${problem}`);
    this.name = 'AlertFileError';
  }
}

/** Stable short id: FNV-1a over the text, two 32-bit lanes, 12 hex digits. */
export function stableId(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2 * i + 1) >>> 0;
  }
  return (a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')).slice(0, 12);
}

function makeAlert(
  kind: string,
  index: number,
  ts: number,
  symbol: string,
  action: BacktestAction,
  quantity?: number,
): BacktestAlert {
  const id = stableId(`${kind}|${index}|${ts}|${symbol}|${action}|${quantity ?? ''}`);
  return quantity === undefined ? { ts, symbol, action, id } : { ts, symbol, action, quantity, id };
}

/** Time order; equal times keep input order (the sort is stable). */
function sortAlerts(alerts: BacktestAlert[]): BacktestAlert[] {
  return alerts.sort((x, y) => x.ts - y.ts);
}

/** Read any supported alert file, deciding by extension and header. */
export function loadAlertFile(path: string, options: AlertFileOptions = {}): BacktestAlert[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read alert file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
    );
  }
  return parseAlerts(text, basename(path), options);
}

export function parseAlerts(text: string, source: string, options: AlertFileOptions = {}): BacktestAlert[] {
  const trimmed = text.replace(/^\ufeff/, '').trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return parseJsonAlerts(trimmed, source, options);
  const header = trimmed.split(/\r?\n/, 1)[0]!.toLowerCase();
  if (/trade\s*#/.test(header)) return parseTradingViewTrades(trimmed, source, options);
  return parseCsvAlerts(trimmed, source, options);
}

// ---------- time and field helpers ----------

const ISO_NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

export function parseAlertTime(value: unknown, zone: ZoneConverter | null): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'is not a finite number';
    return Math.abs(value) < 1e11 ? Math.round(value * 1000) : value;
  }
  if (typeof value !== 'string' || value.trim() === '')
    return 'is missing; give an ISO-8601 time or epoch seconds/ms';
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return parseAlertTime(Number(text), zone);
  const naive = ISO_NAIVE.exec(text);
  if (naive) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = naive;
    const local = Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s),
      Number(ms.padEnd(3, '0')),
    );
    return zone ? zone.toUtc(local) : local;
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    return `"${text}" is not a time; use ISO-8601 like 2013-10-07T13:30:00Z or epoch seconds/ms`;
  }
  return parsed;
}

function resolveSymbol(ticker: string, ts: number): string | { error: string } {
  const result = resolveTicker(ticker, new Date(ts).getUTCFullYear());
  return result.ok ? result.symbol : { error: result.error };
}

function toAction(value: unknown): BacktestAction | null {
  const text = String(value ?? '')
    .trim()
    .toLowerCase();
  if (text === 'buy' || text === 'long' || text === 'entry long') return 'buy';
  if (text === 'sell' || text === 'short' || text === 'entry short') return 'sell';
  if (text === 'close' || text === 'exit' || text === 'flat' || text === 'flatten') return 'close';
  return null;
}

function toQuantity(value: unknown): number | undefined | string {
  if (value === undefined || value === null || value === '') return undefined;
  const q = Number(value);
  if (!Number.isInteger(q) || q <= 0)
    return `quantity "${String(value)}" must be a whole number of contracts ≥ 1`;
  return q;
}

// ---------- JSON ----------

function parseJsonAlerts(text: string, source: string, options: AlertFileOptions): BacktestAlert[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // JSON Lines: one alert object per line (e.g. a webhook log).
    const lines = text.split(/\r?\n/);
    if (lines.filter((l) => l.trim() !== '').length > 1 && text.trimStart().startsWith('{')) {
      data = lines.flatMap((line, i) => {
        if (line.trim() === '') return [];
        try {
          return [JSON.parse(line) as unknown];
        } catch (lineError) {
          throw new AlertFileError(
            source,
            `line ${i + 1}`,
            `${(lineError as Error).message}; each line must be one JSON alert object`,
          );
        }
      });
    } else {
      throw new AlertFileError(source, 'JSON', `${(error as Error).message}; fix the JSON syntax`);
    }
  }
  const list = Array.isArray(data) ? data : (data as { alerts?: unknown }).alerts;
  if (!Array.isArray(list))
    throw new AlertFileError(source, 'JSON', 'expected an array of alerts (or { "alerts": [...] })');
  const zone = zoneOf(options);
  const alerts = list.map((item, index) => {
    const where = `alert [${index}]`;
    if (item === null || typeof item !== 'object')
      throw new AlertFileError(source, where, 'each alert must be an object');
    const record = item as Record<string, unknown>;
    return buildAlert(
      'json',
      index,
      record,
      (problem) => new AlertFileError(source, where, problem),
      zone,
      options,
    );
  });
  return sortAlerts(alerts);
}

function buildAlert(
  kind: string,
  index: number,
  record: Record<string, unknown>,
  fail: (problem: string) => Error,
  zone: ZoneConverter | null,
  options: AlertFileOptions,
): BacktestAlert {
  const rawTime = record.time ?? record.ts ?? record.timestamp ?? record.timenow ?? record.date;
  const ts = parseAlertTime(rawTime, zone);
  if (typeof ts === 'string') throw fail(`time ${ts}`);
  const ticker = record.ticker ?? record.symbol ?? options.symbol;
  if (typeof ticker !== 'string' || ticker.trim() === '')
    throw fail('ticker is missing; add "ticker" (e.g. ES1!) or pass --symbol');
  const symbol = resolveSymbol(ticker, ts);
  if (typeof symbol !== 'string') throw fail(symbol.error);
  const action = toAction(record.action ?? record.side ?? record.signal);
  if (action === null) {
    throw fail(`action "${String(record.action ?? '')}" is not one of buy, sell, close`);
  }
  const quantity = toQuantity(record.quantity ?? record.contracts ?? record.qty);
  if (typeof quantity === 'string') throw fail(quantity);
  return makeAlert(kind, index, ts, symbol, action, quantity);
}

function zoneOf(options: AlertFileOptions): ZoneConverter | null {
  return options.timeZone && options.timeZone.toUpperCase() !== 'UTC'
    ? new ZoneConverter(options.timeZone)
    : null;
}

// ---------- CSV ----------

/** Minimal CSV row splitter with quotes ("a,b" and "" escapes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  out.push(field.trim());
  return out;
}

function csvRows(text: string): { header: string[]; rows: { line: number; fields: string[] }[] } {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const rows: { line: number; fields: string[] }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    rows.push({ line: i + 1, fields: splitCsvLine(lines[i]!) });
  }
  return { header, rows };
}

function parseCsvAlerts(text: string, source: string, options: AlertFileOptions): BacktestAlert[] {
  const { header, rows } = csvRows(text);
  const timeName = ['time', 'ts', 'timestamp', 'timenow', 'date', 'datetime', 'ts_utc'].find((n) =>
    header.includes(n),
  );
  if (timeName === undefined) {
    throw new AlertFileError(
      source,
      'line 1',
      `no time column; name one "time" (header has: ${header.join(', ')})`,
    );
  }
  if (!header.includes('action') && !header.includes('side') && !header.includes('signal')) {
    throw new AlertFileError(
      source,
      'line 1',
      `no action column; add "action" with buy, sell or close (header has: ${header.join(', ')})`,
    );
  }
  const zone = zoneOf(options);
  const alerts = rows.map(({ line, fields }, index) => {
    const record: Record<string, unknown> = {};
    header.forEach((name, i) => {
      if (fields[i] !== undefined && fields[i] !== '') record[name === timeName ? 'time' : name] = fields[i];
    });
    return buildAlert(
      'csv',
      index,
      record,
      (problem) => new AlertFileError(source, `line ${line}`, problem),
      zone,
      options,
    );
  });
  return sortAlerts(alerts);
}

// ---------- TradingView "List of trades" ----------

/**
 * TradingView Strategy Tester export: `Trade #,Type,Signal,Date/Time,Price USD,Contracts,…` with Type
 * "Entry Long" / "Exit Long" / "Entry Short" / "Exit Short" (newer exports: "Date and time",
 * "Position size (qty)", lower-case "Entry long"). Times are in the chart's zone (use --tz). An
 * entry becomes buy/sell, an exit becomes close; rows of a trade that is still open ("Open") are
 * skipped as exits.
 */
function parseTradingViewTrades(text: string, source: string, options: AlertFileOptions): BacktestAlert[] {
  const { header, rows } = csvRows(text);
  const col = (re: RegExp) => header.findIndex((h) => re.test(h));
  const typeCol = col(/^type/);
  const signalCol = col(/^signal/);
  const timeCol = col(/date/);
  const qtyCol = col(/^contracts|position size \(qty\)|^qty|^quantity|^size/);
  if (typeCol < 0 || timeCol < 0) {
    throw new AlertFileError(
      source,
      'line 1',
      'a TradingView "List of trades" export needs "Type" and "Date/Time" columns',
    );
  }
  const symbol = options.symbol;
  if (symbol === undefined) {
    throw new AlertFileError(
      source,
      'line 1',
      'a TradingView "List of trades" export names no symbol; pass --symbol (e.g. ES)',
    );
  }
  const zone = zoneOf(options);
  const alerts: BacktestAlert[] = [];
  rows.forEach(({ line, fields }, index) => {
    const where = `line ${line}`;
    const type = (fields[typeCol] ?? '').toLowerCase();
    const signal = signalCol >= 0 ? (fields[signalCol] ?? '').toLowerCase() : '';
    const both = `${type} ${signal}`;
    const isExit =
      /\bexit\b|\bclose\b/.test(type) || (!/\bentry\b/.test(type) && /\bexit\b|\bclose\b/.test(signal));
    const isEntry = !isExit && /\bentry\b|^long$|^short$/.test(type);
    if (!isExit && !isEntry) {
      throw new AlertFileError(
        source,
        where,
        `type "${fields[typeCol] ?? ''}" is neither an entry nor an exit (expected e.g. "Entry Long", "Exit Short")`,
      );
    }
    const rawTime = fields[timeCol] ?? '';
    if (isExit && (rawTime === '' || /open/.test(both))) return; // trade still open: no exit yet
    const ts = parseAlertTime(rawTime, zone);
    if (typeof ts === 'string') throw new AlertFileError(source, where, `time ${ts}`);
    const resolved = resolveSymbol(symbol, ts);
    if (typeof resolved !== 'string') throw new AlertFileError(source, where, resolved.error);
    const long = /long/.test(both);
    const short = /short/.test(both);
    if (isEntry && long === short) {
      throw new AlertFileError(source, where, `cannot tell long from short in "${fields[typeCol] ?? ''}"`);
    }
    const quantity = qtyCol >= 0 ? toQuantity(fields[qtyCol]?.replace(/,/g, '')) : undefined;
    if (typeof quantity === 'string') throw new AlertFileError(source, where, quantity);
    alerts.push(makeAlert('tv', index, ts, resolved, isExit ? 'close' : long ? 'buy' : 'sell', quantity));
  });
  return sortAlerts(alerts);
}

// ---------- alerts stored in the database ----------

/**
 * Alerts the bot stored (src/ports/store.ts AlertRecord) as backtest alerts: parsed alerts with a
 * buy, sell or close action, at their fire time (TradingView {{timenow}}), else bar time, else the
 * time they were received. The id stays the stored idempotency key (hashed to fit order tags), so a
 * backtest of stored alerts names the same alerts the live bot did. Rejected and duplicate alerts
 * are skipped, as the live bot skipped them.
 */
export function alertsFromRecords(records: readonly AlertRecord[]): BacktestAlert[] {
  const alerts: BacktestAlert[] = [];
  for (const record of records) {
    const parsed = record.parsed;
    if (parsed === null || record.status === 'rejected' || record.status === 'duplicate') continue;
    const action =
      parsed.action === 'buy' || parsed.action === 'sell' || parsed.action === 'close' ? parsed.action : null;
    if (action === null) continue;
    const ts = parsed.firedAt ?? parsed.barTime ?? record.receivedAt;
    const id = stableId(`db|${record.idempotencyKey}`);
    alerts.push(
      parsed.quantity === undefined
        ? { ts, symbol: parsed.symbol, action, id }
        : { ts, symbol: parsed.symbol, action, quantity: parsed.quantity, id },
    );
  }
  return sortAlerts(alerts);
}

// ---------- demo generator ----------

export interface DemoSignalOptions {
  readonly symbol: string;
  /** Moving-average length in bars (default 30). */
  readonly period?: number;
  /** When set: alternate buy/sell every N bars instead of the moving-average cross (benchmarks). */
  readonly everyBars?: number;
  /** Bar length, ms (alerts fire at the bar's close: ts + barMs). */
  readonly barMs: number;
}

/**
 * Deterministic demo signals: buy when the close crosses above its simple moving average, sell when
 * it crosses below; each fires at the close of the crossing bar, as a TradingView alert on bar close
 * would. Same bars, same alerts.
 */
export function demoSignals(bars: BarSeries, options: DemoSignalOptions): BacktestAlert[] {
  const alerts: BacktestAlert[] = [];
  const { symbol, barMs } = options;
  if (options.everyBars !== undefined) {
    const every = Math.max(1, Math.floor(options.everyBars));
    for (let i = every, k = 0; i < bars.length; i += every, k++) {
      alerts.push(makeAlert('demo', i, bars.ts[i]! + barMs, symbol, k % 2 === 0 ? 'buy' : 'sell'));
    }
    return alerts;
  }
  const period = Math.max(2, Math.floor(options.period ?? 30));
  let sum = 0;
  let previousSide = 0;
  for (let i = 0; i < bars.length; i++) {
    sum += bars.close[i]!;
    if (i >= period) sum -= bars.close[i - period]!;
    if (i < period - 1) continue;
    const average = sum / period;
    const side = bars.close[i]! > average ? 1 : bars.close[i]! < average ? -1 : previousSide;
    if (previousSide !== 0 && side !== previousSide) {
      alerts.push(makeAlert('demo', i, bars.ts[i]! + barMs, symbol, side > 0 ? 'buy' : 'sell'));
    }
    previousSide = side;
  }
  return alerts;
}
