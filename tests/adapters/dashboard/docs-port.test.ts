/** The dashboard docs name the port the bot really listens on (a wrong one sends a first run nowhere). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src/app/config.ts';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** Every loopback URL's port and every `port: N` in a code sample. */
function portsIn(text: string): number[] {
  const urls = [...text.matchAll(/(?:127\.0\.0\.1|localhost):(\d+)/g)].map((m) => Number(m[1]));
  const options = [...text.matchAll(/\bport:\s*(\d+)/g)].map((m) => Number(m[1]));
  return [...urls, ...options];
}

describe('documented dashboard port', () => {
  const { port } = parseCommandLine([], {}).config;

  it('the bot listens on 8787 unless told otherwise', () => {
    expect(port).toBe(8787);
  });

  for (const file of ['docs/dashboard.md', 'docs/alerts.md', 'dashboard/vite.config.ts']) {
    it(`${file} names only the bot's default port`, () => {
      const ports = portsIn(read(file));
      expect(ports.length).toBeGreaterThan(0);
      expect(ports.filter((p) => p !== port)).toEqual([]);
    });
  }
});
