/**
 * The dashboard's read queries (src/ports/dashboard-queries.ts) over SQL: filters, whitelisted
 * sorting, pagination. They run on the SQL adapters' session and reuse the store's row mapping, so
 * PGlite and PostgreSQL give identical answers.
 */
import {
  ALERT_SORTS,
  type DashboardQueries,
  type Paged,
  type PageInfo,
  POSITION_SORTS,
  type PositionSummary,
  SIGNAL_SORTS,
  TRADE_SORTS,
} from '../../ports/dashboard-queries.ts';
import type { AlertStatus, PositionRecord } from '../../ports/store.ts';
import {
  type Row,
  rowToAlert,
  rowToBacktest,
  rowToBacktestSummary,
  rowToEvent,
  rowToGuard,
  rowToPosition,
  rowToSignal,
  rowToTrade,
} from './rows.ts';
import type { SqlSession } from './sql-driver.ts';

/** Collects `where` conditions with numbered parameters. */
class Where {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  add(sql: (placeholder: string) => string, value: unknown): void {
    this.params.push(value);
    this.conditions.push(sql(`$${this.params.length}`));
  }

  raw(condition: string): void {
    this.conditions.push(condition);
  }

  toString(): string {
    return this.conditions.length === 0 ? '' : ` where ${this.conditions.join(' and ')}`;
  }
}

function pageInfo(page: number, limit: number, total: number): PageInfo {
  return { page, limit, total, pages: Math.max(1, Math.ceil(total / limit)) };
}

