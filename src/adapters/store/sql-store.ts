/**
 * The Store over any SqlDriver (PGlite or `pg`). Atomic operations call the SQL functions from
 * supabase/migrations, so these adapters and the supabase-js one share the same logic. Reads use
 * `to_jsonb(row)` so every adapter maps the same JSON row shape (rows.ts).
 */

import { type BotSettings, DEFAULT_SETTINGS } from '../../domain/settings.ts';
import type { DashboardQueries } from '../../ports/dashboard-queries.ts';
import type {
  AlertRecord,
  AlertStatus,
  BacktestRecord,
  ExecutionEvent,
  GuardStateRecord,
  OrderRecord,
  OrderStatus,
  PositionRecord,
  RecordOrderResult,
  SignalRecord,
  Store,
  StoredAlert,
  StoredExecutionEvent,
  StoredTrade,
  TradeRecord,
} from '../../ports/store.ts';
import { createSqlDashboardQueries } from './dashboard-queries.ts';
import { invalidInput, StoreError, toStoreError } from './errors.ts';
import { runMigrations, runSeed } from './migrations.ts';
import {
  alertToRow,
  backtestToRow,
  eventToRow,
  guardToRow,
  iso,
  orderToRow,
  positionToRow,
  type Row,
  rowToAlert,
  rowToBacktest,
  rowToBacktestSummary,
  rowToEvent,
  rowToGuard,
  rowToOrder,
  rowToPosition,
  rowToSettings,
  rowToSignal,
  rowToTrade,
  settingsToRow,
  signalToRow,
  tradeToRow,
} from './rows.ts';
import type { SqlDriver } from './sql-driver.ts';

export const ALERTS_CHANNEL = 'valuearea_alerts';

const SETTINGS_COLUMNS = Object.keys(settingsToRow(DEFAULT_SETTINGS));

function positiveLimit(operation: string, limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw invalidInput(operation, 'limit', `must be a whole number ≥ 1 (got ${limit})`);
  return limit;
}

/** `insert … select cols from jsonb_populate_record … on conflict (key) do update` for a whole row. */
function upsertRowSql(table: string, columns: readonly string[], key: string, extra = ''): string {
  const cols = columns.join(', ');
  const updates = columns
    .filter((c) => c !== key)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
  return (
    `insert into ${table} (${cols}) select ${cols} from jsonb_populate_record(null::${table}, $1::jsonb) ` +
    `on conflict (${key}) do update set ${updates}${extra}`
  );
}

export class SqlStore implements Store {
  readonly kind: Store['kind'];

  constructor(
    private readonly driver: SqlDriver,
    private readonly options: { readonly seed?: boolean } = {},
  ) {
    this.kind = driver.kind;
  }

  /** The driver, for tests and benchmarks that need raw SQL. */
  dashboardQueries(): DashboardQueries {
    return createSqlDashboardQueries(this.sql);
  }

