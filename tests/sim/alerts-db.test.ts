import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPgliteStore } from '../../src/adapters/store/pglite.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const T0 = Date.UTC(2024, 2, 5, 14, 0);

/** 400 one-minute ES bars swinging between 5000 and 5010. */
function barsCsv(): string {
  const lines = ['ts_utc,open,high,low,close,volume'];
  for (let i = 0; i < 400; i++) {
    const mid = 5005 + Math.round(Math.sin(i / 7) * 16) / 4;
    const ts = new Date(T0 + i * 60_000).toISOString();
    lines.push(`${ts},${mid},${mid + 1},${mid - 1},${mid + 0.25},${100 + (i % 13) * 20}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('backtest alerts from the database', () => {
  it('replays the alerts the bot stored, inside the data range, with --alerts db', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valuearea-btdb-'));
    const dataDir = join(dir, 'pglite');
    const store = await createPgliteStore({ dataDir });
    const stored = [
      { key: 'k_db1', action: 'buy' as const, firedAt: T0 + 300 * 60_000 },
      { key: 'k_db2', action: 'close' as const, firedAt: T0 + 340 * 60_000 },
    ];
    for (const a of stored) {
      await store.insertAlert({
        idempotencyKey: a.key,
        receivedAt: a.firedAt + 200,
        sourceAddress: '127.0.0.1',
        contentType: 'application/json',
        rawBody: '{}',
        parsed: {
          key: a.key,
          symbol: 'ES',
          ticker: 'ES1!',
          action: a.action,
          firedAt: a.firedAt,
          dialect: 'canonical',
        },
        status: 'processed',
        reason: null,
      });
    }
    await store.close();
    const csv = join(dir, 'ES_1m.csv');
    writeFileSync(csv, barsCsv());
    const json = join(dir, 'report.json');
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/backtest.ts',
        '--data',
        csv,
        '--symbol',
        'ES',
        '--alerts',
        'db',
        '--json',
        json,
        '--no-color',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, PGLITE_DATA_DIR: dataDir, DATABASE_URL: '', SUPABASE_URL: '' },
      },
    );
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Alerts replayed\s+2\b/);
  }, 120_000);
});
