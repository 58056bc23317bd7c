-- Operations that must be atomic live here so that every adapter (PGlite, pg, supabase-js rpc)
-- runs the same logic in one transaction. Rows travel as jsonb with the table's column names.

-- Insert an alert under its unique idempotency key; a duplicate returns inserted = false and the
-- id of the alert already stored.
create function insert_alert(p_alert jsonb)
returns table (inserted boolean, alert_id bigint)
language plpgsql as $$
declare
  r alerts;
begin
  r := jsonb_populate_record(null::alerts, p_alert);
  insert into alerts as a (idempotency_key, received_at, source_address, content_type, raw_body, parsed, status, reason)
  values (r.idempotency_key, coalesce(r.received_at, now()), r.source_address, r.content_type, r.raw_body,
          r.parsed, coalesce(r.status, 'received'), r.reason)
  on conflict (idempotency_key) do nothing
  returning a.id into alert_id;
  if alert_id is not null then
    inserted := true;
  else
    select a.id into alert_id from alerts a where a.idempotency_key = r.idempotency_key;
    inserted := false;
  end if;
  return next;
end
$$;

-- Alerts the engine has not handled yet (no signal, status received), oldest first; page with
-- p_after_id (the last id of the previous page).
create function unprocessed_alerts(p_limit integer, p_after_id bigint default 0)
returns setof alerts
language sql stable as $$
  select a.* from alerts a
  where a.status = 'received' and a.id > coalesce(p_after_id, 0)
    and not exists (select 1 from signals s where s.alert_id = a.id)
  order by a.id
  limit greatest(p_limit, 0)
$$;

-- Insert or update a signal. A final decision (FILTERED, EXECUTED, IGNORED) is never overwritten
-- by a different status; attempts never go backwards.
create function upsert_signal(p_signal jsonb)
returns void
language plpgsql as $$
declare
  r signals;
  written integer;
  current_status execution_status;
begin
  r := jsonb_populate_record(null::signals, p_signal);
  insert into signals as s (id, alert_id, account_id, symbol, action, execution_status, execution_reason,
                            executed_trade_id, execution_attempts, execution_scheduled_at, confirmation_score,
                            created_at, updated_at)
  values (r.id, r.alert_id, r.account_id, r.symbol, r.action, coalesce(r.execution_status, 'PENDING'),
          r.execution_reason, r.executed_trade_id, coalesce(r.execution_attempts, 0), r.execution_scheduled_at,
          r.confirmation_score, coalesce(r.created_at, now()), coalesce(r.updated_at, now()))
  on conflict (id) do update set
    alert_id = coalesce(excluded.alert_id, s.alert_id),
    execution_status = excluded.execution_status,
    execution_reason = excluded.execution_reason,
    executed_trade_id = coalesce(excluded.executed_trade_id, s.executed_trade_id),
    execution_attempts = greatest(excluded.execution_attempts, s.execution_attempts),
    execution_scheduled_at = excluded.execution_scheduled_at,
    confirmation_score = coalesce(excluded.confirmation_score, s.confirmation_score),
    updated_at = greatest(excluded.updated_at, s.updated_at)
  where s.execution_status not in ('FILTERED', 'EXECUTED', 'IGNORED')
     or s.execution_status = excluded.execution_status;
  get diagnostics written = row_count;
  if written = 0 then
    select s.execution_status into current_status from signals s where s.id = r.id;
    raise exception 'signal % is already % and cannot change to %', r.id, current_status, r.execution_status
      using errcode = 'P0001', hint = 'A decided signal is final; a new alert makes a new signal.';
  end if;
end
$$;

-- Claim due PENDING signals exactly once across processes: rows locked by another claimer are
-- skipped, each claimed row becomes EXECUTING with one more attempt and a logged transition.
create function claim_pending_signals(p_owner text, p_now timestamptz, p_limit integer)
returns setof signals
language plpgsql as $$
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'claim_pending_signals: limit must be at least 1 (got %)', p_limit using errcode = '22023';
  end if;
  if p_owner is null or length(p_owner) = 0 then
    raise exception 'claim_pending_signals: owner must name the claiming process' using errcode = '22023';
  end if;
  return query
  with due as (
    select s.id from signals s
    where s.execution_status = 'PENDING'
      and (s.execution_scheduled_at is null or s.execution_scheduled_at <= p_now)
    order by s.execution_scheduled_at nulls first, s.created_at, s.id
    limit p_limit
    for update skip locked
  ), claimed as (
    update signals s set
      execution_status = 'EXECUTING',
      execution_attempts = s.execution_attempts + 1,
      claimed_by = p_owner,
      claimed_at = p_now,
      updated_at = p_now
    from due where s.id = due.id
    returning s.*
  ), logged as (
    insert into execution_events (entity_type, entity_id, from_state, to_state, ts, detail)
    select 'signal', c.id, 'PENDING', 'EXECUTING', p_now,
           jsonb_build_object('owner', p_owner, 'attempt', c.execution_attempts)
    from claimed c
  )
  select * from claimed c order by c.created_at, c.id;
end
$$;

-- Record a broker order under its idempotency tag before it is sent. A tag already recorded
-- returns inserted = false with what is known about it, so the caller resolves instead of resending.
create function record_order(p_order jsonb)
returns table (inserted boolean, broker_order_id text, status text)
language plpgsql as $$
declare
  r orders;
  existing orders;
