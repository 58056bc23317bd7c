/**
 * The dashboard API against a real store (PGlite in memory, and PostgreSQL when configured):
 * every endpoint, validation errors, pagination, sorting, auth when exposed, control actions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttpServer } from '../../../src/adapters/webhook/server.ts';
import type { Store } from '../../../src/ports/store.ts';
import { createHarness, type Harness } from './harness.ts';
import { backtestFolder, OPEN_COUNT, seedHistory, TRADE_COUNT } from './seed.ts';

type Json = Record<string, unknown> & {
  items: Record<string, unknown>[];
  pagination: { page: number; limit: number; total: number; pages: number };
  error: { code: string; message: string; parameter?: string };
};

export function dashboardApiContract(name: string, open: () => Promise<Store>): void {
  describe(`dashboard API on ${name}`, () => {
    let store: Store;
    let h: Harness;
    let exposed: Harness;
    const TOKEN = 'test-token-0123456789abcdef';

    beforeAll(async () => {
      store = await open();
      await seedHistory(store);
      const dir = backtestFolder();
      h = createHarness(store, { backtestsDir: dir });
      exposed = createHarness(store, { backtestsDir: dir, exposed: true, token: TOKEN });
      await h.app.ready();
      await exposed.app.ready();
    });
    afterAll(async () => {
      await h?.app.close();
      await exposed?.app.close();
      await store?.close();
    });

    const get = async (url: string, harness = h) => {
      const res = await harness.app.inject({ method: 'GET', url });
      return { status: res.statusCode, body: res.json() as Json, headers: res.headers };
    };
    const post = async (url: string, body: unknown, headers: Record<string, string> = {}, harness = h) => {
      const res = await harness.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...headers },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, body: res.json() as Json };
    };

    it('lists positions with pagination metadata, newest first by default', async () => {
      const { status, body } = await get('/api/positions?limit=10');
      expect(status).toBe(200);
      expect(body.pagination).toEqual({ page: 1, limit: 10, total: TRADE_COUNT + OPEN_COUNT, pages: 3 });
      expect(body.items).toHaveLength(10);
      const opened = body.items.map((p) => p.openedAt as number);
      expect(opened).toEqual([...opened].sort((a, b) => b - a));
      expect(body.items[0]).not.toHaveProperty('snapshot');
    });

    it('filters positions by symbol, side and state, and pages to the end', async () => {
      const es = await get('/api/positions?symbol=es&side=long&limit=100');
      expect(es.body.items.length).toBeGreaterThan(0);
      for (const p of es.body.items) expect([p.symbol, p.side]).toEqual(['ES', 'long']);
      const open = await get('/api/positions?state=pending_entry,active');
      expect(open.body.pagination.total).toBe(OPEN_COUNT);
      const last = await get('/api/positions?limit=10&page=3');
      expect(last.body.items).toHaveLength(TRADE_COUNT + OPEN_COUNT - 20);
      const beyond = await get('/api/positions?limit=10&page=9');
      expect(beyond.body.items).toHaveLength(0);
      expect(beyond.body.pagination.total).toBe(TRADE_COUNT + OPEN_COUNT);
    });

    it('sorts positions by a whitelisted column in either order', async () => {
      const asc = await get('/api/positions?sort=symbol&order=asc&limit=100');
      const symbols = asc.body.items.map((p) => p.symbol as string);
      expect(symbols).toEqual([...symbols].sort());
      const desc = await get('/api/positions?sort=symbol&order=desc&limit=100');
      expect(desc.body.items.map((p) => p.symbol)).toEqual([...symbols].reverse());
    });

    it('rejects bad parameters with a 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        ['/api/positions?sort=snapshot', 'sort'],
        ['/api/positions?sort=id;drop table positions', 'sort'],
        ['/api/positions?order=sideways', 'order'],
        ['/api/positions?limit=0', 'limit'],
        ['/api/positions?limit=10000', 'limit'],
        ['/api/positions?page=abc', 'page'],
        ['/api/positions?state=flying', 'state'],
        ['/api/positions?side=up', 'side'],
        ['/api/positions?colour=red', 'colour'],
        ['/api/trades-log?from=yesterday', 'from'],
        ['/api/signals?status=MAYBE', 'status'],
        ['/api/alerts?symbol=E$', 'symbol'],
        ['/api/alerts/abc', 'id'],
        ['/api/backtests/..%2F..%2Fetc', 'id'],
      ];
      for (const [url, parameter] of cases) {
        const { status, body } = await get(url);
        expect({ url, status, parameter: body.error?.parameter }).toEqual({ url, status: 400, parameter });
        expect(body.error.code).toBe('invalid_parameter');
        expect(body.error.message).toContain(parameter);
      }
    });

    it('says what to do when a parameter is repeated or a list is empty', async () => {
      const twice = await get('/api/positions?symbol=ES&symbol=NQ');
      expect(twice.body.error).toMatchObject({ parameter: 'symbol' });
      expect(twice.body.error.message).toContain('give it once');
      const empty = await get('/api/signals?status=,');
      expect(empty.body.error.message).toContain('needs at least one of PENDING');
    });

    it('answers unknown API routes and missing records with the same error shape', async () => {
      const missing = await get('/api/nothing-here');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
      const noAlert = await get('/api/alerts/999999');
      expect(noAlert.status).toBe(404);
      expect(noAlert.body.error.message).toContain('999999');
      const noBacktest = await get('/api/backtests/nope');
      expect(noBacktest.status).toBe(404);
    });

    it('pages and sorts the trade log, filtered by symbol, side and time', async () => {
      const page1 = await get('/api/trades-log?limit=5&sort=netPnl&order=desc');
      expect(page1.body.pagination).toEqual({ page: 1, limit: 5, total: TRADE_COUNT, pages: 5 });
      const pnl = page1.body.items.map((t) => t.netPnl as number);
      expect(pnl).toEqual([...pnl].sort((a, b) => b - a));
      const page2 = await get('/api/trades-log?limit=5&sort=netPnl&order=desc&page=2');
      expect(page2.body.items[0]!.netPnl as number).toBeLessThanOrEqual(pnl[4]!);
      const gcShort = await get('/api/trades-log?symbol=GC&side=short&limit=100');
      for (const t of gcShort.body.items) expect([t.symbol, t.side]).toEqual(['GC', 'short']);
      const all = await get('/api/trades-log?limit=100&sort=exitTime&order=asc');
      const times = all.body.items.map((t) => t.exitTime as number);
      const from = times[3]!;
      const to = times[7]!;
      const window = await get(`/api/trades-log?from=${from}&to=${new Date(to).toISOString()}&limit=100`);
      expect(window.body.pagination.total).toBe(4);
    });

    it('lists signals with their decision reasons, filtered by status', async () => {
      const filtered = await get('/api/signals?status=FILTERED');
      expect(filtered.body.pagination.total).toBe(4);
      for (const s of filtered.body.items) {
        expect(s.status).toBe('FILTERED');
        expect(s.reason).toMatch(/below the threshold/);
        expect(s.ticker).toMatch(/1!$/);
      }
      const both = await get('/api/signals?status=FILTERED,EXECUTED&symbol=NQ&limit=100');
      for (const s of both.body.items) expect(s.symbol).toBe('NQ');
    });

    it('lists alerts without their raw bodies, and shows one alert with its signal, position and levels', async () => {
      const list = await get('/api/alerts?limit=3&sort=receivedAt&order=asc');
      expect(list.body.items).toHaveLength(3);
      expect(list.body.items[0]).not.toHaveProperty('rawBody');
      expect(list.body.items[0]!.signalStatus).toBe('EXECUTED');
      const id = list.body.items[0]!.id as number;
      const detail = await get(`/api/alerts/${id}`);
      expect(detail.status).toBe(200);
      const d = detail.body as unknown as {
        signals: { id: string }[];
        positions: { id: string; poc: number }[];
        profilePanel: { levels: { poc: number; confirmationScore: number }; note: string };
      };
      expect(d.signals[0]!.id).toBe('s0');
      expect(d.positions[0]!.id).toBe('p0');
      expect(d.profilePanel.levels.poc).toBe(d.positions[0]!.poc);
      expect(d.profilePanel.levels.confirmationScore).toBeGreaterThan(0);
      expect(d.profilePanel.note).toMatch(/no bar source/);
    });

    it('computes the KPIs with the metrics module and shows guard headroom', async () => {
      const { status, body } = await get('/api/kpis');
      expect(status).toBe(200);
      const k = body as unknown as {
        trades: number;
        totalPnl: number;
        winRate: number;
        openPositions: number;
        guards: { accountId: string; dailyLossHeadroom: number | null }[];
        metricsDefinition: string;
      };
      expect(k.trades).toBe(TRADE_COUNT);
      const trades = await get('/api/trades-log?limit=100');
      const total = trades.body.items.reduce((s, t) => s + (t.netPnl as number), 0);
      expect(k.totalPnl).toBeCloseTo(total, 2);
      const wins = trades.body.items.filter((t) => (t.netPnl as number) > 0).length;
      expect(k.winRate).toBeCloseTo(wins / TRADE_COUNT, 10);
      expect(k.metricsDefinition).toContain('metrics.md');
      expect(k.guards[0]!.accountId).toBe('ACC-1');
      expect(k.openPositions).toBe(0); // the engine reports no live positions in this harness
    });

    it('lists backtests from the store and the reports folder, and opens each', async () => {
      const list = await get('/api/backtests');
      const ids = list.body.items.map((b) => b.id);
      expect(ids).toContain('bt-stored-1');
      expect(ids).toContain('file.gc-week');
      expect(ids).not.toContain('file.notes');
      const file = await get('/api/backtests/file.gc-week');
      expect(file.body.source).toBe('file');
      expect(file.body.htmlUrl).toBe('/api/backtests/file.gc-week/html');
      expect((file.body.report as { symbol: string }).symbol).toBe('GC');
      const html = await h.app.inject({ method: 'GET', url: '/api/backtests/file.gc-week/html' });
      expect(html.headers['content-type']).toContain('text/html');
      expect(html.body).toContain('report-title');
      const stored = await get('/api/backtests/bt-stored-1');
      expect((stored.body.report as { symbol: string }).symbol).toBe('ES');
      const paged = await get('/api/backtests?limit=1&page=2');
      expect(paged.body.pagination).toEqual({ page: 2, limit: 1, total: 2, pages: 2 });
    });

    it('gives the Actors view every machine as a statechart', async () => {
      const { body } = await get('/api/actors');
      const charts = body.statecharts as { machine: string; root: { children: { key: string }[] } }[];
      expect(charts.map((c) => c.machine)).toEqual(['engine', 'position', 'signal']);
      const position = charts.find((c) => c.machine === 'position')!;
      expect(position.root.children.map((c) => c.key)).toEqual(
        expect.arrayContaining(['pending_entry', 'active', 'tp1', 'tp2', 'tp3', 'closed', 'cancelled']),
      );
    });

    it('pushes live events to stream clients as Server-Sent Events', async () => {
      const url = await listenHttpServer(h.app, { port: 0 });
      const controller = new AbortController();
      const res = await fetch(`${url}/api/stream`, { signal: controller.signal });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
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
      await readUntil('event: hello');
      h.live$.next({
        type: 'signal',
        signalId: 'sig-x',
        symbol: 'ES',
        status: 'FILTERED',
        reason: 'cooldown: last ES entry 2 min ago',
        positionId: null,
        ts: 5,
      });
      await readUntil('sig-x');
      const frame = text.split('\n\n').find((f) => f.includes('sig-x'))!;
      expect(frame).toContain('event: signal');
      const data = JSON.parse(
        frame
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      );
      expect(data).toMatchObject({
        type: 'signal',
        status: 'FILTERED',
        reason: 'cooldown: last ES entry 2 min ago',
      });
      controller.abort();
    });

    it('is read-only by default: control actions are refused without a configured token', async () => {
      const res = await post('/api/control/pause', { confirm: 'PAUSE' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('DASHBOARD_TOKEN');
      expect(h.calls).toEqual([]);
    });

    it('when exposed, every API route needs the token (header or query)', async () => {
      const none = await get('/api/positions', exposed);
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      const wrong = await exposed.app.inject({
        method: 'GET',
        url: '/api/kpis',
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).not.toContain(TOKEN);
      const header = await exposed.app.inject({
        method: 'GET',
        url: '/api/kpis',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(header.statusCode).toBe(200);
      const query = await get(`/api/positions?token=${TOKEN}`, exposed);
      expect(query.status).toBe(200);
    });

    it('control actions need the token and the confirmation word, then act once', async () => {
      const auth = { authorization: `Bearer ${TOKEN}` };
      expect((await post('/api/control/flatten-all', { confirm: 'FLATTEN' }, {}, exposed)).status).toBe(401);
      const noConfirm = await post('/api/control/flatten-all', {}, auth, exposed);
      expect(noConfirm.status).toBe(400);
      expect(noConfirm.body.error.parameter).toBe('confirm');
      const wrongWord = await post('/api/control/flatten-all', { confirm: 'yes' }, auth, exposed);
      expect(wrongWord.status).toBe(400);
      expect(wrongWord.body.error.message).toContain('FLATTEN');
      expect(exposed.calls).toEqual([]);
      const ok = await post('/api/control/flatten-all', { confirm: 'FLATTEN' }, auth, exposed);
      expect(ok.status).toBe(200);
      const guard = await post(
        '/api/control/reset-guard',
        { confirm: 'RESET', guard: 'dailyLoss', accountId: 'ACC-1' },
        auth,
        exposed,
      );
      expect(guard.status).toBe(200);
      const noGuard = await post('/api/control/reset-guard', { confirm: 'RESET' }, auth, exposed);
      expect(noGuard.body.error.parameter).toBe('guard');
      expect((await post('/api/control/pause', { confirm: 'PAUSE' }, auth, exposed)).status).toBe(200);
      const status = await get(`/api/status?token=${TOKEN}`, exposed);
      expect(status.body.paused).toBe(true);
      expect(exposed.calls).toEqual(['flattenAll', 'resetGuard:dailyLoss:ACC-1', 'pause']);
      const unknown = await post('/api/control/self-destruct', { confirm: 'YES' }, auth, exposed);
      expect(unknown.status).toBe(404);
      for (const word of ['constructor', '__proto__', 'toString']) {
        const inherited = await post(`/api/control/${word}`, { confirm: 'YES' }, auth, exposed);
        expect(inherited.status).toBe(404);
        expect(inherited.body.error.message).toContain(`no control action "${word}"`);
      }
      const notJson = await exposed.app.inject({
        method: 'POST',
        url: '/api/control/pause',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{not json',
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().error.parameter).toBe('body');
    });
  });
}
