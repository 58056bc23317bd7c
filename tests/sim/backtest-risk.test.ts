/** The backtest trades under the same account rules as the bot and its report says which, with every guard event. */
import { describe, expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { parseBarsCsv } from '../../sim/csv.ts';
import { jsonReport } from '../../sim/report/json.ts';
import { terminalReport } from '../../sim/report/terminal.ts';
import { CalendarCoverageError } from '../../src/domain/calendar.ts';
import { rangeBoundCsv } from './synthetic.ts';

function run(t0: number, settings = {}) {
  const bars = parseBarsCsv(new TextEncoder().encode(rangeBoundCsv(t0, 3000)), { tickSize: 0.25 });
  const alerts = demoSignals(bars, { symbol: 'ES', period: 60, barMs: 60_000 });
  return runBacktest({ symbol: 'ES', bars, alerts, barMs: 60_000, settings });
}

const RISKY = { dailyLossLimit: 300, riskBuffer: 0 };

describe('backtest risk: the bot’s rules, stated in the report', () => {
  const t0 = Date.UTC(2025, 2, 3, 14, 30); // Monday 08:30 CST
  it('the daily loss limit stops trading, flattens and resumes at 17:00 CT; the report names the rules, the settings and each event', () => {
    const result = run(t0, RISKY);
    const kinds = result.risk.guardEvents.map((e) => `${e.kind} ${e.guard}`);
    expect(kinds).toContain('stopped daily_loss');
    expect(kinds).toEqual(['stopped daily_loss', 'flattened daily_loss', 'resumed daily_loss']);
    const resumed = result.risk.guardEvents.find((e) => e.kind === 'resumed')!;
    expect(new Date(resumed.ts).toISOString()).toMatch(/^2025-03-03T23:00/); // 17:00 CST, the next trading day
    expect(resumed.reason).toMatch(
      /^daily loss limit reset with the trading day \d{4}-\d\d-\d\d \(17:00 CT\)$/,
    );
    expect(result.decisions.some((d) => d.reason.startsWith('GUARD: daily loss limit'))).toBe(true);
    const text = terminalReport(result, { color: false });
    expect(text).toContain('Account rules: Trading Combine 50K (combine-50k)');
    expect(text).toContain(
      '  Maximum Loss Limit $2,000.00 below the end-of-day high, locked at $50,000.00; position cap 5 minis (10 micros = 1)',
    );
    expect(text).toContain(
      '  Daily loss limit $300.00 (liquidate and block); no new entries after 15:00, flatten at 15:05 (America/Chicago)',
    );
    expect(text).toMatch(/Guard events\n {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}stopped {3}GUARD: daily loss limit/);
    const json = JSON.parse(jsonReport(result, { dataFile: 'falling.csv' }));
    expect(json.risk.rules.name).toBe('combine-50k');
    expect(json.risk.settings).toMatchObject({ dailyLossLimit: 300, riskBuffer: 0, stopSlippageTicks: 1 });
    expect(json.risk.guardEvents.length).toBe(result.risk.guardEvents.length);
  });

  it('the same inputs give byte-identical reports, guard events included', () => {
    const a = run(t0, RISKY);
    const b = run(t0, RISKY);
    expect(jsonReport(a, { dataFile: 'falling.csv' })).toBe(jsonReport(b, { dataFile: 'falling.csv' }));
  });

  it('a run outside the CME calendar’s years stops with the years it covers and the fix', () => {
    expect(() => run(Date.UTC(2019, 2, 4, 14, 30))).toThrow(CalendarCoverageError);
    expect(() => run(Date.UTC(2019, 2, 4, 14, 30))).toThrow(
      /backtest of ES: the CME holiday calendar has no data for 2019 .* it covers 2013, 2024, 2025, 2026, 2027\. Add 2019 to src\/domain\/data\/cme-calendar\.json/,
    );
  });
});
