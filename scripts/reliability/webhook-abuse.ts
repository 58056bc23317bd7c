/**
 * Campaign d — webhook abuse and sustained load against the bot's HTTP server (in-process Fastify
 * with the real webhook routes and intake). Random, malformed, oversized, unauthenticated and slow
 * requests with legitimate alerts interleaved; then the alert rate is stepped up until p99
 * acknowledgement passes 100 ms. The per-source rate limiter is off for the flood (every request
 * comes from 127.0.0.1); the security campaign checks the limiter itself.
 */
import { appendFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  createHttpServer,
  listenHttpServer,
  registerWebhookRoutes,
} from '../../src/adapters/webhook/server.ts';
import type { AlertRecord, StoredAlert } from '../../src/ports/store.ts';
import { type CampaignOptions, type CampaignResult, percentile, round, seededRandom } from './types.ts';

export const ABUSE_SECRET = 'rel-abuse-secret-3f7be1d0';

/** In-memory inbox with the store's rule: unique idempotency key, the row written whole or not at all. */
export class MemoryInbox {
  readonly rows = new Map<string, StoredAlert>();
  private nextId = 1;
  async insertAlert(record: AlertRecord): Promise<{ inserted: boolean; id: number }> {
    const existing = this.rows.get(record.idempotencyKey);
    if (existing) return { inserted: false, id: existing.id };
    const row = { ...record, id: this.nextId++ };
    this.rows.set(record.idempotencyKey, row);
    return { inserted: true, id: row.id };
  }
}

interface Answer {
  readonly status: number;
  readonly ms: number;
}

function send(
  base: string,
  path: string,
  body: Buffer | string,
  opts: { slowMs?: number; contentType?: string } = {},
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const req = request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': opts.contentType ?? 'application/json', 'content-length': data.length },
      agent: false,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: -1, ms: performance.now() - started }));
    if (opts.slowMs) {
      // Trickle the body in four pieces.
      const piece = Math.ceil(data.length / 4);
      let i = 0;
      const timer = setInterval(() => {
        req.write(data.subarray(i * piece, (i + 1) * piece));
        i++;
        if (i >= 4) {
          clearInterval(timer);
          req.end();
        }
      }, opts.slowMs / 4);
    } else req.end(data);
  });
}

type Kind =
  | 'legit'
  | 'duplicate'
  | 'random'
  | 'malformed'
  | 'oversized'
  | 'wrong-secret'
  | 'no-secret'
  | 'slow-legit'
  | 'placeholder';

export function abuseParameters(fast: boolean) {
  return fast
    ? { requests: 5_000, concurrency: 32, rates: [100, 200, 400], stepMs: 1_000 }
    : { requests: 100_000, concurrency: 64, rates: [100, 200, 400, 800, 1_600, 3_200], stepMs: 3_000 };
}

