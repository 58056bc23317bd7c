/**
 * Store throughput: alerts inserted per second (insert_alert with its idempotency key) and position
 * updates flushed per second (write queue batches through upsert_positions), on PGlite and, when
 * TEST_DATABASE_URL is set, on that PostgreSQL server. Baseline: a raw single-row INSERT loop on
 * the same connection, measured in the same run.
 */
import pg from 'pg';
import { createPgliteStore } from '../../src/adapters/store/pglite.ts';
import { createPostgresStore } from '../../src/adapters/store/postgres.ts';
import type { SqlStore } from '../../src/adapters/store/sql-store.ts';
import { WriteQueue } from '../../src/adapters/store/write-queue.ts';
import type { AlertRecord, PositionRecord } from '../../src/ports/store.ts';
import type { BenchFigure, BenchSuite } from './harness.ts';

const MIN_MS = 1_500;
const BATCH = 200;
const T0 = Date.UTC(2026, 2, 10, 14, 30);

/** Runs an async step repeatedly for at least minMs; returns operations per second. */
async function rate(step: (round: number) => Promise<number>, minMs = MIN_MS): Promise<number> {
  await step(-1); // warm-up
  let ops = 0;
  let round = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    ops += await step(round++);
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (ops / elapsed) * 1000;
}

function alertRecord(key: string): AlertRecord {
  return {
    idempotencyKey: key,
    receivedAt: T0,
    sourceAddress: '127.0.0.1',
    contentType: 'application/json',
    rawBody: `{"ticker":"ES1!","action":"buy","id":"${key}"}`,
    parsed: { key, symbol: 'ES', ticker: 'ES1!', action: 'buy', dialect: 'json' },
    status: 'received',
    reason: null,
  };
}

function positionRecord(id: string, round: number): PositionRecord {
  return {
    id,
    signalId: null,
    alertId: null,
    accountId: 'BENCH',
    symbol: 'ES',
    contractId: 'CON.F.US.EP.H26',
    side: 'long',
    state: 'active',
    quantity: 2,
    filledQuantity: 2,
    entryOrderId: null,
    entryPrice: 5012.25,
    fillPrice: 5012.25,
    stopPrice: 5005.5 + (round % 8) * 0.25, // a stop move: a real state change each round
    tp1: 5018.75,
    tp2: 5024.5,
    tp3: 5031,
    poc: 5018.75,
    vah: 5024.5,
    val: 5012.25,
    confirmationScore: null,
    unrealizedPnl: 0,
    realizedPnl: 0,
    llmReasoning: null,
    llmConfidence: null,
    snapshot: { value: 'active', context: { positionId: id, stopPrice: 5005.5 + (round % 8) * 0.25 } },
    machineVersion: 'bench',
    openedAt: T0,
    updatedAt: T0 + round + 1,
    closedAt: null,
  };
}

async function measure(label: string, store: SqlStore): Promise<BenchFigure[]> {
  const sql = store.sql;
  await sql.exec(
    'create table if not exists bench_baseline (id bigint generated always as identity primary key, body text not null)',
  );
  let n = 0;
  const baseline = await rate(async () => {
    await sql.query('insert into bench_baseline (body) values ($1)', [`row ${n++}`]);
    return 1;
  });
  const base = { name: `raw single INSERT loop (${label})`, value: baseline };

  let key = 0;
  const alerts = await rate(async () => {
    await store.insertAlert(alertRecord(`${label}-${key++}`));
    return 1;
  });

  const wallClock = {
    now: () => Date.now(),
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
  };
  const queue = new WriteQueue(store, wallClock);
  const ids = Array.from({ length: BATCH }, (_, i) => `bench-${label}-${i}`);
  const flushed = await rate(async (round) => {
    for (const id of ids) queue.updatePosition(positionRecord(id, round + 1));
    await queue.flush();
    return ids.length;
  });
  await queue.close();

  return [
    {
      name: `insertAlert (${label})`,
      value: alerts,
      unit: 'rows/s',
      baseline: base,
      note: 'idempotent insert_alert + notify trigger',
    },
    {
      name: `position updates flushed (${label}, batches of ${BATCH})`,
      value: flushed,
      unit: 'rows/s',
      baseline: base,
    },
  ];
}

export const suite: BenchSuite = {
  name: 'store: alert inserts and position flushes',
  async run() {
    const figures: BenchFigure[] = [];
    const lite = await createPgliteStore({ dataDir: 'memory' });
    try {
      figures.push(...(await measure('PGlite', lite)));
    } finally {
      await lite.close();
    }

    const serverUrl = process.env.TEST_DATABASE_URL;
    if (!serverUrl) {
      figures.push({
        name: 'PostgreSQL server',
        value: Number.NaN,
        unit: '',
        note: 'skipped: set TEST_DATABASE_URL',
      });
      return figures;
    }
    const name = `va_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    try {
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      const server = await createPostgresStore({ connectionString: url.toString() });
      try {
        figures.push(...(await measure('PostgreSQL', server)));
      } finally {
        await server.close();
      }
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
    return figures;
  },
};
