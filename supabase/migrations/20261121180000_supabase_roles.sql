-- Roles that Supabase provides. On a plain PostgreSQL server (and PGlite) they are created here so
-- the same grants and policies apply everywhere; on Supabase they already exist and nothing happens.
-- Roles are cluster-wide: two databases migrating at once may race, hence the exception handlers.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    begin
      create role anon nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    begin
      create role authenticated nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    begin
      create role service_role nologin noinherit bypassrls;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
end
$$;

-- Supabase Realtime streams the tables in this publication. Creating it costs nothing on a server
-- without logical replication (PGlite, wal_level=replica); it only lists tables.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
