/**
 * Bot peripherals benchmark (not part of `npm test`): `npx tsx tests/adapters/bot-parts.bench.ts`.
 * - Engine events with the JSONL inspection log attached, against the same engine without it: the
 *   reason the inspector stays off in backtests.
 * - Log lines through createLogger (key redaction + value scrubbing), against bare pino.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { createActor, type InspectionEvent } from 'xstate';
import { engineMachine } from '../../machines/engine/machine.ts';
import { type BenchFigure, type BenchSuite, formatFigure, measureRate } from '../../scripts/bench/harness.ts';
import { createJsonlInspectionLog } from '../../src/adapters/inspect/jsonl-log.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { SecretRegistry } from '../../src/domain/secrets.ts';
import { longPlan, request } from '../machines/fixtures.ts';

const EVENTS = 2_000;

function engineRate(inspect?: (event: InspectionEvent) => void): number {
  const engine = createActor(engineMachine, inspect ? { inspect } : {});
  engine.start();
  const { ts: _ts, ...open } = request(longPlan(1), {
    positionId: 'pos-1',
    signalId: 'sig-1',
    expiresAt: Number.MAX_SAFE_INTEGER,
  });
  engine.send({ type: 'open', ts: 0, request: open });
  let ts = 1;
  const rate = measureRate(() => {
    for (let i = 0; i < EVENTS; i++) engine.send({ type: 'tick', ts: ts++, symbol: 'ES', price: 100.5 });
    return EVENTS;
  });
  engine.stop();
  return rate;
}

function logRate(logger: { info(fields: object, message: string): void }): number {
  return measureRate(() => {
    for (let i = 0; i < 1_000; i++)
      logger.info({ symbol: 'ES', quantity: 2, nested: { orderId: i } }, 'entry placed');
    return 1_000;
  });
}

export const suite: BenchSuite = {
  name: 'bot peripherals',
  async run(): Promise<readonly BenchFigure[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-inspect-'));
    try {
      const bare = engineRate();
      const log = createJsonlInspectionLog(join(dir, 'inspect.jsonl'));
      const inspected = engineRate(log.inspect);
      await log.close();

      const sink = { write: () => undefined };
      const plain = logRate(pino({ level: 'info' }, sink));
      const secrets = new SecretRegistry();
      for (const s of [
        'pX-9f8e7d6c5b4a-SECRET',
        'eyJhbGciOiJIUzI1NiJ9.service-role.sig',
        '123456:ABC-def_ghi/jkl',
      ]) {
        secrets.register(s);
      }
      const redacted = logRate(createLogger({ level: 'info', pretty: false, secrets, destination: sink }));
      const engineBase = { name: 'engine ticks, no inspection', value: bare };
      const logBase = { name: 'bare pino', value: plain };
      return [
        { name: 'engine ticks, no inspection', value: bare, unit: 'events/s' },
        {
          name: 'engine ticks, JSONL inspection log attached',
          value: inspected,
          unit: 'events/s',
          baseline: engineBase,
        },
        { name: 'log lines, bare pino', value: plain, unit: 'lines/s' },
        { name: 'log lines, createLogger (3 secrets)', value: redacted, unit: 'lines/s', baseline: logBase },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(suite.name);
  for (const figure of await suite.run()) console.log(formatFigure(figure));
}