export async function runWebhookAbuse(
  options: CampaignOptions & { logDir?: string },
): Promise<CampaignResult> {
  const started = Date.now();
  const p = abuseParameters(options.fast);
  const random = seededRandom(options.seed);
  const logFile = options.logDir ? join(options.logDir, 'webhook.log') : null;
  const inbox = new MemoryInbox();
  const processed = new Map<string, number>();
  const app = createHttpServer({
    logger: {
      level: 'info',
      stream: { write: (line: string) => (logFile ? appendFileSync(logFile, line) : undefined) },
    },
  });
  registerWebhookRoutes(app, {
    inbox,
    intake: { secrets: [ABUSE_SECRET] },
    rateLimit: false,
    onAccepted: (alert) => {
      const key = alert.idempotencyKey;
      processed.set(key, (processed.get(key) ?? 0) + 1);
    },
  });
  const base = await listenHttpServer(app, { port: 0 });
  const good = `/webhook/tradingview/${ABUSE_SECRET}`;
  const legitKeys: string[] = [];
  const alert = (key: string) =>
    JSON.stringify({
      symbol: 'ES1!',
      action: random() < 0.5 ? 'buy' : 'sell',
      key,
      time: new Date().toISOString(),
    });
  const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const kinds: Kind[] = ['random', 'malformed', 'oversized', 'wrong-secret', 'no-secret', 'placeholder'];
  const byKind = new Map<Kind, Map<number, number>>();
  const wrong: string[] = [];
  let slowCount = 0;
  const slowLimit = options.fast ? 20 : 200;

  const one = async (i: number): Promise<void> => {
    let kind: Kind;
    if (i % 20 === 0) kind = 'legit';
    else if (i % 20 === 10 && legitKeys.length > 0) kind = 'duplicate';
    else if (i % 500 === 7 && slowCount < slowLimit) kind = 'slow-legit';
    else kind = kinds[Math.floor(random() * kinds.length)] ?? 'random';
    let answer: Answer;
    switch (kind) {
      case 'legit': {
        const key = `abuse-${i}`;
        legitKeys.push(key);
        answer = await send(base, good, alert(key));
        break;
      }
      case 'slow-legit': {
        slowCount++;
        const key = `abuse-slow-${i}`;
        legitKeys.push(key);
        answer = await send(base, good, alert(key), { slowMs: 800 });
        break;
      }
      case 'duplicate':
        answer = await send(base, good, alert(legitKeys[Math.floor(random() * legitKeys.length)] ?? 'x'));
        break;
      case 'random':
        answer = await send(base, good, randomBytes(1 + Math.floor(random() * 2_000)), {
          contentType: 'application/octet-stream',
        });
        break;
      case 'malformed': {
        const text = alert(`bad-${i}`);
        answer = await send(base, good, text.slice(0, Math.floor(random() * (text.length - 1))));
        break;
      }
      case 'placeholder':
        answer = await send(
          base,
          good,
          JSON.stringify({ symbol: '{{ticker}}', action: '{{strategy.order.action}}', key: `ph-${i}` }),
        );
        break;
      case 'oversized':
        answer = await send(
          base,
          good,
          `{"symbol":"ES1!","action":"buy","pad":"${'x'.repeat(70_000 + Math.floor(random() * 200_000))}"}`,
        );
        break;
      case 'wrong-secret':
        answer = await send(
          base,
          `/webhook/tradingview/wrong-${Math.floor(random() * 1e9)}`,
          alert(`ws-${i}`),
        );
        break;
      case 'no-secret':
        answer = await send(base, '/webhook/tradingview', alert(`ns-${i}`));
        break;
    }
    const counts = byKind.get(kind) ?? new Map<number, number>();
    counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
    byKind.set(kind, counts);
    const expected =
      kind === 'legit' || kind === 'slow-legit' || kind === 'duplicate'
        ? answer.status === 200
        : kind === 'oversized'
          ? answer.status === 413
          : kind === 'wrong-secret' || kind === 'no-secret'
            ? answer.status === 401 || answer.status === 403
            : answer.status >= 400 && answer.status < 500;
    if (!expected && wrong.length < 20) wrong.push(`${kind} #${i} → ${answer.status}`);
    if (!expected) wrongCount++;
  };
  let wrongCount = 0;
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: p.concurrency }, async () => {
      while (next < p.requests) await one(next++);
    }),
  );
  const floodSeconds = (Date.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 200));
  const notOnce = legitKeys.filter((k) => processed.get(`k_${k}`) !== 1).length;
  const halfStored = [...inbox.rows.values()].filter(
    (r) =>
      (r.status === 'received' && (r.parsed === null || !r.rawBody)) ||
      (r.status === 'rejected' && !r.reason) ||
      !['received', 'rejected', 'ignored', 'processed'].includes(r.status),
  ).length;

  // Sustained load: open-loop legitimate alerts at stepped rates; p99 acknowledgement per step.
  const steps: { rate: number; achieved: number; p99: number; p50: number; errors: number }[] = [];
  for (const rate of p.rates) {
    const latencies: number[] = [];
    let errors = 0;
    const pending: Promise<void>[] = [];
    const stepStart = performance.now();
    const total = Math.round((rate * p.stepMs) / 1000);
    for (let i = 0; i < total; i++) {
      const due = stepStart + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const key = `load-${rate}-${i}`;
      pending.push(
        send(base, good, alert(key)).then((a) => {
          if (a.status === 200) latencies.push(a.ms);
          else errors++;
        }),
      );
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - stepStart) / 1000;
    latencies.sort((a, b) => a - b);
    steps.push({
      rate,
      achieved: round(total / elapsed, 0),
      p99: round(percentile(latencies, 99), 1),
      p50: round(percentile(latencies, 50), 1),
      errors,
    });
    options.log?.(`webhook load ${rate}/s: p99 ${steps.at(-1)?.p99} ms`);
    if (percentile(latencies, 99) >= 100) break;
  }
  await app.close();
  const held = steps.filter((s) => s.p99 < 100 && s.errors === 0 && s.achieved >= s.rate * 0.9);
  const best = held.at(-1);
  const kindSummary = [...byKind.entries()]
    .map(([k, counts]) => `${k}: ${[...counts.entries()].map(([s, n]) => `${n}×${s}`).join(' ')}`)
    .join('; ');
  return {
    id: 'webhook',
    title: 'Webhook abuse and sustained load',
    parameters: {
      requests: p.requests,
      concurrency: p.concurrency,
      'legitimate alerts': 'every 20th request, plus re-sends of earlier ones',
      'slow requests (body trickled over 0.8 s)': slowLimit,
      'load steps (alerts/s)': p.rates.join(', '),
      'load step length': `${p.stepMs / 1000} s`,
      store:
        'in-memory inbox with the unique idempotency key (the SQL stores are covered by their own tests)',
      seed: options.seed,
    },
    figures: {
      'requests sent': p.requests,
      'flood duration': `${round(floodSeconds)} s (${round(p.requests / floodSeconds, 0)} req/s)`,
      'answers by kind (count×status)': kindSummary,
      'answers not as expected': wrongCount,
      'legitimate alerts': legitKeys.length,
      'legitimate alerts not processed exactly once': notOnce,
      'rows stored': inbox.rows.size,
      'rows stored half-way': halfStored,
      'load steps (rate → achieved, p50, p99, errors)': steps
        .map((s) => `${s.rate}/s → ${s.achieved}/s, ${s.p50} ms, ${s.p99} ms, ${s.errors}`)
        .join('; '),
      'highest rate held with p99 < 100 ms': best ? `${best.rate} alerts/s (p99 ${best.p99} ms)` : 'none',
    },
    criteria: [
      {
        name: 'the server stays up and every request gets its expected answer (200 / 413 / 401–403 / other 4xx, never 5xx)',
        pass: wrongCount === 0,
        measured: `${wrongCount} unexpected`,
      },
      {
        name: 'every legitimate alert processed exactly once',
        pass: notOnce === 0 && legitKeys.length > 0,
        measured: `${notOnce} of ${legitKeys.length} not once`,
      },
      { name: 'nothing stored half-way', pass: halfStored === 0, measured: `${halfStored} rows` },
      {
        name: `sustained load: p99 < 100 ms held at ≥ ${p.rates[0]} alerts/s`,
        pass: best !== undefined,
        measured: best ? `${best.rate}/s` : 'none',
      },
    ],
    notes: wrong,
    durationMs: Date.now() - started,
  };
}
