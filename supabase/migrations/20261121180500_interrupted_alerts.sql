-- Alerts interrupted by a crash are delivered again. An alert is "unprocessed" while it is
-- 'received' and no decision reached the broker: no signal yet, or a signal still undecided
-- (PENDING, which includes a retry wait, or EXECUTING) with no position recorded for it. The engine writes a position
-- before its entry order is sent, so an undecided signal without a position never placed an
-- order, and deciding its alert again (same key, same ids, same order tags) cannot double one.
create or replace function unprocessed_alerts(p_limit integer, p_after_id bigint default 0)
returns setof alerts
language sql stable as $$
  select a.* from alerts a
  where a.status = 'received' and a.id > coalesce(p_after_id, 0)
    and not exists (
      select 1 from signals s
      where s.alert_id = a.id
        and (s.execution_status not in ('PENDING', 'EXECUTING')
             or exists (select 1 from positions p where p.signal_id = s.id))
    )
  order by a.id
  limit greatest(p_limit, 0)
$$;
