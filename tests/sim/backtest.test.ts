import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { loadBarsCsv, loadTicksCsv, sliceBars } from '../../sim/csv.ts';
import { barsFromTicks } from '../../sim/replay.ts';
import { htmlReport } from '../../sim/report/html.ts';
import { jsonReport } from '../../sim/report/json.ts';
import { terminalReport } from '../../sim/report/terminal.ts';
import { rangeBoundCsv } from './synthetic.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const ES = fileURLToPath(
  new URL('../../../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv', import.meta.url),
);
const haveData = existsSync(ES);
if (!haveData && process.env.CI === 'true') throw new Error(`CI needs the shared market data at ${ES}`);
if (!haveData)
  console.warn(`skipped ES end-to-end backtest: ${ES} not found (clone ../shared beside the repo)`);

const syntheticCsv = (bars: number) => rangeBoundCsv(Date.UTC(2025, 2, 3, 14, 30), bars);

const dir = mkdtempSync(join(tmpdir(), 'valuearea-sim-'));
const synthetic = join(dir, 'ES_synthetic_1m.csv');
writeFileSync(synthetic, syntheticCsv(3000));

function backtestOf(path: string) {
  const bars = loadBarsCsv(path, { tickSize: 0.25 });
  const alerts = demoSignals(bars, { symbol: 'ES', period: 60, barMs: 60_000 });
  return { bars, result: runBacktest({ symbol: 'ES', bars, alerts, barMs: 60_000 }) };
}

describe('backtest on the shared engine runtime', () => {
  it('trades the synthetic data: every trade is closed, priced on the grid, and the metrics add up', () => {
    const { result } = backtestOf(synthetic);
    expect(result.trades.length).toBeGreaterThan(0);
    for (const t of result.trades) {
      expect(t.exitTime).toBeGreaterThanOrEqual(t.entryTime);
      expect(t.quantity).toBeGreaterThan(0);
      expect(Math.abs(t.netPnl - (t.grossPnl - t.commissions))).toBeLessThan(0.006);
    }
    const sum = result.trades.reduce((s, t) => s + t.netPnl, 0);
    expect(result.metrics.totalNetPnl).toBeCloseTo(sum, 2);
    expect(result.decisions.length).toBeGreaterThanOrEqual(result.stats.alerts);
  });

  it('skipping quiet bars changes nothing: same fills, trades, decisions and metrics as delivering every point', () => {
    for (const path of haveData ? [synthetic, ES] : [synthetic]) {
      const bars = loadBarsCsv(path, { tickSize: 0.25 });
      for (const period of [20, 60]) {
        const alerts = demoSignals(bars, { symbol: 'ES', period, barMs: 60_000 });
        const skipping = runBacktest({ symbol: 'ES', bars, alerts, barMs: 60_000 });
        const everyPoint = runBacktest({
          symbol: 'ES',
          bars,
          alerts,
          barMs: 60_000,
          deliverEveryPoint: true,
        });
        expect(skipping.stats.quietBars).toBeGreaterThan(0);
        expect(everyPoint.stats.quietBars).toBe(0);
        expect(skipping.fills).toEqual(everyPoint.fills);
        expect(skipping.trades).toEqual(everyPoint.trades);
        expect(skipping.decisions).toEqual(everyPoint.decisions);
        expect(skipping.metrics).toEqual(everyPoint.metrics);
      }
    }
  });

  it('gives byte-identical JSON reports for the same inputs in one process', () => {
    const a = jsonReport(backtestOf(synthetic).result, { dataFile: synthetic });
    const b = jsonReport(backtestOf(synthetic).result, { dataFile: synthetic });
    expect(a).toBe(b);
    expect(a).not.toContain(dir); // no absolute paths
    expect(a).toContain('"data": "ES_synthetic_1m.csv"');
  });

  it('gives byte-identical JSON reports across two processes (the CLI)', () => {
    const run = (out: string) =>
      execFileSync(
        process.execPath,
        ['--import', 'tsx', 'scripts/backtest.ts', '--data', synthetic, '--json', out, '--no-color'],
        {
          cwd: repo,
          encoding: 'utf8',
        },
      );
    const first = join(dir, 'first.json');
    const second = join(dir, 'second.json');
    run(first);
    run(second);
    expect(readFileSync(first)).toEqual(readFileSync(second));
    expect(readFileSync(first, 'utf8')).toBe(
      jsonReport(backtestOf(synthetic).result, {
        dataFile: synthetic,
        options: { barMs: 60000, exchange: { fillOnTouch: false } },
      }),
    );
  });

  it('terminal report honours colour choice; HTML report is self-contained', () => {
    const { bars, result } = backtestOf(synthetic);
    const plain = terminalReport(result, { color: false });
    expect(plain).not.toContain('\u001b[');
    expect(plain).toContain('Exits by reason');
    expect(terminalReport(result, { color: true })).toContain('\u001b[3');
    const stray = terminalReport(
      { ...result, strayPosition: -5, strayOrders: ['Pabc-s1'] },
      { color: false },
    );
    expect(stray).toContain(
      'Warning: the simulated exchange ends holding -5 contract(s) with 1 order(s) still working (Pabc-s1)',
    );
    if (result.strayPosition === 0 && result.strayOrders.length === 0) expect(plain).not.toContain('Warning');
    const html = htmlReport(result, bars, 60_000);
    expect(html).toContain('LightweightCharts');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
    expect(html).toContain('"poc"');
  });

  it.skipIf(!haveData)('runs the ES file end to end (needs ../shared/data/market)', () => {
    const { result } = backtestOf(ES);
    expect(result.stats.bars).toBe(8198);
    expect(result.trades.length).toBeGreaterThan(0);
    expect(result.metrics.trades).toBe(result.trades.length);
    // Every alert ends with exactly one recorded decision.
    expect(result.decisions.length).toBe(result.stats.alerts);
    expect(new Set(result.decisions.map((d) => d.alertId)).size).toBe(result.stats.alerts);
    const again = backtestOf(ES).result;
    expect(jsonReport(again, { dataFile: ES })).toBe(jsonReport(result, { dataFile: ES }));
    // With the prop-firm guards off the demo signals keep trading all week.
    const bars = loadBarsCsv(ES, { tickSize: 0.25 });
    const alerts = demoSignals(bars, { symbol: 'ES', period: 60, barMs: 60_000 });
    const free = runBacktest({
      symbol: 'ES',
      bars,
      alerts,
      barMs: 60_000,
      settings: { dailyLossLimit: 0, trailingDrawdown: 0 },
    });
    expect(free.trades.length).toBeGreaterThan(10);
  });
});

