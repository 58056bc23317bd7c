/** The key=value text grammar: pairs split by lines, `&`, `,`, `;` or spaces. */
import { describe, expect, it } from 'vitest';
import { parseBody } from '../../src/intake/body.ts';
import { intakeAlert } from '../../src/intake/index.ts';
import { RECEIVED_AT } from './helpers.ts';

describe('key=value text', () => {
  it('the one-line form `ticker=ES1! action=sell` is accepted', async () => {
    const r = await intakeAlert({ body: 'ticker=ES1! action=sell', receivedAt: RECEIVED_AT });
    expect(r).toMatchObject({ ok: true, alert: { symbol: 'ES', action: 'sell', dialect: 'key-value' } });
  });

  it('spaces split pairs only before `name=`; other spaces stay in the value', () => {
    expect(parseBody('ticker=MNQ 06-25  action=buy\tquantity=2', {})).toEqual({
      ok: true,
      grammar: 'key-value',
      fields: { ticker: 'MNQ 06-25', action: 'buy', quantity: '2' },
    });
  });

  it('a repeated field on one line is still refused, naming the field', () => {
    expect(parseBody('action=buy action=sell ticker=ES1!', {})).toMatchObject({
      ok: false,
      status: 422,
      field: 'action',
    });
  });

  it('text that is not all pairs is refused with the accepted formats', () => {
    const r = parseBody('buy ES now', {});
    expect(r).toMatchObject({ ok: false, status: 400 });
    expect(r.ok ? '' : r.error).toMatch(/key=value lines/);
  });
});
