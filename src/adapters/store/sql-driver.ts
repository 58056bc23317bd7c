/**
 * The little a SQL adapter needs from its database client. PGlite and `pg` implement it; the
 * shared SqlStore (sql-store.ts) and the migration runner are written once against it.
 */
import type { Row } from './rows.ts';

export interface SqlSession {
  /** One statement with $1… parameters; returns the rows. */
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface SqlDriver extends SqlSession {
  readonly kind: 'pglite' | 'postgres';
  /** Run fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; resolves once listening, with a function that stops. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Session-level pg_try_advisory_lock(hashtext(key)) on a connection that lives as long as the driver. */
  tryAdvisoryLock(key: string): Promise<boolean>;
  advisoryUnlock(key: string): Promise<void>;
  close(): Promise<void>;
}
