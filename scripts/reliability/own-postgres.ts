/**
 * A throwaway PostgreSQL cluster of the campaign's own (initdb into a temp dir, a free port, a
 * password), so it can be restarted mid-run without touching the shared server.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function pgBin(): string | undefined {
  const candidates = [process.env.TEST_PG_BIN, '/usr/lib/postgresql/15/bin'].filter(Boolean) as string[];
  return candidates.find((dir) => existsSync(join(dir, 'initdb')));
}

export const NEEDS_PG_BIN =
  'needs the PostgreSQL binaries (initdb, pg_ctl): set TEST_PG_BIN or install PostgreSQL 15';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface OwnCluster {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly password: string;
  /** Stop (fast: connections dropped), stay down `downMs`, start again; returns the outage in ms. */
  restart(downMs: number): Promise<number>;
  stop(): void;
}

export async function startOwnCluster(password: string): Promise<OwnCluster | { error: string }> {
  const bin = pgBin();
  if (!bin) return { error: NEEDS_PG_BIN };
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'valuearea-rel-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  const run = (cmd: string, args: string[]) =>
    root
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], {
          stdio: 'pipe',
          cwd: dir,
        })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe', cwd: dir });
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    `--pwfile=${pwfile}`,
  ]);
  rmSync(pwfile);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  const log = join(dir, 'server.log');
  run('pg_ctl', ['-D', data, '-o', opts, '-l', log, '-w', 'start']);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    password,
    async restart(downMs) {
      const t = Date.now();
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      run('pg_ctl', ['-D', data, '-o', opts, '-l', log, '-w', 'start']);
      return Date.now() - t;
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
