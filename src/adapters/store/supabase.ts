/**
 * Supabase through `@supabase/supabase-js` (SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY): PostgREST
 * table calls for plain reads and writes, `rpc()` for the SQL functions (the same atomic logic as
 * the SQL adapters), and a Realtime channel for new alerts. The schema is applied with the Supabase
 * CLI (`supabase link` + `supabase db push`), not by this adapter: `migrate()` only checks that it
 * is there. PostgREST has no database session for an advisory lock, so account ownership is a
 * renewed lease row (account_leases) instead.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { type BotSettings, DEFAULT_SETTINGS } from '../../domain/settings.ts';
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
import { invalidInput, StoreError, toStoreError } from './errors.ts';
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

export interface SupabaseStoreOptions {
  readonly url: string;
  readonly serviceRoleKey: string;
  /** Check that the schema exists on open (default true). */
  readonly migrate?: boolean;
  /** For tests: a fetch implementation. */
  readonly fetch?: typeof fetch;
  /** Account lease time to live, ms (default 30,000); renewed every third of it. */
  readonly leaseTtlMs?: number;
  /** Called when a held account lease could not be renewed: stop trading that account. */
  readonly onLeaseLost?: (accountId: string, reason: string) => void;
}

interface Reply<T> {
  readonly data: T | null;
  readonly error: unknown;
}

function positiveLimit(operation: string, limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw invalidInput(operation, 'limit', `must be a whole number ≥ 1 (got ${limit})`);
  return limit;
}

export class SupabaseStore implements Store {
  readonly kind = 'supabase' as const;
  private readonly client: SupabaseClient;
  private readonly leases = new Map<string, ReturnType<typeof setInterval>>();
  /** Identifies this process's leases; random because it names a process, not a trading fact. */
  private readonly leaseOwner = `engine-${randomUUID()}`;
  private readonly leaseTtlMs: number;
  private readonly onLeaseLost: ((accountId: string, reason: string) => void) | undefined;

