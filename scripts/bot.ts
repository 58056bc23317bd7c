/**
 * `npm start` / `npm run bot`: the valuearea bot. Exit codes (README "Running the bot"): 0 clean
 * stop or --help, 1 could not start or a shutdown step failed (final database flush), 2 bad
 * settings, 130 forced stop (second Ctrl+C).
 */
import { startBot } from '../src/app/bot.ts';
import { ConfigError, loadDotEnv, parseCommandLine, USAGE } from '../src/app/config.ts';

loadDotEnv();
let parsed: ReturnType<typeof parseCommandLine>;
try {
  parsed = parseCommandLine(process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    console.error('Run `npm start -- --help` for the options.');
    process.exit(2);
  }
  throw error;
}
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}

// Handlers go in before the start: a stop request while the bot starts (a supervisor's SIGTERM,
// an early Ctrl+C) is carried out as soon as it is running, never left to the default action.
let bot: Awaited<ReturnType<typeof startBot>> | undefined;
let pending: NodeJS.Signals | undefined;
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals > 1) {
    if (bot) bot.logger.warn({ signal }, 'second stop request: exiting now');
    else console.error(`second stop request (${signal}) while starting: exiting now`);
    process.exit(130);
  }
  if (bot) void bot.stop(signal);
  else pending = signal;
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  bot = await startBot(parsed.config);
  if (pending) void bot.stop(pending);
  const code = await bot.done;
  process.exit(code);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`valuearea could not start: ${message}`);
  process.exit(1);
}
