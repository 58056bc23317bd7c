/**
 * Campaign e — security (the parts measured here): wrong webhook secrets are rate-limited and never
 * logged, and every log file written during the campaign (bot processes, webhook server) holds none
 * of the secret values used. Row-level security and the dashboard's control routes are not covered
 * by this campaign yet (see the notes).
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createHttpServer,
  listenHttpServer,
  registerWebhookRoutes,
} from '../../src/adapters/webhook/server.ts';
import { CRASH_SECRETS } from './crash.ts';
import { DB_PASSWORD } from './database-fault.ts';
import { serverUrl } from './pg.ts';
import { probeAnon, probeExposedDashboard } from './security-checks.ts';
import type { CampaignOptions, CampaignResult, Criterion } from './types.ts';
import { ABUSE_SECRET, MemoryInbox } from './webhook-abuse.ts';

export const DASHBOARD_TOKEN = 'rel-dashboard-token-8a3f61c5';
const WRONG_PREFIX = 'rel-wrong-secret-';

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? logFiles(path) : [path];
  });
}

export async function runSecurity(options: CampaignOptions & { logDir?: string }): Promise<CampaignResult> {
  const started = Date.now();
  const logDir = options.logDir;
  // Wrong secrets against the default per-source limiter (30 burst, 5/s), logged to the campaign's logs.
  const logFile = logDir ? join(logDir, 'security-webhook.log') : null;
  const logged: string[] = [];
  const app = createHttpServer({
    logger: {
      level: 'info',
      stream: {
        write: (line: string) => {
          logged.push(line);
          if (logFile) appendFileSync(logFile, line);
        },
      },
    },
  });
  registerWebhookRoutes(app, { inbox: new MemoryInbox(), intake: { secrets: [ABUSE_SECRET] } });
  const base = await listenHttpServer(app, { port: 0 });
  const attempts = options.fast ? 200 : 2_000;
  const statuses = new Map<number, number>();
  let firstLimited = -1;
  for (let i = 0; i < attempts; i++) {
    const res = await fetch(`${base}/webhook/tradingview/${WRONG_PREFIX}${i}`, {
      method: 'POST',
      body: JSON.stringify({ symbol: 'ES1!', action: 'buy', passphrase: `${WRONG_PREFIX}body-${i}` }),
    });
    await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 429 && firstLimited < 0) firstLimited = i + 1;
  }
  await app.close();
  const wrongLogged = logged.filter((l) => l.includes(WRONG_PREFIX)).length;

  // Row-level security as the anon role on the real server; the dashboard bound beyond loopback.
  const server = serverUrl();
  const rls = server ? await probeAnon(server) : null;
  const dashboard = await probeExposedDashboard(
    DASHBOARD_TOKEN,
    join(logDir ?? tmpdir(), 'security-dashboard.log'),
  );

  const secrets = [
    ['dashboard token', DASHBOARD_TOKEN],
    ['webhook secret (crash runs)', CRASH_SECRETS.webhook],
    ['ProjectX API key (crash runs)', CRASH_SECRETS.apiKey],
    ['webhook secret (abuse runs)', ABUSE_SECRET],
    ['database password (own cluster)', DB_PASSWORD],
  ] as const;
  const files = logDir ? logFiles(logDir) : [];
  let bytes = 0;
  const hits: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    bytes += text.length;
    for (const [name, value] of secrets) if (text.includes(value)) hits.push(`${name} in ${file}`);
    if (text.includes(WRONG_PREFIX)) hits.push(`a wrong secret in ${file}`);
  }
  const limited = statuses.get(429) ?? 0;
  return {
    id: 'security',
    title: 'Security: wrong secrets and secrets in logs',
    parameters: {
      'wrong-secret attempts from one address': attempts,
      limiter: 'the webhook default (30 burst, 5/s per source)',
      'secret values searched':
        'webhook secrets, ProjectX API key, dashboard token, database password, the wrong secrets sent',
    },
    figures: {
      'answers to wrong secrets': [...statuses.entries()].map(([s, n]) => `${n}×${s}`).join(', '),
      'rate-limited from attempt': firstLimited,
      'log lines mentioning a wrong secret': wrongLogged,
      'log files scanned': files.length,
      'log bytes scanned': bytes,
      'secret hits in logs': hits.length,
      'anon-role probes on PostgreSQL (writes on every table, reads of private tables and columns, engine functions, DDL; dashboard reads)':
        rls ? rls.probes : 'not run (needs TEST_DATABASE_URL)',
      'anon probes not answered as expected': rls ? rls.allowed.length : 'not run',
      'dashboard requests (bound to 0.0.0.0 with DASHBOARD_TOKEN)': dashboard.requests,
      'dashboard requests not refused / answered as expected': dashboard.wrong.length,
    },
    criteria: [
      ...((rls
        ? [
            {
              name: 'RLS: the anon role cannot write anything nor read private tables or columns (and still reads what the dashboard shows)',
              pass: rls.allowed.length === 0,
              measured: `${rls.allowed.length} of ${rls.probes} probes wrong`,
            },
          ]
        : [
            {
              name: 'RLS checked on a real PostgreSQL server',
              pass: false,
              measured: 'TEST_DATABASE_URL not set',
            },
          ]) as Criterion[]),
      {
        name: 'exposed dashboard refuses unauthenticated API and control requests (401), serves the token holder',
        pass: dashboard.wrong.length === 0,
        measured: `${dashboard.wrong.length} of ${dashboard.requests} wrong`,
      },
      {
        name: 'a wrong dashboard token is never logged',
        pass: !dashboard.wrongTokenLogged,
        measured: dashboard.wrongTokenLogged ? 'logged' : 'not logged',
      },
      {
        name: 'wrong secrets are rate-limited (429) after a burst',
        pass: limited > 0 && firstLimited > 0 && firstLimited <= 40,
        measured: `${limited} × 429, first at attempt ${firstLimited}`,
      },
      { name: 'wrong secrets are never logged', pass: wrongLogged === 0, measured: `${wrongLogged} lines` },
      {
        name: 'no secret value in any log written during the campaign',
        pass: hits.length === 0 && files.length > 0,
        measured: `${hits.length} hits in ${files.length} files`,
      },
    ],
    notes: [...hits.slice(0, 10), ...(rls?.allowed.slice(0, 10) ?? []), ...dashboard.wrong.slice(0, 10)],
    durationMs: Date.now() - started,
  };
}
