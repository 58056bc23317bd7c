/** Real headless Chromium for the browser tests (Debian's `chromium`; .ci/run installs it). */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const NEED = `needs Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Register `body` when Chromium is installed; otherwise skip with a message, or fail when CI=true. */
export function withChromium(title: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    it(`${title}: ${NEED}`, () => {
      throw new Error(`CI=true but Chromium is missing: ${NEED}`);
    });
    return;
  }
  console.warn(`[dashboard] skipping "${title}": ${NEED}`);
  describe.skipIf(true)(`${title} (${NEED})`, () => {
    it('needs Chromium', () => {});
  });
}
