/**
 * The trade-note prompt and the parsing of the model's answer.
 *
 * Prompt template (one per new entry): a short instruction, the plan (symbol, side, entry legs,
 * stop, TP1–TP3, POC/VAH/VAL and the profile range, confirmation score, risk), and the demand to end
 * with a line `CONFIDENCE: <0..1>`. The answer's text minus that line is the reasoning; the number is
 * the confidence (0–1; 0–100 or a percentage is scaled down; anything else leaves it empty).
 */
import type { EntryPlan } from '../../domain/types.ts';

export interface TradeNote {
  readonly reasoning: string;
  /** 0..1, or null when the model gave none or an unreadable one. */
  readonly confidence: number | null;
}

export interface TradeNoteSubject {
  readonly positionId: string;
  readonly symbol: string;
  readonly plan: EntryPlan;
  /** Decimal places of the instrument's prices (ES 2, CL 2, RTY 1 …). */
  readonly decimals?: number;
  /** What triggered the trade, e.g. "TradingView buy alert on the 5m chart". */
  readonly trigger?: string;
}

export const MAX_REASONING_CHARS = 2_000;

function price(value: number, decimals: number | undefined): string {
  return decimals === undefined ? String(value) : value.toFixed(decimals);
}

export function buildTradeNotePrompt(subject: TradeNoteSubject): string {
  const { plan, decimals } = subject;
  const p = (value: number) => price(value, decimals);
  const legs = plan.legs.map((leg) => `${leg.quantity} @ ${p(leg.price)}`).join(', ');
  const score =
    plan.confirmationScore === null
      ? 'not computed'
      : `${plan.confirmationScore.toFixed(2)} (0 weak … 1 strong)`;
  return [
    'You review futures trades that an automated engine has just entered. The engine buys at the value-area',
    'low and sells at the value-area high of a volume profile, then trails its stop up a ladder of three targets.',
    'In 2 to 4 plain sentences, say what supports this trade and what threatens it. No markdown.',
    'End with exactly one line: CONFIDENCE: <a number from 0 to 1 that the trade reaches TP1 before the stop>.',
    '',
    'Trade plan:',
    `- Symbol: ${subject.symbol} (position ${subject.positionId})`,
    `- Side: ${plan.side}`,
    `- Entry: ${p(plan.entryPrice)} (legs: ${legs}; ${plan.quantity} contracts in total)`,
    `- Stop: ${p(plan.stopPrice)}`,
    `- Targets: TP1 ${p(plan.tp1)}, TP2 ${p(plan.tp2)}, TP3 ${p(plan.tp3)}`,
    `- Volume profile: POC ${p(plan.poc)}, VAH ${p(plan.vah)}, VAL ${p(plan.val)}, range ${p(plan.profileLow)}–${p(plan.profileHigh)}`,
    `- Confirmation score: ${score}`,
    `- Risk if every leg fills and the stop is hit: $${plan.riskDollars.toFixed(2)}`,
    ...(subject.trigger ? [`- Trigger: ${subject.trigger}`] : []),
  ].join('\n');
}

const CONFIDENCE_LINE = /^[\s*_>-]*confidence\s*[:=]\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(%)?[\s*_.]*$/gim;

/** Reasoning and confidence from the model's text. Throws when there is no reasoning at all. */
export function extractTradeNote(text: string): TradeNote {
  let confidence: number | null = null;
  for (const match of text.matchAll(CONFIDENCE_LINE)) {
    const value = Number(match[1]);
    const percent = match[2] === '%' || value > 1;
    const scaled = percent ? value / 100 : value;
    confidence =
      Number.isFinite(scaled) && scaled >= 0 && scaled <= 1 ? Math.round(scaled * 1000) / 1000 : null;
  }
  const reasoning = text.replace(CONFIDENCE_LINE, '').trim();
  if (reasoning.length === 0) throw new Error('the answer holds no reasoning text');
  return {
    reasoning:
      reasoning.length > MAX_REASONING_CHARS ? `${reasoning.slice(0, MAX_REASONING_CHARS - 1)}…` : reasoning,
    confidence,
  };
}

/**
 * Parse `claude -p … --output-format json` output: `{"type":"result","is_error":false,"result":"…"}`.
 * Throws a clear error for anything else (not JSON, no `result` text, `is_error: true`).
 */
export function parseCliOutput(stdout: string): TradeNote {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim());
  } catch {
    throw new Error(`the command printed no JSON (first bytes: ${JSON.stringify(stdout.slice(0, 60))})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('the command printed JSON that is not an object with a "result" field');
  }
  const answer = parsed as { result?: unknown; is_error?: unknown; subtype?: unknown };
  if (answer.is_error === true) {
    throw new Error(`the model reported an error (${String(answer.subtype ?? 'is_error')})`);
  }
  if (typeof answer.result !== 'string') throw new Error('the JSON has no "result" text');
  return extractTradeNote(answer.result);
}
