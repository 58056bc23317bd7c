/**
 * Fuzzing the intake: random strings, random bytes and mutations of real fixtures never make it throw,
 * and whatever it accepts is a complete, valid alert (never half-parsed). Through the receiver, no
 * body produces a 5xx or a stored row that is neither a full alert nor a rejection.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHttpServer, registerWebhookRoutes } from '../../src/adapters/webhook/server.ts';
import { jsonErrorOffset } from '../../src/intake/body.ts';
import { type IntakeResult, intakeAlert } from '../../src/intake/index.ts';
import { FakeInbox, fixture, RECEIVED_AT } from './helpers.ts';

const SECRET = 'fuzz-secret-4b1d';
const SYMBOLS = new Set(['ES', 'MES', 'NQ', 'MNQ', 'RTY', 'M2K', 'CL', 'MCL', 'GC', 'MGC']);
const ACTIONS = new Set(['buy', 'sell', 'close', 'cancel', 'add']);
const FIXTURES = [
  'canonical.json',
  'jadnq-short.json',
  'jadnq-flat.json',
  'nested-passphrase-es.json',
  'pickmytrade-indicator.json',
  'pickmytrade-strategy.json',
  'topstepx-bridge-buy.json',
  'traderspost-indicator.json',
  'traderspost-signal-mnq.json',
  'tradingview-strategy-dotted.json',
  'key-value.txt',
  'pipe-delimited.txt',
].map((name) => fixture(name).replaceAll('s3cret-passphrase-123', SECRET));

const config = {
  allowMissingTime: true,
  pipeFields: ['secret', 'strategy', 'action', 'ticker'],
  secretFields: ['passphrase', 'secret', 'token'],
};

function checkWellFormed(r: IntakeResult): void {
  if (r.ok) {
    const a = r.alert;
    expect(SYMBOLS.has(a.symbol)).toBe(true);
    expect(ACTIONS.has(a.action)).toBe(true);
    expect(a.key).toBe(r.key);
    expect(r.key).toMatch(/^[abk]_[A-Za-z0-9_-]{1,24}$/);
    expect((r.key + '-e0').length).toBeLessThanOrEqual(40);
    if (a.quantity !== undefined) expect(Number.isInteger(a.quantity) && a.quantity > 0).toBe(true);
    if (a.price !== undefined) expect(Number.isFinite(a.price)).toBe(true);
    if (a.firedAt !== undefined) expect(Number.isFinite(a.firedAt)).toBe(true);
    if (a.barTime !== undefined) expect(Number.isFinite(a.barTime)).toBe(true);
    expect(r.outcome === 'accepted' ? r.reason === null : typeof r.reason === 'string').toBe(true);
  } else {
    expect([400, 401, 403, 413, 422]).toContain(r.status);
    expect(r.error).toContain(' — ');
    expect(r.key).toMatch(/^r_[0-9a-f]{24}$/);
  }
  expect(r.storedBody).not.toContain(SECRET);
  if (!r.ok) expect(r.error).not.toContain(SECRET);
}

/** Insert, delete or replace characters of a fixture. */
const mutatedFixture = fc
  .tuple(
    fc.constantFrom(...FIXTURES),
    fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 4, unit: 'binary' })), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, del, insert] of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + insert + out.slice(i + del);
    }
    return out;
  });

/** Replace one field's value of a JSON fixture with arbitrary JSON. */
const jsonishMutation = fc
  .tuple(fc.constantFrom(...FIXTURES.filter((f) => f.trim().startsWith('{'))), fc.nat(), fc.jsonValue())
  .map(([text, at, value]) => {
    const obj = JSON.parse(text) as Record<string, unknown>;
    const keys = Object.keys(obj);
    const key = keys[at % keys.length] ?? 'action';
    obj[key] = value;
    return JSON.stringify(obj);
  });

describe('intake fuzz', () => {
  it('random strings never throw and never yield a half-parsed alert', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300, unit: 'binary' }), async (text) => {
        checkWellFormed(await intakeAlert({ body: text, receivedAt: RECEIVED_AT }, config));
      }),
      { numRuns: 1_000 },
    );
  });

  it('random bytes never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        checkWellFormed(await intakeAlert({ body: bytes, receivedAt: RECEIVED_AT }, config));
      }),
      { numRuns: 1_000 },
    );
  });

  it('mutated fixtures never throw and are either whole alerts or rejections', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutatedFixture,
        fc.option(fc.constantFrom(SECRET, 'wrong')),
        async (text, pathToken) => {
          const r = await intakeAlert(
            { body: text, receivedAt: RECEIVED_AT, pathToken: pathToken ?? undefined },
            { ...config, secrets: [SECRET] },
          );
          checkWellFormed(r);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('JSON-ish mutations (any JSON value in any field) never throw', async () => {
    await fc.assert(
      fc.asyncProperty(jsonishMutation, async (text) => {
        checkWellFormed(await intakeAlert({ body: text, receivedAt: RECEIVED_AT }, config));
      }),
      { numRuns: 1_000 },
    );
  });

  it('the JSON error locator agrees with JSON.parse', () => {
    const candidates = fc.oneof(
      fc.json(),
      mutatedFixture,
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
    );
    fc.assert(
      fc.property(candidates, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const offset = jsonErrorOffset(text);
        expect(offset === undefined).toBe(valid);
      }),
      { numRuns: 2_000 },
    );
  });

  it('through the receiver: never a 5xx, and every stored row is a whole alert or a rejection', async () => {
    const app = createHttpServer({ logger: false });
    const inbox = new FakeInbox();
    registerWebhookRoutes(app, { inbox, rateLimit: false, intake: config, now: () => RECEIVED_AT });
    await app.ready();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(mutatedFixture, jsonishMutation, fc.string({ maxLength: 200 })),
          fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'),
          async (payload, contentType) => {
            const res = await app.inject({
              method: 'POST',
              url: '/webhook/tradingview',
              payload,
              headers: { 'content-type': contentType },
            });
            expect(res.statusCode).toBeLessThan(500);
          },
        ),
        { numRuns: 1_000 },
      );
      for (const row of inbox.rows) {
        if (row.status === 'rejected') expect(row.parsed).toBeNull();
        else
          expect(row.parsed && SYMBOLS.has(row.parsed.symbol) && ACTIONS.has(row.parsed.action)).toBe(true);
      }
    } finally {
      await app.close();
    }
  });
});
