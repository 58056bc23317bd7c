import { describe, expect, it } from 'vitest';
import {
  buildTradeNotePrompt,
  extractTradeNote,
  MAX_REASONING_CHARS,
  parseCliOutput,
} from '../../../src/adapters/notes/prompt.ts';
import type { EntryPlan } from '../../../src/domain/types.ts';

const plan: EntryPlan = {
  side: 'long',
  entryPrice: 5000.25,
  stopPrice: 4995,
  tp1: 5004,
  tp2: 5008.5,
  tp3: 5012,
  legs: [
    { price: 5000.25, quantity: 2 },
    { price: 4998, quantity: 1 },
  ],
  quantity: 3,
  riskDollars: 712.5,
  poc: 5006,
  vah: 5012,
  val: 5000.25,
  profileLow: 4990,
  profileHigh: 5020,
  confirmationScore: 0.6666,
};

describe('trade note prompt', () => {
  it('carries the whole plan with prices at the instrument precision', () => {
    const prompt = buildTradeNotePrompt({
      positionId: 'pos-1',
      symbol: 'ES',
      plan,
      decimals: 2,
      trigger: 'buy alert, 5m',
    });
    expect(prompt).toContain('- Symbol: ES (position pos-1)');
    expect(prompt).toContain('- Side: long');
    expect(prompt).toContain('- Entry: 5000.25 (legs: 2 @ 5000.25, 1 @ 4998.00; 3 contracts in total)');
    expect(prompt).toContain('- Stop: 4995.00');
    expect(prompt).toContain('- Targets: TP1 5004.00, TP2 5008.50, TP3 5012.00');
    expect(prompt).toContain(
      '- Volume profile: POC 5006.00, VAH 5012.00, VAL 5000.25, range 4990.00–5020.00',
    );
    expect(prompt).toContain('- Confirmation score: 0.67 (0 weak … 1 strong)');
    expect(prompt).toContain('- Risk if every leg fills and the stop is hit: $712.50');
    expect(prompt).toContain('- Trigger: buy alert, 5m');
    expect(prompt).toMatch(/End with exactly one line: CONFIDENCE: /);
  });

  it('says when no confirmation score was computed', () => {
    expect(
      buildTradeNotePrompt({ positionId: 'p', symbol: 'NQ', plan: { ...plan, confirmationScore: null } }),
    ).toContain('- Confirmation score: not computed');
  });
});

describe('reading the answer', () => {
  it.each([
    ['Good setup.\nCONFIDENCE: 0.72', 0.72],
    ['Good setup.\nconfidence = .4', 0.4],
    ['Good setup.\n**Confidence: 72%**', 0.72],
    ['Good setup.\nCONFIDENCE: 65', 0.65],
    ['Good setup.\nCONFIDENCE: 140', null],
    ['Good setup, no number given.', null],
    ['CONFIDENCE: 0.1\nGood setup.\nCONFIDENCE: 0.9', 0.9],
  ])('%j gives confidence %s', (text, confidence) => {
    const note = extractTradeNote(text);
    expect(note.confidence).toBe(confidence);
    expect(note.reasoning).toMatch(/^Good setup/);
    expect(note.reasoning).not.toMatch(/confidence\s*[:=]/i);
  });

  it('caps long reasoning', () => {
    expect(extractTradeNote(`${'x'.repeat(5000)}\nCONFIDENCE: 0.5`).reasoning).toHaveLength(
      MAX_REASONING_CHARS,
    );
  });

  it('rejects an answer without reasoning, and output that is not the CLI JSON', () => {
    expect(() => extractTradeNote('CONFIDENCE: 0.5')).toThrow('the answer holds no reasoning text');
    expect(() => parseCliOutput('[1,2]')).toThrow(
      'the command printed JSON that is not an object with a "result" field',
    );
    expect(() => parseCliOutput('{"type":"result"}')).toThrow('the JSON has no "result" text');
    expect(parseCliOutput('{"type":"result","is_error":false,"result":"Fine.\\nCONFIDENCE: 0.3"}\n')).toEqual(
      {
        reasoning: 'Fine.',
        confidence: 0.3,
      },
    );
  });
});
