/**
 * Every command-line tool in package.json answers --help (and -h) with its usage and exit 0, and
 * does nothing else: no benchmark runs, no document is rewritten, no data file appears.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** Each distinct `tsx scripts/<file>.ts` an npm script runs, with the npm script names that run it. */
const clis = new Map<string, string[]>();
for (const [name, command] of Object.entries(scripts)) {
  const file = /^tsx (scripts\/[\w-]+\.ts)$/.exec(command)?.[1];
  if (file) clis.set(file, [...(clis.get(file) ?? []), name]);
}

/** The bot's option parser (src/app/config.ts) knows --help only; -h is a bad flag there (exit 2). */
/**
 * What the tools write when they run for real: the docs they regenerate, downloaded bars, reports
 * (the bot's database goes to PGLITE_DIR, a fresh temporary path). Other test files write elsewhere.
 */
const WATCHED = ['docs/settings.md', 'docs/RELIABILITY.md', 'data', 'reports'];

function fingerprint(path: string): string[] {
  const full = join(root, path);
  if (!existsSync(full)) return [`${path} absent`];
  const stat = statSync(full);
  if (stat.isFile())
    return [`${path} ${createHash('sha256').update(readFileSync(full)).digest('hex')} ${stat.mtimeMs}`];
  return [
    `${path}/ ${stat.mtimeMs}`,
    ...readdirSync(full)
      .sort()
      .flatMap((entry) => fingerprint(join(path, entry))),
  ];
}

const snapshot = () => WATCHED.flatMap(fingerprint);

function runHelp(file: string, flag: string, pgliteDir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', file, flag], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PGLITE_DIR: pgliteDir, PGLITE_DATA_DIR: pgliteDir, NO_COLOR: '1' },
  });
}

describe('every CLI answers --help', () => {
  it('finds the tsx scripts in package.json', () => {
    expect([...clis.keys()]).toEqual(
      expect.arrayContaining([
        'scripts/bot.ts',
        'scripts/backtest.ts',
        'scripts/bench.ts',
        'scripts/fetch-bars.ts',
        'scripts/settings-docs.ts',
        'scripts/local-gateway.ts',
        'scripts/reliability.ts',
      ]),
    );
  });

  for (const [file, names] of clis) {
    for (const flag of ['--help', '-h']) {
      const title = `npm run ${names[0]} -- ${flag} prints the usage, exits 0 and writes no file (${file})`;
      it(title, () => {
        const pgliteDir = join(mkdtempSync(join(tmpdir(), 'valuearea-help-')), 'pglite');
        const before = snapshot();
        const result = runHelp(file, flag, pgliteDir);
        expect(result.status, `stderr: ${result.stderr}`).toBe(0);
        expect(result.stdout).toMatch(/^Usage/m);
        expect(result.stderr).toBe('');
        expect(snapshot()).toEqual(before);
        expect(existsSync(pgliteDir)).toBe(false);
      }, 60_000);
    }
  }
});
