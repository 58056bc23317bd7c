/**
 * Campaign c — database fault: the bot trades (crash-campaign scenario, no kills) against a
 * PostgreSQL cluster of this campaign's own, which is restarted (`pg_ctl restart -m fast`) at seeded
 * moments mid-run. Afterwards the store is compared with what the engine decided (its "signal
 * decided" lines) and with the gateway: every decision and every closed trade must be in the store.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { idFromKey } from '../../src/runtime/signal-processor.ts';
import { sleep } from './bot-process.ts';
import { runScenario } from './crash.ts';
import { startOwnCluster } from './own-postgres.ts';
import { ALWAYS_TRADING, createBotDatabase } from './pg.ts';
import { type CampaignOptions, type CampaignResult, seededRandom } from './types.ts';

export const DB_PASSWORD = 'rel-db-password-e6c2d94b';

export async function runDatabaseFault(
  options: CampaignOptions & { logDir?: string },
): Promise<CampaignResult> {
  const started = Date.now();
  const restartsWanted = options.fast ? 2 : 6;
  const trades = options.fast ? 3 : 8;
  const base = {
    id: 'database',
    title: 'Database fault: PostgreSQL restarted mid-run',
    parameters: {
      'PostgreSQL restarts (target)': restartsWanted,
      'restart mode': 'pg_ctl stop -m fast (connections dropped), down 0.5–3 s, start',
      trades,
      'gap between restarts': '2–5 s, seeded',
      seed: options.seed,
    },
  };
  const cluster = await startOwnCluster(DB_PASSWORD);
  if ('error' in cluster) return { ...base, figures: {}, criteria: [], error: cluster.error, durationMs: 0 };
  const logDir = options.logDir ?? join(tmpdir(), `valuearea-reliability-${process.pid}`);
  mkdirSync(logDir, { recursive: true });
  const random = seededRandom(options.seed + 77);
  const downtimes: number[] = [];
  try {
    const db = await createBotDatabase(cluster.url, ALWAYS_TRADING);
    const result = await runScenario({
      label: 'database-fault',
      trades,
      killTarget: null,
      seed: options.seed,
      server: cluster.url,
      databaseUrl: db.url,
      logDir,
      ...(options.log ? { log: options.log } : {}),
      until: () => downtimes.length >= restartsWanted,
      faults: async (ctx) => {
        while (!ctx.finished() && downtimes.length < restartsWanted) {
          await sleep(2_000 + random() * 3_000);
          if (ctx.finished()) break;
          downtimes.push(await cluster.restart(500 + Math.floor(random() * 2_500)));
          options.log?.(`database: restarted PostgreSQL (${downtimes.at(-1)} ms)`);
        }
      },
    });
    // What the engine decided (last decision per alert) and what the gateway closed.
    const decided = new Map<string, string>();
    for (const line of result.lines)
      if (line.msg === 'signal decided' && typeof line.alertKey === 'string')
        decided.set(line.alertKey, String(line.status));
    const closed = result.trades
      .filter((t) => t.entryQty > 0 && t.exitQty > 0)
      .map((t) => idFromKey('p', `k_${t.key}`));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    let missingDecisions = 0;
    let wrongStatus = 0;
    let missingTrades = 0;
    let alertRows = 0;
    try {
      const signals = new Map(
        (
          await client.query<{ id: string; execution_status: string }>(
            'select id, execution_status from signals',
          )
        ).rows.map((r) => [r.id, r.execution_status]),
      );
      for (const [key, status] of decided) {
        const stored = signals.get(idFromKey('s', key));
        if (stored === undefined) missingDecisions++;
        else if (stored !== status) wrongStatus++;
      }
      const tradeRows = new Set(
        (await client.query<{ position_id: string }>('select position_id from trades_log')).rows.map(
          (r) => r.position_id,
        ),
      );
      missingTrades = closed.filter((id) => !tradeRows.has(id)).length;
      alertRows = Number(
        (await client.query<{ n: string }>('select count(*) as n from alerts')).rows[0]?.n ?? 0,
      );
    } finally {
      await client.end();
    }
    const writeFailures = result.lines.filter((l) => l.msg === 'store write failed').length;
    const streamRetries = result.lines.filter((l) => l.msg === 'alert stream read failed; retrying').length;
    await db.drop().catch(() => {});
    return {
      ...base,
      figures: {
        'PostgreSQL restarts': downtimes.length,
        'outage per restart (ms)': downtimes.join(', '),
        'alerts posted (each retried until stored)': result.keys.length,
        'alert rows stored': alertRows,
        'decisions logged by the engine': decided.size,
        'decisions missing from the store': missingDecisions,
        'decisions stored with another status': wrongStatus,
        'trades closed on the gateway': closed.length,
        'closed trades missing from trades_log': missingTrades,
        '"store write failed" log lines (retried by the write queue)': writeFailures,
        'alert stream read retries': streamRetries,
        'bot exits of its own': result.unexpectedExits,
      },
      criteria: [
        {
          name: `PostgreSQL restarted at least ${restartsWanted} times mid-run`,
          pass: downtimes.length >= restartsWanted,
          measured: `${downtimes.length}`,
        },
        {
          name: 'the bot keeps running through the restarts',
          pass: result.unexpectedExits === 0,
          measured: `${result.unexpectedExits} exits`,
        },
        {
          name: 'no decision lost: every engine decision is in signals with its status',
          pass: missingDecisions === 0 && wrongStatus === 0 && decided.size > 0,
          measured: `${missingDecisions} missing, ${wrongStatus} other status, of ${decided.size}`,
        },
        {
          name: 'no trade row lost: every closed gateway trade is in trades_log',
          pass: missingTrades === 0 && closed.length > 0,
          measured: `${missingTrades} of ${closed.length} missing`,
        },
        {
          name: 'exactly one alert row per alert',
          pass: alertRows === result.keys.length,
          measured: `${alertRows} rows for ${result.keys.length} alerts`,
        },
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    cluster.stop();
  }
}
