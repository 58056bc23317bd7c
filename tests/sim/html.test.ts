import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { parseBarsCsv } from '../../sim/csv.ts';
import { htmlReport } from '../../sim/report/html.ts';
import { launchChromium, withChromium } from '../adapters/dashboard/chromium.ts';

function report(): string {
  const rows = ['ts_utc,open,high,low,close,volume'];
  let previous = 4000;
  for (let i = 0; i < 1500; i++) {
    const close =
      Math.round((4000 + 8 * Math.sin(i / 30) + 3 * Math.sin(i / 5.3) + 2 * Math.sin(i * 1.7)) * 4) / 4;
    rows.push(
      `${new Date(Date.UTC(2025, 2, 3, 14) + i * 60_000).toISOString()},${previous},${Math.max(previous, close) + 0.5},${Math.min(previous, close) - 0.5},${close},${100 + i}`,
    );
    previous = close;
  }
  const bars = parseBarsCsv(new TextEncoder().encode(rows.join('\n')), { source: 'html.csv' });
  const alerts = demoSignals(bars, { symbol: 'ES', period: 60, barMs: 60_000 });
  return htmlReport(runBacktest({ symbol: 'ES', bars, alerts, barMs: 60_000 }), bars, 60_000);
}

withChromium('HTML report in Chromium', () => {
  it('opens offline and draws its charts without errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valuearea-html-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, report());
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // Offline: any request that leaves file:// fails the test.
      await page.route(/^(?!file:)/, (route) => {
        errors.push(`network request to ${route.request().url()}`);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => (window as unknown as { reportReady?: boolean }).reportReady === true);
      expect(errors).toEqual([]);
      expect(await page.locator('canvas').count()).toBeGreaterThan(3);
    } finally {
      await browser.close();
    }
  });
});
