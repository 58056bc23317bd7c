import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createActor, type InspectionEvent } from 'xstate';
import { engineMachine } from '../../../machines/engine/machine.ts';
import { createJsonlInspectionLog } from '../../../src/adapters/inspect/jsonl-log.ts';
import { createStatelyInspector } from '../../../src/adapters/inspect/stately.ts';
import { longPlan, request } from '../../machines/fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
  dirs.push(dir);
  return join(dir, name);
}

/** A real engine: opening a position spawns a position actor, a fill moves it to active. */
function runEngine(inspect: (event: InspectionEvent) => void) {
  const engine = createActor(engineMachine, { inspect });
  engine.start();
  const { ts: _ts, ...openRequest } = request(longPlan(1), { positionId: 'pos-1', signalId: 'sig-1' });
  engine.send({ type: 'open', ts: 1_000, request: openRequest });
  engine.send({ type: 'order.accepted', ts: 1_100, tag: 'pos-1-e0', orderId: 'o-1' });
  engine.send({
    type: 'order.filled',
    ts: 1_200,
    tag: 'pos-1-e0',
    orderId: 'o-1',
    price: 100,
    quantity: 1,
    side: 'buy',
    fees: 0,
  });
  return engine;
}

describe('JSONL inspection log', () => {
  it('captures the spawn and the transitions of a real engine actor, one JSON line each', async () => {
    const path = tempFile('inspect.jsonl');
    const log = createJsonlInspectionLog(path, { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    const engine = runEngine(log.inspect);
    await log.close();
    engine.stop();
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line.at).toBe('2026-01-02T03:04:05.000Z');
    const spawned = lines.find((l) => l.kind === 'actor' && l.systemId === 'position:pos-1');
    expect(spawned, 'the position actor spawn is logged').toBeDefined();
    const fillReceived = lines.find(
      (l) => l.kind === 'event' && l.eventType === 'order.filled' && l.sessionId === spawned.sessionId,
    );
    expect(fillReceived).toMatchObject({ eventTs: 1_200, event: { tag: 'pos-1-e0', price: 100 } });
    const positionStates = lines
      .filter((l) => l.kind === 'snapshot' && l.sessionId === spawned.sessionId)
      .map((l) => l.value);
    expect(positionStates).toContainEqual(expect.objectContaining({ pending_entry: expect.anything() }));
    expect(positionStates.at(-1)).toBe('active');
    expect(lines.some((l) => l.kind === 'event' && l.eventType === 'open' && l.eventTs === 1_000)).toBe(true);
    expect(log.stats).toMatchObject({ written: lines.length, dropped: 0, buffered: 0 });
  });

  it('drops the oldest lines when the buffer is full and says how many', async () => {
    const path = tempFile('bounded.jsonl');
    const log = createJsonlInspectionLog(path, {
      maxBufferedLines: 3,
      batchLines: 1_000,
      flushIntervalMs: 60_000,
    });
    const engine = runEngine(log.inspect);
    const { dropped } = log.stats;
    expect(dropped).toBeGreaterThan(0);
    await log.close();
    engine.stop();
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: 'dropped', count: dropped });
    expect(lines).toHaveLength(4);
  });

  it('names the path and the fix when the file cannot be opened', () => {
    expect(() => createJsonlInspectionLog('/nonexistent-folder/x/inspect.jsonl')).toThrow(
      '--inspect-log: cannot open "/nonexistent-folder/x/inspect.jsonl" for appending (ENOENT); create the folder or choose another file',
    );
  });
});

describe('Stately WebSocket inspector', () => {
  it('listens on loopback, serves the bridge page and relays inspection events to a viewer', async () => {
    const inspector = await createStatelyInspector({ port: 0 });
    try {
      expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await (await fetch(inspector.url)).text();
      expect(page).toContain('<iframe id="inspector" src="https://stately.ai/inspect">');
      expect(page).toContain(JSON.stringify(inspector.wsUrl));

      const viewer = new WebSocket(inspector.wsUrl);
      const received: { type: string; name?: string; event?: { type: string } }[] = [];
      await new Promise<void>((resolve, reject) => {
        viewer.once('open', () => resolve());
        viewer.once('error', reject);
      });
      const gotFill = new Promise<void>((resolve) => {
        viewer.on('message', (data) => {
          const message = JSON.parse(data.toString());
          received.push(message);
          if (message.type === '@xstate.event' && message.event?.type === 'order.filled') resolve();
        });
      });
      const engine = runEngine(inspector.inspect);
      await gotFill;
      engine.stop();
      viewer.close();
      expect(received.some((m) => m.type === '@xstate.actor' && m.name === 'engine')).toBe(true);
      expect(received.some((m) => m.type === '@xstate.actor' && m.name === 'position:pos-1')).toBe(true);
      expect(received.some((m) => m.type === '@xstate.snapshot')).toBe(true);
    } finally {
      await inspector.stop();
    }
  });

  it('explains a port that is taken', async () => {
    const first = await createStatelyInspector({ port: 0 });
    const port = Number(new URL(first.url).port);
    try {
      await expect(createStatelyInspector({ port })).rejects.toThrow(
        `--inspect: cannot listen on 127.0.0.1:${port} (EADDRINUSE); choose another port with --inspect-port`,
      );
    } finally {
      await first.stop();
    }
  });
});
