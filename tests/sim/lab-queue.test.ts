/**
 * The lab's PostgreSQL queue (sim/lab/queue.ts) against a real server (TEST_DATABASE_URL; skipped with
 * a message without it, a failure when CI=true), with workers as separate processes
 * (lab-queue-worker.ts): cells spread over two workers, a worker killed mid-cell, a failing cell, a
 * restarted coordinator. Every run must give the same results as `inlineExecutor`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CellResult, CellTask } from '../../sim/lab/cell.ts';
import { inlineExecutor } from '../../sim/lab/executor.ts';
import { queueExecutor } from '../../sim/lab/queue.ts';
import { type LabSource, loadLabData, sha256File } from '../../sim/lab/source.ts';
import { TestDatabases, withPostgres } from '../adapters/store/pg-server.ts';
import { rangeBoundCsv } from './synthetic.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER = fileURLToPath(new URL('./lab-queue-worker.ts', import.meta.url));

/** 3 × 4 = 12 cells over two days of synthetic 1-minute ES bars (a few hundred ms each). */
const TASKS: CellTask[] = [16, 24, 32].flatMap((profileRows, a) =>
  [60, 70, 80, 90].map((valueAreaPercent, b) => {
    const cell = a * 4 + b;
    return {
      key: `c${cell}`,
      cell,
      values: { profileRows, valueAreaPercent },
      window: null,
      keepTrades: cell % 3 === 0,
    };
  }),
);

interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** The first log line matching `pattern` (waiting for it up to `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
}

withPostgres('lab queue on PostgreSQL', (serverUrl) => {
  const databases = new TestDatabases(serverUrl);
  const workers: WorkerProcess[] = [];
  let url = '';
  let dir = '';
  let source: LabSource;
  let inline: CellResult[] = [];

  const startWorker = (name: string, idleExitSeconds: number | null, env: Record<string, string> = {}) => {
    const args = [
      '--import',
      'tsx',
      WORKER,
      url,
      name,
      ...(idleExitSeconds === null ? [] : [String(idleExitSeconds)]),
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    let partial = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      for (const w of waiters.splice(0)) w();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const waitFor = (pattern: RegExp, ms = 20_000) =>
      new Promise<RegExpExecArray>((done, fail) => {
        const timer = setTimeout(
          () =>
            fail(
              new Error(
                `${name} never logged ${pattern} in ${ms} ms; stdout:\n${lines.join('\n')}\n${stderr}`,
              ),
            ),
          ms,
        );
        const look = () => {
          for (const line of lines) {
            const m = pattern.exec(line);
            if (m) {
              clearTimeout(timer);
              return done(m);
            }
          }
          waiters.push(look);
        };
        look();
      });
    const worker: WorkerProcess = { name, child, lines, exited, waitFor };
    workers.push(worker);
    return worker;
  };

  const query = async <T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };

  const attemptsOf = (sweep: string) =>
    query<{ key: string; attempt: number; worker: string; outcome: string | null }>(
      'select key, attempt, worker, outcome from lab_attempts where sweep_id = $1 order by key, attempt, id',
      [sweep],
    );
  const resultRowsOf = (sweep: string) =>
    query<{ key: string; worker: string; attempt: number }>(
      'select key, worker, attempt from lab_results where sweep_id = $1 order by key',
      [sweep],
    );

  beforeAll(async () => {
    url = await databases.createEmpty();
    dir = mkdtempSync(join(tmpdir(), 'valuearea-lab-queue-'));
    const data = join(dir, 'ES_1m.csv');
    writeFileSync(data, rangeBoundCsv(Date.UTC(2025, 2, 3, 14, 30), 3000));
    source = {
      data,
      dataSha256: sha256File(data, 'data'),
      alerts: null,
      alertsSha256: null,
      symbol: 'ES',
      timeZone: null,
      from: null,
      to: null,
      demoPeriod: 20,
      policy: 'conservative',
      settings: { accountRules: 'custom', dailyLossLimit: 0, trailingDrawdown: 0 },
      exchange: {},
      monteCarlo: { runs: 500, seed: 1 },
    };
    inline = await inlineExecutor(loadLabData(source, { verify: true })).run(TASKS);
  });

  afterAll(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await databases.dropAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('spreads a sweep over two worker processes, each cell done exactly once, results as inline', async () => {
    const a = startWorker('worker-a', 2);
    const b = startWorker('worker-b', 2);
    // The coordinator starts the queue schema too; workers may race it on a fresh database.
    await Promise.all([a.waitFor(/^worker worker-a waiting/), b.waitFor(/^worker worker-b waiting/)]);
    const executor = await queueExecutor({
      connectionString: url,
      source,
      sweepId: 'spread',
      work: 0,
      pollMs: 100,
    });
    const progress: number[] = [];
    let results: CellResult[];
    try {
      results = await executor.run(TASKS, (_r, done) => progress.push(done));
    } finally {
      await executor.close();
    }
    expect(JSON.stringify(results)).toBe(JSON.stringify(inline));
    expect(progress).toEqual(TASKS.map((_, i) => i + 1));

    const rows = await resultRowsOf('spread');
    expect(rows.map((r) => r.key).sort()).toEqual(TASKS.map((t) => t.key).sort());
    const attempts = await attemptsOf('spread');
    expect(attempts.length).toBe(TASKS.length);
    expect(attempts.every((x) => x.attempt === 1 && x.outcome === 'done')).toBe(true);
    const byWorker = new Map<string, number>();
    for (const r of rows) byWorker.set(r.worker, (byWorker.get(r.worker) ?? 0) + 1);
    expect(byWorker.get('worker-a') ?? 0).toBeGreaterThan(0);
    expect(byWorker.get('worker-b') ?? 0).toBeGreaterThan(0);
    expect(a.lines.filter((l) => l.startsWith('claimed spread ')).length).toBe(byWorker.get('worker-a'));

    // Idle for 2 s with the queue empty: both stop by themselves.
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('hands the cell of a worker killed mid-cell to another worker once its job expires', async () => {
    const executor = await queueExecutor({
      connectionString: url,
      source,
      sweepId: 'killed',
      work: 0,
      expireInSeconds: 3,
      pollMs: 100,
    });
    try {
      const running = executor.run(TASKS);
      const a = startWorker('worker-a', null, { VALUEAREA_LAB_PAUSE_MS: '60000' });
      const [, killedKey] = await a.waitFor(/^claimed killed (\S+) attempt 1$/);
      a.child.kill('SIGKILL');
      await a.exited;
      const started = Date.now();
      startWorker('worker-b', 10);
      const results = await running;
      expect(JSON.stringify(results)).toBe(JSON.stringify(inline));
      // The killed cell waited for its expiry (3 s), then for the maintenance that requeues it.
      expect(Date.now() - started).toBeLessThan(15_000);

      const attempts = await attemptsOf('killed');
      expect(attempts.filter((x) => x.key === killedKey)).toEqual([
        { key: killedKey, attempt: 1, worker: 'worker-a', outcome: null },
        { key: killedKey, attempt: 2, worker: 'worker-b', outcome: 'done' },
      ]);
      const others = attempts.filter((x) => x.key !== killedKey);
      expect(others.length).toBe(TASKS.length - 1);
      expect(others.every((x) => x.attempt === 1 && x.worker === 'worker-b' && x.outcome === 'done')).toBe(
        true,
      );
      const rows = await resultRowsOf('killed');
      expect(rows.length).toBe(TASKS.length);
      expect(rows.filter((r) => r.key === killedKey)).toEqual([
        { key: killedKey, worker: 'worker-b', attempt: 2 },
      ]);
    } finally {
      await executor.close();
    }
  });

  it('fails the sweep naming the cell and its error once the retries are used up', async () => {
    const bad: CellTask = {
      key: 'c99',
      cell: 99,
      values: { accountRules: 'no-such-rules' },
      window: null,
      keepTrades: false,
    };
    // No worker process: this coordinator runs the cells itself.
    const executor = await queueExecutor({
      connectionString: url,
      source,
      sweepId: 'failing',
      retries: 1,
      pollMs: 100,
    });
    try {
      await expect(executor.run([TASKS[0]!, bad])).rejects.toThrow(
        'cell c99: unknown accountRules "no-such-rules" (after 2 attempts)',
      );
    } finally {
      await executor.close();
    }
    const attempts = await attemptsOf('failing');
    expect(attempts.filter((x) => x.key === 'c99').map((x) => [x.attempt, x.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
  });

  it('a restarted coordinator reuses the results of its sweep and refuses other data under the same id', async () => {
    const again = await queueExecutor({
      connectionString: url,
      source,
      sweepId: 'spread',
      work: 0,
      pollMs: 100,
    });
    try {
      expect(JSON.stringify(await again.run(TASKS))).toBe(JSON.stringify(inline));
    } finally {
      await again.close();
    }
    expect((await attemptsOf('spread')).length).toBe(TASKS.length);

    const other = { ...source, demoPeriod: 30 };
    await expect(
      queueExecutor({ connectionString: url, source: other, sweepId: 'spread', work: 0 }),
    ).rejects.toThrow(
      'sweep "spread" is already in the queue with other data or settings; give this sweep a new id',
    );
  });
});
