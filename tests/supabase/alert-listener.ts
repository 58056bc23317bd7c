/**
 * Stand-in for the bot in the end-to-end test: a separate process that follows the alerts table
 * with the store's alert stream (LISTEN/NOTIFY plus the catch-up sweep), marks each alert it gets
 * as processed (as the bot does when it decides) and prints one JSON line per alert.
 * Usage: node --import tsx alert-listener.ts <databaseUrl> [sweepIntervalMs]
 * Prints `ready` once listening; exits on SIGTERM.
 */
import { alertStream } from '../../src/adapters/store/alert-stream.ts';
import { createPostgresStore } from '../../src/adapters/store/postgres.ts';

const [databaseUrl, sweep] = process.argv.slice(2);
if (!databaseUrl) {
  console.error('usage: alert-listener.ts <databaseUrl> [sweepIntervalMs]');
  process.exit(2);
}
const store = await createPostgresStore({ connectionString: databaseUrl, migrate: false });
const clock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
let chain = Promise.resolve();
const subscription = alertStream(store, {
  clock,
  sweepIntervalMs: Number(sweep ?? 1_000),
  onError: (error) => console.error(JSON.stringify({ msg: 'alert stream error', error: error.message })),
}).subscribe((alert) => {
  // One at a time, like the engine: mark first, then report, so a reported alert is never redelivered.
  chain = chain.then(async () => {
    await store.setAlertStatus(alert.id, 'processed', 'seen by the edge test listener');
    process.stdout.write(
      `${JSON.stringify({ msg: 'alert received', key: alert.idempotencyKey, id: alert.id })}\n`,
    );
  });
});
process.stdout.write('ready\n');

process.on('SIGTERM', () => {
  subscription.unsubscribe();
  void chain.then(() => store.close()).finally(() => process.exit(0));
});
