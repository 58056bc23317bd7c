import { describe, expect, it } from 'vitest';
import { AlertFileError, alertsFromRecords, demoSignals, parseAlerts, stableId } from '../../sim/alerts.ts';
import { parseBarsCsv } from '../../sim/csv.ts';

describe('alert sources', () => {
  it('reads a JSON array, resolves tickers, sorts by time and derives stable ids', () => {
    const text = JSON.stringify([
      { time: '2013-10-07T14:00:00Z', ticker: 'ES1!', action: 'sell', quantity: 2 },
      { time: 1381150800, symbol: 'CME_MINI:ESZ13', action: 'buy' },
      { time: '2013-10-07T15:00:00Z', ticker: 'ES1!', action: 'close' },
    ]);
    const alerts = parseAlerts(text, 'alerts.json');
    expect(alerts.map((a) => [a.ts, a.symbol, a.action, a.quantity])).toEqual([
      [Date.UTC(2013, 9, 7, 13), 'ES', 'buy', undefined],
      [Date.UTC(2013, 9, 7, 14), 'ES', 'sell', 2],
      [Date.UTC(2013, 9, 7, 15), 'ES', 'close', undefined],
    ]);
    expect(parseAlerts(text, 'alerts.json')).toEqual(alerts);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(3);
    expect(alerts[0]!.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('reads JSON Lines, one alert per line, and names a bad line', () => {
    const text =
      '{"time":"2013-10-07T13:00:00Z","ticker":"ES1!","action":"buy"}\n\n{"time":"2013-10-07T14:00:00Z","ticker":"ES1!","action":"close"}\n';
    expect(parseAlerts(text, 'a.jsonl').map((a) => a.action)).toEqual(['buy', 'close']);
    expect(() => parseAlerts('{"time":1,"ticker":"ES1!","action":"buy"}\n{"time":', 'a.jsonl')).toThrow(
      /a\.jsonl: line 2: .*each line must be one JSON alert object/,
    );
  });

  it('reads a CSV of alerts with naive times in a time zone', () => {
    const alerts = parseAlerts(
      'time,ticker,action,quantity\n2013-10-07 08:30:00,ES1!,buy,1\n2013-10-07 09:00,ES1!,close,\n',
      'a.csv',
      {
        timeZone: 'America/Chicago',
      },
    );
    expect(alerts.map((a) => [a.ts, a.action])).toEqual([
      [Date.UTC(2013, 9, 7, 13, 30), 'buy'],
      [Date.UTC(2013, 9, 7, 14, 0), 'close'],
    ]);
  });

  it('reads a TradingView "List of trades" export: entries become buy/sell, exits close, open trades skipped', () => {
    const text = [
      'Trade #,Type,Signal,Date/Time,Price USD,Contracts,Profit USD,Profit %,Cum. Profit USD,Cum. Profit %,Run-up USD,Run-up %,Drawdown USD,Drawdown %',
      '3,Exit Short,Open,,1690.25,1,0,0,0,0,0,0,0,0',
      '3,Entry Short,Short,2013-10-08 10:00,1690.25,1,0,0,0,0,0,0,0,0',
      '2,Exit Long,Close,2013-10-07 15:00,1682.5,2,150,0.1,150,0.1,200,0.1,-50,0',
      '2,Entry Long,Long,2013-10-07 14:00,1681,2,150,0.1,150,0.1,200,0.1,-50,0',
    ].join('\n');
    const alerts = parseAlerts(text, 'trades.csv', { symbol: 'ES' });
    expect(alerts.map((a) => [new Date(a.ts).toISOString(), a.action, a.quantity])).toEqual([
      ['2013-10-07T14:00:00.000Z', 'buy', 2],
      ['2013-10-07T15:00:00.000Z', 'close', 2],
      ['2013-10-08T10:00:00.000Z', 'sell', 1],
    ]);
  });

  it('reads the newer export form ("Date and time", "Position size (qty)", lower-case types)', () => {
    const text =
      'Trade #,Type,Date and time,Signal,Price USD,Position size (qty),Net P&L USD\n1,Entry long,2024-01-02 09:30,Long,4800,3,0\n1,Exit long,2024-01-02 10:30,TP,4810,3,100\n';
    const alerts = parseAlerts(text, 'new.csv', { symbol: 'MES' });
    expect(alerts.map((a) => [a.action, a.quantity, a.symbol])).toEqual([
      ['buy', 3, 'MES'],
      ['close', 3, 'MES'],
    ]);
  });

  it('names the file and line (or index) of bad alerts and says how to fix them', () => {
    expect(() => parseAlerts('[{"time":"soon","ticker":"ES1!","action":"buy"}]', 'a.json')).toThrow(
      /a\.json: alert \[0\]: time "soon" is not a time/,
    );
    expect(() => parseAlerts('[{"time":1,"ticker":"ZZ1!","action":"buy"}]', 'a.json')).toThrow(
      /alert \[0\]: unsupported ticker "ZZ1!"/,
    );
    expect(() => parseAlerts('time,ticker,action\n2013-10-07T00:00:00Z,ES1!,hold\n', 'a.csv')).toThrow(
      /a\.csv: line 2: action "hold" is not one of buy, sell, close/,
    );
    expect(() =>
      parseAlerts('time,ticker,action,quantity\n2013-10-07T00:00:00Z,ES1!,buy,-1\n', 'a.csv'),
    ).toThrow(/line 2: quantity "-1" must be a whole number/);
    expect(() => parseAlerts('[{"time":1', 'a.json')).toThrow(AlertFileError);
    expect(() => parseAlerts('Trade #,Type,Date/Time\n1,Entry Long,2024-01-02 09:30\n', 't.csv')).toThrow(
      /pass --symbol/,
    );
  });

  it('turns stored alert records into backtest alerts, skipping rejected, duplicate and non-trading ones', () => {
    const record = (key: string, action: string, extra: object = {}, status = 'processed') => ({
      idempotencyKey: key,
      receivedAt: Date.UTC(2013, 9, 7, 14, 0, 5),
      sourceAddress: null,
      contentType: 'application/json',
      rawBody: '{}',
      parsed: { key, symbol: 'ES', ticker: 'ES1!', action, dialect: 'json', ...extra },
      status,
      reason: null,
    });
    const alerts = alertsFromRecords([
      record('k2', 'sell', { firedAt: Date.UTC(2013, 9, 7, 15) }),
      record('k1', 'buy', { quantity: 2 }),
      record('k3', 'buy', {}, 'rejected'),
      record('k4', 'buy', {}, 'duplicate'),
      record('k5', 'cancel'),
    ] as never);
    expect(alerts.map((a) => [a.ts, a.action, a.quantity])).toEqual([
      [Date.UTC(2013, 9, 7, 14, 0, 5), 'buy', 2],
      [Date.UTC(2013, 9, 7, 15), 'sell', undefined],
    ]);
    expect(alerts[0]!.id).toBe(stableId('db|k1'));
  });

  it('stable ids depend only on the text', () => {
    expect(stableId('abc')).toBe(stableId('abc'));
    expect(stableId('abc')).not.toBe(stableId('abd'));
  });

  it('the demo generator is deterministic and fires at the close of the crossing bar', () => {
    const rows = ['ts_utc,open,high,low,close,volume'];
    const closes = [10, 10, 10, 10, 12, 13, 9, 8, 8, 11];
    closes.forEach((c, i) => {
      rows.push(`${new Date(i * 60_000).toISOString()},${c},${c},${c},${c},1`);
    });
    const bars = parseBarsCsv(new TextEncoder().encode(rows.join('\n')), { source: 'demo.csv' });
    const alerts = demoSignals(bars, { symbol: 'ES', period: 3, barMs: 60_000 });
    expect(alerts.map((a) => [a.ts / 60_000, a.action])).toEqual([
      [7, 'sell'],
      [10, 'buy'],
    ]);
    expect(demoSignals(bars, { symbol: 'ES', period: 3, barMs: 60_000 })).toEqual(alerts);
    expect(demoSignals(bars, { symbol: 'ES', everyBars: 4, barMs: 60_000 }).map((a) => a.action)).toEqual([
      'buy',
      'sell',
    ]);
  });
});
