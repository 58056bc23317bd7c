/**
 * The dashboard of a bot trading several accounts, served by the bot's own observers over real
 * trading nodes (one lane per account): every account's positions, guards and events carry the
 * account; the all-accounts overview gives each account's book and headroom to both loss limits;
 * `account` narrows a read; flatten acts on every lane or one, a guard reset on one lane only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountOverview, Kpis, LivePosition } from '../../../src/adapters/dashboard/index.ts';
import { listenHttpServer } from '../../../src/adapters/webhook/server.ts';
import type { Store } from '../../../src/ports/store.ts';
import { freshPgliteStore } from '../store/pglite-template.ts';
import {
  LANE_T,
  type LanesDashboard,
  openLanePosition,
  startLanesDashboard,
  THREE_ACCOUNTS,
} from './lanes.ts';
import { seedHistory } from './seed.ts';

const TOKEN = 'accounts-test-token-1234';
const [A, B] = THREE_ACCOUNTS;

describe('dashboard with several accounts', () => {
  let store: Store;
  let d: LanesDashboard;

  beforeAll(async () => {
    store = await freshPgliteStore();
    await seedHistory(store);
    d = await startLanesDashboard(store, [A!, B!], { token: TOKEN });
    openLanePosition(d.lanes[0]!, 'pa1', { quantity: 2, last: 100.5 }); // +2 ticks × 2 = +$50
    openLanePosition(d.lanes[1]!, 'pb1', { quantity: 1, last: 99.5 }); // −2 ticks × 1 = −$25
    openLanePosition(d.lanes[1]!, 'pb2', { quantity: 1, last: 99.5, symbol: 'NQ' }); // another −$25
  });
  afterAll(async () => {
    await d?.close();
    await store?.close();
  });

  const get = async <T>(url: string) => {
    const res = await d.app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() as T };
  };
  const post = async (url: string, body: unknown) => {
    const res = await d.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify(body),
    });
    return {
      status: res.statusCode,
      body: res.json() as { detail: string; error: { parameter: string; message: string } },
    };
  };

  it('lists every account with its book and the headroom to each loss limit, from its own settings', async () => {
    const { status, body } = await get<{ items: AccountOverview[] }>('/api/accounts');
    expect(status).toBe(200);
    expect(body.items.map((a) => [a.accountId, a.name])).toEqual([
      ['ACC-1', 'Combine A'],
      ['ACC-2', 'Combine B'],
    ]);
    const [a, b] = body.items;
    expect(a).toMatchObject({
      openPositions: 1,
      openPnl: 50,
      realizedPnlToday: -250,
      // $1,000 limit − $250 realised + $50 open.
      dailyLossLeft: 800,
      // Balance $50,400 + $50 open above the floor min(50,000, 50,600 − 2,000) = $48,600.
      aboveFloor: 1850,
      balance: 50_400,
    });
    expect(a!.guard).toMatchObject({
      drawdownFloor: 48_600,
      dailyLossLimit: 1000,
      rules: 'Trading Combine 50K',
    });
    expect(b).toMatchObject({
      openPositions: 2,
      openPnl: -50,
      realizedPnlToday: -700,
      dailyLossLeft: 50, // $800 − $700 − $50
      aboveFloor: 2250, // 99,300 − 50 − 97,000
      balance: 99_300,
    });
    expect(b!.guard).toMatchObject({ drawdownFloor: 97_000, accountName: 'Combine B' });
  });

  it('gives each live position its account id and name, and narrows them to one account', async () => {
    const all = await get<{ items: LivePosition[] }>('/api/positions/live');
    expect(all.body.items.map((p) => [p.positionId, p.accountId, p.accountName])).toEqual([
      ['pa1', 'ACC-1', 'Combine A'],
      ['pb1', 'ACC-2', 'Combine B'],
      ['pb2', 'ACC-2', 'Combine B'],
    ]);
    const one = await get<{ items: LivePosition[] }>('/api/positions/live?account=ACC-2');
    expect(one.body.items.map((p) => p.positionId)).toEqual(['pb1', 'pb2']);
  });

  it('narrows the KPIs to one account: its trades, its open book and its guard only', async () => {
    const all = await get<Kpis>('/api/kpis');
    expect(all.body.guards.map((g) => g.accountId)).toEqual(['ACC-1', 'ACC-2']);
    expect(all.body.openPositions).toBe(3);
    expect(all.body.openPnl).toBe(0);
    const b = await get<Kpis>('/api/kpis?account=ACC-2');
    expect(b.status).toBe(200);
    expect(b.body.guards.map((g) => [g.accountId, g.accountName, g.dailyLossHeadroom])).toEqual([
      ['ACC-2', 'Combine B', 100],
    ]);
    expect(b.body.openPositions).toBe(2);
    expect(b.body.openPnl).toBe(-50);
    // The seeded history is all ACC-1's.
    expect(b.body.trades).toBe(0);
    const a = await get<Kpis>('/api/kpis?account=ACC-1');
    expect(a.body.trades).toBe(all.body.trades);
    expect(a.body.trades).toBeGreaterThan(0);
  });

  it('pages the stored positions, trades and signals of one account on the server', async () => {
    type Page = { items: { accountId: string }[]; pagination: { total: number } };
    for (const list of ['positions', 'trades-log', 'signals']) {
      const all = await get<Page>(`/api/${list}?limit=200`);
      const a = await get<Page>(`/api/${list}?limit=200&account=ACC-1`);
      const b = await get<Page>(`/api/${list}?limit=200&account=ACC-2`);
      expect(a.status).toBe(200);
      // The seeded history is all ACC-1's.
      expect(all.body.pagination.total).toBeGreaterThan(0);
      expect(a.body.pagination.total).toBe(all.body.items.filter((r) => r.accountId === 'ACC-1').length);
      expect(b.body.pagination.total).toBe(all.body.items.filter((r) => r.accountId === 'ACC-2').length);
      expect(a.body.items.every((r) => r.accountId === 'ACC-1')).toBe(true);
    }
    expect((await get('/api/positions?account=')).status).toBe(400);
  });

  it("lists every lane's actors, each position actor with its account", async () => {
    const { body } = await get<{ actors: { actorId: string; machine: string; accountId?: string }[] }>(
      '/api/actors',
    );
    const positions = body.actors.filter((a) => a.machine === 'position');
    expect(positions.map((a) => [a.actorId, a.accountId])).toEqual([
      ['position:pa1', 'ACC-1'],
      ['position:pb1', 'ACC-2'],
      ['position:pb2', 'ACC-2'],
    ]);
    // One engine per lane.
    expect(body.actors.filter((a) => a.machine === 'engine')).toHaveLength(2);
  });

  it('refuses an account this process does not trade, naming the parameter and the accounts', async () => {
    for (const url of ['/api/kpis?account=ACC-9', '/api/positions/live?account=ACC-9']) {
      const { status, body } = await get<{ error: { code: string; parameter: string; message: string } }>(
        url,
      );
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_parameter', parameter: 'account' });
      expect(body.error.message).toContain('ACC-1, ACC-2');
    }
    const flatten = await post('/api/control/flatten-all', { confirm: 'FLATTEN', account: 'ACC-9' });
    expect(flatten.status).toBe(400);
    expect(flatten.body.error.parameter).toBe('account');
  });

  it("resets one account's latched guard only, and needs the account when there are several", async () => {
    for (const lane of d.lanes) {
      const state = lane.processor.guardState();
      lane.processor.setGuardState({
        ...state,
        dailyLoss: { reason: `day loss on ${lane.accountId}`, at: LANE_T },
      });
    }
    const missing = await post('/api/control/reset-guard', { confirm: 'RESET', guard: 'dailyLoss' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.parameter).toBe('accountId');
    expect(missing.body.error.message).toContain('ACC-1, ACC-2');
    expect(d.lanes.map((l) => l.processor.guardState().dailyLoss !== null)).toEqual([true, true]);

    const ok = await post('/api/control/reset-guard', {
      confirm: 'RESET',
      guard: 'dailyLoss',
      accountId: 'ACC-2',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.detail).toBe('dailyLoss guard reset for Combine B (ACC-2)');
    expect(d.lanes.map((l) => l.processor.guardState().dailyLoss?.reason ?? null)).toEqual([
      'day loss on ACC-1',
      null,
    ]);
    const overview = await get<{ items: AccountOverview[] }>('/api/accounts');
    expect(overview.body.items.map((a) => a.guard?.dailyLossLatched)).toEqual([true, false]);
    // `account` names it as well.
    const viaAccount = await post('/api/control/reset-guard', {
      confirm: 'RESET',
      guard: 'dailyLoss',
      account: 'ACC-1',
    });
    expect(viaAccount.status).toBe(200);
    expect(d.lanes.map((l) => l.processor.guardState().dailyLoss)).toEqual([null, null]);
  });

  it('streams every lane’s events, each naming its account', async () => {
    const url = await listenHttpServer(d.app, { port: 0 });
    const controller = new AbortController();
    const res = await fetch(`${url}/api/stream`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    const frame = (type: string, needle: string) => {
      const f = text.split('\n\n').find((x) => x.includes(`event: ${type}\n`) && x.includes(needle))!;
      return JSON.parse(
        f
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      );
    };
    await readUntil('event: hello');
    // A decision of lane B, as the processor hands it to the observers.
    d.observers.onDecision({
      accountId: 'ACC-2',
      signalId: 'sig-b-filtered',
      alertKey: 'k-b',
      symbol: 'ES',
      action: 'buy',
      status: 'FILTERED',
      reason: 'daily loss limit: $50.00 left',
      positionId: null,
      plan: null,
      ts: LANE_T + 1,
    });
    await readUntil('sig-b-filtered');
    expect(frame('signal', 'sig-b-filtered')).toMatchObject({
      type: 'signal',
      accountId: 'ACC-2',
      accountName: 'Combine B',
    });
    // A position change on lane A's engine.
    openLanePosition(d.lanes[0]!, 'pa2', { quantity: 1, last: 100.25, ts: LANE_T + 60_000, symbol: 'GC' });
    await readUntil('event: position\n');
    await readUntil('"positionId":"pa2"');
    expect(frame('position', '"positionId":"pa2"').position).toMatchObject({
      accountId: 'ACC-1',
      accountName: 'Combine A',
    });
    controller.abort();
  }, 15_000);

  it('flattens one account, then every account', async () => {
    const closes = (i: number) => d.lanes[i]!.commands.filter((c) => c.type === 'closePosition').length;
    const before = [closes(0), closes(1)];
    const one = await post('/api/control/flatten-all', { confirm: 'FLATTEN', account: 'ACC-2' });
    expect(one.status).toBe(200);
    expect(one.body.detail).toBe('flatten requested for every open position on Combine B (ACC-2)');
    expect([closes(0), closes(1)]).toEqual([before[0], before[1]! + 2]);
    const all = await post('/api/control/flatten-all', { confirm: 'FLATTEN' });
    expect(all.body.detail).toBe('flatten requested for every open position');
    expect(closes(0)).toBeGreaterThan(before[0]!);
  });
});

describe('dashboard with one account', () => {
  let store: Store;
  let d: LanesDashboard;

  beforeAll(async () => {
    store = await freshPgliteStore();
    d = await startLanesDashboard(store, [A!], { token: TOKEN });
  });
  afterAll(async () => {
    await d?.close();
    await store?.close();
  });

  it('lists the one account, and resets its guard without being told which', async () => {
    const accounts = await d.app.inject({ method: 'GET', url: '/api/accounts' });
    expect((accounts.json() as { items: AccountOverview[] }).items.map((a) => a.name)).toEqual(['Combine A']);
    const lane = d.lanes[0]!;
    lane.processor.setGuardState({
      ...lane.processor.guardState(),
      trailingDrawdown: { reason: 'floor', at: LANE_T },
    });
    const res = await d.app.inject({
      method: 'POST',
      url: '/api/control/reset-guard',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify({ confirm: 'RESET', guard: 'trailingDrawdown' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().detail).toBe('trailingDrawdown guard reset');
    expect(lane.processor.guardState().trailingDrawdown).toBeNull();
  });
});
