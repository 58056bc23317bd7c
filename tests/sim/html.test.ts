import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { parseBarsCsv } from '../../sim/csv.ts';
import { htmlReport } from '../../sim/report/html.ts';
import { money } from '../../src/domain/format.ts';
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

interface TimeScale {
  setVisibleRange(range: { from: number; to: number }): void;
  timeToCoordinate(time: number): number | null;
}

withChromium('HTML report in Chromium', () => {
  it('opens offline, draws its charts and tables without errors, and shows the trades of a candle under the crosshair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valuearea-html-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, report());
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      // Offline: any request that leaves file:// fails the test.
      await page.route(/^(?!file:)/, (route) => {
        errors.push(`network request to ${route.request().url()}`);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => (window as unknown as { reportReady?: boolean }).reportReady === true);
      expect(errors).toEqual([]);
      expect(await page.locator('canvas').count()).toBeGreaterThan(3);
      for (const id of ['price', 'equity', 'drawdown'])
        expect(await page.locator(`#${id} canvas`).count(), `${id} chart`).toBeGreaterThan(0);
      for (const id of [
        'settings',
        'guard-events',
        'exits-by-reason',
        'exits-by-rung',
        'trades',
        'filtered-reasons',
        'filtered-alerts',
      ])
        expect(await page.locator(`table#${id}`).count(), `table ${id}`).toBe(1);
      expect(await page.locator('table#trades tbody tr').count()).toBeGreaterThan(0);
      expect(await page.locator('table#trades thead').textContent()).toContain('R');
      // The charts' axis labels use the page's copy of money(): it must read the same.
      for (const v of [0, -0.004, 1234.5, -1234.5, 50_000, -1_000_000.126]) {
        const shown = await page.evaluate(
          (x) => (window as unknown as { reportMoney(v: number): string }).reportMoney(x),
          v,
        );
        expect(shown, String(v)).toBe(money(v));
      }
      // Hover the candle of the first marker: the legend lists its trade.
      const first = await page.evaluate(() => {
        const w = window as unknown as { reportData: { markers: { time: number }[] } };
        return w.reportData.markers[0]?.time ?? null;
      });
      expect(first).not.toBeNull();
      const legend = page.locator('#price-legend');
      const chart = page.locator('#price');
      await chart.scrollIntoViewIfNeeded();
      const box = (await chart.boundingBox())!;
      // Zoom to an hour around the marker, then point at its candle.
      const x = await page.evaluate(async (t) => {
        const scale = (
          window as unknown as { reportChart: { timeScale(): TimeScale } }
        ).reportChart.timeScale();
        scale.setVisibleRange({ from: t - 1800, to: t + 1800 });
        await new Promise((resolve) => requestAnimationFrame(resolve));
        return scale.timeToCoordinate(t);
      }, first!);
      expect(x).not.toBeNull();
      await page.mouse.move(box.x + 5, box.y + 50);
      await page.mouse.move(box.x + x!, box.y + box.height / 2, { steps: 4 });
      await expect.poll(() => legend.textContent()).toMatch(/(entry|exit) (long|short) \d+ @ \d+\.\d{2}/);
      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
