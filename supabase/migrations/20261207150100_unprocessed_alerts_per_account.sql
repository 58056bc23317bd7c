-- Several accounts decide each alert (docs/accounts.md): an alert stays unprocessed until each of
-- p_accounts accounts has a decision that reached the broker or is final (the rule of
-- 20261121180500_interrupted_alerts.sql, counted per account). A crash between two accounts'
-- decisions then delivers the alert again, and only the accounts without one decide it (the bot
-- skips the others). p_accounts defaults to 1: one account, exactly the rule before.
drop function if exists unprocessed_alerts(integer, bigint);
create function unprocessed_alerts(p_limit integer, p_after_id bigint default 0, p_accounts integer default 1)
returns setof alerts
language sql stable as $$
  select a.* from alerts a
  where a.status = 'received' and a.id > coalesce(p_after_id, 0)
    and (
      select count(distinct s.account_id) from signals s
      where s.alert_id = a.id
        and (s.execution_status not in ('PENDING', 'EXECUTING')
             or exists (select 1 from positions p where p.signal_id = s.id))
    ) < greatest(coalesce(p_accounts, 1), 1)
  order by a.id
  limit greatest(p_limit, 0)
$$;

-- As before (20261121180300_security_and_realtime.sql): only the engine's roles may call it.
revoke execute on function unprocessed_alerts(integer, bigint, integer) from public, anon, authenticated;
grant execute on function unprocessed_alerts(integer, bigint, integer) to service_role;
