/**
 * The first run as a new user sees it: the real bot (scripts/bot.ts, demo market and alerts on the
 * paper broker, a fresh PGlite) with its dashboard open in real headless Chromium. The demo's first
 * alert is decided with its reason, the position climbs a rung, Pause makes the next alert FILTERED
 * as paused, and Resume puts the bot back to trading.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, withChromium } from '../adapters/dashboard/chromium.ts';
import { type BotProcess, startBotProcess, tempDir } from './helpers.ts';

const TOKEN = 'first-run-browser-token-42';
/** The bot_disabled filter's wording (src/domain/filters.ts). */
const PAUSED_REASON = 'the bot is paused';
const POLL = { timeout: 90_000, interval: 250 };

withChromium('first run in headless Chromium', () => {
  let bot: BotProcess;
  let browser: Browser;
  let page: Page;
  let url: string;
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = tempDir('valuearea-first-run-');
    const configFile = join(dir, 'config.json');
    // A demo alert every 2 s instead of 20 s (alerts wait while a position is open anyway).
    writeFileSync(configFile, JSON.stringify({ demoIntervalMs: 2_000 }));
    bot = startBotProcess(['--demo', '--status', 'off', '--port', '0', '--config', configFile], {
      VALUEAREA_DATA_DIR: join(dir, 'data'),
      PGLITE_DIR: join(dir, 'pglite'),
      DASHBOARD_TOKEN: TOKEN,
    });
    const running = await bot.waitFor((l) => l.msg === 'valuearea is running', 120_000);
    url = String(running.url);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    await page.locator('#conn', { hasText: /^live$/ }).waitFor({ timeout: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (bot && bot.child.exitCode === null) {
      bot.child.kill('SIGINT');
      await bot.exited;
    }
  });

  const signals = () => page.locator('[data-testid="feed"] li[data-signal]');
  const signalWith = (status: string): Locator =>
    signals().filter({ has: page.locator('.chip', { hasText: status }) });

  it("shows the demo's first alert decided, with its reason", async () => {
    const decided = signals().filter({ has: page.locator('.chip', { hasText: /EXECUTED|FILTERED/ }) });
    await decided.first().waitFor({ timeout: 60_000 });
    await expect.poll(() => signalWith('EXECUTED').count(), POLL).toBeGreaterThan(0);
    const reason = (await signalWith('EXECUTED').first().locator('.reason').textContent())?.trim() ?? '';
    expect(reason).not.toBe('');
    expect(reason).not.toBe('—');
  }, 120_000);

  it('shows the demo position climbing to TP1 or higher', async () => {
    const ladder = page.locator('[data-testid="live-positions"] [data-position] .ladder').first();
    await expect
      .poll(async () => Number((await ladder.getAttribute('data-rung').catch(() => null)) ?? 0), POLL)
      .toBeGreaterThanOrEqual(1);
    expect(await ladder.locator('.current').textContent()).toMatch(/TP[1-3]/);
  }, 120_000);

  it('refuses the next alert as paused after Pause, and trades again after Resume', async () => {
    const filteredBefore = await signalWith('FILTERED').count();
    await control('pause', 'PAUSE');
    await expect.poll(() => page.locator('#bot-state').textContent(), POLL).toBe('paused');
    // The open demo position still runs to its close; the next demo alert is then refused.
    const paused = signalWith('FILTERED').filter({
      has: page.locator('.reason', { hasText: PAUSED_REASON }),
    });
    await expect.poll(() => paused.count(), { ...POLL, timeout: 120_000 }).toBeGreaterThan(0);
    expect(await signalWith('FILTERED').count()).toBeGreaterThan(filteredBefore);
    expect(await paused.first().locator('.reason').textContent()).toContain('bot disabled');

    await control('resume', 'RESUME');
    await expect.poll(() => page.locator('#bot-state').textContent(), POLL).toBe('trading');
  }, 240_000);

  it('ran without page errors', () => {
    expect(errors).toEqual([]);
  });

  /** A control action as a trader performs it: token, confirmation word, button. */
  async function control(action: string, word: string): Promise<void> {
    await page.locator('#controls-btn').click();
    const modal = page.locator('#modal');
    await modal.locator('input[type="password"]').fill(TOKEN);
    const row = modal.locator('tr', { has: page.locator(`button[data-action="${action}"]`) });
    await row.locator('input[type="text"]').fill(word);
    await row.locator('button').click();
    await expect
      .poll(() => modal.locator('[data-testid="control-message"]').textContent(), POLL)
      .toContain('Done');
    await modal.getByRole('button', { name: /Close/ }).click();
  }
});