function withoutSnapshot(position: PositionRecord): PositionSummary {
  const { snapshot: _snapshot, ...rest } = position;
  return rest;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function createSqlDashboardQueries(session: Pick<SqlSession, 'query'>): DashboardQueries {
  async function paged<T>(
    table: string,
    where: Where,
    orderBy: string,
    page: number,
    limit: number,
    select: string,
    map: (row: Row) => T,
  ): Promise<Paged<T>> {
    const countRows = await session.query(`select count(*)::int as n from ${table}${where}`, where.params);
    const total = Number(countRows[0]?.n ?? 0);
    const n = where.params.length;
    const rows = await session.query(
      `select ${select} as row from ${table}${where} order by ${orderBy} limit $${n + 1} offset $${n + 2}`,
      [...where.params, limit, (page - 1) * limit],
    );
    return { items: rows.map((r) => map(r.row as Row)), pagination: pageInfo(page, limit, total) };
  }

  const rowsOf = async (text: string, params: readonly unknown[] = []): Promise<Row[]> =>
    (await session.query(text, params)).map((r) => r.row as Row);

  return {
    positions(q) {
      const where = new Where();
      if (q.account) where.add((p) => `account_id = ${p}`, q.account);
      if (q.symbol) where.add((p) => `symbol = ${p}`, q.symbol);
      if (q.side) where.add((p) => `side = ${p}::position_side`, q.side);
      if (q.state) where.add((p) => `state::text = any(${p}::text[])`, q.state);
      if (q.open === 'true') where.raw(`state not in ('closed', 'cancelled')`);
      if (q.open === 'false') where.raw(`state in ('closed', 'cancelled')`);
      const orderBy = `${POSITION_SORTS[q.sort]} ${q.order}, id ${q.order}`;
      return paged('positions t', where, orderBy, q.page, q.limit, 'to_jsonb(t)', (row) =>
        withoutSnapshot(rowToPosition(row)),
      );
    },

    trades(q) {
      const where = new Where();
      if (q.account) where.add((p) => `account_id = ${p}`, q.account);
      if (q.symbol) where.add((p) => `symbol = ${p}`, q.symbol);
      if (q.side) where.add((p) => `side = ${p}::position_side`, q.side);
      if (q.from !== undefined) where.add((p) => `exit_time >= ${p}::timestamptz`, iso(q.from));
      if (q.to !== undefined) where.add((p) => `exit_time < ${p}::timestamptz`, iso(q.to));
      const orderBy = `${TRADE_SORTS[q.sort]} ${q.order}, id ${q.order}`;
      return paged('trades_log t', where, orderBy, q.page, q.limit, 'to_jsonb(t)', rowToTrade);
    },

    async allTrades() {
      return (await rowsOf('select to_jsonb(t) as row from trades_log t order by exit_time, id')).map(
        rowToTrade,
      );
    },

    signals(q) {
      const where = new Where();
      if (q.account) where.add((p) => `s.account_id = ${p}`, q.account);
      if (q.symbol) where.add((p) => `s.symbol = ${p}`, q.symbol);
      if (q.status) where.add((p) => `s.execution_status::text = any(${p}::text[])`, q.status);
      if (q.from !== undefined) where.add((p) => `s.created_at >= ${p}::timestamptz`, iso(q.from));
      if (q.to !== undefined) where.add((p) => `s.created_at < ${p}::timestamptz`, iso(q.to));
      const orderBy = `s.${SIGNAL_SORTS[q.sort]} ${q.order}, s.id ${q.order}`;
      return paged(
        'signals s left join alerts a on a.id = s.alert_id',
        where,
        orderBy,
        q.page,
        q.limit,
        `to_jsonb(s) || jsonb_build_object('_ticker', a.ticker, '_alert_received_at', a.received_at)`,
        (row) => ({
          ...rowToSignal(row),
          ticker: typeof row._ticker === 'string' ? row._ticker : null,
          alertReceivedAt:
            typeof row._alert_received_at === 'string' ? Date.parse(row._alert_received_at) : null,
        }),
      );
    },

    alerts(q) {
      const where = new Where();
      if (q.symbol) where.add((p) => `a.symbol = ${p}`, q.symbol);
      if (q.status) where.add((p) => `a.status::text = any(${p}::text[])`, q.status);
      if (q.from !== undefined) where.add((p) => `a.received_at >= ${p}::timestamptz`, iso(q.from));
      if (q.to !== undefined) where.add((p) => `a.received_at < ${p}::timestamptz`, iso(q.to));
      const orderBy = `a.${ALERT_SORTS[q.sort]} ${q.order}, a.id ${q.order}`;
      return paged(
        'alerts a',
        where,
        orderBy,
        q.page,
        q.limit,
        `to_jsonb(a) || jsonb_build_object('_signal_status', ` +
          `(select s.execution_status::text from signals s where s.alert_id = a.id order by s.created_at desc limit 1))`,
        (row) => {
          const { rawBody: _raw, ...alert } = rowToAlert(row);
          return {
            ...alert,
            status: alert.status as AlertStatus,
            signalStatus: typeof row._signal_status === 'string' ? row._signal_status : null,
          };
        },
      );
    },

    async alert(id) {
      const alerts = await rowsOf('select to_jsonb(a) as row from alerts a where a.id = $1', [id]);
      const first = alerts[0];
      if (!first) return null;
      const signals = (
        await rowsOf('select to_jsonb(s) as row from signals s where s.alert_id = $1 order by s.created_at', [
          id,
        ])
      ).map(rowToSignal);
      const positions = (
        await rowsOf(
          'select to_jsonb(p) as row from positions p where p.alert_id = $1 or p.signal_id = any($2::text[]) order by p.opened_at',
          [id, signals.map((s) => s.id)],
        )
      ).map((row) => withoutSnapshot(rowToPosition(row)));
      const events = (
        await rowsOf(
          `select to_jsonb(e) as row from execution_events e where (e.entity_type = 'signal' and e.entity_id = any($1::text[])) ` +
            `or (e.entity_type = 'position' and e.entity_id = any($2::text[])) order by e.ts, e.id limit 500`,
          [signals.map((s) => s.id), positions.map((p) => p.id)],
        )
      ).map(rowToEvent);
      return { alert: rowToAlert(first), signals, positions, events };
    },

    async openPositionCount() {
      const rows = await session.query(
        `select count(*)::int as n from positions where state not in ('closed', 'cancelled')`,
      );
      return Number(rows[0]?.n ?? 0);
    },

    async guardStates() {
      return (await rowsOf('select to_jsonb(g) as row from guard_state g order by account_id')).map(
        rowToGuard,
      );
    },

    async backtestSummaries(limit) {
      const rows = await rowsOf(
        `select (to_jsonb(b) - 'report') || jsonb_build_object('_symbol', b.report -> 'symbol', ` +
          `'_trades', b.report -> 'metrics' -> 'trades', '_net', b.report -> 'metrics' -> 'totalNetPnl', ` +
          `'_win', b.report -> 'metrics' -> 'winRate') as row from backtests b order by b.created_at desc, b.id limit $1`,
        [limit],
      );
      const numberOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      return rows.map((row) => ({
        ...rowToBacktestSummary(row),
        symbol: typeof row._symbol === 'string' ? row._symbol : null,
        trades: numberOrNull(row._trades),
        totalNetPnl: numberOrNull(row._net),
        winRate: numberOrNull(row._win),
      }));
    },

    async backtest(id) {
      const rows = await rowsOf('select to_jsonb(b) as row from backtests b where b.id = $1', [id]);
      return rows[0] ? rowToBacktest(rows[0]) : null;
    },
  };
}
