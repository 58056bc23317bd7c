/**
 * The dashboard of a bot trading three accounts, in real headless Chromium: the account selector,
 * the all-accounts overview (each account's book and headroom to both loss limits), one account
 * selected (its positions, its guard card, flatten acting on it alone). Screenshots go to
 * test-output/dashboard/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDashboard } from '../../../src/adapters/dashboard/static.ts';
import type { Store } from '../../../src/ports/store.ts';
import { freshPgliteStore } from '../store/pglite-template.ts';
import { launchChromium, withChromium } from './chromium.ts';
import { type LanesDashboard, openLanePosition, startLanesDashboard, THREE_ACCOUNTS } from './lanes.ts';
import { seedHistory } from './seed.ts';

const SHOTS = join(fileURLToPath(new URL('../../..', import.meta.url)), 'test-output', 'dashboard');
const TOKEN = 'accounts-browser-token-7';

withChromium('dashboard with three accounts in headless Chromium', () => {
  let store: Store;
  let d: LanesDashboard;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const distDir = mkdtempSync(join(tmpdir(), 'valuearea-dashboard-dist-'));
    await buildDashboard({ outDir: distDir });
    store = await freshPgliteStore();
    await seedHistory(store);
    d = await startLanesDashboard(store, THREE_ACCOUNTS, { token: TOKEN, distDir, listen: true });
    openLanePosition(d.lanes[0]!, 'pa1', { quantity: 2, last: 100.5 }); // +$50.00
    openLanePosition(d.lanes[1]!, 'pb1', { quantity: 1, last: 99.5 }); // −$25.00
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await d?.close();
    await store?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  const overviewRow = (accountId: string) =>
    page.locator(`[data-testid="accounts-overview"] tr[data-account="${accountId}"]`);
  const cell = (accountId: string, testid: string) =>
    overviewRow(accountId).locator(`[data-testid="${testid}"]`);

  it('shows the account selector and every account with its book and headroom', async () => {
    await page.goto(`${d.url}/`);
    const select = page.locator('[data-testid="account-select"]');
    await select.waitFor();
    expect(await select.locator('option').allTextContents()).toEqual([
      'All accounts',
      'Combine A (ACC-1)',
      'Combine B (ACC-2)',
      'ACC-3',
    ]);
    await overviewRow('ACC-3').waitFor();
    expect(await page.locator('[data-testid="accounts-overview"] tbody tr').count()).toBe(3);
    // Combine A: $1,000 − $250 realised + $50 open; $50,400 + $50 above the $48,600 floor.
    await expect.poll(() => cell('ACC-1', 'acct-open').textContent()).toBe('1');
    expect(await cell('ACC-1', 'acct-realized').textContent()).toBe('-$250.00');
    expect(await cell('ACC-1', 'acct-open-pnl').textContent()).toBe('+$50.00');
    expect(await cell('ACC-1', 'acct-daily-left').textContent()).toBe('$800.00of $1,000.00');
    expect(await cell('ACC-1', 'acct-floor-left').textContent()).toContain('$1,850.00floor $48,600.00');
    expect(await cell('ACC-1', 'acct-balance').textContent()).toBe('$50,400.00');
    // Combine B is close to its daily limit: $800 − $700 − $25 = $75 left, drawn as danger.
    expect(await cell('ACC-2', 'acct-daily-left').textContent()).toBe('$75.00of $800.00');
    expect(await cell('ACC-2', 'acct-daily-left').locator('span.down').count()).toBe(1);
    expect(await cell('ACC-2', 'acct-floor-left').textContent()).toContain('$2,275.00floor $97,000.00');
    // ACC-3 has no daily loss limit; its floor is 150,000 − 4,500.
    expect(await cell('ACC-3', 'acct-daily-left').textContent()).toBe('off');
    expect(await cell('ACC-3', 'acct-floor-left').textContent()).toContain('$4,625.00floor $145,500.00');
    // Both accounts' live positions, each card naming its account.
    const cards = page.locator('[data-testid="live-positions"] .pos-card');
    await expect.poll(() => cards.count()).toBe(2);
    expect(await cards.locator('[data-testid="card-account"]').allTextContents()).toEqual([
      'Combine A',
      'Combine B',
    ]);
    await expect.poll(() => page.locator('[data-testid="kpi-open"] .value').textContent()).toBe('2');
    await shot('09-all-accounts');
  });

  it('shows one account when it is selected: its positions and its guard only', async () => {
    await page.locator('[data-testid="account-select"]').selectOption('ACC-2');
    await expect.poll(() => page.locator('#accounts').isVisible()).toBe(false);
    const cards = page.locator('[data-testid="live-positions"] .pos-card');
    await expect.poll(() => cards.count()).toBe(1);
    expect(await cards.getAttribute('data-position')).toBe('pb1');
    await expect.poll(() => page.locator('[data-testid="kpi-open"] .value').textContent()).toBe('1');
    // The guard card: Combine B's realised headroom, $800 − $700.
    await expect.poll(() => page.locator('[data-testid="kpi-guard"] .value').textContent()).toBe('$100.00');
    await page.goto(`${d.url}/#positions`);
    await page.locator('tr[data-position="pb1"]').waitFor();
    expect(await page.locator('tr[data-position="pa1"]').count()).toBe(0);
    // The seeded history is Combine A's: none of it shows for Combine B.
    expect(await page.locator('tbody tr[data-position]').count()).toBe(1);
    expect(await page.locator('[data-testid="row-account"]').allTextContents()).toEqual(['Combine B']);
    // The server pages Combine B's rows only: the pager counts them, not every account's.
    const stored = (await (await fetch(`${d.url}/api/positions?account=ACC-2`)).json()) as {
      pagination: { total: number };
    };
    const all = (await (await fetch(`${d.url}/api/positions`)).json()) as { pagination: { total: number } };
    expect(stored.pagination.total).toBeLessThan(all.pagination.total);
    expect(await page.locator('[data-testid="page-info"]').textContent()).toContain(
      ` of ${stored.pagination.total} ·`,
    );
    await shot('10-one-account');
  });

  it("shows the selected account's actors only", async () => {
    await page.goto(`${d.url}/#actors`);
    await page.locator('button[data-actor="position:pb1"]').waitFor();
    expect(await page.locator('button[data-actor="position:pa1"]').count()).toBe(0);
    expect(
      await page.locator('button[data-actor="position:pb1"] [data-testid="actor-account"]').textContent(),
    ).toBe(' · Combine B');
  });

  it('flattens the selected account only, after the confirmation word', async () => {
    const closes = (i: number) => d.lanes[i]!.commands.filter((c) => c.type === 'closePosition').length;
    await page.locator('#controls-btn').click();
    const modal = page.locator('#modal');
    await modal.locator('input[type="password"]').fill(TOKEN);
    const row = modal.locator('tr', { has: page.locator('button[data-action="flatten-all"]') });
    expect(await row.locator('button').textContent()).toBe('Flatten all positions on Combine B');
    expect(await modal.locator('[data-testid="guard-account"]').inputValue()).toBe('ACC-2');
    await row.locator('input[type="text"]').fill('FLATTEN');
    await row.locator('button').click();
    await expect
      .poll(() => modal.locator('[data-testid="control-message"]').textContent())
      .toContain('on Combine B (ACC-2)');
    expect([closes(0), closes(1), closes(2)]).toEqual([0, 1, 0]);
    await modal.locator('button', { hasText: 'Close' }).click();
  });

  it('goes back to every account, and a row of the overview opens that account', async () => {
    await page.goto(`${d.url}/`);
    await page.locator('[data-testid="account-select"]').selectOption('');
    await overviewRow('ACC-1').waitFor();
    await overviewRow('ACC-1').click();
    await expect.poll(() => page.locator('[data-testid="account-select"]').inputValue()).toBe('ACC-1');
    await expect.poll(() => page.locator('#accounts').isVisible()).toBe(false);
    const cards = page.locator('[data-testid="live-positions"] .pos-card');
    await expect.poll(() => cards.count()).toBe(1);
    expect(await cards.getAttribute('data-position')).toBe('pa1');
  });

  it('ran without page errors', () => {
    expect(errors).toEqual([]);
  });
});
