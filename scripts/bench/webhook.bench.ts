/**
 * Webhook intake on loopback, every request a distinct alert that is stored before the reply:
 * - closed loop: CONCURRENCY clients back to back → the most requests/s, with p50/p99 acknowledgement;
 * - open loop: requests sent on a fixed schedule at 500, 1,000, 2,000, 3,000 … req/s, latency measured
 *   from the scheduled send time (so queueing counts) → the highest rate held with p99 < 50 ms.
 * Baseline: a bare Fastify route returning 200, in the same run. The client runs in a worker thread.
 * Floor (issue [intake] 10): 2,000 requests/s held with p99 under 50 ms, every alert stored.
 */
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { createBatchingInbox, type InsertMany } from '../../src/adapters/webhook/batching-inbox.ts';
import {
  createHttpServer,
  listenHttpServer,
  registerWebhookRoutes,
} from '../../src/adapters/webhook/server.ts';
import type { AlertRecord, Store } from '../../src/ports/store.ts';
import type { BenchFigure, BenchSuite } from './harness.ts';

const CLOSED_MS = Number(process.env['BENCH_WEBHOOK_MS'] ?? 2_000);
const STEP_MS = Number(process.env['BENCH_WEBHOOK_STEP_MS'] ?? 1_500);
const CONCURRENCY = Number(process.env['BENCH_WEBHOOK_CONCURRENCY'] ?? 16);
const RATES = [500, 1_000, 2_000, 3_000, 4_000];
const P99_LIMIT_MS = 50;

interface LoadResult {
  readonly requests: number;
  readonly elapsedMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<string, number>;
}

