/**
 * `npm run fetch-bars -- --symbol ES --from 2025-01-02 --to 2025-01-03 --unit 1m [--out data/bars/ES_1m.csv]`
 * Credentials and hosts come from the environment (.env): PROJECTX_USERNAME, PROJECTX_API_KEY,
 * PROJECTX_API_URL (default https://api.topstepx.com). See docs/topstepx.md.
 */
import { ProjectXConfigError } from '../src/adapters/topstepx/config.ts';
import { runFetchBars, UsageError } from '../src/adapters/topstepx/fetch-bars.ts';

const log = {
  debug() {},
  info: (fields: object, message: string) => console.error(`${message} ${JSON.stringify(fields)}`),
  warn: (fields: object, message: string) => console.error(`warning: ${message} ${JSON.stringify(fields)}`),
  error: (fields: object, message: string) => console.error(`error: ${message} ${JSON.stringify(fields)}`),
};

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
