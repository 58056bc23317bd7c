/**
 * Whatever a client puts in the query string, the list routes answer 200 with a page or 400 with
 * the one error shape naming a parameter — never a 500, never SQL built from the input.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/ports/store.ts';
import { freshPgliteStore } from '../store/pglite-template.ts';
import { createHarness, type Harness } from './harness.ts';
import { seedHistory } from './seed.ts';

const ROUTES = ['/api/positions', '/api/trades-log', '/api/signals', '/api/alerts', '/api/backtests'];
const NAMES = [
  'symbol',
  'state',
  'side',
  'status',
  'from',
  'to',
  'page',
  'limit',
  'sort',
  'order',
  'open',
  'x',
];
const VALUES = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'ES',
    'gc',
    'long',
    'short',
    'asc',
    'desc',
    'netPnl',
    'openedAt',
    'closed',
    'FILTERED',
    '1',
    '0',
    '-1',
    '501',
    '2026-03-10',
    "'; drop table trades_log; --",
    '%00',
    'true',
  ),
  fc.integer({ min: -5, max: 2_000_000 }).map(String),
);

describe('dashboard query parameters (property)', () => {
  let store: Store;
  let h: Harness;
  beforeAll(async () => {
    store = await freshPgliteStore();
    await seedHistory(store);
    h = createHarness(store);
    await h.app.ready();
  });
  afterAll(async () => {
    await h?.app.close();
    await store?.close();
  });

  it('answers a page or a 400 naming the parameter, for any query', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.dictionary(fc.constantFrom(...NAMES), VALUES, { maxKeys: 4 }),
        async (route, params) => {
          const res = await h.app.inject({ method: 'GET', url: route, query: params });
          const body = res.json() as {
            error?: { code: string; parameter?: string };
            pagination?: { page: number; limit: number; total: number; pages: number };
          };
          if (res.statusCode === 200) {
            expect(body.pagination!.pages).toBeGreaterThanOrEqual(1);
            expect(body.pagination!.limit).toBeLessThanOrEqual(500);
          } else {
            expect(res.statusCode).toBe(400);
            expect(body.error!.code).toBe('invalid_parameter');
            expect(Object.keys(params)).toContain(body.error!.parameter);
          }
        },
      ),
      { numRuns: 1000 },
    );
    expect((await store.recentTrades(100)).length).toBeGreaterThan(0); // the trade log is intact
  });
});
