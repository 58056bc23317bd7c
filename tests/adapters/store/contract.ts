/**
 * The Store port contract: every adapter must pass it. Per-adapter files call `storeContract`
 * with a way to open a migrated, empty store. Most tests share one store and use unique ids;
 * tests that look at whole tables (sweep, claiming) open a fresh one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/adapters/store/errors.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';
import type { Store } from '../../../src/ports/store.ts';
import { alert, order, position, signal, T0, trade, uid } from './fixtures.ts';

export interface ContractTarget {
  /** A migrated, empty store. */
  open(): Promise<Store>;
  /** Whether a second store on the same database sees another session (false for PGlite). */
  readonly multiSession: boolean;
  /** Opens a second store on the same database as `store` (multi-session targets only). */
  openSibling?(store: Store): Promise<Store>;
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected the store call to fail, but it succeeded');
}

export function storeContract(name: string, target: ContractTarget): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const s = await target.open();
      opened.push(s);
      return s;
    };

    beforeAll(async () => {
      store = await target.open();
    });
    // Fresh stores live for one test: an in-memory PGlite holds tens of megabytes.
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    afterAll(async () => {
      await store.close();
    });

    describe('alerts', () => {
      it('stores an alert and returns every field as written', async () => {
        const a = alert(uid('k'));
        const { inserted, id } = await store.insertAlert(a);
        expect(inserted).toBe(true);
        expect(await store.getAlert(id)).toEqual({ ...a, id });
      });

      it('a duplicate idempotency key is not inserted and returns the first alert id', async () => {
        const key = uid('dup');
        const first = await store.insertAlert(alert(key));
        const second = await store.insertAlert(alert(key, { rawBody: 'other body' }));
        expect(second).toEqual({ inserted: false, id: first.id });
        expect((await store.getAlert(first.id))?.rawBody).toBe(alert(key).rawBody);
      });

      it('an empty idempotency key is refused with an error naming the field', async () => {
        const error = await rejection(store.insertAlert(alert('')));
        expect(error.message).toMatch(/idempotencyKey/);
        expect(error.retryable).toBe(false);
      });

      it('an unknown alert status is refused with a clear error and nothing is stored', async () => {
        const key = uid('bad');
        const error = await rejection(store.insertAlert(alert(key, { status: 'bogus' as never })));
        expect(error.message).toMatch(/insertAlert failed: .*alert_status.*fix:/);
        const fresh = await store.insertAlert(alert(key));
        expect(fresh.inserted).toBe(true);
      });

      it('setAlertStatus records the decision and refuses an unknown id', async () => {
        const { id } = await store.insertAlert(alert(uid('k')));
        await store.setAlertStatus(id, 'ignored', 'symbol not on watchlist');
        const stored = await store.getAlert(id);
        expect(stored?.status).toBe('ignored');
        expect(stored?.reason).toBe('symbol not on watchlist');
        const error = await rejection(store.setAlertStatus(987654321, 'processed', null));
        expect(error.message).toMatch(/987654321 is not a stored alert/);
      });

      it('the sweep lists received alerts with no decision at the broker yet, oldest first', async () => {
        const s = await fresh();
        const a1 = await s.insertAlert(alert('a1'));
        const a2 = await s.insertAlert(alert('a2'));
        const a3 = await s.insertAlert(alert('a3'));
        const a4 = await s.insertAlert(alert('a4', { status: 'rejected', reason: 'bad secret' }));
        const a5 = await s.insertAlert(alert('a5'));
        const a6 = await s.insertAlert(alert('a6'));
        // a2: decided (FILTERED); a5: EXECUTING and its position recorded (an order may be out);
        // a6: EXECUTING with no position (interrupted before its entry was sent): delivered again.
        await s.upsertSignal(signal('sig-a2', { alertId: a2.id, status: 'FILTERED', reason: 'cooldown' }));
        await s.upsertSignal(signal('sig-a5', { alertId: a5.id, status: 'EXECUTING' }));
        await s.upsertPositions([position('pos-a5', { signalId: 'sig-a5', alertId: a5.id })]);
        await s.upsertSignal(signal('sig-a6', { alertId: a6.id, status: 'EXECUTING' }));
        const pending = await s.unprocessedAlerts(10);
        expect(pending.map((a) => a.id)).toEqual([a1.id, a3.id, a6.id]);
        expect(pending.map((a) => a.id)).not.toContain(a4.id);
        expect((await s.unprocessedAlerts(1)).map((a) => a.id)).toEqual([a1.id]);
      });

      it('with several accounts an alert stays in the sweep until every account has a decision', async () => {
        const s = await fresh();
        const a1 = await s.insertAlert(alert('m1'));
        const a2 = await s.insertAlert(alert('m2'));
        // m1: account A decided, a crash before B did; m2: both decided.
        await s.upsertSignal(
          signal('sig-m1-A', { alertId: a1.id, accountId: 'A', status: 'FILTERED', reason: 'x' }),
        );
        await s.upsertSignal(
          signal('sig-m2-A', { alertId: a2.id, accountId: 'A', status: 'FILTERED', reason: 'x' }),
        );
        await s.upsertSignal(
          signal('sig-m2-B', { alertId: a2.id, accountId: 'B', status: 'FILTERED', reason: 'y' }),
        );
        expect((await s.unprocessedAlerts(10, 0, 2)).map((a) => a.id)).toEqual([a1.id]);
        // One account: one decision is enough, as before.
        expect(await s.unprocessedAlerts(10)).toEqual([]);
        expect(await s.unprocessedAlerts(10, 0, 1)).toEqual([]);
      });

      it('subscribers hear about every new alert id', async () => {
        const heard: number[] = [];
        const stop = await store.subscribeAlerts((id) => heard.push(id));
        const { id } = await store.insertAlert(alert(uid('live')));
        await expect.poll(() => heard, { timeout: 10_000 }).toContain(id);
        await stop();
      });
    });

    describe('signals', () => {
      it('round-trips a signal and updates it in place', async () => {
        const { id: alertId } = await store.insertAlert(alert(uid('k')));
        const s = signal(uid('sig'), { alertId, scheduledAt: T0 + 1000 });
        await store.upsertSignal(s);
        expect(await store.getSignal(s.id)).toEqual(s);
        const decided = {
          ...s,
          status: 'FILTERED' as const,
          reason: 'outside trading window',
          updatedAt: T0 + 5,
        };
        await store.upsertSignal(decided);
        expect(await store.getSignal(s.id)).toEqual(decided);
      });

      it('a decided signal cannot change to another status', async () => {
        const s = signal(uid('sig'), { status: 'EXECUTED', executedTradeId: 'P1' });
        await store.upsertSignal(s);
        const error = await rejection(store.upsertSignal({ ...s, status: 'PENDING' }));
        expect(error.message).toMatch(/already EXECUTED and cannot change to PENDING/);
        expect((await store.getSignal(s.id))?.status).toBe('EXECUTED');
      });

      it('a signal that references a missing alert is refused and not stored', async () => {
        const s = signal(uid('sig'), { alertId: 99_999_999 });
        const error = await rejection(store.upsertSignal(s));
        expect(error.code).toBe('23503');
        expect(error.message).toMatch(/alert before signal/);
        expect(await store.getSignal(s.id)).toBeNull();
      });

      it('an invalid execution status is refused with a clear error', async () => {
        const s = signal(uid('sig'), { status: 'DONE' as never });
        const error = await rejection(store.upsertSignal(s));
        expect(error.message).toMatch(/execution_status/);
        expect(await store.getSignal(s.id)).toBeNull();
      });

      it('claims each due PENDING signal once, marking it EXECUTING with one more attempt', async () => {
        const s = await fresh();
        await s.upsertSignal(signal('due-1', { createdAt: T0 }));
        await s.upsertSignal(signal('due-2', { createdAt: T0 + 1, scheduledAt: T0 + 10 }));
        await s.upsertSignal(signal('later', { scheduledAt: T0 + 60_000 }));
        await s.upsertSignal(signal('done', { status: 'IGNORED', reason: 'duplicate' }));
        const claimed = await s.claimPendingSignals('engine-a', T0 + 100, 10);
        expect(claimed.map((c) => c.id)).toEqual(['due-1', 'due-2']);
        expect(claimed.every((c) => c.status === 'EXECUTING' && c.attempts === 1)).toBe(true);
        expect(await s.claimPendingSignals('engine-b', T0 + 100, 10)).toEqual([]);
        expect((await s.claimPendingSignals('engine-b', T0 + 60_000, 10)).map((c) => c.id)).toEqual([
          'later',
        ]);
        const events = await s.eventsFor('signal', 'due-1');
        expect(events.map((e) => [e.fromState, e.toState, e.detail.owner])).toEqual([
          ['PENDING', 'EXECUTING', 'engine-a'],
        ]);
      });

      it('claims no more than the limit', async () => {
        const s = await fresh();
        for (let i = 0; i < 5; i++) await s.upsertSignal(signal(`s${i}`, { createdAt: T0 + i }));
        expect((await s.claimPendingSignals('a', T0, 2)).map((c) => c.id)).toEqual(['s0', 's1']);
        await rejection(s.claimPendingSignals('a', T0, 0));
      });
    });

    describe('execution events', () => {
      it('appends events in order', async () => {
        const id = uid('pos');
        await store.appendEvents([
          {
            entityType: 'position',
            entityId: id,
            fromState: null,
            toState: 'pending_entry',
            ts: T0,
            detail: {},
          },
          {
            entityType: 'position',
            entityId: id,
            fromState: 'pending_entry',
            toState: 'active',
            ts: T0 + 1,
            detail: { fill: 5012.25 },
          },
        ]);
        const events = await store.eventsFor('position', id);
        expect(events.map((e) => [e.fromState, e.toState, e.ts, e.detail])).toEqual([
          [null, 'pending_entry', T0, {}],
          ['pending_entry', 'active', T0 + 1, { fill: 5012.25 }],
        ]);
      });

      it('a batch with one bad event writes none of it', async () => {
        const id = uid('pos');
        const error = await rejection(
          store.appendEvents([
            { entityType: 'position', entityId: id, fromState: null, toState: 'active', ts: T0, detail: {} },
            { entityType: 'order' as never, entityId: id, fromState: null, toState: 'x', ts: T0, detail: {} },
          ]),
        );
        expect(error.message).toMatch(/execution_events_entity_type_known/);
        expect(await store.eventsFor('position', id)).toEqual([]);
      });
    });

    describe('positions and trades', () => {
      it('round-trips a position with its actor snapshot', async () => {
        const p = position(uid('P'), { llmReasoning: 'clean rejection at VAL', llmConfidence: 0.8 });
        expect(await store.upsertPositions([p])).toBe(1);
        expect(await store.getPosition(p.id)).toEqual(p);
      });

      it('a stale update never overwrites a newer one', async () => {
        const p = position(uid('P'));
        const active = {
          ...p,
          state: 'active' as const,
          filledQuantity: 2,
          fillPrice: 5012.25,
          updatedAt: T0 + 10,
        };
        await store.upsertPositions([active]);
        expect(await store.upsertPositions([{ ...p, updatedAt: T0 + 5 }])).toBe(0);
        expect((await store.getPosition(p.id))?.state).toBe('active');
      });

      it('open positions exclude closed and cancelled ones and filter by account', async () => {
        const s = await fresh();
        const a = position('A', { openedAt: T0 + 2 });
        const b = position('B', { state: 'active', filledQuantity: 2, accountId: 'ACC-2', openedAt: T0 + 1 });
        const c = position('C', { state: 'cancelled', closedAt: T0 + 3 });
        await s.upsertPositions([a, b, c]);
        expect((await s.openPositions()).map((p) => p.id)).toEqual(['B', 'A']);
        expect((await s.openPositions('ACC-1')).map((p) => p.id)).toEqual(['A']);
      });

      it('a cancelled position is final', async () => {
        const p = position(uid('P'), { state: 'cancelled', closedAt: T0 + 1, updatedAt: T0 + 1 });
        await store.upsertPositions([p]);
        expect(
          await store.upsertPositions([{ ...p, state: 'active', closedAt: null, updatedAt: T0 + 2 }]),
        ).toBe(0);
        expect((await store.getPosition(p.id))?.state).toBe('cancelled');
      });

      it('closes a position and writes its trade row together, once', async () => {
        const p = position(uid('P'), { state: 'active', filledQuantity: 2 });
        await store.upsertPositions([p]);
        const closed = {
          ...p,
          state: 'closed' as const,
          closedAt: T0 + 600_000,
          updatedAt: T0 + 600_000,
          realizedPnl: 644.28,
        };
        expect(await store.closePositionWithTrade(closed, trade(p.id))).toBe(true);
        expect(await store.closePositionWithTrade(closed, trade(p.id))).toBe(false);
        expect(await store.getPosition(p.id)).toEqual(closed);
        const trades = (await store.recentTrades(50)).filter((t) => t.positionId === p.id);
        expect(trades).toHaveLength(1);
        const { id: _id, createdAt: _createdAt, ...row } = trades[0]!;
        expect(row).toEqual(trade(p.id));
      });

      it('a bad trade row leaves the position open (one transaction)', async () => {
        const p = position(uid('P'), { state: 'active', filledQuantity: 2 });
        await store.upsertPositions([p]);
        const closed = { ...p, state: 'closed' as const, closedAt: T0 + 9, updatedAt: T0 + 9 };
        const error = await rejection(
          store.closePositionWithTrade(closed, trade(p.id, { exitReason: 'bored' as never })),
        );
        expect(error.message).toMatch(/trades_log_exit_reason_known/);
        expect((await store.getPosition(p.id))?.state).toBe('active');
      });

      it('closing requires state closed', async () => {
        const p = position(uid('P'), { state: 'active', filledQuantity: 1 });
        const error = await rejection(store.closePositionWithTrade(p, trade(p.id)));
        expect(error.message).toMatch(/must have state closed/);
        expect(await store.getPosition(p.id)).toBeNull();
      });

      it('constraint violations name the rule and write nothing of the batch', async () => {
        const good = position(uid('P'));
        const bad = position(uid('P'), { filledQuantity: 5 });
        const error = await rejection(store.upsertPositions([good, bad]));
        expect(error.message).toMatch(/positions_filled_quantity_range/);
        expect(await store.getPosition(good.id)).toBeNull();
      });

      it('a non-finite price is refused before reaching the database', async () => {
        const error = await rejection(store.upsertPositions([position(uid('P'), { stopPrice: Number.NaN })]));
        expect(error.message).toMatch(/stopPrice must be a finite number/);
      });
    });

    describe('orders', () => {
      it('records an order once by tag and resolves a repeat from the stored row', async () => {
        const tag = `${uid('P')}-e0`;
        const o = order(tag, 'P-x');
        expect(await store.recordOrder(o)).toEqual({
          inserted: true,
          brokerOrderId: null,
          status: 'submitted',
        });
        await store.updateOrder(tag, { brokerOrderId: '9056', status: 'accepted', updatedAt: T0 + 50 });
        expect(await store.recordOrder(o)).toEqual({
          inserted: false,
          brokerOrderId: '9056',
          status: 'accepted',
        });
        expect(await store.findOrder(tag)).toEqual({
          ...o,
          brokerOrderId: '9056',
          status: 'accepted',
          updatedAt: T0 + 50,
        });
      });

      it('refuses a tag that ProjectX would refuse and updates of unknown tags', async () => {
        const error = await rejection(store.recordOrder(order('has space', 'P')));
        expect(error.message).toMatch(/orders_tag_format/);
        const unknown = await rejection(
          store.updateOrder('nope-e0', { brokerOrderId: '1', status: 'accepted', updatedAt: T0 }),
        );
        expect(unknown.message).toMatch(/order nope-e0 is not recorded/);
      });
    });

    describe('settings, guard state, backtests', () => {
      it('starts with the default settings and saves changes', async () => {
        const s = await fresh();
        expect(await s.getSettings()).toEqual(DEFAULT_SETTINGS);
        const changed = {
          ...DEFAULT_SETTINGS,
          watchlist: ['ES', 'NQ'],
          dcaLevels: [{ fraction: 0.5, sizeShare: 0.5 }],
          maxContracts: 3,
        };
        await s.saveSettings(changed);
        expect(await s.getSettings()).toEqual(changed);
      });

      it('invalid settings are refused with the rule name and the old settings stay', async () => {
        const s = await fresh();
        const error = await rejection(s.saveSettings({ ...DEFAULT_SETTINGS, flatByTime: '25:99' }));
        expect(error.message).toMatch(/bot_settings_window_format/);
        expect(await s.getSettings()).toEqual(DEFAULT_SETTINGS);
      });

      it('persists guard state per account', async () => {
        const g = {
          accountId: uid('ACC'),
          tradingDay: '2026-03-10',
          dayStartBalance: 50_000,
          dailyRealizedPnl: -412.5,
          highWaterMark: 51_230.25,
          dailyLossLatched: false,
          drawdownLatched: false,
          latchedReason: null,
          updatedAt: T0,
        };
        expect(await store.getGuardState(g.accountId)).toBeNull();
        await store.saveGuardState(g);
        const latched = {
          ...g,
          dailyRealizedPnl: -1000,
          dailyLossLatched: true,
          latchedReason: 'daily loss limit',
          updatedAt: T0 + 1,
        };
        await store.saveGuardState(latched);
        expect(await store.getGuardState(g.accountId)).toEqual(latched);
      });

      it('stores backtest reports and lists them newest first without the report', async () => {
        const s = await fresh();
        await s.saveBacktest({
          id: 'bt-1',
          name: 'ES March',
          createdAt: T0,
          params: { symbol: 'ES' },
          report: { trades: 12 },
        });
        await s.saveBacktest({
          id: 'bt-2',
          name: 'NQ March',
          createdAt: T0 + 1,
          params: { symbol: 'NQ' },
          report: { trades: 3 },
        });
        expect(await s.listBacktests(10)).toEqual([
          { id: 'bt-2', name: 'NQ March', createdAt: T0 + 1, params: { symbol: 'NQ' } },
          { id: 'bt-1', name: 'ES March', createdAt: T0, params: { symbol: 'ES' } },
        ]);
        expect((await s.getBacktest('bt-1'))?.report).toEqual({ trades: 12 });
      });
    });

    describe('account ownership', () => {
      it('acquiring an account lock twice in one store is idempotent', async () => {
        const account = uid('ACC');
        expect(await store.acquireAccountLock(account)).toBe(true);
        expect(await store.acquireAccountLock(account)).toBe(true);
        await store.releaseAccountLock(account);
      });

      // PGlite is one process and one session: ownership between processes needs PostgreSQL, so the
      // case exists only for stores that have more than one session.
      const itWithSessions = target.multiSession ? it : (_name: string, _body: () => Promise<void>) => {};
      itWithSessions('only one store at a time owns an account', async () => {
        const other = await target.openSibling!(store);
        opened.push(other);
        const account = uid('ACC');
        expect(await store.acquireAccountLock(account)).toBe(true);
        expect(await other.acquireAccountLock(account)).toBe(false);
        await store.releaseAccountLock(account);
        expect(await other.acquireAccountLock(account)).toBe(true);
        await other.releaseAccountLock(account);
      });
    });
  });
}
