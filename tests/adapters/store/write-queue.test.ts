import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/adapters/store/errors.ts';
import type { SqlStore } from '../../../src/adapters/store/sql-store.ts';
import { WriteQueue, type WriteTarget } from '../../../src/adapters/store/write-queue.ts';
import type { PositionRecord } from '../../../src/ports/store.ts';
import { position, signal, T0, trade } from './fixtures.ts';
import { ManualClock, settle } from './manual-clock.ts';
import { freshPgliteStore } from './pglite-template.ts';

const connectionLost = () =>
  Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });
const badRow = () =>
  Object.assign(new Error('new row violates check constraint "positions_quantity_positive"'), {
    code: '23514',
    constraint: 'positions_quantity_positive',
  });

/** A fake store that records calls and fails on demand. */
class FakeTarget implements WriteTarget {
  readonly calls: string[] = [];
  readonly batches: PositionRecord[][] = [];
  failures: (() => Error)[] = [];
  refuse: (p: PositionRecord) => boolean = () => false;

  private next(): void {
    const failure = this.failures.shift();
    if (failure) throw failure();
  }
  async upsertSignal(s: Parameters<WriteTarget['upsertSignal']>[0]): Promise<void> {
    this.next();
    this.calls.push(`signal ${s.id} ${s.status}`);
  }
  async appendEvents(e: Parameters<WriteTarget['appendEvents']>[0]): Promise<void> {
    this.next();
    this.calls.push(`events ${e.length}`);
  }
  async upsertPositions(ps: readonly PositionRecord[]): Promise<number> {
    this.next();
    if (ps.some(this.refuse)) throw badRow();
    this.batches.push([...ps]);
    this.calls.push(`positions ${ps.map((p) => `${p.id}:${p.state}`).join(',')}`);
    return ps.length;
  }
  async closePositionWithTrade(p: PositionRecord): Promise<boolean> {
    this.next();
    this.calls.push(`close ${p.id}`);
    return true;
  }
}

function setup(options: ConstructorParameters<typeof WriteQueue>[2] = {}) {
  const clock = new ManualClock(T0);
  const target = new FakeTarget();
  const queue = new WriteQueue(target, clock, options);
  return { clock, target, queue };
}

describe('write queue: batched position updates', () => {
  it('writes dirty positions once per interval, in one batch, with their latest values', async () => {
    const { clock, target, queue } = setup();
    queue.updatePosition(position('A'));
    queue.updatePosition(position('B'));
    queue.updatePosition(position('A', { state: 'active', filledQuantity: 2, updatedAt: T0 + 10 }));
    await clock.advance(4_999);
    expect(target.calls).toEqual([]);
    expect(queue.status.dirtyPositions).toBe(2);
    await clock.advance(1);
    expect(target.calls).toEqual(['positions A:active,B:pending_entry']);
    expect(queue.status).toMatchObject({ dirtyPositions: 0, pendingWrites: 0, lastFlushAt: T0 + 5_000 });
  });

  it('a change of unrealised P&L alone is not written', async () => {
    const { clock, target, queue } = setup();
    const active = position('A', { state: 'active', filledQuantity: 2 });
    queue.updatePosition(active);
    await clock.advance(5_000);
    queue.updatePosition({ ...active, unrealizedPnl: 125, updatedAt: T0 + 6_000 });
    queue.updatePosition({ ...active, unrealizedPnl: -50, updatedAt: T0 + 7_000 });
    await clock.advance(10_000);
    expect(target.batches).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    queue.updatePosition({
      ...active,
      state: 'tp1',
      stopPrice: 5012.25,
      unrealizedPnl: 300,
      updatedAt: T0 + 20_000,
    });
    await clock.advance(5_000);
    expect(target.batches.map((b) => b.map((p) => [p.state, p.unrealizedPnl]))).toEqual([
      [['active', 0]],
      [['tp1', 300]],
    ]);
  });

  it('flush() writes dirty positions at once', async () => {
    const { target, queue } = setup();
    queue.updatePosition(position('A'));
    await queue.flush();
    expect(target.calls).toEqual(['positions A:pending_entry']);
  });

  it('closing a position supersedes its pending dirty update', async () => {
    const { clock, target, queue } = setup();
    queue.updatePosition(position('A', { state: 'active', filledQuantity: 2 }));
    await queue.closePosition(position('A', { state: 'closed', closedAt: T0 + 1 }), trade('A'));
    await clock.advance(5_000);
    expect(target.calls).toEqual(['close A']);
  });

  it('a refused batch is split so only the bad position is rejected', async () => {
    const { clock, target, queue } = setup();
    target.refuse = (p) => p.id === 'BAD';
    queue.updatePosition(position('A'));
    queue.updatePosition(position('BAD'));
    queue.updatePosition(position('C'));
    await clock.advance(5_000);
    expect(target.calls).toEqual(['positions A:pending_entry', 'positions C:pending_entry']);
    expect(queue.status.rejectedWrites).toBe(1);
    expect(queue.status.lastError).toMatch(/positions_quantity_positive/);
  });

  it('refuses a new position beyond maxDirtyPositions with a clear error', () => {
    const { queue } = setup({ maxDirtyPositions: 2 });
    queue.updatePosition(position('A'));
    queue.updatePosition(position('B'));
    queue.updatePosition(position('A', { state: 'active', filledQuantity: 1 })); // same id: no growth
    expect(() => queue.updatePosition(position('C'))).toThrow(/maxDirtyPositions=2/);
  });
});

