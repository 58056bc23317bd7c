/**
 * Child process for the exactly-once claiming test: connects, says "ready", waits for "go" on
 * stdin, then claims signals in small batches until none are left and prints the claimed ids.
 * Usage: node --import tsx claim-worker.ts <databaseUrl> <owner>
 */
import { createInterface } from 'node:readline';
import { createPostgresStore } from '../../../src/adapters/store/postgres.ts';

const [url, owner] = process.argv.slice(2);
if (!url || !owner) {
  console.error('usage: claim-worker.ts <databaseUrl> <owner>');
  process.exit(2);
}
const store = await createPostgresStore({ connectionString: url, migrate: false });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;

const claimed: string[] = [];
for (;;) {
  const batch = await store.claimPendingSignals(owner, Date.UTC(2026, 2, 10, 15), 5);
  if (batch.length === 0) break;
  claimed.push(...batch.map((s) => s.id));
  await new Promise((r) => setTimeout(r, 10)); // give the other process a turn
}
process.stdout.write(`${JSON.stringify(claimed)}\n`);
await store.close();
process.exit(0);
