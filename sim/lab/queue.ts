/**
 * Cells on any machine through a PostgreSQL job queue (pg-boss, in its own schema `pgboss`, queue
 * `valuearea-lab`). The coordinator stores the sweep's `LabSource` once (`lab_sweeps`), enqueues one
 * job per cell and waits for a row per cell in `lab_results`; workers (`runQueueWorker`, on this or
 * any machine that has the same files) claim jobs, load each sweep once with its hashes verified, run
 * `runCell` and write the result.
 *
 * Crash-only: a worker killed mid-cell leaves its job active; once the job's expiry passes, pg-boss's
 * maintenance puts it back in the queue and another worker takes it (up to `retries` times). A result
 * row is written with `on conflict do nothing` in the same transaction that completes the job, so a
 * cell run twice (a slow worker outliving its expiry) still has exactly one result. Job ids are
 * derived from the sweep, the key and the task, so a restarted coordinator enqueues nothing twice and
 * reuses every result already there. `lab_attempts` keeps one row per claim, for the record and the
 * "done exactly once" tests.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { type CellResult, type CellTask, type LabData, runCell } from './cell.ts';
import { CellError, type LabExecutor } from './executor.ts';
import type { SettingValue } from './grid.ts';
import { type LabSource, LabSourceError, loadLabData } from './source.ts';

export const LAB_QUEUE = 'valuearea-lab';
const BOSS_SCHEMA = 'pgboss';
const INSERT_BATCH = 500;

/** Test hook: a worker waits this long (ms) after each claim before running the cell, so a test can kill it mid-cell. */
const PAUSE_ENV = 'VALUEAREA_LAB_PAUSE_MS';

// `result` is json, not jsonb: jsonb reorders object keys, and the lab's report must be byte-identical
// on every executor.
const SCHEMA_SQL = `
  create table if not exists lab_sweeps (
    id text primary key,
    source jsonb not null,
    lookbacks jsonb not null default '[]',
    created_at timestamptz not null default now()
  );
  create table if not exists lab_results (
    sweep_id text not null references lab_sweeps (id),
    key text not null,
    task_sha256 text not null,
    result json not null,
    worker text not null,
    attempt int not null,
    finished_at timestamptz not null default now(),
    primary key (sweep_id, key)
  );
  create table if not exists lab_attempts (
    id bigserial primary key,
    sweep_id text not null,
    key text not null,
    job_id uuid not null,
    attempt int not null,
    worker text not null,
    claimed_at timestamptz not null default now(),
    finished_at timestamptz,
    -- null: running, or its worker died; done: wrote the result; duplicate: a result was already there
    outcome text check (outcome in ('done', 'duplicate', 'failed')),
    error text
  );
  create index if not exists lab_attempts_sweep_key on lab_attempts (sweep_id, key);
`;

interface CellJob {
  readonly sweepId: string;
  readonly taskSha256: string;
  readonly task: CellTask;
}

export interface QueueExecutorOptions {
  readonly connectionString: string;
  readonly source: LabSource;
  readonly sweepId: string;
  /** Every profileLookbackMinutes a cell may use (workers keep the same history before --from). */
  readonly lookbacks?: readonly number[];
  /** Cells this process also runs itself; 0 = coordinator only. Default 1. */
  readonly work?: number;
  /** A claimed job not finished after this long is handed to another worker. Default 600. */
  readonly expireInSeconds?: number;
  /** Retries after the first attempt before the sweep fails. Default 3. */
  readonly retries?: number;
  /** How often to look for results. Default 500 ms. */
  readonly pollMs?: number;
  readonly onLog?: (line: string) => void;
}

