import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertSourceStore, alertStream } from '../../../src/adapters/store/alert-stream.ts';
import type { StoreError } from '../../../src/adapters/store/errors.ts';
import type { SqlStore } from '../../../src/adapters/store/sql-store.ts';
import type { Store, StoredAlert } from '../../../src/ports/store.ts';
import { alert, signal, T0 } from './fixtures.ts';
import { ManualClock, settle } from './manual-clock.ts';
import { TestDatabases, withPostgres } from './pg-server.ts';
import { freshPgliteStore } from './pglite-template.ts';

/** In-memory alert source whose listener can be switched off, to simulate a lost connection. */
class FakeSource implements AlertSourceStore {
  alerts: StoredAlert[] = [];
  listening = true;
  failReads = 0;
  reads = 0;
  private listener: ((id: number) => void) | null = null;

  add(id: number): void {
    this.alerts.push({ ...alert(`k${id}`), id });
    if (this.listening) this.listener?.(id);
  }
  async unprocessedAlerts(limit: number, afterId = 0): Promise<StoredAlert[]> {
    this.reads += 1;
    if (this.failReads > 0) {
      this.failReads -= 1;
      throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    }
    return this.alerts.filter((a) => a.id > afterId && a.status === 'received').slice(0, limit);
  }
  async subscribeAlerts(onNewAlert: (id: number) => void): Promise<() => Promise<void>> {
    this.listener = onNewAlert;
    return async () => {
      this.listener = null;
    };
  }
}

describe('alert stream', () => {
  it('delivers what is waiting at start, then new alerts as they are notified, in id order', async () => {
    const clock = new ManualClock(T0);
    const source = new FakeSource();
    source.add(2);
    source.add(1);
    source.alerts.sort((a, b) => a.id - b.id);
    const seen: number[] = [];
    const sub = alertStream(source, { clock }).subscribe((a) => seen.push(a.id));
    await settle();
    expect(seen).toEqual([1, 2]);
    source.add(3);
    await settle();
    expect(seen).toEqual([1, 2, 3]);
    sub.unsubscribe();
  });

  it('an alert missed by the listener arrives with the next sweep, and only once', async () => {
    const clock = new ManualClock(T0);
    const source = new FakeSource();
    const seen: number[] = [];
    const sub = alertStream(source, { clock, sweepIntervalMs: 60_000 }).subscribe((a) => seen.push(a.id));
    await settle();
    source.listening = false;
    source.add(7);
    await clock.advance(59_999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual([7]);
    source.listening = true;
    source.add(8); // notified and swept: still once
    await clock.advance(180_000);
    expect(seen).toEqual([7, 8]);
    sub.unsubscribe();
    expect(clock.pendingTimers).toBe(0);
  });

  it('pages through a backlog larger than one read', async () => {
    const clock = new ManualClock(T0);
    const source = new FakeSource();
    for (let id = 1; id <= 25; id++) source.add(id);
    const seen: number[] = [];
    const sub = alertStream(source, { clock, pageSize: 10 }).subscribe((a) => seen.push(a.id));
    await settle();
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    sub.unsubscribe();
  });

  it('a failed read is reported and the next sweep recovers', async () => {
    const clock = new ManualClock(T0);
    const source = new FakeSource();
    source.add(1);
    source.failReads = 1;
    const errors: StoreError[] = [];
    const seen: number[] = [];
    const sub = alertStream(source, {
      clock,
      sweepIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    }).subscribe((a) => seen.push(a.id));
    await settle();
    expect(seen).toEqual([]);
    expect(errors.map((e) => [e.code, e.retryable])).toEqual([['ECONNREFUSED', true]]);
    await clock.advance(60_000);
    expect(seen).toEqual([1]);
    sub.unsubscribe();
  });

  it('refuses a non-positive sweep interval', () => {
    expect(() => alertStream(new FakeSource(), { clock: new ManualClock(), sweepIntervalMs: 0 })).toThrow(
      /sweepIntervalMs/,
    );
  });
});

function liveStreamChecks(open: () => Promise<SqlStore>): void {
  let store: SqlStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  it('delivers alerts inserted after subscribing through LISTEN/NOTIFY, skipping handled ones', async () => {
    const clock = new ManualClock(T0);
    const handled = await store.insertAlert(alert('handled'));
    await store.upsertSignal(
      signal('sig-handled', { alertId: handled.id, status: 'FILTERED', reason: 'cooldown' }),
    );
    const waiting = await store.insertAlert(alert('waiting'));
    const seen: number[] = [];
    const sub = alertStream(store as Store, { clock }).subscribe((a) => seen.push(a.id));
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([waiting.id]);
    const fresh = await store.insertAlert(alert('fresh'));
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([waiting.id, fresh.id]);
    sub.unsubscribe();
  });
}

describe('alert stream on PGlite', () => {
  liveStreamChecks(freshPgliteStore);
});

withPostgres('alert stream on a PostgreSQL server', (serverUrl) => {
  const databases = new TestDatabases(serverUrl);
  afterAll(() => databases.dropAll(), 120_000);
  liveStreamChecks(() => databases.freshStore());
});
