/**
 * End to end through the shared database: TradingView-style posts to the relay (real Deno) are
 * picked up by a separately started process listening on the same PostgreSQL database, each
 * accepted alert exactly once, including alerts posted while that process was stopped (caught up
 * on restart by the stream's unprocessed-alerts read and sweep). Rejected, ignored and duplicate
 * posts never reach it.
 *
 * Two consumers: the store's alert stream in a tsx process (tests/supabase/alert-listener.ts), and
 * the bot itself (scripts/bot.ts, its "signal decided" log lines), whenever that script is present.
 */
import { type ChildProcess, spawn } from 'node:child_process';

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestDatabases } from '../adapters/store/pg-server.ts';
import { alertJson, post, webhookUrl } from './alerts.ts';
import {
  collectLines,
  DENO_MISSING,
  describeWhen,
  eventually,
  POSTGRES_MISSING,
  REPO_ROOT,
  type RunningRelay,
  startRelay,
  stopChild,
  TEST_DATABASE_URL,
} from './deno.ts';

const SECRET = 'edge-e2e-secret-41c2';
const LISTENER = fileURLToPath(new URL('./alert-listener.ts', import.meta.url));
const BOT = fileURLToPath(new URL('../../scripts/bot.ts', import.meta.url));
const SWEEP_MS = 500;

interface Consumer {
  readonly child: ChildProcess;
  readonly lines: string[];
}

/** A consumer process and the alert keys it reports, from each JSON line `pick` recognises. */
interface ConsumerKind {
  readonly name: string;
  args(databaseUrl: string): string[];
  /** Resolves when the process is ready to receive. */
  ready(lines: readonly string[]): boolean;
  /** The alert key a line reports, or undefined. */
  pick(line: string): string | undefined;
  /** Checks every reporting line once the flow is done. */
  validate?(line: Record<string, unknown>): void;
}

const listenerKind: ConsumerKind = {
  name: 'alert-stream listener',
  args: (databaseUrl) => ['--import', 'tsx', LISTENER, databaseUrl, String(SWEEP_MS)],
  ready: (lines) => lines.includes('ready'),
  pick: (line) => parseJson(line, 'alert received')?.['key'] as string | undefined,
};

const botKind: ConsumerKind = {
  name: 'bot (scripts/bot.ts)',
  args: (databaseUrl) => [
    '--import',
    'tsx',
    BOT,
    '--database-url',
    databaseUrl,
    '--no-webhook',
    '--no-demo',
    '--port',
    '0',
    '--broker',
    'paper',
    '--status',
    'plain',
  ],
  // Alerts posted before the bot listens are caught up by its start-up read, so it is "ready" at once.
  ready: () => true,
  pick: (line) => parseJson(line, 'signal decided')?.['alertKey'] as string | undefined,
  // Every signal ends with exactly one decision and a human-readable reason.
  validate: (decision) => {
    expect(decision).toMatchObject({ status: expect.any(String), reason: expect.any(String) });
    expect(String(decision['reason']).length).toBeGreaterThan(0);
  },
};

function parseJson(line: string, msg: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    return value['msg'] === msg ? value : undefined;
  } catch {
    return undefined;
  }
}

