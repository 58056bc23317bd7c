/**
 * A lab queue worker as its own process, for tests/sim/lab-queue.test.ts (which kills it with -9):
 * `node --import tsx tests/sim/lab-queue-worker.ts <postgres-url> <name> [idleExitSeconds]`.
 * Prints every log line of `runQueueWorker` to stdout; stops on SIGTERM after the current cell.
 */
import { runQueueWorker } from '../../sim/lab/queue.ts';

const [connectionString, workerName, idle] = process.argv.slice(2);
if (!connectionString || !workerName) {
  process.stderr.write('usage: lab-queue-worker.ts <postgres-url> <name> [idleExitSeconds]\n');
  process.exit(2);
}
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
try {
  await runQueueWorker({
    connectionString,
    workerName,
    ...(idle ? { idleExitSeconds: Number(idle) } : {}),
    pollMs: 200,
    onLog: (line) => process.stdout.write(`${line}\n`),
    signal: stop.signal,
  });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
