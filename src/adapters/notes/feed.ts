/**
 * When to ask for a trade note: on the first entry fill of each position (the moment it becomes a
 * trade), once. Pass every runtime output through the returned function; `subjectOf` looks the plan
 * up (e.g. from `runtime.positions()`), and a position it cannot find gets no note.
 */
import type { BrokerEvent } from '../../domain/events.ts';
import { parseTag } from '../../domain/tags.ts';
import type { TradeNotes } from '../../ports/index.ts';
import { buildTradeNotePrompt, type TradeNoteSubject } from './prompt.ts';

export interface TradeNoteFeedOptions {
  readonly notes: TradeNotes;
  readonly subjectOf: (positionId: string) => TradeNoteSubject | undefined;
  /** Positions remembered as already noted (bounded; default 10,000). */
  readonly memory?: number;
}

export function createTradeNoteFeed(
  options: TradeNoteFeedOptions,
): (output: { readonly type: string; readonly event?: BrokerEvent }) => void {
  const noted = new Set<string>();
  const memory = options.memory ?? 10_000;
  return (output) => {
    if (output.type !== 'broker' || output.event?.type !== 'order.filled') return;
    const tag = parseTag(output.event.tag);
    if (tag?.kind !== 'entry' || noted.has(tag.positionId)) return;
    const subject = options.subjectOf(tag.positionId);
    if (subject === undefined) return;
    noted.add(tag.positionId);
    if (noted.size > memory) {
      const oldest = noted.values().next().value;
      if (oldest !== undefined) noted.delete(oldest);
    }
    options.notes.request(tag.positionId, buildTradeNotePrompt(subject));
  };
}
