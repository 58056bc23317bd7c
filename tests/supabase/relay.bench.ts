/**
 * Relay benchmark: alerts through the Edge Function in real Deno (direct PostgreSQL storage) against
 * the floor, the same `insert_alert` calls made straight from Node, measured in the same run.
 * Prints per-alert latency (p50/p99) and throughput, sequential and 16 at a time, and the ratios.
 * Usage: TEST_DATABASE_URL=postgres://… npx tsx tests/supabase/relay.bench.ts [alerts=400]
 */

import { createPostgresStore } from '../../src/adapters/store/postgres.ts';
import { alertToRow } from '../../src/adapters/store/rows.ts';
import { TestDatabases } from '../adapters/store/pg-server.ts';
import { alertJson, SECRET, webhookUrl } from './alerts.ts';
import { DENO_MISSING, POSTGRES_MISSING, startRelay, TEST_DATABASE_URL } from './deno.ts';

const COUNT = Number(process.argv[2] ?? 400);
const missing = DENO_MISSING ?? POSTGRES_MISSING;
if (missing) {
  console.error(`relay benchmark needs: ${missing}`);
  process.exit(2);
}

interface Run {
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

async function measure(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), perSecond: count / seconds };
}

const databases = new TestDatabases(TEST_DATABASE_URL ?? '');
const databaseUrl = await databases.createMigrated();
const store = await createPostgresStore({ connectionString: databaseUrl, migrate: false });
const relay = await startRelay({ WEBHOOK_SECRET: SECRET, SUPABASE_DB_URL: databaseUrl });
const url = webhookUrl(relay.url);
const fired = new Date().toISOString();

try {
  // Warm both paths (connections, JIT) before measuring.
  for (let i = 0; i < 20; i++) {
    await fetch(url, { method: 'POST', body: alertJson({ key: `warm-${i}` }) }).then((r) => r.text());
    await store.sql.query('select inserted, alert_id from insert_alert($1::jsonb)', [
      JSON.stringify(alertToRow(record(`warm-direct-${i}`))),
    ]);
  }
  for (const concurrency of [1, 16]) {
    const direct = await measure(COUNT, concurrency, async (i) => {
      await store.sql.query('select inserted, alert_id from insert_alert($1::jsonb)', [
        JSON.stringify(alertToRow(record(`direct-${concurrency}-${i}`))),
      ]);
    });
    const relayed = await measure(COUNT, concurrency, async (i) => {
      const response = await fetch(url, {
        method: 'POST',
        body: alertJson({ key: `relay-${concurrency}-${i}`, time: fired }),
      });
      const answer = (await response.json()) as { status?: string };
      if (answer.status !== 'accepted') throw new Error(`alert ${i}: ${JSON.stringify(answer)}`);
    });
    const fmt = (r: Run) =>
      `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.perSecond.toFixed(0)} alerts/s`;
    console.log(`${COUNT} alerts, ${concurrency} at a time`);
    console.log(`  direct insert_alert (Node, floor): ${fmt(direct)}`);
    console.log(`  relay in Deno (HTTP + intake + insert_alert): ${fmt(relayed)}`);
    console.log(
      `  ratio relay/floor: p50 ×${(relayed.p50 / direct.p50).toFixed(1)}, throughput ×${(relayed.perSecond / direct.perSecond).toFixed(2)}`,
    );
  }
} finally {
  await relay.stop();
  await store.close();
  await databases.dropAll();
}

function record(key: string) {
  return {
    idempotencyKey: key,
    receivedAt: Date.now(),
    sourceAddress: '127.0.0.1',
    contentType: 'text/plain',
    rawBody: alertJson({ key }),
    parsed: null,
    status: 'received' as const,
    reason: null,
  };
}