export interface QueueWorkerOptions {
  readonly connectionString: string;
  /** Recorded with each claim and result. Default: host/pid. */
  readonly workerName?: string;
  /** Exit after this long with no job; undefined = run until stopped. */
  readonly idleExitSeconds?: number;
  /** How often an idle worker looks for a job. Default 500 ms. */
  readonly pollMs?: number;
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

interface Connection {
  readonly pool: pg.Pool;
  readonly boss: PgBoss;
  close(): Promise<void>;
}

/** One pool for pg-boss and the lab tables; the schema, the queue and the tables made if missing. */
async function connect(connectionString: string, maintenanceSeconds: number, log: (line: string) => void) {
  const pool = new pg.Pool({ connectionString, max: 3, application_name: 'valuearea-lab' });
  pool.on('error', (error) => log(`queue error: ${error.message}`));
  const boss = new PgBoss({
    db: { executeSql: (text, values) => pool.query(text, values) },
    schema: BOSS_SCHEMA,
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: maintenanceSeconds,
  });
  boss.on('error', (error) => log(`queue error: ${error.message}`));
  try {
    await boss.start();
    await boss.createQueue(LAB_QUEUE);
    const client = await pool.connect();
    try {
      // Several processes may start on a fresh database at once; `if not exists` alone can race.
      await client.query('begin');
      await client.query(`select pg_advisory_xact_lock(hashtext('valuearea-lab schema'))`);
      await client.query(SCHEMA_SQL);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => {});
    await pool.end();
    throw error;
  }
  const connection: Connection = {
    pool,
    boss,
    async close() {
      await boss.stop({ graceful: false, wait: true });
      await pool.end();
    },
  };
  return connection;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A UUID that is a function of the sweep, the key and the task: enqueueing a cell twice is a no-op. */
function jobId(sweepId: string, key: string, taskSha256: string): string {
  const h = sha256(`${sweepId}\n${key}\n${taskSha256}`);
  const variant = ((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The job's data back into a task; fields rebuilt in `CellTask` order (the job went through jsonb). */
function parseCellJob(data: unknown): CellJob {
  const job = data as { sweepId?: unknown; taskSha256?: unknown; task?: Record<string, unknown> } | null;
  const task = job?.task;
  const window = task?.window as { from?: unknown; to?: unknown } | null | undefined;
  if (
    typeof job?.sweepId !== 'string' ||
    typeof job.taskSha256 !== 'string' ||
    typeof task?.key !== 'string' ||
    typeof task.cell !== 'number' ||
    typeof task.values !== 'object' ||
    task.values === null ||
    typeof task.keepTrades !== 'boolean' ||
    (window !== null && (typeof window?.from !== 'number' || typeof window.to !== 'number'))
  )
    throw new Error(
      'the job is not a lab cell (sweepId, taskSha256, task with key, cell, values, window, keepTrades)',
    );
  return {
    sweepId: job.sweepId,
    taskSha256: job.taskSha256,
    task: {
      key: task.key,
      cell: task.cell,
      values: task.values as Record<string, SettingValue>,
      window: window === null ? null : { from: window.from as number, to: window.to as number },
      keepTrades: task.keepTrades,
    },
  };
}

/** Each sweep's data loaded once per process (the last two sweeps kept). */
class SweepCache {
  private readonly loaded = new Map<string, Promise<LabData>>();

  constructor(private readonly pool: pg.Pool) {}

  get(sweepId: string): Promise<LabData> {
    let data = this.loaded.get(sweepId);
    if (!data) {
      data = this.load(sweepId);
      data.catch(() => this.loaded.delete(sweepId));
      this.loaded.set(sweepId, data);
      if (this.loaded.size > 2) this.loaded.delete(this.loaded.keys().next().value!);
    }
    return data;
  }

  private async load(sweepId: string): Promise<LabData> {
    const { rows } = await this.pool.query<{ source: LabSource; lookbacks: number[] }>(
      'select source, lookbacks from lab_sweeps where id = $1',
      [sweepId],
    );
    if (!rows[0])
      throw new LabSourceError(`sweep "${sweepId}" is not in lab_sweeps; its coordinator never stored it`);
    return loadLabData(rows[0].source, { verify: true, lookbacks: rows[0].lookbacks });
  }
}

interface WorkerContext {
  readonly connection: Connection;
  readonly sweeps: SweepCache;
  readonly worker: string;
  readonly log: (line: string) => void;
  readonly pauseMs: number;
  readonly signal?: AbortSignal;
}

type Claim = 'none' | 'finished' | 'failed';

/** Claims one job and sees it through; 'none' when the queue had nothing. */
async function claimOne(ctx: WorkerContext): Promise<Claim> {
  const { pool, boss } = ctx.connection;
  const [job] = await boss.fetch<unknown>(LAB_QUEUE, { includeMetadata: true, batchSize: 1 });
  if (!job) return 'none';
  const attempt = job.retryCount + 1;
  let cell: CellJob;
  try {
    cell = parseCellJob(job.data);
  } catch (error) {
    ctx.log(`failed job ${job.id}: ${messageOf(error)}`);
    await boss.fail(LAB_QUEUE, job.id, { message: messageOf(error), worker: ctx.worker });
    return 'failed';
  }
  const { sweepId, task } = cell;
  const claim = await pool.query<{ id: string }>(
    'insert into lab_attempts (sweep_id, key, job_id, attempt, worker) values ($1, $2, $3, $4, $5) returning id',
    [sweepId, task.key, job.id, attempt, ctx.worker],
  );
  const attemptId = claim.rows[0]!.id;
  // Logged once recorded: a worker killed right after this line has left its claim in lab_attempts.
  ctx.log(`claimed ${sweepId} ${task.key} attempt ${attempt}`);
  if (ctx.pauseMs > 0) await sleep(ctx.pauseMs);

  const fail = async (message: string) => {
    await pool.query(
      `update lab_attempts set finished_at = now(), outcome = 'failed', error = $2 where id = $1`,
      [attemptId, message],
    );
    await boss.fail(LAB_QUEUE, job.id, { message, worker: ctx.worker });
    ctx.log(`failed ${sweepId} ${task.key} attempt ${attempt}: ${message}`);
  };

  let data: LabData;
  try {
    data = await ctx.sweeps.get(sweepId);
  } catch (error) {
    // This machine cannot run the sweep (files missing or different): stop rather than use up its retries.
    await fail(`worker ${ctx.worker}: ${messageOf(error)}`);
    throw new LabSourceError(`worker ${ctx.worker} cannot run sweep "${sweepId}": ${messageOf(error)}`);
  }
  const started = performance.now();
  let result: CellResult;
  try {
    result = runCell(data, task);
  } catch (error) {
    await fail(messageOf(error));
    return 'failed';
  }
  const ms = Math.round(performance.now() - started);

  const client = await pool.connect();
  let inserted: boolean;
  try {
    await client.query('begin');
    const written = await client.query(
      `insert into lab_results (sweep_id, key, task_sha256, result, worker, attempt) values ($1, $2, $3, $4, $5, $6)
       on conflict (sweep_id, key) do nothing`,
      [sweepId, task.key, cell.taskSha256, JSON.stringify(result), ctx.worker, attempt],
    );
    inserted = written.rowCount === 1;
    await client.query('update lab_attempts set finished_at = now(), outcome = $2 where id = $1', [
      attemptId,
      inserted ? 'done' : 'duplicate',
    ]);
    // Completing a job that already expired affects nothing; the result stands either way.
    await boss.complete(
      LAB_QUEUE,
      job.id,
      { worker: ctx.worker },
      { db: { executeSql: (t, v) => client.query(t, v) } },
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  ctx.log(
    `finished ${sweepId} ${task.key} attempt ${attempt} in ${ms} ms${inserted ? '' : ' (already done)'}`,
  );
  return 'finished';
}

function pauseMs(): number {
  const raw = process.env[PAUSE_ENV];
  if (raw === undefined || raw === '') return 0;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`${PAUSE_ENV}="${raw}": give a number of milliseconds`);
  return ms;
}

const defaultWorkerName = () => `${hostname()}/${process.pid}`;

/** A worker: claims jobs from every sweep on the queue until stopped, or idle for idleExitSeconds. */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<{ done: number }> {
  const log = options.onLog ?? (() => {});
  const worker = options.workerName ?? defaultWorkerName();
  const pollMs = options.pollMs ?? 500;
  const pause = pauseMs();
  const connection = await connect(options.connectionString, 30, log);
  const ctx: WorkerContext = {
    connection,
    sweeps: new SweepCache(connection.pool),
    worker,
    log,
    pauseMs: pause,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let done = 0;
  try {
    log(`worker ${worker} waiting for cells on queue ${LAB_QUEUE}`);
    let idleSince = Date.now();
    while (!options.signal?.aborted) {
      const claim = await claimOne(ctx);
      if (claim !== 'none') {
        if (claim === 'finished') done++;
        idleSince = Date.now();
        continue;
      }
      const idleExit = options.idleExitSeconds;
      if (idleExit !== undefined && Date.now() - idleSince >= idleExit * 1000) {
        log(`worker ${worker}: no cell for ${idleExit} s, stopping`);
        break;
      }
      await sleep(pollMs, options.signal);
    }
    log(`worker ${worker} stopped after ${done} cell(s)`);
    return { done };
  } finally {
    await connection.close();
  }
}

interface ResultRow {
  readonly key: string;
  readonly task_sha256: string;
  readonly result: CellResult;
}

/** The coordinator: one job per task, results in task order once every task has a row in lab_results. */
export async function queueExecutor(options: QueueExecutorOptions): Promise<LabExecutor> {
  const { sweepId, source } = options;
  const log = options.onLog ?? (() => {});
  const work = options.work ?? 1;
  const expireInSeconds = options.expireInSeconds ?? 600;
  const retryLimit = options.retries ?? 3;
  const pollMs = options.pollMs ?? 500;
  // This process checks for expired jobs often enough for the expiry to matter (workers do too, slower).
  const connection = await connect(
    options.connectionString,
    Math.max(1, Math.min(60, Math.floor(expireInSeconds / 3))),
    log,
  );
  const { pool, boss } = connection;
  try {
    const stored = await pool.query<{ same: boolean }>(
      `with stored as (
         insert into lab_sweeps (id, source, lookbacks) values ($1, $2, $3) on conflict (id) do nothing returning true
       )
       select coalesce((select true from stored), (select source = $2::jsonb and lookbacks = $3::jsonb from lab_sweeps where id = $1)) as same`,
      [sweepId, JSON.stringify(source), JSON.stringify(options.lookbacks ?? [])],
    );
    if (!stored.rows[0]?.same)
      throw new LabSourceError(
        `sweep "${sweepId}" is already in the queue with other data or settings; give this sweep a new id`,
      );
  } catch (error) {
    await connection.close();
    throw error;
  }
  const sweeps = new SweepCache(pool);
  const worker = `${defaultWorkerName()} (coordinator)`;

  return {
    parallelism: Math.max(1, work),
    name: `queue ${LAB_QUEUE}, sweep ${sweepId}${work > 0 ? `, ${work} here` : ''}`,
    async run(tasks, onDone) {
      const results: (CellResult | undefined)[] = new Array(tasks.length);
      const shas = tasks.map((t) => sha256(JSON.stringify(t)));
      const ids = tasks.map((t, i) => jobId(sweepId, t.key, shas[i]!));
      const indexById = new Map(ids.map((id, i) => [id, i]));
      const pending = new Map(tasks.map((t, i) => [t.key, i]));
      if (pending.size !== tasks.length)
        throw new Error('queueExecutor: two tasks share a key; keys must be unique');
      let done = 0;

      const collect = async () => {
        const { rows } = await pool.query<ResultRow>(
          'select key, task_sha256, result from lab_results where sweep_id = $1 and key = any($2)',
          [sweepId, [...pending.keys()]],
        );
        for (const row of rows) {
          const i = pending.get(row.key)!;
          if (row.task_sha256 !== shas[i])
            throw new CellError(
              row.key,
              `sweep "${sweepId}" already has a result for this key from other settings; give this sweep a new id`,
            );
          pending.delete(row.key);
          results[i] = row.result;
          done++;
          onDone?.(row.result, done, tasks.length);
        }
      };
      // A restarted coordinator reuses the results already there.
      await collect();
      const missing = tasks.map((_, i) => i).filter((i) => pending.has(tasks[i]!.key));
      const missingIds = missing.map((i) => ids[i]!);
      if (missing.length > 0) {
        // A job of an earlier run that ended without a result (failed, cancelled) is replaced by a fresh one.
        await pool.query(
          `delete from ${BOSS_SCHEMA}.job where name = $1 and id = any($2::uuid[]) and state in ('completed', 'cancelled', 'failed')`,
          [LAB_QUEUE, missingIds],
        );
        for (let k = 0; k < missing.length; k += INSERT_BATCH)
          await boss.insert(
            missing.slice(k, k + INSERT_BATCH).map((i) => ({
              id: ids[i]!,
              name: LAB_QUEUE,
              data: { sweepId, taskSha256: shas[i]!, task: tasks[i]! },
              retryLimit,
              expireInSeconds,
            })),
          );
      }

      // Local workers, on the same claim loop as any other worker.
      let stopping = false;
      const local = Array.from({ length: missing.length > 0 ? work : 0 }, async () => {
        const ctx: WorkerContext = { connection, sweeps, worker, log, pauseMs: 0 };
        while (!stopping) if ((await claimOne(ctx)) === 'none' && !stopping) await sleep(pollMs);
      });
      let localError: unknown = null;
      for (const loop of local)
        loop.catch((error) => {
          localError ??= error;
        });

      try {
        while (pending.size > 0) {
          if (localError) throw localError;
          // Failures first: a job that failed but whose result landed meanwhile (a late worker) still counts.
          const failed = await pool.query<{
            id: string;
            output: { message?: string; value?: { message?: string } } | null;
          }>(
            `select id, output from ${BOSS_SCHEMA}.job where name = $1 and id = any($2::uuid[]) and state = 'failed'`,
            [LAB_QUEUE, [...pending.values()].map((i) => ids[i]!)],
          );
          await collect();
          const failure = failed.rows.find((row) => pending.has(tasks[indexById.get(row.id)!]!.key));
          if (failure) {
            const key = tasks[indexById.get(failure.id)!]!.key;
            const reason = failure.output?.message ?? failure.output?.value?.message ?? 'failed';
            // pg-boss's own words for an expired job: say what it means here.
            const message = reason.includes('failed by timeout')
              ? `no worker finished it within its expiry of ${expireInSeconds} s (workers stopped, or the cell is slower than that)`
              : reason;
            await boss.cancel(
              LAB_QUEUE,
              [...pending.values()].map((i) => ids[i]!),
            );
            throw new CellError(key, `${message} (after ${retryLimit + 1} attempts)`);
          }
          if (pending.size > 0) await sleep(pollMs);
        }
      } finally {
        stopping = true;
        await Promise.allSettled(local);
      }
      if (localError) throw localError;
      return results as CellResult[];
    },
    close: () => connection.close(),
  };
}
