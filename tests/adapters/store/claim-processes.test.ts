/** Two engine processes on one PostgreSQL database claim every signal exactly once. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createPostgresStore } from '../../../src/adapters/store/postgres.ts';
import { signal, T0 } from './fixtures.ts';
import { TestDatabases, withPostgres } from './pg-server.ts';

const WORKER = fileURLToPath(new URL('./claim-worker.ts', import.meta.url));
const SIGNALS = 200;

function startWorker(
  url: string,
  owner: string,
): { child: ChildProcessWithoutNullStreams; lines: string[]; ready: Promise<void>; done: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url, owner], { stdio: 'pipe' });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      if (line === 'ready') onReady();
      newline = buffer.indexOf('\n');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`worker ${owner} exited with ${code}: ${stderr}`)),
    );
  });
  done.catch(() => onReady());
  return { child, lines, ready, done };
}

withPostgres('claiming across processes', (serverUrl) => {
  const databases = new TestDatabases(serverUrl);
  afterAll(() => databases.dropAll(), 120_000);

  it(`two processes claim ${SIGNALS} signals exactly once between them`, async () => {
    const url = await databases.createMigrated();
    const store = await createPostgresStore({ connectionString: url });
    const ids = Array.from({ length: SIGNALS }, (_, i) => `sig-${String(i).padStart(3, '0')}`);
    for (const [i, id] of ids.entries()) await store.upsertSignal(signal(id, { createdAt: T0 + i }));

    const a = startWorker(url, 'engine-a');
    const b = startWorker(url, 'engine-b');
    await Promise.all([a.ready, b.ready]);
    a.child.stdin.write('go\n');
    b.child.stdin.write('go\n');
    await Promise.all([a.done, b.done]);

    const claimedA = JSON.parse(a.lines.at(-1)!) as string[];
    const claimedB = JSON.parse(b.lines.at(-1)!) as string[];
    expect(claimedA.length).toBeGreaterThan(0);
    expect(claimedB.length).toBeGreaterThan(0);
    expect(claimedA.filter((id) => claimedB.includes(id))).toEqual([]);
    expect([...claimedA, ...claimedB].sort()).toEqual(ids);

    const rows = await store.sql.query(
      'select execution_status as status, execution_attempts as attempts, count(*)::int as n from signals group by 1, 2',
    );
    expect(rows).toEqual([{ status: 'EXECUTING', attempts: 1, n: SIGNALS }]);
    const owners = await store.sql.query(
      'select claimed_by as owner, count(*)::int as n from signals group by 1 order by 1',
    );
    expect(owners).toEqual([
      { owner: 'engine-a', n: claimedA.length },
      { owner: 'engine-b', n: claimedB.length },
    ]);
    await store.close();
  });
});