async function startConsumer(kind: ConsumerKind, databaseUrl: string): Promise<Consumer> {
  const child = spawn(process.execPath, kind.args(databaseUrl), {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  collectLines(child, (line) => lines.push(line));
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  await eventually(`${kind.name} to start`, () => kind.ready(lines) || exited, 60_000);
  if (exited) throw new Error(`${kind.name} exited at start:\n${lines.join('\n')}`);
  return { child, lines };
}

function keysSeen(kind: ConsumerKind, runs: readonly Consumer[]): string[] {
  return runs.flatMap((run) =>
    run.lines.map((l) => kind.pick(l)).filter((k): k is string => k !== undefined),
  );
}

function defineFlow(kind: ConsumerKind): void {
  const databases = new TestDatabases(TEST_DATABASE_URL ?? '');
  let relay: RunningRelay;
  let databaseUrl: string;
  const runs: Consumer[] = [];

  beforeAll(async () => {
    databaseUrl = await databases.createMigrated();
    relay = await startRelay({ WEBHOOK_SECRET: SECRET, SUPABASE_DB_URL: databaseUrl });
  });
  afterAll(async () => {
    for (const run of runs) await stopChild(run.child);
    await relay?.stop();
    await databases.dropAll();
  });

  it('delivers each accepted alert exactly once, also those posted while it was stopped', async () => {
    const url = webhookUrl(relay.url, SECRET);
    const accept = async (fields: Record<string, unknown>): Promise<string> => {
      const posted = await post(url, alertJson(fields));
      expect(posted.body.status).toBe('accepted');
      return String(posted.body.key);
    };

    const first = await startConsumer(kind, databaseUrl);
    runs.push(first);
    const a = await accept({ symbol: 'ES1!', action: 'buy', key: 'edge-a' });
    const repeatA = await post(url, alertJson({ symbol: 'ES1!', action: 'buy', key: 'edge-a' }));
    expect(repeatA.body).toEqual({ status: 'duplicate', key: a });
    const b = await accept({ symbol: 'NQ1!', action: 'sell', key: 'edge-b' });
    expect((await post(url, alertJson({ symbol: '{{ticker}}', key: 'edge-bad' }))).status).toBe(422);
    expect((await post(webhookUrl(relay.url, 'wrong-secret'), alertJson({ key: 'edge-x' }))).status).toBe(
      403,
    );
    const stale = await post(
      url,
      alertJson({ key: 'edge-old', time: new Date(Date.now() - 3_600_000).toISOString() }),
    );
    expect(stale.body.status).toBe('ignored');

    await eventually(
      'the first run to report a and b',
      () => keysSeen(kind, [first]).length >= 2,
      60_000,
      () => first.lines,
    );
    // Let a few sweeps pass: none may deliver a second time.
    await new Promise((r) => setTimeout(r, SWEEP_MS * 4));
    expect(keysSeen(kind, [first])).toEqual([a, b]);
    await stopChild(first.child);

    // Posted while nobody listens: the next start must catch them up.
    const c = await accept({ symbol: 'MES1!', action: 'buy', key: 'edge-c' });
    const d = await accept({ symbol: 'MNQ1!', action: 'close', key: 'edge-d' });

    const second = await startConsumer(kind, databaseUrl);
    runs.push(second);
    await eventually(
      'the second run to report c and d',
      () => keysSeen(kind, [second]).length >= 2,
      60_000,
      () => second.lines,
    );
    await new Promise((r) => setTimeout(r, SWEEP_MS * 4));
    expect(keysSeen(kind, [second])).toEqual([c, d]);
    // And one more post while it runs arrives through the notification.
    const e = await accept({ symbol: 'ES1!', action: 'sell', key: 'edge-e' });
    await eventually(
      'the second run to report e',
      () => keysSeen(kind, [second]).includes(e),
      60_000,
      () => second.lines,
    );

    if (kind.validate) {
      const msg = kind === botKind ? 'signal decided' : 'alert received';
      const reports = runs.flatMap((run) =>
        run.lines.map((l) => parseJson(l, msg)).filter((r) => r !== undefined),
      );
      for (const report of reports) kind.validate(report);
    }
    const all = keysSeen(kind, runs);
    expect([...all].sort()).toEqual([a, b, c, d, e].sort());
    expect(new Set(all).size).toBe(all.length);
  }, 240_000);
}

describeWhen(
  'relay → database → alert-stream listener (separate process)',
  DENO_MISSING ?? POSTGRES_MISSING,
  () => defineFlow(listenerKind),
);

describeWhen('relay → database → bot (scripts/bot.ts)', DENO_MISSING ?? POSTGRES_MISSING, () =>
  defineFlow(botKind),
);
