/**
 * PostgreSQL via `pg` (DATABASE_URL): a self-hosted server, or Supabase's direct/session-pooler
 * connection string. Queries use a pool; LISTEN and the session-level advisory locks use one
 * dedicated connection, because both belong to a session. If that connection drops, PostgreSQL
 * releases the locks: the driver reconnects for LISTEN, and held account locks are reported lost
 * through `onSessionLost` (the runtime must stop trading those accounts and acquire again).
 */
import pg from 'pg';
import type { Row } from './rows.ts';
import type { SqlDriver, SqlSession } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';

export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** Pool size for queries (default 5). */
  readonly poolSize?: number;
  /** Apply pending migrations and the seed on open (default true). */
  readonly migrate?: boolean;
  /** Called when the session connection (LISTEN, account locks) is lost, with the locks that were held. */
  readonly onSessionLost?: (lostLocks: readonly string[], reason: string) => void;
}

/** The connection string without its password, for messages. */
export function redactConnectionString(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private session: pg.Client | null = null;
  private sessionOpening: Promise<pg.Client> | null = null;
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private readonly heldLocks = new Set<string>();
  private closed = false;

  constructor(private readonly options: PostgresStoreOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 5 });
    // An idle client's error must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  async query(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.pool.query<Row>(text, [...params]);
    return result.rows;
  }

  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('begin');
      const result = await fn({
        query: async (text, params = []) => (await client.query<Row>(text, [...params])).rows,
        exec: async (text) => {
          await client.query(text);
        },
      });
      await client.query('commit');
      return result;
    } catch (error) {
      try {
        await client.query('rollback');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private sessionClient(): Promise<pg.Client> {
    if (this.session) return Promise.resolve(this.session);
    if (this.sessionOpening) return this.sessionOpening;
    this.sessionOpening = (async () => {
      const client = new pg.Client({ connectionString: this.options.connectionString });
      client.on('notification', (msg) => {
        for (const cb of this.listeners.get(msg.channel) ?? []) cb(msg.payload ?? '');
      });
      const lost = (reason: string) => {
        if (this.session !== client) return;
        this.session = null;
        const locks = [...this.heldLocks];
        this.heldLocks.clear();
        if (!this.closed) {
          this.options.onSessionLost?.(locks, reason);
          void this.relisten();
        }
      };
      client.on('error', (err) => lost(err.message));
      client.on('end', () => lost('connection ended'));
      try {
        await client.connect();
      } catch (error) {
        this.sessionOpening = null;
        throw error;
      }
      this.session = client;
      this.sessionOpening = null;
      return client;
    })();
    return this.sessionOpening;
  }

  /** After a lost session, listen again (with backoff) so notifications resume. */
  private async relisten(): Promise<void> {
    let delay = 500;
    while (!this.closed && this.listeners.size > 0) {
      try {
        const client = await this.sessionClient();
        for (const channel of this.listeners.keys())
          await client.query(`listen ${pg.escapeIdentifier(channel)}`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const client = await this.sessionClient();
    let callbacks = this.listeners.get(channel);
    if (!callbacks) {
      callbacks = new Set();
      this.listeners.set(channel, callbacks);
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    }
    callbacks.add(onPayload);
    return async () => {
      const set = this.listeners.get(channel);
      set?.delete(onPayload);
      if (set && set.size === 0) {
        this.listeners.delete(channel);
        if (this.session) await this.session.query(`unlisten ${pg.escapeIdentifier(channel)}`);
      }
    };
  }

  async tryAdvisoryLock(key: string): Promise<boolean> {
    if (this.heldLocks.has(key)) return true;
    const client = await this.sessionClient();
    const result = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as locked',
      [key],
    );
    const locked = result.rows[0]?.locked === true;
    if (locked) this.heldLocks.add(key);
    return locked;
  }

  async advisoryUnlock(key: string): Promise<void> {
    if (!this.heldLocks.delete(key) || !this.session) return;
    await this.session.query('select pg_advisory_unlock(hashtext($1))', [key]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const session = this.session;
    this.session = null;
    if (session) await session.end().catch(() => {});
    await this.pool.end();
  }
}

export async function createPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const store = new SqlStore(new PostgresDriver(options));
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Could not migrate the PostgreSQL database at ${redactConnectionString(options.connectionString)}: ` +
          reason.replaceAll(options.connectionString, redactConnectionString(options.connectionString)),
      );
    }
  }
  return store;
}
