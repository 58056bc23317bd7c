import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { fetchBars } from '../../../src/adapters/topstepx/bars.ts';
import { loadProjectXConfig, ProjectXConfigError } from '../../../src/adapters/topstepx/config.ts';
import { parseFetchBarsArgs, runFetchBars } from '../../../src/adapters/topstepx/fetch-bars.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import { client, gateway } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;

beforeEach(async () => {
  gw = await gateway();
  rest = client(gw);
  await rest.availableContracts();
});
afterEach(async () => {
  await gw.close();
});

const DAY = 86_400_000;
const start = Date.UTC(2025, 0, 6);

describe('historical bars', () => {
  it('pages a long span in requests of at most pageLimit bars, merged ascending without duplicates', async () => {
    const id = gw.activeContractId('ES');
    const pages: number[] = [];
    const bars = await fetchBars(rest, {
      contractId: id,
      start,
      end: start + 2 * DAY,
      unit: 2,
      unitNumber: 1,
      pageLimit: 700,
      onPage: (p) => pages.push(p.bars),
    });
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil((2 * DAY) / 60_000 / 700));
    expect(Math.max(...pages)).toBeLessThanOrEqual(700);
    expect(bars.length).toBeGreaterThan(700);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.ts).toBeGreaterThan(bars[i - 1]!.ts);
    expect(bars[0]!.ts).toBeGreaterThanOrEqual(start);
    expect(bars.at(-1)!.ts).toBeLessThan(start + 2 * DAY);
    for (const b of bars) expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
  });

  it('keeps within the bars rate limit by waiting, not by failing', async () => {
    let now = 0;
    const slept: number[] = [];
    const limited = client(gw, {
      time: {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
          slept.push(ms);
        },
      },
      barsLimit: { limit: 2, windowMs: 30_000 },
    });
    await limited.availableContracts();
    const id = gw.activeContractId('ES');
    await fetchBars(limited, {
      contractId: id,
      start,
      end: start + DAY,
      unit: 2,
      unitNumber: 1,
      pageLimit: 400,
    });
    expect(slept.length).toBeGreaterThan(0);
    expect(gw.restCalls().filter((c) => c.status === 429)).toHaveLength(0);
  });
});

describe('fetch-bars command', () => {
  it('writes the backtester CSV for a symbol and a date range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bars-'));
    const out = join(dir, 'ES_1m.csv');
    const env = { PROJECTX_USERNAME: 'demo', PROJECTX_API_KEY: 'demo-key', PROJECTX_API_URL: gw.baseUrl };
    const result = await runFetchBars(
      ['--symbol', 'ES', '--from', '2025-01-06', '--to', '2025-01-06', '--unit', '5m', '--out', out],
      env,
    );
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('ts_utc,epoch_s,open,high,low,close,volume,contract');
    expect(lines.length - 1).toBe(result.bars);
    expect(lines[1]).toMatch(/^2025-01-06T\d\d:\d\d:00Z,\d+,[\d.]+,[\d.]+,[\d.]+,[\d.]+,\d+,ES[A-Z]\d$/);
  });

  it('explains bad arguments', () => {
    expect(() => parseFetchBarsArgs(['--symbol', 'ES', '--from', '2025-01-02'])).toThrow(/--to is required/);
    expect(() => parseFetchBarsArgs(['--symbol', 'ES', '--from', 'x', '--to', '2025-01-02'])).toThrow(
      /--from "x" is not a date/,
    );
    expect(() =>
      parseFetchBarsArgs(['--symbol', 'ES', '--from', '2025-01-02', '--to', '2025-01-03', '--unit', '7q']),
    ).toThrow(/--unit/);
    const args = parseFetchBarsArgs(['--symbol', 'es', '--from', '2025-01-02', '--to', '2025-01-03']);
    expect(args).toMatchObject({
      symbol: 'ES',
      from: Date.UTC(2025, 0, 2),
      to: Date.UTC(2025, 0, 4),
      unit: 2,
      unitNumber: 1,
    });
  });

  it('names missing or invalid settings and never repeats the API key', () => {
    const error = (() => {
      try {
        loadProjectXConfig({ PROJECTX_API_KEY: 'abc def-secret', PROJECTX_API_URL: 'ftp://x' });
      } catch (e) {
        return e as ProjectXConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ProjectXConfigError);
    expect(error?.message).toMatch(/PROJECTX_USERNAME is missing/);
    expect(error?.message).toMatch(/PROJECTX_API_KEY contains whitespace/);
    expect(error?.message).toMatch(/PROJECTX_API_URL "ftp:\/\/x"/);
    expect(error?.message).not.toContain('secret');
    const config = loadProjectXConfig({ PROJECTX_USERNAME: 'me', PROJECTX_API_KEY: 'k-secret' });
    expect(config.apiUrl).toBe('https://api.topstepx.com');
    expect(JSON.stringify(config)).not.toContain('k-secret');
    expect(config.apiKey).toBe('k-secret');
  });
});