describe('write queue: immediate writes', () => {
  it('write() runs any other write on the same lane, in order', async () => {
    const { target, queue } = setup();
    const signalWrite = queue.writeSignal(signal('S1'));
    const guard = queue.write('guard state', async () => {
      target.calls.push('guard state');
      return 7;
    });
    expect(await guard).toBe(7);
    await signalWrite;
    expect(target.calls).toEqual(['signal S1 PENDING', 'guard state']);
  });

  it('writes decisions at once and in call order', async () => {
    const { target, queue } = setup();
    const a = queue.writeSignal(signal('S1'));
    const b = queue.appendEvents([
      { entityType: 'signal', entityId: 'S1', fromState: null, toState: 'PENDING', ts: T0, detail: {} },
    ]);
    const c = queue.writeSignal(signal('S1', { status: 'EXECUTING' }));
    await Promise.all([a, b, c]);
    expect(target.calls).toEqual(['signal S1 PENDING', 'events 1', 'signal S1 EXECUTING']);
  });

  it('retries a transient failure with backoff, keeps order, and reports it in the status', async () => {
    const { clock, target, queue } = setup({ retryInitialDelayMs: 100 });
    target.failures = [connectionLost, connectionLost];
    let firstDone = false;
    const first = queue.writeSignal(signal('S1')).then(() => {
      firstDone = true;
    });
    const second = queue.writeSignal(signal('S2'));
    await settle();
    expect(queue.status).toMatchObject({ failedAttempts: 1, pendingWrites: 2 });
    expect(queue.status.lastError).toMatch(/Connection terminated/);
    await clock.advance(100);
    expect(queue.status.failedAttempts).toBe(2);
    await clock.advance(199);
    expect(firstDone).toBe(false);
    await clock.advance(1);
    await Promise.all([first, second]);
    expect(target.calls).toEqual(['signal S1 PENDING', 'signal S2 PENDING']);
    expect(queue.status).toMatchObject({ failedAttempts: 0, pendingWrites: 0 });
  });

  it('a write the database refuses rejects its caller, is counted, and does not block the rest', async () => {
    const { target, queue } = setup();
    target.failures = [badRow];
    const refused = queue.writeSignal(signal('S1'));
    const next = queue.writeSignal(signal('S2'));
    await expect(refused).rejects.toBeInstanceOf(StoreError);
    await expect(refused).rejects.toThrow(/signal S1 failed: .*positions_quantity_positive/);
    await next;
    expect(target.calls).toEqual(['signal S2 PENDING']);
    expect(queue.status.rejectedWrites).toBe(1);
  });

  it('refuses new writes beyond maxPendingWrites while the database is down', async () => {
    const { target, queue } = setup({ maxPendingWrites: 3 });
    target.failures = Array.from({ length: 100 }, () => connectionLost);
    for (let i = 0; i < 3; i++) void queue.writeSignal(signal(`S${i}`));
    await expect(queue.writeSignal(signal('S4'))).rejects.toThrow(
      /3 writes are already waiting .*maxPendingWrites=3/,
    );
    const status = await firstValueFrom(queue.status$);
    expect(status.pendingWrites).toBe(3);
  });

  it('close() flushes; with the database down it gives up after the timeout and says how much is left', async () => {
    const { clock, target, queue } = setup({ retryInitialDelayMs: 1_000 });
    target.failures = Array.from({ length: 100 }, () => connectionLost);
    void queue.writeSignal(signal('S1')).catch(() => {});
    queue.updatePosition(position('A'));
    await settle();
    const closing = queue.close(3_000);
    const outcome = closing.then(
      () => 'closed',
      (e: Error) => e.message,
    );
    await clock.advance(3_000);
    expect(await outcome).toMatch(
      /close failed: 2 writes were still pending after 3000 ms .*Connection terminated/,
    );
    await expect(queue.flush()).rejects.toThrow(/the write queue is closed with 2 writes not written/);
    await expect(queue.write('guard state', async () => 1)).rejects.toThrow(/the write queue is closed/);
  });
});

describe('write queue over PGlite', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await freshPgliteStore();
  });
  afterAll(() => store.close());

  it('signals, batched positions and a close reach the database', async () => {
    const clock = new ManualClock(T0);
    const queue = new WriteQueue(store, clock);
    await queue.writeSignal(signal('WQ-S'));
    queue.updatePosition(position('WQ-P', { signalId: 'WQ-S' }));
    queue.updatePosition(
      position('WQ-P', { signalId: 'WQ-S', state: 'active', filledQuantity: 2, updatedAt: T0 + 1 }),
    );
    await clock.advance(5_000);
    await queue.flush();
    expect((await store.getPosition('WQ-P'))?.state).toBe('active');
    const closed = position('WQ-P', {
      signalId: 'WQ-S',
      state: 'closed',
      filledQuantity: 2,
      closedAt: T0 + 9e5,
      updatedAt: T0 + 9e5,
    });
    expect(await queue.closePosition(closed, trade('WQ-P'))).toBe(true);
    await queue.close();
    expect(await store.openPositions()).toEqual([]);
  });
});
