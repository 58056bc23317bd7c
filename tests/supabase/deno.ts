/**
 * Running the Edge Function in real Deno for tests: the `deno` devDependency ships the runtime
 * binary. The function resolves its `npm:` imports from this repository's node_modules (Deno uses
 * the package.json it finds), so no download and no Deno cache are needed: it works offline and on a
 * clean DENO_DIR. Without Deno the tests skip with a message, and fail when CI=true.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RELAY_ENTRY = fileURLToPath(
  new URL('../../supabase/functions/tradingview-webhook/index.ts', import.meta.url),
);
const NEED_DENO =
  'install the dev dependencies (`npm ci`: the `deno` package ships the runtime) or set DENO_BIN';

/** The Deno executable: DENO_BIN, the npm package's binary, or `deno` on PATH. */
export function findDeno(): string | undefined {
  const candidates: string[] = [];
  if (process.env.DENO_BIN) candidates.push(process.env.DENO_BIN);
  try {
    const require = createRequire(import.meta.url);
    const installApi = require('deno/install_api.cjs') as { runInstall(): string };
    candidates.push(installApi.runInstall());
  } catch {
    // not installed: try PATH
  }
  candidates.push('deno');
  for (const candidate of candidates) {
    if (candidate !== 'deno' && !existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.startsWith('deno ')) return candidate;
  }
  return undefined;
}

/** `describe` when `need` is met; otherwise a skip with a message, or a failing test when CI=true. */
export function describeWhen(title: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    it(`${title}: prerequisite missing`, () => {
      throw new Error(`CI=true but ${missing}`);
    });
    return;
  }
  console.warn(`[edge] skipping "${title}": ${missing}`);
  describe.skip(`${title} (${missing})`, () => {
    it('needs its prerequisites', () => {});
  });
}

export const DENO = findDeno();
export const DENO_MISSING = DENO ? undefined : `Deno is not available — ${NEED_DENO}`;
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const POSTGRES_MISSING = TEST_DATABASE_URL
  ? undefined
  : 'TEST_DATABASE_URL is not set — set it to postgres://user@host:port/db (a PostgreSQL 15 server; .ci/run starts one)';

export interface RunningRelay {
  readonly url: string;
  /** Every line the function printed (stdout and stderr). */
  readonly lines: string[];
  stop(): Promise<void>;
}

/**
 * Start the relay with exactly `env` (plus PATH/HOME): nothing from the test's own environment
 * leaks in, so a developer's SUPABASE_URL cannot redirect writes. Resolves once it listens.
 */
export async function startRelay(env: Record<string, string>): Promise<RunningRelay> {
  if (!DENO) throw new Error(DENO_MISSING);
  const child = spawn(DENO, ['run', '--allow-net', '--allow-env', '--allow-read', RELAY_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...denoHome(),
      NO_COLOR: '1',
      RELAY_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the relay did not start within 30 s:\n${lines.join('\n')}`));
    }, 30_000);
    const onLine = (line: string) => {
      lines.push(line);
      const match = /^listening (http:\/\/\S+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    collectLines(child, onLine);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the relay exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return { url, lines, stop: () => stopChild(child) };
}

/** Where Deno keeps its cache: the caller's DENO_DIR or HOME, else a temporary folder. */
function denoHome(): Record<string, string> {
  if (process.env.DENO_DIR) return { DENO_DIR: process.env.DENO_DIR };
  if (process.env.HOME) return { HOME: process.env.HOME };
  return { DENO_DIR: join(tmpdir(), 'valuearea-deno') };
}

export function collectLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        onLine(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    });
  }
}

/** Stop a child we started (by its own handle), waiting for it to exit. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Wait until `check` holds, polling; fails naming `what` (and the last lines of `output`) after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => boolean,
  timeoutMs = 20_000,
  output?: () => readonly string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      const tail = output ? `; its output:\n${output().slice(-40).join('\n')}` : '';
      throw new Error(`timed out waiting for ${what}${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
