/**
 * `npm run fetch-bars -- --symbol ES --from 2025-01-02 --to 2025-01-03 --unit 1m [--out data/bars/ES_1m.csv]`
 * Credentials and hosts come from the environment (.env): PROJECTX_USERNAME, PROJECTX_API_KEY,
 * PROJECTX_API_URL (default https://api.topstepx.com). See docs/topstepx.md.
 */
import { ProjectXConfigError } from '../src/adapters/topstepx/config.ts';
import { runFetchBars, UsageError } from '../src/adapters/topstepx/fetch-bars.ts';

const USAGE = `Usage: npm run fetch-bars -- --symbol ES --from 2025-01-02 --to 2025-01-03 [options]
Downloads bars from TopstepX (ProjectX) into the backtester's CSV (ts_utc,epoch_s,open,high,low,close,volume,contract).
  --symbol <ticker>   instrument root (front month) or contract, e.g. ES, NQ, ESZ25 (required)
  --from <date>       first UTC day YYYY-MM-DD, or an exact ISO-8601 timestamp (required)
  --to <date>         last UTC day, inclusive, or an exact ISO-8601 timestamp, exclusive (required)
  --unit <size>       bar size: a number and s, m, h, d, w or mo, e.g. 1m, 5m, 1h (default 1m)
  --out <file>        where to write the CSV (default data/bars/<SYMBOL>_<unit>_<from>_<to>.csv)
  --live              look contracts and bars up with the broker's live flag set
  -h, --help          this text
Credentials come from the environment or .env: PROJECTX_USERNAME, PROJECTX_API_KEY,
PROJECTX_API_URL (default https://api.topstepx.com). See docs/topstepx.md.`;

const log = {
  debug() {},
  info: (fields: object, message: string) => console.error(`${message} ${JSON.stringify(fields)}`),
  warn: (fields: object, message: string) => console.error(`warning: ${message} ${JSON.stringify(fields)}`),
  error: (fields: object, message: string) => console.error(`error: ${message} ${JSON.stringify(fields)}`),
};

if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
  console.log(USAGE);
  process.exit(0);
}

try {
  if (typeof process.loadEnvFile === 'function') {
    try {
      process.loadEnvFile();
    } catch {
      // No .env file: the environment alone must carry the settings.
    }
  }
  const result = await runFetchBars(process.argv.slice(2), process.env, log);
  console.log(`wrote ${result.bars} bars of ${result.contractId} to ${result.file}`);
} catch (error) {
  const known = error instanceof UsageError || error instanceof ProjectXConfigError;
  console.error(known ? (error as Error).message : `fetch-bars failed: ${(error as Error).message}`);
  process.exit(known ? 2 : 1);
}
