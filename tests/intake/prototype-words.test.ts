/**
 * Words that name Object.prototype members ("__proto__", "constructor", "toString"…) are plain words
 * to the intake: an action spelled so is refused like any unknown action, and a key=value field
 * named so is just a field. Found by the JSON-ish fuzz (action "__proto__" was accepted, half-parsed).
 */
import { describe, expect, it } from 'vitest';
import { parseBody } from '../../src/intake/body.ts';
import { intakeAlert } from '../../src/intake/index.ts';
import { RECEIVED_AT } from './helpers.ts';

const WORDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

describe('prototype words in alerts', () => {
  it.each(WORDS)('action "%s" is refused as an unknown action, naming the field', async (word) => {
    const body = JSON.stringify({ ticker: 'ES1!', action: word, time: '2025-06-10T14:30:00Z' });
    const r = await intakeAlert({ body, receivedAt: RECEIVED_AT }, { allowMissingTime: true });
    expect(r).toMatchObject({ ok: false, status: 422 });
    expect(r.ok ? '' : r.error).toContain(`action "${word}" is not known`);
  });

  it.each(WORDS)('a key=value field named "%s" is an ordinary field, not a repeat', async (word) => {
    const name = word.toLowerCase();
    const parsed = parseBody(`${name}=1\nticker=ES1!\naction=buy`, {});
    expect(parsed).toMatchObject({ ok: true, grammar: 'key-value' });
    expect(parsed.ok && Object.hasOwn(parsed.fields, name)).toBe(true);
    const r = await intakeAlert({ body: `${name}=1 ticker=ES1! action=buy`, receivedAt: RECEIVED_AT });
    expect(r).toMatchObject({ ok: true, alert: { symbol: 'ES', action: 'buy' } });
  });

  it('a key=value field really repeated is still refused', () => {
    expect(parseBody('constructor=1 constructor=2 ticker=ES1! action=buy', {})).toMatchObject({
      ok: false,
      status: 422,
      field: 'constructor',
    });
  });
});
