/**
 * The relay and the bot's own receiver treat every alert alike: for each fixture dialect and each
 * kind of rejection, both answer the same status and body and store the same row (same idempotency
 * key, status, reason and redacted body), given the same arrival time and sender.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertToRow } from '../../src/adapters/store/rows.ts';
import {
  createHttpServer,
  listenHttpServer,
  registerWebhookRoutes,
} from '../../src/adapters/webhook/server.ts';
import type { IntakeConfig } from '../../src/intake/index.ts';
import { type AlertRow, createRelay } from '../../supabase/functions/tradingview-webhook/relay.ts';
import { FakeInbox, RECEIVED_AT } from '../intake/helpers.ts';

const SECRET = 'parity-secret-5b2e';
const FIXTURES = new URL('../fixtures/alerts/', import.meta.url);

interface Case {
  readonly name: string;
  readonly body: string;
  /** Path suffix after the route, e.g. `/<secret>`. */
  readonly suffix: string;
}

const fixtureCases: Case[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json') || f.endsWith('.txt'))
  .map((f) => ({ name: f, body: readFileSync(new URL(f, FIXTURES), 'utf8'), suffix: '' }));

const fired = new Date(RECEIVED_AT - 2_000).toISOString();
const crafted: Case[] = [
  {
    name: 'accepted, secret in the URL',
    body: JSON.stringify({ symbol: 'ES1!', action: 'buy', time: fired }),
    suffix: `/${SECRET}`,
  },
  {
    name: 'secret in the body',
    body: JSON.stringify({ symbol: 'NQ1!', action: 'sell', time: fired, passphrase: SECRET }),
    suffix: '',
  },
  {
    name: 'wrong secret',
    body: JSON.stringify({ symbol: 'ES1!', action: 'buy', time: fired }),
    suffix: '/wrong',
  },
  { name: 'no secret', body: JSON.stringify({ symbol: 'ES1!', action: 'buy', time: fired }), suffix: '' },
  {
    name: 'placeholder',
    body: JSON.stringify({ symbol: '{{ticker}}', action: 'buy', time: fired }),
    suffix: `/${SECRET}`,
  },
  {
    name: 'unknown symbol',
    body: JSON.stringify({ symbol: 'ZZZ1!', action: 'buy', time: fired }),
    suffix: `/${SECRET}`,
  },
  {
    name: 'stale',
    body: JSON.stringify({ symbol: 'ES1!', action: 'buy', time: '2025-06-10T14:00:00Z' }),
    suffix: `/${SECRET}`,
  },
  { name: 'empty, proven by the URL', body: '', suffix: `/${SECRET}` },
  { name: 'not JSON, proven by the URL', body: 'buy ES now', suffix: `/${SECRET}` },
];

class RowInbox {
  readonly rows: AlertRow[] = [];
  async insertAlert(row: AlertRow) {
    const at = this.rows.findIndex((r) => r['idempotency_key'] === row['idempotency_key']);
    if (at >= 0) return { inserted: false, id: at + 1 };
    this.rows.push(row);
    return { inserted: true, id: this.rows.length };
  }
}

function defineParity(title: string, intake: IntakeConfig, cases: readonly Case[]): void {
  describe(title, () => {
    let app: FastifyInstance;
    let base: string;
    let nodeInbox: FakeInbox;

    beforeAll(async () => {
      app = createHttpServer({ logger: false });
      nodeInbox = new FakeInbox();
      registerWebhookRoutes(app, { inbox: nodeInbox, intake, rateLimit: false, now: () => RECEIVED_AT });
      base = await listenHttpServer(app);
    });
    afterAll(() => app.close());

    it.each(cases)('$name', async ({ body, suffix }) => {
      const headers = { 'content-type': 'application/json' };
      const nodeBefore = nodeInbox.rows.length;
      const nodeResponse = await fetch(`${base}/webhook/tradingview${suffix}`, {
        method: 'POST',
        body,
        headers,
      });
      const nodeAnswer = { status: nodeResponse.status, body: await nodeResponse.json() };
      const nodeRows = nodeInbox.rows.slice(nodeBefore).map((r) => alertToRow(r));

      const relayInbox = new RowInbox();
      const relay = createRelay({ inbox: relayInbox, intake, now: () => RECEIVED_AT });
      const relayResponse = await relay(
        new Request(`http://relay.test/functions/v1/tradingview-webhook${suffix}`, {
          method: 'POST',
          body,
          headers,
        }),
        { remoteAddress: '127.0.0.1' },
      );
      const relayAnswer = { status: relayResponse.status, body: await relayResponse.json() };

      // Everything but an authentication failure is stored, once.
      expect(nodeRows).toHaveLength(nodeAnswer.status === 401 || nodeAnswer.status === 403 ? 0 : 1);
      expect(relayAnswer).toEqual(nodeAnswer);
      expect(relayInbox.rows).toEqual(nodeRows);
    });
  });
}

defineParity('relay and bot receiver, open route (every fixture parsed in full)', {}, fixtureCases);
defineParity('relay and bot receiver, with a secret', { secrets: [SECRET] }, [...crafted, ...fixtureCases]);