  constructor(options: SupabaseStoreOptions) {
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.onLeaseLost = options.onLeaseLost;
    this.client = createClient(options.url, options.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: WebSocket as never },
      ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
    });
  }

  /** Await a supabase-js call and turn its `{ data, error }` into data or a StoreError. */
  private async call<T>(operation: string, request: PromiseLike<Reply<T>>): Promise<T | null> {
    let reply: Reply<T>;
    try {
      reply = await request;
    } catch (error) {
      throw toStoreError(operation, error);
    }
    if (reply.error) throw toStoreError(operation, reply.error);
    return reply.data;
  }

  private async rows(operation: string, request: PromiseLike<Reply<unknown>>): Promise<Row[]> {
    const data = await this.call(operation, request);
    return Array.isArray(data) ? (data as Row[]) : [];
  }

  private async row(operation: string, request: PromiseLike<Reply<unknown>>): Promise<Row | null> {
    const data = await this.call(operation, request);
    return (data as Row | null) ?? null;
  }

  async migrate(): Promise<void> {
    try {
      await this.call('migrate', this.client.from('bot_settings').select('id').limit(1));
    } catch (error) {
      const e = error as StoreError;
      throw new StoreError(
        'migrate',
        e.code,
        `The Supabase project has no valuearea schema (${e.message}). Fix: from this repository run ` +
          '`supabase link --project-ref <ref>` and `supabase db push`, then start again.',
        false,
      );
    }
  }

  async close(): Promise<void> {
    for (const accountId of [...this.leases.keys()]) {
      await this.releaseAccountLock(accountId).catch(() => {}); // expires by itself otherwise
    }
    await this.client.removeAllChannels();
  }

  // ---- alerts -------------------------------------------------------------------------------

  async insertAlert(alert: AlertRecord): Promise<{ inserted: boolean; id: number }> {
    const rows = await this.rows(
      'insertAlert',
      this.client.rpc('insert_alert', { p_alert: alertToRow(alert) }),
    );
    const first = rows[0];
    if (!first)
      throw new StoreError(
        'insertAlert',
        'unknown',
        'insertAlert failed: the database returned no row',
        true,
      );
    return { inserted: Boolean(first.inserted), id: Number(first.alert_id) };
  }

  async getAlert(id: number): Promise<StoredAlert | null> {
    const row = await this.row('getAlert', this.client.from('alerts').select('*').eq('id', id).maybeSingle());
    return row ? rowToAlert(row) : null;
  }

  async setAlertStatus(id: number, status: AlertStatus, reason: string | null): Promise<void> {
    const rows = await this.rows(
      'setAlertStatus',
      this.client
        .from('alerts')
        .update({ status, reason, updated_at: new Date().toISOString() })
        .eq('id', id)
        .select('id'),
    );
    if (rows.length === 0) throw invalidInput('setAlertStatus', 'id', `${id} is not a stored alert`);
  }

  async unprocessedAlerts(limit: number, afterId = 0, accounts = 1): Promise<StoredAlert[]> {
    positiveLimit('unprocessedAlerts', limit);
    const rows = await this.rows(
      'unprocessedAlerts',
      this.client.rpc('unprocessed_alerts', {
        p_limit: limit,
        p_after_id: afterId,
        ...(accounts === 1 ? {} : { p_accounts: accounts }),
      }),
    );
    return rows.map(rowToAlert);
  }

  async subscribeAlerts(onNewAlert: (alertId: number) => void): Promise<() => Promise<void>> {
    const channel = this.client
      .channel('valuearea-alerts')
      .on(
        'postgres_changes',
        { event: 'INSERT', schema: 'public', table: 'alerts' },
        (payload: { new?: { id?: unknown } }) => {
          const id = Number(payload.new?.id);
          if (Number.isSafeInteger(id)) onNewAlert(id);
        },
      );
    await new Promise<void>((resolve, reject) => {
      channel.subscribe((status, error) => {
        if (status === 'SUBSCRIBED') resolve();
        else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') {
          reject(
            new StoreError(
              'subscribeAlerts',
              'connection',
              `subscribeAlerts failed: Realtime ${status}${error ? `: ${error.message}` : ''}`,
              true,
            ),
          );
        }
      });
    });
    return async () => {
      await this.client.removeChannel(channel);
    };
  }

  // ---- signals ------------------------------------------------------------------------------

  async upsertSignal(signal: SignalRecord): Promise<void> {
    await this.call('upsertSignal', this.client.rpc('upsert_signal', { p_signal: signalToRow(signal) }));
  }

  async getSignal(id: string): Promise<SignalRecord | null> {
    const row = await this.row(
      'getSignal',
      this.client.from('signals').select('*').eq('id', id).maybeSingle(),
    );
    return row ? rowToSignal(row) : null;
  }

  async claimPendingSignals(owner: string, now: number, limit: number): Promise<SignalRecord[]> {
    positiveLimit('claimPendingSignals', limit);
    const rows = await this.rows(
      'claimPendingSignals',
      this.client.rpc('claim_pending_signals', {
        p_owner: owner,
        p_now: iso('claimPendingSignals', 'now', now),
        p_limit: limit,
      }),
    );
    return rows.map(rowToSignal);
  }

  // ---- events -------------------------------------------------------------------------------

  async appendEvents(events: readonly ExecutionEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One request is one INSERT statement: the batch is written whole or not at all.
    await this.call('appendEvents', this.client.from('execution_events').insert(events.map(eventToRow)));
  }

  async eventsFor(
    entityType: ExecutionEvent['entityType'],
    entityId: string,
  ): Promise<StoredExecutionEvent[]> {
    const rows = await this.rows(
      'eventsFor',
      this.client
        .from('execution_events')
        .select('*')
        .eq('entity_type', entityType)
        .eq('entity_id', entityId)
        .order('id'),
    );
    return rows.map(rowToEvent);
  }

  // ---- positions and trades -----------------------------------------------------------------

  async upsertPositions(positions: readonly PositionRecord[]): Promise<number> {
    if (positions.length === 0) return 0;
    const rows = positions.map((p) => positionToRow(p));
    const written = await this.call(
      'upsertPositions',
      this.client.rpc('upsert_positions', { p_positions: rows }),
    );
    return Number(written ?? 0);
  }

  async closePositionWithTrade(position: PositionRecord, trade: TradeRecord): Promise<boolean> {
    const inserted = await this.call(
      'closePositionWithTrade',
      this.client.rpc('close_position_with_trade', {
        p_position: positionToRow(position, 'closePositionWithTrade'),
        p_trade: tradeToRow(trade),
      }),
    );
    return inserted === true;
  }

  async getPosition(id: string): Promise<PositionRecord | null> {
    const row = await this.row(
      'getPosition',
      this.client.from('positions').select('*').eq('id', id).maybeSingle(),
    );
    return row ? rowToPosition(row) : null;
  }

  async openPositions(accountId?: string): Promise<PositionRecord[]> {
    let query = this.client.from('positions').select('*').not('state', 'in', '(closed,cancelled)');
    if (accountId !== undefined) query = query.eq('account_id', accountId);
    const rows = await this.rows('openPositions', query.order('opened_at').order('id'));
    return rows.map(rowToPosition);
  }

  async recentTrades(limit: number, accountId?: string): Promise<StoredTrade[]> {
    positiveLimit('recentTrades', limit);
    let query = this.client.from('trades_log').select('*');
    if (accountId !== undefined) query = query.eq('account_id', accountId);
    const rows = await this.rows(
      'recentTrades',
      query.order('exit_time', { ascending: false }).order('id', { ascending: false }).limit(limit),
    );
    return rows.map(rowToTrade);
  }

  // ---- orders -------------------------------------------------------------------------------

  async recordOrder(order: OrderRecord): Promise<RecordOrderResult> {
    const rows = await this.rows(
      'recordOrder',
      this.client.rpc('record_order', { p_order: orderToRow(order) }),
    );
    const first = rows[0];
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
    await this.call(
      'updateOrder',
      this.client.rpc('update_order', {
        p_tag: tag,
        p_broker_order_id: update.brokerOrderId,
        p_status: update.status,
        p_updated_at: iso('updateOrder', 'updatedAt', update.updatedAt),
      }),
    );
  }

  async findOrder(tag: string): Promise<OrderRecord | null> {
    const row = await this.row(
      'findOrder',
      this.client.from('orders').select('*').eq('tag', tag).maybeSingle(),
    );
    return row ? rowToOrder(row) : null;
  }

  // ---- settings, guards, backtests ----------------------------------------------------------

  async getSettings(): Promise<BotSettings> {
    return (await this.savedSettings()) ?? DEFAULT_SETTINGS;
  }

  async savedSettings(): Promise<BotSettings | null> {
    const row = await this.row(
      'getSettings',
      this.client.from('bot_settings').select('*').eq('id', 1).maybeSingle(),
    );
    return row ? rowToSettings(row) : null;
  }

  async saveSettings(settings: BotSettings): Promise<void> {
    const row = { ...settingsToRow(settings), updated_at: new Date().toISOString() };
    await this.call('saveSettings', this.client.from('bot_settings').upsert(row, { onConflict: 'id' }));
  }

  async getGuardState(accountId: string): Promise<GuardStateRecord | null> {
    const row = await this.row(
      'getGuardState',
      this.client.from('guard_state').select('*').eq('account_id', accountId).maybeSingle(),
    );
    return row ? rowToGuard(row) : null;
  }

  async saveGuardState(state: GuardStateRecord): Promise<void> {
    await this.call(
      'saveGuardState',
      this.client.from('guard_state').upsert(guardToRow(state), { onConflict: 'account_id' }),
    );
  }

  async saveBacktest(backtest: BacktestRecord): Promise<void> {
    await this.call(
      'saveBacktest',
      this.client.from('backtests').upsert(backtestToRow(backtest), { onConflict: 'id' }),
    );
  }

  async listBacktests(limit: number): Promise<Omit<BacktestRecord, 'report'>[]> {
    positiveLimit('listBacktests', limit);
    const rows = await this.rows(
      'listBacktests',
      this.client
        .from('backtests')
        .select('id,name,created_at,params')
        .order('created_at', { ascending: false })
        .order('id')
        .limit(limit),
    );
    return rows.map(rowToBacktestSummary);
  }

  async getBacktest(id: string): Promise<BacktestRecord | null> {
    const row = await this.row(
      'getBacktest',
      this.client.from('backtests').select('*').eq('id', id).maybeSingle(),
    );
    return row ? rowToBacktest(row) : null;
  }

  // ---- scale-out ----------------------------------------------------------------------------

  /**
   * PostgREST has no session for an advisory lock: ownership is a lease row (acquire_account_lease)
   * renewed every ttl/3 while held. A failed renewal ends ownership and calls onLeaseLost.
   */
  async acquireAccountLock(accountId: string): Promise<boolean> {
    if (this.leases.has(accountId)) return true;
    const acquired = await this.takeLease('acquireAccountLock', accountId);
    if (!acquired) return false;
    const timer = setInterval(() => void this.renew(accountId), Math.floor(this.leaseTtlMs / 3));
    timer.unref();
    this.leases.set(accountId, timer);
    return true;
  }

  async releaseAccountLock(accountId: string): Promise<void> {
    const timer = this.leases.get(accountId);
    if (!timer) return;
    clearInterval(timer);
    this.leases.delete(accountId);
    await this.call(
      'releaseAccountLock',
      this.client.rpc('release_account_lease', { p_account: accountId, p_owner: this.leaseOwner }),
    );
  }

  private async takeLease(operation: string, accountId: string): Promise<boolean> {
    const granted = await this.call(
      operation,
      this.client.rpc('acquire_account_lease', {
        p_account: accountId,
        p_owner: this.leaseOwner,
        p_ttl_ms: this.leaseTtlMs,
      }),
    );
    return granted === true;
  }

  private async renew(accountId: string): Promise<void> {
    let reason: string | null = null;
    try {
      if (!(await this.takeLease('renewAccountLease', accountId))) reason = 'another process took the lease';
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (reason === null) return;
    const timer = this.leases.get(accountId);
    if (timer) clearInterval(timer);
    this.leases.delete(accountId);
    this.onLeaseLost?.(accountId, reason);
  }
}

export async function createSupabaseStore(options: SupabaseStoreOptions): Promise<SupabaseStore> {
  const store = new SupabaseStore(options);
  if (options.migrate !== false) await store.migrate();
  return store;
}