// Plain JavaScript so the worker needs no TypeScript loader.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, mode, durationMs, concurrency, rate, firedAt, offset } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: mode === 'open' ? 256 : concurrency });
const target = new URL(url);
const symbols = ['ES1!', 'NQ1!', 'MES1!', 'MNQ1!'];
function body(i) {
  return JSON.stringify({ symbol: symbols[i % 4], action: i % 2 ? 'sell' : 'buy', time: new Date(firedAt).toISOString(),
    key: 'bench-' + (offset + i), quantity: 1 + (i % 3), strategy: 'bench' });
}
const latencies = [];
const statuses = {};
function send(i, since) {
  return new Promise((resolve) => {
    const payload = body(i);
    const req = http.request({ hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      res.resume();
      res.on('end', () => { latencies.push(performance.now() - since); statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; resolve(); });
    });
    req.on('error', () => { statuses.error = (statuses.error || 0) + 1; resolve(); });
    req.end(payload);
  });
}
function report(start) {
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] || 0;
  agent.destroy();
  parentPort.postMessage({ requests: latencies.length, elapsedMs, p50: q(0.5), p99: q(0.99), statuses });
}
(async () => {
  const start = performance.now();
  if (mode === 'closed') {
    let next = 0;
    const deadline = start + durationMs;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) { const i = next++; await send(i, performance.now()); }
    }));
    return report(start);
  }
  // Open loop: request i is due at start + i / rate; its latency counts from then.
  const total = Math.round((rate * durationMs) / 1000);
  const inflight = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) { const i = sent++; inflight.push(send(i, start + (i * 1000) / rate)); }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  report(start);
})();
`;

let nextOffset = 0;

function runLoad(url: string, mode: 'closed' | 'open', rate = 0): Promise<LoadResult> {
  const offset = nextOffset;
  nextOffset += 10_000_000;
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, {
      eval: true,
      workerData: {
        url,
        mode,
        rate,
        durationMs: mode === 'open' ? STEP_MS : CLOSED_MS,
        concurrency: CONCURRENCY,
        firedAt: Date.now(),
        offset,
      },
    });
    worker.once('message', (m: LoadResult) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

/** Counts what the receiver stores, on top of the real store when given. */
class CountingInbox implements Pick<Store, 'insertAlert'> {
  stored = 0;
  private nextId = 1;
  constructor(private readonly store?: Pick<Store, 'insertAlert'>) {}
  async insertAlert(alert: AlertRecord): Promise<{ inserted: boolean; id: number }> {
    const r = this.store ? await this.store.insertAlert(alert) : { inserted: true, id: this.nextId++ };
    if (r.inserted) this.stored++;
    return r;
  }
}

interface PgliteBench {
  readonly store: Store;
  /** Many alerts in one statement through the store's own insert_alert(jsonb): what a Store `insertAlerts` would do. */
  readonly insertMany: InsertMany;
}

async function openPglite(): Promise<PgliteBench | undefined> {
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = (await import('../../src/adapters/store/pglite.ts')) as {
      createPgliteStore?: (o: { db: InstanceType<typeof PGlite> }) => Promise<Store>;
    };
    const rows = (await import('../../src/adapters/store/rows.ts')) as {
      alertToRow?: (a: AlertRecord) => Record<string, unknown>;
    };
    const toRow = rows.alertToRow;
    if (!pglite.createPgliteStore || !toRow) return undefined;
    const db = await PGlite.create();
    const store = await pglite.createPgliteStore({ db });
    const insertMany: InsertMany = async (alerts) => {
      const result = await db.query<{ inserted: boolean; alert_id: number }>(
        'select (insert_alert(x)).* from unnest($1::jsonb[]) with ordinality as t(x, n) order by n',
        [alerts.map((a) => JSON.stringify(toRow(a)))],
      );
      return result.rows.map((r) => ({ inserted: r.inserted, id: Number(r.alert_id) }));
    };
    return { store, insertMany };
  } catch {
    return undefined;
  }
}

interface SystemResult {
  readonly closed: LoadResult;
  /** Highest open-loop rate held with p99 under the limit (0 when none), and the run at that rate. */
  readonly held: number;
  readonly heldRun: LoadResult | undefined;
  readonly stored: number;
  readonly acknowledged: number;
}

/** Closed loop, then open-loop steps up the rate ladder until p99 breaks the limit or requests fail. */
async function measure(url: string, stored: () => number): Promise<SystemResult> {
  let acknowledged = 0;
  const count = (r: LoadResult) => {
    acknowledged += r.statuses['200'] ?? 0;
    return r;
  };
  const closed = count(await runLoad(url, 'closed'));
  let held = 0;
  let heldRun: LoadResult | undefined;
  const holds = (r: LoadResult) => r.p99 < P99_LIMIT_MS && (r.statuses['200'] ?? 0) === r.requests;
  for (const rate of RATES) {
    // A shared machine has hiccups: a rate counts as held if one of two attempts holds it.
    let r = count(await runLoad(url, 'open', rate));
    if (!holds(r)) r = count(await runLoad(url, 'open', rate));
    if (!holds(r)) break;
    held = rate;
    heldRun = r;
  }
  return { closed, held, heldRun, stored: stored(), acknowledged };
}

async function measureReceiver(inbox: CountingInbox): Promise<SystemResult> {
  const app = createHttpServer({ logger: false });
  registerWebhookRoutes(app, { inbox, rateLimit: false, onAccepted: () => {} });
  const url = await listenHttpServer(app);
  try {
    return await measure(`${url}/webhook/tradingview`, () => inbox.stored);
  } finally {
    await app.close();
  }
}

function rate(r: LoadResult): number {
  return (r.requests / r.elapsedMs) * 1000;
}

function figures(name: string, r: SystemResult, base: SystemResult | undefined): BenchFigure[] {
  const withBase = (value: number | undefined, baseName: string) =>
    value !== undefined && value > 0 ? { baseline: { name: baseName, value } } : {};
  const storedNote = base ? `${r.stored}/${r.acknowledged} acknowledged alerts stored` : '';
  const heldP99 = r.heldRun
    ? ` (p50 ${r.heldRun.p50.toFixed(1)} ms, p99 ${r.heldRun.p99.toFixed(1)} ms)`
    : '';
  return [
    {
      name: `${name}: held with p99 < ${P99_LIMIT_MS} ms`,
      value: r.held,
      unit: 'req/s',
      ...withBase(base?.held, 'bare Fastify'),
      note: `${heldP99}${base ? `; floor 2,000 req/s: ${r.held >= 2_000 ? 'ok' : 'BELOW'}` : ''}`,
    },
    {
      name: `${name}: closed loop, ${CONCURRENCY} clients`,
      value: rate(r.closed),
      unit: 'req/s',
      ...withBase(base ? rate(base.closed) : undefined, 'bare Fastify'),
      note: storedNote,
    },
    {
      name: `${name}: closed loop p50 acknowledgement`,
      value: r.closed.p50,
      unit: 'ms',
      ...withBase(base?.closed.p50, 'bare Fastify'),
    },
    {
      name: `${name}: closed loop p99 acknowledgement`,
      value: r.closed.p99,
      unit: 'ms',
      ...withBase(base?.closed.p99, 'bare Fastify'),
    },
  ];
}

export const suite: BenchSuite = {
  name: 'webhook intake (loopback; open-loop steps 500 → 4,000 req/s, closed loop for the peak)',
  async run() {
    const bare = Fastify({ logger: false });
    bare.post('/webhook/tradingview', async () => ({ status: 'accepted' }));
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const address = bare.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const baseline = await measure(`http://127.0.0.1:${port}/webhook/tradingview`, () => 0);
    await bare.close();

    const out: BenchFigure[] = [...figures('bare Fastify route', baseline, undefined)];
    out.push(...figures('receiver, in-memory inbox', await measureReceiver(new CountingInbox()), baseline));

    const pglite = await openPglite();
    if (!pglite) {
      out.push({
        name: 'receiver, PGlite store',
        value: Number.NaN,
        unit: 'req/s',
        note: 'skipped: no PGlite store adapter',
      });
      return out;
    }
    try {
      out.push(
        ...figures(
          'receiver, PGlite, one insert per alert',
          await measureReceiver(new CountingInbox(pglite.store)),
          baseline,
        ),
      );
      out.push(
        ...figures(
          'receiver, PGlite, group commit',
          await measureReceiver(new CountingInbox(createBatchingInbox(pglite.insertMany))),
          baseline,
        ),
      );
    } finally {
      await pglite.store.close();
    }
    const server = await openPostgres();
    if (server) {
      try {
        out.push(
          ...figures(
            'receiver, PostgreSQL, one insert per alert',
            await measureReceiver(new CountingInbox(server.store)),
            baseline,
          ),
        );
        out.push(
          ...figures(
            'receiver, PostgreSQL, group commit',
            await measureReceiver(new CountingInbox(createBatchingInbox(server.insertMany))),
            baseline,
          ),
        );
      } finally {
        await server.close();
      }
    } else {
      out.push({
        name: 'receiver, PostgreSQL store',
        value: Number.NaN,
        unit: 'req/s',
        note: 'skipped: set TEST_DATABASE_URL',
      });
    }
    return out;
  },
};

/** A fresh database on the PostgreSQL server of TEST_DATABASE_URL (dropped afterwards). */
async function openPostgres(): Promise<(PgliteBench & { close(): Promise<void> }) | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return undefined;
  const { default: pg } = await import('pg');
  const { createPostgresStore } = await import('../../src/adapters/store/postgres.ts');
  const { alertToRow } = await import('../../src/adapters/store/rows.ts');
  const name = `va_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const store = await createPostgresStore({ connectionString: dbUrl.toString() });
  const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 4 });
  const insertMany: InsertMany = async (alerts) => {
    const result = await pool.query<{ inserted: boolean; alert_id: number }>(
      'select (insert_alert(x)).* from unnest($1::jsonb[]) with ordinality as t(x, n) order by n',
      [alerts.map((a) => JSON.stringify(alertToRow(a)))],
    );
    return result.rows.map((r) => ({ inserted: r.inserted, id: Number(r.alert_id) }));
  };
  return {
    store,
    insertMany,
    async close() {
      await pool.end();
      await store.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
