/**
 * `npm run reliability [-- --fast] [--only soak,crash,…] [--seed N] [--no-doc]`: runs the reliability
 * campaigns (bounded in count and time, loopback only) and regenerates docs/RELIABILITY.md with the
 * measured figures. Exits 1 when any criterion fails or a campaign could not run, 2 on bad flags.
 * The PostgreSQL campaigns need TEST_DATABASE_URL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runConnectionFaults } from './reliability/connection-faults.ts';
import { runCrash } from './reliability/crash.ts';
import { runDatabaseFault } from './reliability/database-fault.ts';
import { renderReport } from './reliability/report.ts';
import { runSecurity } from './reliability/security.ts';
import { runSoak } from './reliability/soak.ts';
import { type CampaignOptions, type CampaignResult, passed } from './reliability/types.ts';
import { runWebhookAbuse } from './reliability/webhook-abuse.ts';

// The campaigns' bots trade at any hour (the flat-by time would otherwise refuse entries after 15:10 Chicago).
process.env.VALUEAREA_SETTINGS ??=
  '{"flatByTime":"","noNewEntriesAfter":"","tradingWindowStart":"","tradingWindowEnd":"","cmeCalendar":false,"accountRules":"custom","trailingDrawdown":0,"maxPosition":100}';

const CAMPAIGNS: Record<string, (o: CampaignOptions & { logDir: string }) => Promise<CampaignResult>> = {
  // First: it measures this process's heap, before the others have used it.
  soak: runSoak,
  crash: runCrash,
  connection: runConnectionFaults,
  database: runDatabaseFault,
  webhook: runWebhookAbuse,
  // Last: it scans the logs the others wrote.
  security: runSecurity,
};

let values: { fast?: boolean; only?: string; seed?: string; 'no-doc'?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      fast: { type: 'boolean' },
      only: { type: 'string' },
      seed: { type: 'string' },
      'no-doc': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}; run with --help for the options`);
  process.exit(2);
}
if (values.help) {
  console.log(`Usage: npm run reliability [-- --fast] [--only ${Object.keys(CAMPAIGNS).join(',')}] [--seed N] [--no-doc]
Runs the reliability campaigns (bounded, loopback only) and rewrites docs/RELIABILITY.md with the
measured figures. Exits 1 when a criterion fails or a campaign could not run, 2 on bad flags.
  --fast          the short runs (what the tests use)
  --only <list>   comma-separated campaigns, e.g. --only soak,crash (default all)
  --seed <n>      seed of the generated alerts and faults (default 1)
  --no-doc        print the report on stdout instead of writing docs/RELIABILITY.md
  -h, --help      this text
The crash, connection and database campaigns need PostgreSQL (TEST_DATABASE_URL).`);
  process.exit(0);
}
const seed = Number(values.seed ?? '1');
const only = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(CAMPAIGNS);
const unknown = only.filter((name) => !CAMPAIGNS[name]);
if (!Number.isInteger(seed) || unknown.length > 0) {
  console.error(
    unknown.length > 0
      ? `--only: unknown campaign ${unknown.join(', ')}; use ${Object.keys(CAMPAIGNS).join(', ')}`
      : '--seed: use a whole number, e.g. --seed 1',
  );
  process.exit(2);
}
const fast = values.fast ?? false;
const logDir = join(tmpdir(), `valuearea-reliability-${process.pid}`);
mkdirSync(logDir, { recursive: true });
const startedAt = new Date();
const results: CampaignResult[] = [];
for (const name of only) {
  const run = CAMPAIGNS[name];
  if (!run) continue;
  console.error(`[reliability] ${name}…`);
  const t = Date.now();
  try {
    results.push(await run({ fast, seed, logDir, log: (line) => console.error(`[reliability] ${line}`) }));
  } catch (error) {
    results.push({
      id: name,
      title: name,
      parameters: {},
      figures: {},
      criteria: [],
      error: `crashed: ${error instanceof Error ? error.message : String(error)}`,
      durationMs: Date.now() - t,
    });
  }
  const last = results.at(-1);
  if (last)
    console.error(
      `[reliability] ${name}: ${passed(last) ? 'pass' : 'FAIL'} (${((Date.now() - t) / 1000).toFixed(1)} s)`,
    );
}
const command = `npm run reliability${fast ? ' -- --fast' : ''}`;
const doc = renderReport(results, { fast, seed, startedAt, command });
if (!values['no-doc']) {
  const path = new URL('../docs/RELIABILITY.md', import.meta.url);
  writeFileSync(path, doc);
  console.error(`[reliability] wrote docs/RELIABILITY.md`);
} else process.stdout.write(doc);
process.exit(results.every(passed) ? 0 : 1);
