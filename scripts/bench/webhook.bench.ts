/**
 * Webhook intake throughput on loopback: requests/s held by a closed-loop client with p50/p99
 * acknowledgement latency, every alert distinct and stored. Baseline: a bare Fastify route returning
 * 200 in the same run. The client runs in a worker thread so it does not share the server's event loop.
 * Floor (issue [intake] 10): 2,000 requests/s with p99 under 50 ms, every alert stored.
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

const DURATION_MS = Number(process.env['BENCH_WEBHOOK_MS'] ?? 3_000);
const CONCURRENCY = Number(process.env['BENCH_WEBHOOK_CONCURRENCY'] ?? 16);

interface LoadResult {
  readonly requests: number;
  readonly elapsedMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<string, number>;
}

// Plain JavaScript so the worker needs no TypeScript loader. Each request carries a distinct alert.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, durationMs, concurrency, firedAt, offset } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);
const symbols = ['ES1!', 'NQ1!', 'MES1!', 'MNQ1!'];
function body(i) {
  return JSON.stringify({ symbol: symbols[i % 4], action: i % 2 ? 'sell' : 'buy', time: new Date(firedAt).toISOString(),
    key: 'bench-' + (offset + i), quantity: 1 + (i % 3), strategy: 'bench' });
}
function send(i) {
  return new Promise((resolve, reject) => {
    const payload = body(i);
    const start = performance.now();
    const req = http.request({ hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      res.resume();
      res.on('end', () => resolve([res.statusCode, performance.now() - start]));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
(async () => {
  const latencies = [];
  const statuses = {};
  let next = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const [status, ms] = await send(next++);
      latencies.push(ms);
      statuses[status] = (statuses[status] || 0) + 1;
    }
  }));
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] || 0;
  agent.destroy();
  parentPort.postMessage({ requests: latencies.length, elapsedMs, p50: q(0.5), p99: q(0.99), statuses });
})();
`;

function runLoad(url: string, offset: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, {
      eval: true,
      workerData: { url, durationMs: DURATION_MS, concurrency: CONCURRENCY, firedAt: Date.now(), offset },
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

async function measureReceiver(
  inbox: CountingInbox,
  offset: number,
): Promise<LoadResult & { stored: number }> {
  const app = createHttpServer({ logger: false });
  registerWebhookRoutes(app, { inbox, rateLimit: false, onAccepted: () => {} });
  const url = await listenHttpServer(app);
  try {
    const r = await runLoad(`${url}/webhook/tradingview`, offset);
    return { ...r, stored: inbox.stored };
  } finally {
    await app.close();
  }
}

function figures(name: string, r: LoadResult, baseline: LoadResult | undefined, note: string): BenchFigure[] {
  const rate = (r.requests / r.elapsedMs) * 1000;
  const baseRate = baseline ? (baseline.requests / baseline.elapsedMs) * 1000 : undefined;
  return [
    {
      name: `${name}, requests`,
      value: rate,
      unit: 'req/s',
      ...(baseRate !== undefined ? { baseline: { name: 'bare Fastify 200', value: baseRate } } : {}),
      note,
    },
    {
      name: `${name}, p50 acknowledgement`,
      value: r.p50,
      unit: 'ms',
      ...(baseline ? { baseline: { name: 'bare Fastify 200', value: baseline.p50 } } : {}),
    },
    {
      name: `${name}, p99 acknowledgement`,
      value: r.p99,
      unit: 'ms',
      ...(baseline ? { baseline: { name: 'bare Fastify 200', value: baseline.p99 } } : {}),
      note: r.p99 < 50 ? 'p99 < 50 ms: ok' : 'p99 ≥ 50 ms: BELOW FLOOR',
    },
  ];
}

export const suite: BenchSuite = {
  name: `webhook intake (loopback, ${CONCURRENCY} concurrent clients, ${DURATION_MS} ms each)`,
  async run() {
    const bare = Fastify({ logger: false });
    bare.post('/webhook/tradingview', async () => ({ status: 'accepted' }));
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const address = bare.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const baseline = await runLoad(`http://127.0.0.1:${port}/webhook/tradingview`, 0);
    await bare.close();

    const out: BenchFigure[] = [];
    out.push(...figures('bare Fastify route', baseline, undefined, ''));

    const memory = new CountingInbox();
    const mem = await measureReceiver(memory, 10_000_000);
    out.push(
      ...figures(
        'receiver, in-memory inbox',
        mem,
        baseline,
        `${mem.stored}/${mem.statuses['200'] ?? 0} stored; floor 2,000 req/s: ${rate(mem) >= 2_000 ? 'ok' : 'BELOW'}`,
      ),
    );

    const pglite = await openPglite();
    if (pglite) {
      try {
        const single = await measureReceiver(new CountingInbox(pglite.store), 20_000_000);
        out.push(
          ...figures(
            'receiver, PGlite store (one insert per alert)',
            single,
            baseline,
            `${single.stored}/${single.statuses['200'] ?? 0} stored; floor 2,000 req/s: ${rate(single) >= 2_000 ? 'ok' : 'BELOW'}`,
          ),
        );
        const grouped = await measureReceiver(
          new CountingInbox(createBatchingInbox(pglite.insertMany)),
          30_000_000,
        );
        out.push(
          ...figures(
            'receiver, PGlite store, group commit',
            grouped,
            baseline,
            `${grouped.stored}/${grouped.statuses['200'] ?? 0} stored; floor 2,000 req/s: ${rate(grouped) >= 2_000 ? 'ok' : 'BELOW'}`,
          ),
        );
      } finally {
        await pglite.store.close();
      }
    } else {
      out.push({
        name: 'receiver, PGlite store',
        value: Number.NaN,
        unit: 'req/s',
        note: 'skipped: no PGlite store adapter',
      });
    }
    return out;
  },
};

function rate(r: LoadResult): number {
  return (r.requests / r.elapsedMs) * 1000;
}
