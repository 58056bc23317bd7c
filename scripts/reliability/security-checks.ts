/** Row-level security on a real PostgreSQL server and the exposed dashboard's control routes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type BotLog, startBotProcess, stopGracefully } from './bot-process.ts';
import { createBotDatabase } from './pg.ts';

const PUBLIC_READ = ['positions', 'trades_log', 'signals', 'backtests'];
const PRIVATE = ['bot_settings', 'guard_state', 'execution_events', 'orders', 'schema_migrations'];
const ALL = [...PUBLIC_READ, 'alerts', ...PRIVATE];

/** Each probe as the anon role inside a rolled-back transaction; returns the probes anon got through. */
export async function probeAnon(server: string): Promise<{ probes: number; allowed: string[] }> {
  const db = await createBotDatabase(server, {});
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const allowed: string[] = [];
  let probes = 0;
  const attempt = async (what: string, sql: string, expectAllowed: boolean) => {
    probes++;
    await client.query('begin');
    let ok = true;
    try {
      await client.query('set local role anon');
      await client.query(sql);
    } catch (error) {
      // Only "insufficient privilege" (42501, also RLS) counts as refused: any other error means
      // the statement got past the privilege check.
      ok = (error as { code?: string }).code !== '42501';
    } finally {
      await client.query('rollback');
    }
    if (ok !== expectAllowed)
      allowed.push(
        `${what}: ${ok ? 'allowed' : 'refused'} (expected ${expectAllowed ? 'allowed' : 'refused'})`,
      );
  };
  const columns = new Map(
    (
      await client.query<{ table_name: string; column_name: string }>(
        "select table_name, min(column_name) as column_name from information_schema.columns where table_schema = 'public' and is_generated = 'NEVER' and is_identity = 'NO' group by table_name",
      )
    ).rows.map((r) => [r.table_name, r.column_name]),
  );
  try {
    for (const table of ALL) {
      const column = columns.get(table) ?? 'id';
      await attempt(`insert into ${table}`, `insert into ${table} default values`, false);
      await attempt(`update ${table}`, `update ${table} set ${column} = ${column}`, false);
      await attempt(`delete from ${table}`, `delete from ${table}`, false);
      await attempt(`truncate ${table}`, `truncate ${table}`, false);
    }
    for (const table of PRIVATE)
      await attempt(`select from ${table}`, `select * from ${table} limit 1`, false);
    await attempt('select alerts.raw_body', 'select raw_body from alerts limit 1', false);
    await attempt('select alerts.source_address', 'select source_address from alerts limit 1', false);
    await attempt('call insert_alert', "select insert_alert('{}'::jsonb)", false);
    await attempt('call upsert_signal', "select upsert_signal('{}'::jsonb)", false);
    await attempt('create table', 'create table anon_probe (x int)', false);
    // What the dashboard key is meant to read must stay readable.
    for (const table of PUBLIC_READ)
      await attempt(`select from ${table}`, `select * from ${table} limit 1`, true);
    await attempt('select alerts (public columns)', 'select id, status, symbol from alerts limit 1', true);
  } finally {
    await client.end();
    await db.drop().catch(() => {});
  }
  return { probes, allowed };
}

/** The bot bound beyond loopback with DASHBOARD_TOKEN: unauthenticated API and control requests are refused. */
export async function probeExposedDashboard(
  token: string,
  logFile: string,
): Promise<{ requests: number; wrong: string[]; wrongTokenLogged: boolean }> {
  const pglite = mkdtempSync(join(tmpdir(), 'valuearea-rel-pglite-'));
  const log: BotLog = { lines: [], file: logFile };
  const bot = await startBotProcess(
    ['--broker', 'paper', '--no-demo', '--host', '0.0.0.0', '--port', '0', '--status', 'off', '--no-webhook'],
    { DASHBOARD_TOKEN: token, PGLITE_DIR: pglite, LOG_LEVEL: 'info' },
    log,
  );
  const base = bot.url.replace('0.0.0.0', '127.0.0.1');
  const wrong: string[] = [];
  let requests = 0;
  const wrongToken = 'rel-wrong-dashboard-token-0000';
  const check = async (what: string, path: string, init: RequestInit, expected: number) => {
    requests++;
    const res = await fetch(`${base}${path}`, init);
    await res.text();
    if (res.status !== expected) wrong.push(`${what} → ${res.status} (expected ${expected})`);
  };
  try {
    const json = (body: unknown, auth?: string): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });
    await check('GET /api/status without a token', '/api/status', {}, 401);
    await check(
      'GET /api/positions with a wrong token',
      '/api/positions',
      { headers: { authorization: `Bearer ${wrongToken}` } },
      401,
    );
    for (const action of ['pause', 'resume', 'flatten-all', 'reset-guard']) {
      await check(
        `POST control ${action} without a token`,
        `/api/control/${action}`,
        json({ confirm: action.toUpperCase() }),
        401,
      );
      await check(
        `POST control ${action} with a wrong token`,
        `/api/control/${action}`,
        json({ confirm: action.toUpperCase() }, wrongToken),
        401,
      );
      await check(
        `POST control ${action} with a wrong ?token=`,
        `/api/control/${action}?token=${wrongToken}`,
        json({ confirm: action.toUpperCase() }),
        401,
      );
    }
    await check(
      'GET /api/status with the token',
      '/api/status',
      { headers: { authorization: `Bearer ${token}` } },
      200,
    );
  } finally {
    await stopGracefully(bot);
    rmSync(pglite, { recursive: true, force: true });
  }
  const wrongTokenLogged = log.lines.some((l) => JSON.stringify(l).includes(wrongToken));
  return { requests, wrong, wrongTokenLogged };
}