  get sql(): SqlDriver {
    return this.driver;
  }

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(operation, error);
    }
  }

  private async rows(operation: string, text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.run(operation, () => this.driver.query(text, params));
    return result.map((r) => r.row as Row);
  }

  async migrate(): Promise<void> {
    await runMigrations(this.driver);
    if (this.options.seed !== false) await runSeed(this.driver);
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  // ---- alerts -------------------------------------------------------------------------------

  async insertAlert(alert: AlertRecord): Promise<{ inserted: boolean; id: number }> {
    const row = alertToRow(alert);
    const result = await this.run('insertAlert', () =>
      this.driver.query('select inserted, alert_id from insert_alert($1::jsonb)', [JSON.stringify(row)]),
    );
    const first = result[0];
    if (!first)
      throw new StoreError(
        'insertAlert',
        'unknown',
        'insertAlert failed: the database returned no row',
        true,
      );
    return { inserted: Boolean(first.inserted), id: Number(first.alert_id) };
  }

  /**
   * Many alerts in one statement (the webhook receiver's group commit): each row goes through the
   * same insert_alert function, in order, so duplicates and errors behave as one insert each.
   */
  async insertAlerts(alerts: readonly AlertRecord[]): Promise<{ inserted: boolean; id: number }[]> {
    if (alerts.length === 0) return [];
    const rows = alerts.map((alert) => JSON.stringify(alertToRow(alert)));
    const result = await this.run('insertAlerts', () =>
      this.driver.query(
        'select (insert_alert(x)).* from unnest($1::jsonb[]) with ordinality as t(x, n) order by n',
        [rows],
      ),
    );
    if (result.length !== alerts.length)
      throw new StoreError(
        'insertAlerts',
        'unknown',
        'insertAlerts failed: the database returned too few rows',
        true,
      );
    return result.map((r) => ({ inserted: Boolean(r.inserted), id: Number(r.alert_id) }));
  }

  async getAlert(id: number): Promise<StoredAlert | null> {
    const rows = await this.rows('getAlert', 'select to_jsonb(a) as row from alerts a where a.id = $1', [id]);
    return rows[0] ? rowToAlert(rows[0]) : null;
  }

  async setAlertStatus(id: number, status: AlertStatus, reason: string | null): Promise<void> {
    const rows = await this.run('setAlertStatus', () =>
      this.driver.query(
        'update alerts set status = $2, reason = $3, updated_at = now() where id = $1 returning id',
        [id, status, reason],
      ),
    );
    if (rows.length === 0) throw invalidInput('setAlertStatus', 'id', `${id} is not a stored alert`);
  }

  async unprocessedAlerts(limit: number, afterId = 0, accounts = 1): Promise<StoredAlert[]> {
    positiveLimit('unprocessedAlerts', limit);
    const rows = await this.rows(
      'unprocessedAlerts',
      'select to_jsonb(a) as row from unprocessed_alerts($1, $2, $3) a',
      [limit, afterId, accounts],
    );
    return rows.map(rowToAlert);
  }

  subscribeAlerts(onNewAlert: (alertId: number) => void): Promise<() => Promise<void>> {
    return this.run('subscribeAlerts', () =>
      this.driver.listen(ALERTS_CHANNEL, (payload) => {
        const id = Number(payload);
        if (Number.isSafeInteger(id)) onNewAlert(id);
      }),
    );
  }

  // ---- signals ------------------------------------------------------------------------------

  async upsertSignal(signal: SignalRecord): Promise<void> {
    const row = signalToRow(signal);
    await this.run('upsertSignal', () =>
      this.driver.query('select upsert_signal($1::jsonb)', [JSON.stringify(row)]),
    );
  }

  async getSignal(id: string): Promise<SignalRecord | null> {
    const rows = await this.rows('getSignal', 'select to_jsonb(s) as row from signals s where s.id = $1', [
      id,
    ]);
    return rows[0] ? rowToSignal(rows[0]) : null;
  }

  async claimPendingSignals(owner: string, now: number, limit: number): Promise<SignalRecord[]> {
    positiveLimit('claimPendingSignals', limit);
    const rows = await this.rows(
      'claimPendingSignals',
      'select to_jsonb(s) as row from claim_pending_signals($1, $2::timestamptz, $3) s',
      [owner, iso('claimPendingSignals', 'now', now), limit],
    );
    return rows.map(rowToSignal);
  }

  // ---- events -------------------------------------------------------------------------------

  async appendEvents(events: readonly ExecutionEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(eventToRow);
    await this.run('appendEvents', () =>
      this.driver.query(
        'insert into execution_events (entity_type, entity_id, from_state, to_state, ts, detail) ' +
          "select r.entity_type, r.entity_id, r.from_state, r.to_state, r.ts, coalesce(r.detail, '{}'::jsonb) " +
          'from jsonb_populate_recordset(null::execution_events, $1::jsonb) r',
        [JSON.stringify(rows)],
      ),
    );
  }

  async eventsFor(
    entityType: ExecutionEvent['entityType'],
    entityId: string,
  ): Promise<StoredExecutionEvent[]> {
    const rows = await this.rows(
      'eventsFor',
      'select to_jsonb(e) as row from execution_events e where e.entity_type = $1 and e.entity_id = $2 order by e.id',
      [entityType, entityId],
    );
    return rows.map(rowToEvent);
  }

  // ---- positions and trades -----------------------------------------------------------------

  async upsertPositions(positions: readonly PositionRecord[]): Promise<number> {
    if (positions.length === 0) return 0;
    const rows = positions.map((p) => positionToRow(p));
    const result = await this.run('upsertPositions', () =>
      this.driver.query('select upsert_positions($1::jsonb) as written', [JSON.stringify(rows)]),
    );
    return Number(result[0]?.written ?? 0);
  }

  async closePositionWithTrade(position: PositionRecord, trade: TradeRecord): Promise<boolean> {
    const positionRow = positionToRow(position, 'closePositionWithTrade');
    const tradeRow = tradeToRow(trade);
    const result = await this.run('closePositionWithTrade', () =>
      this.driver.query('select close_position_with_trade($1::jsonb, $2::jsonb) as inserted', [
        JSON.stringify(positionRow),
        JSON.stringify(tradeRow),
      ]),
    );
    return Boolean(result[0]?.inserted);
  }

  async getPosition(id: string): Promise<PositionRecord | null> {
    const rows = await this.rows(
      'getPosition',
      'select to_jsonb(p) as row from positions p where p.id = $1',
      [id],
    );
    return rows[0] ? rowToPosition(rows[0]) : null;
  }

  async openPositions(accountId?: string): Promise<PositionRecord[]> {
    const rows = await this.rows(
      'openPositions',
      "select to_jsonb(p) as row from positions p where p.state not in ('closed', 'cancelled') " +
        'and ($1::text is null or p.account_id = $1) order by p.opened_at, p.id',
      [accountId ?? null],
    );
    return rows.map(rowToPosition);
  }

  async recentTrades(limit: number, accountId?: string): Promise<StoredTrade[]> {
    positiveLimit('recentTrades', limit);
    const rows = await this.rows(
      'recentTrades',
      'select to_jsonb(t) as row from trades_log t where ($2::text is null or t.account_id = $2) ' +
        'order by t.exit_time desc, t.id desc limit $1',
      [limit, accountId ?? null],
    );
    return rows.map(rowToTrade);
  }

  // ---- orders -------------------------------------------------------------------------------

  async recordOrder(order: OrderRecord): Promise<RecordOrderResult> {
    const row = orderToRow(order);
    const result = await this.run('recordOrder', () =>
      this.driver.query('select inserted, broker_order_id, status from record_order($1::jsonb)', [
        JSON.stringify(row),
      ]),
    );
    const first = result[0];
    if (!first)
      throw new StoreError(
        'recordOrder',
        'unknown',
        'recordOrder failed: the database returned no row',
        true,
      );
    return {
      inserted: Boolean(first.inserted),
      brokerOrderId: (first.broker_order_id as string | null) ?? null,
      status: first.status as OrderStatus,
    };
  }

  async updateOrder(
    tag: string,
    update: { brokerOrderId: string | null; status: OrderStatus; updatedAt: number },
  ): Promise<void> {
    const at = iso('updateOrder', 'updatedAt', update.updatedAt);
    await this.run('updateOrder', () =>
      this.driver.query('select update_order($1, $2, $3, $4::timestamptz)', [
        tag,
        update.brokerOrderId,
        update.status,
        at,
      ]),
    );
  }

  async findOrder(tag: string): Promise<OrderRecord | null> {
    const rows = await this.rows('findOrder', 'select to_jsonb(o) as row from orders o where o.tag = $1', [
      tag,
    ]);
    return rows[0] ? rowToOrder(rows[0]) : null;
  }

  // ---- settings, guards, backtests ----------------------------------------------------------

  async getSettings(): Promise<BotSettings> {
    return (await this.savedSettings()) ?? DEFAULT_SETTINGS;
  }

  async savedSettings(): Promise<BotSettings | null> {
    const rows = await this.rows(
      'getSettings',
      'select to_jsonb(b) as row from bot_settings b where b.id = 1',
    );
    return rows[0] ? rowToSettings(rows[0]) : null;
  }

  async saveSettings(settings: BotSettings): Promise<void> {
    const row = settingsToRow(settings);
    await this.run('saveSettings', () =>
      this.driver.query(upsertRowSql('bot_settings', SETTINGS_COLUMNS, 'id', ', updated_at = now()'), [
        JSON.stringify(row),
      ]),
    );
  }

  async getGuardState(accountId: string): Promise<GuardStateRecord | null> {
    const rows = await this.rows(
      'getGuardState',
      'select to_jsonb(g) as row from guard_state g where g.account_id = $1',
      [accountId],
    );
    return rows[0] ? rowToGuard(rows[0]) : null;
  }

  async saveGuardState(state: GuardStateRecord): Promise<void> {
    const row = guardToRow(state);
    await this.run('saveGuardState', () =>
      this.driver.query(upsertRowSql('guard_state', Object.keys(row), 'account_id'), [JSON.stringify(row)]),
    );
  }

  async saveBacktest(backtest: BacktestRecord): Promise<void> {
    const row = backtestToRow(backtest);
    await this.run('saveBacktest', () =>
      this.driver.query(upsertRowSql('backtests', Object.keys(row), 'id'), [JSON.stringify(row)]),
    );
  }

  async listBacktests(limit: number): Promise<Omit<BacktestRecord, 'report'>[]> {
    positiveLimit('listBacktests', limit);
    const rows = await this.rows(
      'listBacktests',
      "select jsonb_build_object('id', b.id, 'name', b.name, 'created_at', b.created_at, 'params', b.params) as row " +
        'from backtests b order by b.created_at desc, b.id limit $1',
      [limit],
    );
    return rows.map(rowToBacktestSummary);
  }

  async getBacktest(id: string): Promise<BacktestRecord | null> {
    const rows = await this.rows(
      'getBacktest',
      'select to_jsonb(b) as row from backtests b where b.id = $1',
      [id],
    );
    return rows[0] ? rowToBacktest(rows[0]) : null;
  }

  // ---- scale-out ----------------------------------------------------------------------------

  acquireAccountLock(accountId: string): Promise<boolean> {
    return this.run('acquireAccountLock', () => this.driver.tryAdvisoryLock(accountId));
  }

  releaseAccountLock(accountId: string): Promise<void> {
    return this.run('releaseAccountLock', () => this.driver.advisoryUnlock(accountId));
  }
}
