/** Group commit: concurrent inserts share one write, each caller gets its own answer. */
import { describe, expect, it } from 'vitest';
import { createBatchingInbox, type InsertMany } from '../../../src/adapters/webhook/batching-inbox.ts';
import type { AlertRecord } from '../../../src/ports/store.ts';
import { FakeInbox } from '../../intake/helpers.ts';

function record(key: string): AlertRecord {
  return {
    idempotencyKey: key,
    receivedAt: 0,
    sourceAddress: null,
    contentType: '',
    rawBody: '',
    parsed: null,
    status: 'received',
    reason: null,
  };
}

function recordingStore() {
  const fake = new FakeInbox();
  const batches: string[][] = [];
  const insertMany: InsertMany = async (alerts) => {
    batches.push(alerts.map((a) => a.idempotencyKey));
    const out = [];
    for (const a of alerts) out.push(await fake.insertAlert(a));
    return out;
  };
  return { fake, batches, insertMany };
}

describe('batching inbox', () => {
  it('writes what arrives during a write as one batch, answering each caller', async () => {
    const { batches, insertMany } = recordingStore();
    const inbox = createBatchingInbox(insertMany);
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((k) => inbox.insertAlert(record(k))));
    expect(results.map((r) => r.inserted)).toEqual([true, true, true, true]);
    expect(new Set(results.map((r) => r.id)).size).toBe(4);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('answers repeats inside one batch as duplicates of the first, without sending them', async () => {
    const { batches, insertMany, fake } = recordingStore();
    const inbox = createBatchingInbox(insertMany);
    const keys = ['x', 'y', 'y', 'x', 'y', 'z'];
    const results = await Promise.all(keys.map((k) => inbox.insertAlert(record(k))));
    expect(results.filter((r) => r.inserted)).toHaveLength(3);
    expect(results[2]).toEqual({ inserted: false, id: results[1]!.id });
    expect(fake.rows).toHaveLength(3);
    for (const b of batches) expect(new Set(b).size).toBe(b.length);
    expect(batches).toEqual([['x'], ['y', 'x', 'z']]);
  });

  it('caps the batch size', async () => {
    const { batches, insertMany } = recordingStore();
    const inbox = createBatchingInbox(insertMany, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => inbox.insertAlert(record(k))));
    expect(batches.every((b) => b.length <= 2)).toBe(true);
    expect(batches.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a failed write rejects that batch only; the next batch still goes through', async () => {
    let calls = 0;
    const inbox = createBatchingInbox(async (alerts) => {
      calls++;
      if (calls === 1) throw new Error('database is down');
      return alerts.map((_, i) => ({ inserted: true, id: i + 1 }));
    });
    await expect(inbox.insertAlert(record('a'))).rejects.toThrow('database is down');
    await expect(inbox.insertAlert(record('b'))).resolves.toEqual({ inserted: true, id: 1 });
  });
});

describe('receiver with a store that offers insertAlerts', () => {
  it('group-commits concurrent deliveries through it', async () => {
    const { createHttpServer, registerWebhookRoutes } = await import(
      '../../../src/adapters/webhook/server.ts'
    );
    const { batches, insertMany, fake } = recordingStore();
    const app = createHttpServer({ logger: false });
    registerWebhookRoutes(app, {
      inbox: {
        insertAlert: async () => {
          throw new Error('single inserts are not used when insertAlerts exists');
        },
        insertAlerts: insertMany,
      },
      rateLimit: false,
      now: () => Date.parse('2025-06-10T14:30:02Z'),
    });
    await app.ready();
    const bodies = [0, 1, 2, 3, 4, 5].map((i) =>
      JSON.stringify({ symbol: 'ES1!', action: 'buy', time: `2025-06-10T14:30:0${i % 3}Z` }),
    );
    const replies = await Promise.all(
      bodies.map((payload) => app.inject({ method: 'POST', url: '/webhook/tradingview', payload })),
    );
    expect(replies.map((r) => r.json().status).sort()).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(fake.rows).toHaveLength(3);
    for (const b of batches) expect(new Set(b).size).toBe(b.length);
    await app.close();
  });
});
