-- Core trading schema: alerts → signals → positions → trades_log, plus the append-only event log,
-- broker orders by idempotency tag, bot settings, risk-guard state and backtest reports.
-- Times are timestamptz; prices double precision (tick-aligned); money numeric(14,2).

create type alert_status as enum ('received', 'rejected', 'duplicate', 'ignored', 'processed');
create type execution_status as enum ('PENDING', 'FILTERED', 'EXECUTING', 'EXECUTED', 'FAILED', 'IGNORED');
create type position_state as enum ('pending_entry', 'active', 'tp1_hit', 'tp2_hit', 'tp3_hit', 'closed', 'cancelled');
create type position_side as enum ('long', 'short');

create table alerts (
  id bigint generated always as identity primary key,
  idempotency_key text not null,
  received_at timestamptz not null,
  source_address text,
  content_type text not null,
  -- Raw body with any secret already redacted by the intake.
  raw_body text not null,
  parsed jsonb,
  symbol text generated always as (parsed ->> 'symbol') stored,
  action text generated always as (parsed ->> 'action') stored,
  ticker text generated always as (parsed ->> 'ticker') stored,
  status alert_status not null default 'received',
  reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint alerts_idempotency_key_key unique (idempotency_key),
  constraint alerts_idempotency_key_not_blank check (length(idempotency_key) between 1 and 200),
  constraint alerts_raw_body_size check (octet_length(raw_body) <= 65536)
);
create index alerts_unprocessed_idx on alerts (id) where status = 'received';
create index alerts_received_at_idx on alerts (received_at desc);

create table signals (
  id text primary key,
  alert_id bigint references alerts (id) on delete restrict,
  account_id text not null,
  symbol text not null,
  action text not null,
  execution_status execution_status not null default 'PENDING',
  execution_reason text,
  executed_trade_id text,
  execution_attempts integer not null default 0,
  execution_scheduled_at timestamptz,
  confirmation_score double precision,
  claimed_by text,
  claimed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint signals_id_not_blank check (length(id) between 1 and 120),
  constraint signals_attempts_non_negative check (execution_attempts >= 0),
  constraint signals_confirmation_score_range check (confirmation_score is null or confirmation_score between 0 and 100)
);
create index signals_pending_idx on signals (execution_scheduled_at, created_at) where execution_status = 'PENDING';
create index signals_alert_idx on signals (alert_id);
create index signals_created_at_idx on signals (created_at desc);

create table positions (
  id text primary key,
  signal_id text references signals (id) on delete restrict,
  alert_id bigint references alerts (id) on delete restrict,
  account_id text not null,
  symbol text not null,
  contract_id text not null,
  side position_side not null,
  state position_state not null,
  quantity integer not null,
  filled_quantity integer not null default 0,
  entry_order_id text,
  entry_price double precision not null,
  fill_price double precision,
  stop_price double precision not null,
  tp1 double precision not null,
  tp2 double precision not null,
  tp3 double precision not null,
  poc double precision not null,
  vah double precision not null,
  val double precision not null,
  confirmation_score double precision,
  unrealized_pnl numeric(14, 2) not null default 0,
  realized_pnl numeric(14, 2) not null default 0,
  llm_reasoning text,
  llm_confidence double precision,
  -- XState persisted snapshot of the position actor and the machine version that wrote it.
  snapshot jsonb not null,
  machine_version text not null,
  opened_at timestamptz not null,
  updated_at timestamptz not null,
  closed_at timestamptz,
  constraint positions_id_not_blank check (length(id) between 1 and 40),
  constraint positions_quantity_positive check (quantity > 0),
  constraint positions_filled_quantity_range check (filled_quantity >= 0 and filled_quantity <= quantity),
  constraint positions_llm_confidence_range check (llm_confidence is null or llm_confidence between 0 and 1),
  constraint positions_confirmation_score_range check (confirmation_score is null or confirmation_score between 0 and 100),
  constraint positions_closed_at_when_final check ((state in ('closed', 'cancelled')) = (closed_at is not null))
);
create index positions_symbol_state_idx on positions (symbol, state);
create index positions_alert_idx on positions (alert_id);
create index positions_signal_idx on positions (signal_id);
create index positions_open_idx on positions (account_id, opened_at) where state not in ('closed', 'cancelled');

create table trades_log (
  id bigint generated always as identity primary key,
  position_id text not null references positions (id) on delete restrict,
  account_id text not null,
  symbol text not null,
  side position_side not null,
  quantity integer not null,
  entry_price double precision not null,
  exit_price double precision not null,
  entry_time timestamptz not null,
  exit_time timestamptz not null,
  gross_pnl numeric(14, 2) not null,
  net_pnl numeric(14, 2) not null,
  commissions numeric(14, 2) not null,
  exit_reason text not null,
  highest_target smallint not null,
  initial_stop double precision not null,
  confirmation_score double precision,
  poc double precision not null,
  vah double precision not null,
  val double precision not null,
  created_at timestamptz not null default now(),
  constraint trades_log_position_key unique (position_id),
  constraint trades_log_quantity_positive check (quantity > 0),
  constraint trades_log_commissions_non_negative check (commissions >= 0),
  constraint trades_log_highest_target_range check (highest_target between 0 and 3),
  constraint trades_log_exit_after_entry check (exit_time >= entry_time),
  constraint trades_log_exit_reason_known check (exit_reason in (
    'initial_stop', 'stop_breakeven', 'stop_tp1', 'stop_tp2', 'target_tp3', 'opposing_alert',
    'close_alert', 'session_flatten', 'guard_flatten', 'manual'))
);
create index trades_log_symbol_created_idx on trades_log (symbol, created_at desc);
create index trades_log_account_exit_idx on trades_log (account_id, exit_time desc);

