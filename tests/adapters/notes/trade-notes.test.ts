import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CliTradeNotesOptions,
  createCliTradeNotes,
  noteCommandEnv,
} from '../../../src/adapters/notes/cli-notes.ts';
import type { TradeNote } from '../../../src/adapters/notes/prompt.ts';
import { recordingSinkLogger } from '../../../src/ports/logger.ts';

const FAKE = fileURLToPath(new URL('../../fixtures/fake-cli/fake-claude.mjs', import.meta.url));
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(overrides: Partial<CliTradeNotesOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-cli-'));
  dirs.push(dir);
  const notes = new Map<string, TradeNote>();
  const logger = recordingSinkLogger();
  const service = createCliTradeNotes({
    command: process.execPath,
    args: (prompt) => [FAKE, '-p', prompt, '--output-format', 'json'],
    env: { ...process.env, FAKE_CLI_DIR: dir },
    timeoutMs: 5_000,
    logger,
    onNote: (positionId, note) => notes.set(positionId, note),
    ...overrides,
  });
  return { service, notes, logger, dir };
}

/** Alive and not a zombie (a container's init may not reap orphans at once). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

async function waitUntil(condition: () => boolean, attempts = 1_000): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}

describe('CLI trade notes with a real child process', () => {
  it('request returns at once and the answer arrives later as reasoning and confidence', async () => {
    const { service, notes } = setup();
    const result = service.request('p1', 'FAKE:answer\n- Symbol: ES (position p1)');
    expect(result).toBeUndefined();
    expect(notes.size).toBe(0);
    expect(service.stats.running).toBe(1);
    await service.idle();
    expect(notes.get('p1')).toEqual({
      reasoning: 'Long ES at the value-area low with the POC above as a magnet; runs seen: 1.',
      confidence: 0.72,
    });
    expect(service.stats).toMatchObject({ requested: 1, noted: 1, failed: 0, timedOut: 0, running: 0 });
  });

  it('scales a percentage confidence to 0..1', async () => {
    const { service, notes } = setup();
    service.request('p2', 'FAKE:percent\n- Symbol: NQ (position p2)');
    await service.idle();
    expect(notes.get('p2')).toEqual({ reasoning: 'Short NQ into the value-area high.', confidence: 0.85 });
  });

  it('gives up after the timeout (300 ms), logs it and leaves the note empty', async () => {
    const { service, notes, logger } = setup({ timeoutMs: 300, concurrency: 1 });
    service.request('p3', 'FAKE:hang');
    await service.idle();
    expect(notes.size).toBe(0);
    expect(service.stats).toMatchObject({ timedOut: 1, failed: 0, running: 0 });
    expect(logger.lines.find((l) => l.level === 'warn')?.fields).toMatchObject({
      positionId: 'p3',
      reason: 'no answer within 300 ms; the process was killed',
    });
  });

  it('kills the whole process tree on timeout, grandchildren included', async () => {
    // Long enough for the fake CLI to start its grandchild even on a loaded machine.
    const { service, dir } = setup({ timeoutMs: 2_000, concurrency: 1 });
    service.request('p3', 'FAKE:hang');
    await service.idle();
    expect(service.stats.timedOut).toBe(1);
    const childFile = readdirSync(dir).find((f) => f.endsWith('.child'));
    const pidFile = readdirSync(dir).find((f) => f.endsWith('.pid'));
    expect(childFile, 'the fake CLI started its grandchild before the timeout').toBeDefined();
    const cliPid = Number(pidFile?.replace('.pid', ''));
    const grandchildPid = Number(readFileSync(join(dir, childFile ?? ''), 'utf8'));
    expect(await waitUntil(() => !isAlive(cliPid) && !isAlive(grandchildPid))).toBe(true);
  });

  it('logs a failing command (exit 1) with its stderr and stores nothing', async () => {
    const { service, notes, logger } = setup();
    service.request('p4', 'FAKE:fail');
    await service.idle();
    expect(notes.size).toBe(0);
    expect(service.stats.failed).toBe(1);
    expect(logger.lines.at(-1)?.fields).toMatchObject({
      reason: 'the command exited with code 1: fake-claude: API error 529 overloaded',
    });
  });

  it('logs garbage output and a model error without storing a note', async () => {
    const { service, notes, logger } = setup();
    service.request('p5', 'FAKE:garbage');
    service.request('p6', 'FAKE:error');
    await service.idle();
    expect(notes.size).toBe(0);
    expect(service.stats.failed).toBe(2);
    const reasons = logger.lines
      .filter((l) => l.level === 'warn')
      .map((l) => (l.fields as { reason: string }).reason);
    expect(reasons).toContain('the command printed no JSON (first bytes: "<html>502 Bad Gateway</html>\\n")');
    expect(reasons).toContain('the model reported an error (error_max_turns)');
  });

  it('a missing command is logged, not thrown', async () => {
    const { service, notes, logger } = setup({ command: '/nonexistent/claude-cli' });
    service.request('p7', 'FAKE:answer');
    await service.idle();
    expect(notes.size).toBe(0);
    expect(String((logger.lines.at(-1)?.fields as { reason?: string } | undefined)?.reason)).toMatch(
      /could not run "\/nonexistent\/claude-cli": spawn \/nonexistent\/claude-cli ENOENT/,
    );
  });

  it('never runs more processes than the concurrency bound', async () => {
    const { service, notes } = setup({ concurrency: 2 });
    for (let i = 0; i < 6; i++) service.request(`c${i}`, 'FAKE:slow\n- Symbol: ES');
    expect(service.stats).toMatchObject({ running: 2, queued: 4 });
    await service.idle();
    expect(service.stats.peakRunning).toBe(2);
    expect(notes.size).toBe(6);
    for (const note of notes.values()) {
      const seen = Number(/runs seen: (\d+)/.exec(note.reasoning)?.[1]);
      expect(seen).toBeGreaterThanOrEqual(1);
      expect(seen).toBeLessThanOrEqual(2);
    }
  });

  it('drops the oldest waiting request when the queue is full, with a log line', async () => {
    const { service, notes, logger } = setup({ concurrency: 1, maxQueued: 2 });
    for (const id of ['q1', 'q2', 'q3', 'q4', 'q5']) service.request(id, 'FAKE:answer');
    expect(service.stats).toMatchObject({ running: 1, queued: 2, dropped: 2 });
    await service.idle();
    expect([...notes.keys()].sort()).toEqual(['q1', 'q4', 'q5']);
    const drops = logger.lines.filter((l) => l.message === 'trade note dropped: too many notes waiting');
    expect(drops.map((l) => (l.fields as { positionId: string }).positionId)).toEqual(['q2', 'q3']);
  });

  it('stop kills running notes and drops waiting ones', async () => {
    const { service, notes, dir } = setup({ concurrency: 1 });
    service.request('s1', 'FAKE:hang');
    service.request('s2', 'FAKE:answer');
    await waitUntil(() => readdirSync(dir).some((f) => f.endsWith('.child')));
    service.stop();
    await service.idle();
    expect(notes.size).toBe(0);
    expect(service.stats.dropped).toBe(1);
    const pidFile = readdirSync(dir).find((f) => f.endsWith('.pid'));
    expect(await waitUntil(() => !isAlive(Number(pidFile?.replace('.pid', ''))))).toBe(true);
    expect(existsSync(dir)).toBe(true);
  });

  it('keeps the bot credentials out of the model CLI environment, model credentials in', () => {
    expect(
      noteCommandEnv({
        PATH: '/usr/bin',
        HOME: '/home/trader',
        ANTHROPIC_API_KEY: 'sk-ant-keep',
        PROJECTX_API_KEY: 'drop-1',
        PROJECTX_USERNAME: 'drop-2',
        SUPABASE_SERVICE_ROLE_KEY: 'drop-3',
        DATABASE_URL: 'postgres://bot:pw@db/x',
        TELEGRAM_BOT_TOKEN: 'drop-4',
        DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/x',
        WEBHOOK_SECRET: 'drop-5',
      }),
    ).toEqual({ PATH: '/usr/bin', HOME: '/home/trader', ANTHROPIC_API_KEY: 'sk-ant-keep' });
  });

  it('rejects a non-positive bound with the name of the option', () => {
    expect(() => createCliTradeNotes({ onNote: () => undefined, concurrency: 0 })).toThrow(
      'trade notes: concurrency must be a positive number, got 0',
    );
  });
});