begin
  r := jsonb_populate_record(null::orders, p_order);
  insert into orders as o (tag, position_id, account_id, symbol, contract_id, side, kind, price, quantity,
                           broker_order_id, status, created_at, updated_at)
  values (r.tag, r.position_id, r.account_id, r.symbol, r.contract_id, r.side, r.kind, r.price, r.quantity,
          r.broker_order_id, coalesce(r.status, 'submitted'), coalesce(r.created_at, now()),
          coalesce(r.updated_at, r.created_at, now()))
  on conflict (tag) do nothing;
  if found then
    inserted := true;
    broker_order_id := r.broker_order_id;
    status := coalesce(r.status, 'submitted');
  else
    select * into existing from orders o where o.tag = r.tag;
    inserted := false;
    broker_order_id := existing.broker_order_id;
    status := existing.status;
  end if;
  return next;
end
$$;

-- Update what the broker said about a recorded order.
create function update_order(p_tag text, p_broker_order_id text, p_status text, p_updated_at timestamptz)
returns void
language plpgsql as $$
begin
  update orders o set
    broker_order_id = coalesce(p_broker_order_id, o.broker_order_id),
    status = p_status,
    updated_at = p_updated_at
  where o.tag = p_tag;
  if not found then
    raise exception 'order % is not recorded', p_tag
      using errcode = 'P0002', hint = 'Record the order with record_order before updating it.';
  end if;
end
$$;

-- Batch upsert of position rows (the write queue's flush). A closed or cancelled position is final
-- and a stale update (older updated_at) never overwrites a newer one. Returns rows written.
create function upsert_positions(p_positions jsonb)
returns integer
language plpgsql as $$
declare
  written integer;
begin
  if jsonb_typeof(p_positions) is distinct from 'array' then
    raise exception 'upsert_positions expects a json array of position rows' using errcode = '22023';
  end if;
  insert into positions as p (id, signal_id, alert_id, account_id, symbol, contract_id, side, state, quantity,
    filled_quantity, entry_order_id, entry_price, fill_price, stop_price, tp1, tp2, tp3, poc, vah, val,
    confirmation_score, unrealized_pnl, realized_pnl, llm_reasoning, llm_confidence, snapshot, machine_version,
    opened_at, updated_at, closed_at)
  select r.id, r.signal_id, r.alert_id, r.account_id, r.symbol, r.contract_id, r.side, r.state, r.quantity,
    coalesce(r.filled_quantity, 0), r.entry_order_id, r.entry_price, r.fill_price, r.stop_price, r.tp1, r.tp2,
    r.tp3, r.poc, r.vah, r.val, r.confirmation_score, coalesce(r.unrealized_pnl, 0), coalesce(r.realized_pnl, 0),
    r.llm_reasoning, r.llm_confidence, r.snapshot, r.machine_version, r.opened_at, r.updated_at, r.closed_at
  from jsonb_populate_recordset(null::positions, p_positions) r
  on conflict (id) do update set
    signal_id = excluded.signal_id,
    alert_id = excluded.alert_id,
    state = excluded.state,
    quantity = excluded.quantity,
    filled_quantity = excluded.filled_quantity,
    entry_order_id = excluded.entry_order_id,
    entry_price = excluded.entry_price,
    fill_price = excluded.fill_price,
    stop_price = excluded.stop_price,
    tp1 = excluded.tp1,
    tp2 = excluded.tp2,
    tp3 = excluded.tp3,
    poc = excluded.poc,
    vah = excluded.vah,
    val = excluded.val,
    confirmation_score = excluded.confirmation_score,
    unrealized_pnl = excluded.unrealized_pnl,
    realized_pnl = excluded.realized_pnl,
    llm_reasoning = excluded.llm_reasoning,
    llm_confidence = excluded.llm_confidence,
    snapshot = excluded.snapshot,
    machine_version = excluded.machine_version,
    updated_at = excluded.updated_at,
    closed_at = excluded.closed_at
  where p.state not in ('closed', 'cancelled') and excluded.updated_at >= p.updated_at;
  get diagnostics written = row_count;
  return written;
end
$$;

-- Close a position and write its immutable trade row in one transaction. Repeating the same call
-- (a retry after a lost reply) changes nothing and returns false.
create function close_position_with_trade(p_position jsonb, p_trade jsonb)
returns boolean
language plpgsql as $$
declare
  t trades_log;
  pos_id text := p_position ->> 'id';
  trade_id bigint;
begin
  if p_position ->> 'state' is distinct from 'closed' then
    raise exception 'close_position_with_trade: position % must have state closed (got %)',
      pos_id, coalesce(p_position ->> 'state', 'none') using errcode = '22023';
  end if;
  t := jsonb_populate_record(null::trades_log, p_trade);
  if t.position_id is distinct from pos_id then
    raise exception 'close_position_with_trade: trade.position_id % does not match position %', t.position_id, pos_id
      using errcode = '22023';
  end if;
  perform upsert_positions(jsonb_build_array(p_position));
  insert into trades_log (position_id, account_id, symbol, side, quantity, entry_price, exit_price, entry_time,
    exit_time, gross_pnl, net_pnl, commissions, exit_reason, highest_target, initial_stop, confirmation_score,
    poc, vah, val)
  values (t.position_id, t.account_id, t.symbol, t.side, t.quantity, t.entry_price, t.exit_price, t.entry_time,
    t.exit_time, t.gross_pnl, t.net_pnl, t.commissions, t.exit_reason, t.highest_target, t.initial_stop,
    t.confirmation_score, t.poc, t.vah, t.val)
  on conflict (position_id) do nothing
  returning id into trade_id;
  if trade_id is not null and not exists (select 1 from positions p where p.id = pos_id and p.state = 'closed') then
    raise exception 'close_position_with_trade: position % could not be closed (it was cancelled or a newer update exists)', pos_id
      using errcode = '23514';
  end if;
  return trade_id is not null;
end
$$;
