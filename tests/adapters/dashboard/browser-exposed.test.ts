/**
 * An exposed dashboard in headless Chromium: nothing is shown until the trader enters the token;
 * with it, the KPI cards, the live stream and the backtest report frame work.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDashboard } from '../../../src/adapters/dashboard/static.ts';
import { launchChromium, withChromium } from './chromium.ts';
import { type DemoDashboard, startDemoDashboard } from './demo-server.ts';
import { TRADE_COUNT } from './seed.ts';

const SHOTS = join(fileURLToPath(new URL('../../..', import.meta.url)), 'test-output', 'dashboard');
const TOKEN = 'exposed-token-8f2a1c';

withChromium('exposed dashboard in headless Chromium', () => {
  let demo: DemoDashboard;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const distDir = mkdtempSync(join(tmpdir(), 'valuearea-dashboard-dist-'));
    await buildDashboard({ outDir: distDir });
    demo = await startDemoDashboard({ token: TOKEN, distDir, exposed: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('asks for the token and shows no data without it', async () => {
    await page.goto(`${demo.url}/`);
    await page.locator('#banner input[type="password"]').waitFor();
    expect(await page.locator('#banner').textContent()).toContain('needs the token');
    expect(await page.locator('[data-testid="kpi-total"]').count()).toBe(0);
    expect(await page.locator('[data-testid="feed"] li[data-signal]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, '09-exposed-token-prompt.png') });
  });

  it('works once the token is entered, stream and report frame included', async () => {
    await page.locator('#banner input[type="password"]').fill(TOKEN);
    await page.locator('#banner button[type="submit"]').click();
    await page.locator('[data-testid="kpi-total"] .value').waitFor();
    expect(await page.locator('[data-testid="kpi-total"] .sub').textContent()).toContain(
      `${TRADE_COUNT} trades`,
    );
    await expect.poll(() => page.locator('#conn').textContent()).toBe('live');
    await page.goto(`${demo.url}/#backtests`);
    await page.locator('tr[data-backtest="file.gc-week"]').click();
    expect(
      await page.frameLocator('[data-testid="report-frame"]').locator('#report-title').textContent(),
    ).toBe('Backtest GC report');
  });
});
