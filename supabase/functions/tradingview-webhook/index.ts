/**
 * Supabase Edge Function `tradingview-webhook`: the public relay for bots that TradingView cannot
 * reach. It stores each alert in the project's database; the bot at home picks it up (Realtime or
 * LISTEN, plus the catch-up sweep). Deploy: see docs/edge.md.
 *
 * Outside Supabase (tests, self-hosting): `deno run --allow-net --allow-env --allow-read index.ts`
 * with RELAY_PORT (0 = any free port) and RELAY_HOSTNAME (default 127.0.0.1) prints `listening <url>`.
 */
import { relayConfigFromEnv } from './config.ts';
import { createPostgresInbox } from './inbox-postgres.ts';
import { createSupabaseInbox } from './inbox-supabase.ts';
import { type AlertInbox, createRelay, type RelayLog } from './relay.ts';

const config = relayConfigFromEnv((name) => Deno.env.get(name));

const log: RelayLog = (level, msg, fields) => {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

function openInbox(): AlertInbox | undefined {
  const storage = config.storage;
  if (!storage) return undefined;
  return storage.kind === 'postgres'
    ? createPostgresInbox(storage.databaseUrl)
    : createSupabaseInbox(storage.url, storage.serviceRoleKey);
}

const notConfigured =
  config.problems.length > 0 ? `the relay is not configured: ${config.problems.join('; ')}` : undefined;
if (notConfigured) log('error', 'relay not configured', { problems: config.problems });
else log('info', 'relay ready', { storage: config.storage?.kind });

const relay = createRelay({
  inbox: openInbox(),
  intake: config.intake,
  notConfigured,
  storeTimeoutMs: config.storeTimeoutMs,
  log,
});

const handler = (request: Request, info?: Deno.ServeHandlerInfo): Promise<Response> => {
  const remote = info?.remoteAddr;
  return relay(request, { remoteAddress: remote?.transport === 'tcp' ? remote.hostname : undefined });
};

// On Supabase the runtime owns the listener: plain Deno.serve(handler). RELAY_PORT is for running
// the function as an ordinary Deno process (tests, self-hosting); 0 picks a free port.
const relayPort = Deno.env.get('RELAY_PORT');
if (relayPort === undefined) {
  Deno.serve(handler);
} else {
  const hostname = Deno.env.get('RELAY_HOSTNAME') ?? '127.0.0.1';
  Deno.serve(
    {
      port: Number(relayPort),
      hostname,
      onListen: ({ port }) => console.log(`listening http://${hostname}:${port}`),
    },
    handler,
  );
}
