-- Account ownership for engines that reach the database only through the Supabase REST API, where
-- no session can hold an advisory lock: a lease row with an expiry, renewed by its owner. The SQL
-- adapters use session advisory locks instead. Times come from the database clock, shared by all.

create table account_leases (
  account_id text primary key,
  owner text not null,
  expires_at timestamptz not null,
  updated_at timestamptz not null default now()
);

alter table account_leases enable row level security;
revoke all on account_leases from anon, authenticated;
grant all on account_leases to service_role;
create policy "service role full access" on account_leases for all to service_role using (true) with check (true);

-- Take or renew the lease; false while another owner's lease has not expired.
create function acquire_account_lease(p_account text, p_owner text, p_ttl_ms integer)
returns boolean
language plpgsql as $$
begin
  if p_ttl_ms is null or p_ttl_ms < 1000 then
    raise exception 'acquire_account_lease: ttl must be at least 1000 ms (got %)', p_ttl_ms using errcode = '22023';
  end if;
  insert into account_leases as l (account_id, owner, expires_at)
  values (p_account, p_owner, now() + p_ttl_ms * interval '1 millisecond')
  on conflict (account_id) do update set owner = excluded.owner, expires_at = excluded.expires_at, updated_at = now()
  where l.owner = excluded.owner or l.expires_at < now();
  return found;
end
$$;

create function release_account_lease(p_account text, p_owner text)
returns void
language sql as $$
  delete from account_leases where account_id = p_account and owner = p_owner
$$;

revoke execute on function acquire_account_lease(text, text, integer), release_account_lease(text, text)
  from public, anon, authenticated;
grant execute on function acquire_account_lease(text, text, integer), release_account_lease(text, text)
  to service_role;