const GC_BARS = fileURLToPath(
  new URL('../../../shared/data/market/GC_GCZ13_1m_2013-10-07_2013-10-11_utc.csv', import.meta.url),
);
const GC_TICKS = fileURLToPath(
  new URL('../../../shared/data/market/GC_GCZ13_ticks_2013-10-08_utc.csv', import.meta.url),
);

describe.skipIf(!haveData)('backtest with tick prints (needs ../shared/data/market)', () => {
  it('replays GC ticks inside the GC bars they cover, and the ticks alone give the same trades', () => {
    const from = Date.UTC(2013, 9, 8);
    const to = Date.UTC(2013, 9, 9);
    const bars = sliceBars(loadBarsCsv(GC_BARS, { tickSize: 0.1 }), from, to);
    const ticks = loadTicksCsv(GC_TICKS, { tickSize: 0.1 });
    const alerts = demoSignals(bars, { symbol: 'GC', period: 20, barMs: 60_000 });
    const withBars = runBacktest({ symbol: 'GC', bars, ticks, alerts, barMs: 60_000, policy: 'ticks' });
    expect(withBars.stats.ticks).toBe(52_038);
    expect(withBars.trades.length).toBeGreaterThan(0);
    const fromTicks = runBacktest({
      symbol: 'GC',
      bars: barsFromTicks(ticks, 60_000),
      ticks,
      alerts,
      barMs: 60_000,
      policy: 'ticks',
    });
    expect(fromTicks.trades).toEqual(withBars.trades);
    // Tick fills happen at real print times, not at the :00/:15/:30/:59 slots of a bar path.
    expect(withBars.fills.some((f) => f.ts % 15_000 !== 0)).toBe(true);
  });
});

describe('backtest CLI', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/backtest.ts', ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });

  it('explains itself with no arguments (exit 2)', () => {
    const r = cli([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('npm run backtest -- --data');
  });

  it('fails with a clear message on bad input (exit 1)', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'ts_utc,open,high,low,close,volume\n2021-01-01T00:00:00Z,1,0.5,0.25,1,1\n');
    const r = cli(['--data', bad, '--symbol', 'ES']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv: line 2, column "high": high 0\.5 is below max/);
    const missing = cli(['--data', join(dir, 'nope.csv'), '--symbol', 'ES']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv \(ENOENT\)/);
    const unknown = cli(['--data', synthetic, '--symbol', 'XX']);
    expect(unknown.stderr).toMatch(/--symbol "XX" is not supported/);
    const settings = cli(['--data', synthetic, '--settings', '{"riskPerTrade":"lots"}']);
    expect(settings.status).toBe(1);
    expect(settings.stderr).toMatch(/--settings: riskPerTrade: got "lots"; use a number above 0 \(USD\)/);
    const option = cli(['--data', synthetic, '--frobnicate']);
    expect(option.status).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--frobnicate'/);
  });

  it('runs a TradingView chart export (epoch-second "time" column, symbol from the file name)', () => {
    const rows = readFileSync(synthetic, 'utf8').trim().split('\n').slice(1);
    const tv = join(dir, 'CME_MINI_ES1!, 1.csv');
    const lines = rows.map((row) => {
      const [iso, ...rest] = row.split(',');
      return `${Date.parse(iso!) / 1000},${rest.join(',')},0`;
    });
    writeFileSync(tv, `time,open,high,low,close,Volume,Plot\n${lines.join('\n')}\n`);
    const r = cli(['--data', tv, '--no-color']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Backtest ES {2}2025-03-03 14:30/);
  });

  it('honours NO_COLOR', () => {
    const r = cli(['--data', synthetic], { NO_COLOR: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toContain('Net P&L');
  });
});