create table execution_events (
  id bigint generated always as identity primary key,
  entity_type text not null,
  entity_id text not null,
  from_state text,
  to_state text not null,
  ts timestamptz not null,
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  constraint execution_events_entity_type_known check (entity_type in ('signal', 'position'))
);
create index execution_events_entity_idx on execution_events (entity_type, entity_id, id);

-- Broker orders by their idempotency tag (ProjectX customTag): an ambiguous send is resolved by
-- looking the tag up here and at the broker, never by sending again blindly.
create table orders (
  tag text primary key,
  position_id text not null,
  account_id text not null,
  symbol text not null,
  contract_id text not null,
  side text not null,
  kind text not null,
  price double precision,
  quantity integer not null,
  broker_order_id text,
  status text not null default 'submitted',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint orders_tag_format check (tag ~ '^[A-Za-z0-9_-]{1,40}$'),
  constraint orders_side_known check (side in ('buy', 'sell')),
  constraint orders_kind_known check (kind in ('entry', 'stop', 'exit')),
  constraint orders_quantity_non_negative check (quantity >= 0),
  constraint orders_status_known check (status in ('submitted', 'accepted', 'rejected', 'filled', 'cancelled'))
);
create index orders_position_idx on orders (position_id);

create table bot_settings (
  id smallint primary key default 1,
  is_active boolean not null,
  market_types text[] not null,
  watchlist text[] not null,
  blacklist text[] not null,
  cooldown_ms integer not null,
  max_concurrent_trades integer not null,
  risk_per_trade numeric(14, 2) not null,
  max_contracts integer not null,
  dca_levels jsonb not null,
  stop_buffer_ticks integer not null,
  confirmation_threshold double precision not null,
  profile_lookback_minutes integer not null,
  profile_rows integer not null,
  value_area_percent double precision not null,
  entry_timeout_ms integer not null,
  close_at_tp3 boolean not null,
  max_alert_lag_ms integer not null,
  daily_loss_limit numeric(14, 2) not null,
  trailing_drawdown numeric(14, 2) not null,
  trading_window_start text not null,
  trading_window_end text not null,
  flat_by_time text not null,
  time_zone text not null,
  starting_balance numeric(14, 2) not null,
  updated_at timestamptz not null default now(),
  constraint bot_settings_single_row check (id = 1),
  constraint bot_settings_cooldown_non_negative check (cooldown_ms >= 0),
  constraint bot_settings_max_concurrent_positive check (max_concurrent_trades >= 1),
  constraint bot_settings_risk_positive check (risk_per_trade > 0),
  constraint bot_settings_max_contracts_positive check (max_contracts >= 1),
  constraint bot_settings_dca_is_array check (jsonb_typeof(dca_levels) = 'array'),
  constraint bot_settings_confirmation_range check (confirmation_threshold between 0 and 100),
  constraint bot_settings_value_area_range check (value_area_percent > 0 and value_area_percent <= 100),
  constraint bot_settings_guards_non_negative check (daily_loss_limit >= 0 and trailing_drawdown >= 0),
  constraint bot_settings_window_format check (
    trading_window_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$|^$'
    and trading_window_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$|^$'
    and flat_by_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$|^$'),
  constraint bot_settings_time_zone_not_blank check (length(time_zone) > 0)
);

-- Risk guards survive restarts: the day's realised P&L, the equity high-water mark and latches.
create table guard_state (
  account_id text primary key,
  trading_day date not null,
  day_start_balance numeric(14, 2) not null,
  daily_realized_pnl numeric(14, 2) not null default 0,
  high_water_mark numeric(14, 2) not null,
  daily_loss_latched boolean not null default false,
  drawdown_latched boolean not null default false,
  latched_reason text,
  updated_at timestamptz not null
);

create table backtests (
  id text primary key,
  name text not null default '',
  created_at timestamptz not null,
  params jsonb not null,
  report jsonb not null
);
create index backtests_created_idx on backtests (created_at desc);

-- Immutable and append-only tables: corrections are new rows, never edits.
create function forbid_row_change() returns trigger
language plpgsql as $$
begin
  raise exception '% is append-only: % is not allowed', tg_table_name, lower(tg_op)
    using errcode = 'P0001', hint = 'Write a new row instead of changing an existing one.';
end
$$;

create trigger trades_log_immutable before update or delete on trades_log
  for each row execute function forbid_row_change();
create trigger trades_log_no_truncate before truncate on trades_log
  for each statement execute function forbid_row_change();
create trigger execution_events_append_only before update or delete on execution_events
  for each row execute function forbid_row_change();
create trigger execution_events_no_truncate before truncate on execution_events
  for each statement execute function forbid_row_change();

-- New alerts wake the engine (LISTEN valuearea_alerts); the catch-up sweep covers missed ones.
create function notify_alert_inserted() returns trigger
language plpgsql as $$
begin
  perform pg_notify('valuearea_alerts', new.id::text);
  return null;
end
$$;

create trigger alerts_notify after insert on alerts
  for each row execute function notify_alert_inserted();
