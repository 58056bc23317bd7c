import { describe, expect, it } from 'vitest';
import { createPgliteStore } from '../../../src/adapters/store/pglite.ts';
import type { AlertRecord } from '../../../src/ports/store.ts';

const alert = (key: string): AlertRecord => ({
  idempotencyKey: key,
  receivedAt: Date.UTC(2024, 0, 2, 15),
  sourceAddress: '127.0.0.1',
  contentType: 'application/json',
  rawBody: '{}',
  parsed: { key, symbol: 'ES', ticker: 'ES1!', action: 'buy', dialect: 'canonical' },
  status: 'received',
  reason: null,
});

describe('insertAlerts (group commit)', () => {
  it('inserts in order, one row per key, and reports repeats as not inserted', async () => {
    const store = await createPgliteStore({ dataDir: 'memory' });
    try {
      const first = await store.insertAlert(alert('k_a'));
      const results = await store.insertAlerts([alert('k_b'), alert('k_a'), alert('k_c'), alert('k_b')]);
      expect(results.map((r) => r.inserted)).toEqual([true, false, true, false]);
      expect(results[1]?.id).toBe(first.id);
      expect(results[3]?.id).toBe(results[0]?.id);
      expect(await store.insertAlerts([])).toEqual([]);
      expect((await store.unprocessedAlerts(10)).map((a) => a.idempotencyKey)).toEqual(['k_a', 'k_b', 'k_c']);
    } finally {
      await store.close();
    }
  });
});
