/**
 * The alert detail keeps the plan's stop (the plan at entry) apart from the current ladder stop,
 * which moves to breakeven after TP1, to TP1 after TP2 and to TP2 after TP3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivePosition } from '../../../src/adapters/dashboard/index.ts';
import type { Store } from '../../../src/ports/store.ts';
import { alert, position, signal, T0, trade } from '../store/fixtures.ts';
import { freshPgliteStore } from '../store/pglite-template.ts';
import { createHarness, type Harness } from './harness.ts';

const PLAN_STOP = 5005.5;
const ENTRY = 5012.25;
const TP1 = 5018.75;

interface Levels {
  planStop: number | null;
  currentStop: number | null;
  currentStopRung: number | null;
}

describe('alert detail stops', () => {
  let store: Store;
  let h: Harness;
  const alertIds: Record<string, number> = {};

  /** An alert → signal → position, with the position's row as given. */
  async function seed(name: string, over: Parameters<typeof position>[1], events = false) {
    const { id } = await store.insertAlert(alert(`stops-${name}`, { status: 'processed' }));
    alertIds[name] = id;
    await store.upsertSignal(
      signal(`s-${name}`, { alertId: id, status: 'EXECUTED', executedTradeId: `p-${name}` }),
    );
    await store.upsertPositions([position(`p-${name}`, { signalId: `s-${name}`, alertId: id, ...over })]);
    if (events)
      await store.appendEvents([
        {
          entityType: 'position',
          entityId: `p-${name}`,
          fromState: 'pending_entry',
          toState: 'active',
          ts: T0 + 60_000,
          detail: { symbol: 'ES', side: 'long', stop: PLAN_STOP, rung: 0, filled: 2, exited: 0 },
        },
        {
          entityType: 'position',
          entityId: `p-${name}`,
          fromState: 'active',
          toState: 'tp1',
          ts: T0 + 120_000,
          detail: { symbol: 'ES', side: 'long', stop: ENTRY, rung: 1, filled: 2, exited: 0 },
        },
      ]);
  }

  beforeAll(async () => {
    store = await freshPgliteStore();
    await seed('active', { state: 'active', filledQuantity: 2, stopPrice: PLAN_STOP });
    await seed('tp1-recorded', { state: 'tp1', filledQuantity: 2, stopPrice: ENTRY }, true);
    await seed('tp2-unrecorded', { state: 'tp2', filledQuantity: 2, stopPrice: TP1 });
    await seed('live', { state: 'active', filledQuantity: 2, stopPrice: PLAN_STOP });
    const { id } = await store.insertAlert(alert('stops-closed', { status: 'processed' }));
    alertIds.closed = id;
    await store.upsertSignal(
      signal('s-closed', { alertId: id, status: 'EXECUTED', executedTradeId: 'p-closed' }),
    );
    await store.closePositionWithTrade(
      position('p-closed', {
        signalId: 's-closed',
        alertId: id,
        state: 'closed',
        filledQuantity: 2,
        stopPrice: TP1,
        closedAt: T0 + 600_000,
        updatedAt: T0 + 600_000,
      }),
      trade('p-closed', {
        exitReason: 'stop_tp1',
        highestTarget: 2,
        initialStop: PLAN_STOP,
        exitTime: T0 + 600_000,
      }),
    );
    h = createHarness(store);
    const live: LivePosition = {
      positionId: 'p-live',
      signalId: 's-live',
      accountId: 'ACC-1',
      symbol: 'ES',
      side: 'long',
      state: 'tp1',
      quantity: 2,
      filledQuantity: 2,
      entryPrice: ENTRY,
      fillPrice: ENTRY,
      initialStop: PLAN_STOP,
      stop: ENTRY,
      tp1: TP1,
      tp2: 5024.5,
      tp3: 5031,
      rung: 1,
      lastPrice: 5020,
      unrealizedPnl: 387.5,
      realizedPnl: 0,
      openedAt: T0,
    };
    h.livePositions = [live];
    await h.app.ready();
  });
  afterAll(async () => {
    await h?.app.close();
    await store?.close();
  });

  const levels = async (name: string): Promise<Levels> => {
    const res = await h.app.inject({ method: 'GET', url: `/api/alerts/${alertIds[name]}` });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { profilePanel: { levels: Levels & { stop?: unknown } } };
    expect(body.profilePanel.levels).not.toHaveProperty('stop');
    return body.profilePanel.levels;
  };

  it('a closed trade shows the plan stop it risked and the TP1 stop it ended on', async () => {
    expect(await levels('closed')).toMatchObject({
      planStop: PLAN_STOP,
      currentStop: TP1,
      currentStopRung: 2,
    });
  });

  it('before any target the two stops are the same: the plan stop', async () => {
    expect(await levels('active')).toMatchObject({
      planStop: PLAN_STOP,
      currentStop: PLAN_STOP,
      currentStopRung: 0,
    });
  });

  it('after TP1 the plan stop comes from the events recorded at rung 0, the current stop is breakeven', async () => {
    expect(await levels('tp1-recorded')).toMatchObject({
      planStop: PLAN_STOP,
      currentStop: ENTRY,
      currentStopRung: 1,
    });
  });

  it("the engine's live position wins over a row the database has not caught up with", async () => {
    expect(await levels('live')).toMatchObject({
      planStop: PLAN_STOP,
      currentStop: ENTRY,
      currentStopRung: 1,
    });
  });

  it('never passes the moved stop off as the plan stop when nothing recorded the plan', async () => {
    expect(await levels('tp2-unrecorded')).toMatchObject({
      planStop: null,
      currentStop: TP1,
      currentStopRung: 2,
    });
  });
});
