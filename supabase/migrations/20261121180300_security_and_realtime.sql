-- Row-level security and grants. The engine connects as the table owner (PGlite, pg) or as
-- service_role (supabase-js): full access. The dashboard's anon/authenticated key reads what it
-- shows — positions, trades_log, signals, backtests, and alerts without raw body or source
-- address — and writes nothing. bot_settings, guard_state, execution_events and orders are private.

alter table alerts enable row level security;
alter table signals enable row level security;
alter table positions enable row level security;
alter table trades_log enable row level security;
alter table execution_events enable row level security;
alter table orders enable row level security;
alter table bot_settings enable row level security;
alter table guard_state enable row level security;
alter table backtests enable row level security;

-- Supabase's default privileges grant everything on new tables to anon and authenticated;
-- take it back and grant only what the policies below allow.
revoke all on alerts, signals, positions, trades_log, execution_events, orders, bot_settings, guard_state, backtests
  from anon, authenticated;
grant all on alerts, signals, positions, trades_log, execution_events, orders, bot_settings, guard_state, backtests
  to service_role;
grant usage, select on all sequences in schema public to service_role;
grant usage on schema public to anon, authenticated, service_role;

create policy "service role full access" on alerts for all to service_role using (true) with check (true);
create policy "service role full access" on signals for all to service_role using (true) with check (true);
create policy "service role full access" on positions for all to service_role using (true) with check (true);
create policy "service role full access" on trades_log for all to service_role using (true) with check (true);
create policy "service role full access" on execution_events for all to service_role using (true) with check (true);
create policy "service role full access" on orders for all to service_role using (true) with check (true);
create policy "service role full access" on bot_settings for all to service_role using (true) with check (true);
create policy "service role full access" on guard_state for all to service_role using (true) with check (true);
create policy "service role full access" on backtests for all to service_role using (true) with check (true);

create policy "dashboard reads" on positions for select to anon, authenticated using (true);
create policy "dashboard reads" on trades_log for select to anon, authenticated using (true);
create policy "dashboard reads" on signals for select to anon, authenticated using (true);
create policy "dashboard reads" on backtests for select to anon, authenticated using (true);
create policy "dashboard reads" on alerts for select to anon, authenticated using (true);

grant select on positions, trades_log, signals, backtests to anon, authenticated;
-- The raw body may carry a (redacted) payload and the source address is private: columns only.
grant select (id, idempotency_key, received_at, content_type, parsed, symbol, action, ticker, status, reason,
              created_at, updated_at)
  on alerts to anon, authenticated;

-- Functions run with the caller's rights; only the engine's roles may call them.
revoke execute on function insert_alert(jsonb), unprocessed_alerts(integer, bigint), upsert_signal(jsonb),
  claim_pending_signals(text, timestamptz, integer), record_order(jsonb),
  update_order(text, text, text, timestamptz), upsert_positions(jsonb), close_position_with_trade(jsonb, jsonb)
  from public, anon, authenticated;
grant execute on function insert_alert(jsonb), unprocessed_alerts(integer, bigint), upsert_signal(jsonb),
  claim_pending_signals(text, timestamptz, integer), record_order(jsonb),
  update_order(text, text, text, timestamptz), upsert_positions(jsonb), close_position_with_trade(jsonb, jsonb)
  to service_role;

-- Realtime: the dashboard and the supabase-js alert stream subscribe to these tables.
do $$
declare
  t text;
begin
  foreach t in array array['alerts', 'signals', 'positions'] loop
    if not exists (
      select 1 from pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = t
    ) then
      execute format('alter publication supabase_realtime add table public.%I', t);
    end if;
  end loop;
end
$$;
