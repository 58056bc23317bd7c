// The stop ladder: stop | entry | TP1 | TP2 | TP3, targets reached in green, the current rung in gold.
import { h } from './dom.ts';
import { price } from './format.ts';

export interface LadderInput {
  readonly stop: number;
  readonly entry: number;
  readonly tp1: number;
  readonly tp2: number;
  readonly tp3: number;
  /** Highest target reached: 0 none, 1..3. */
  readonly rung: number;
  readonly pending: boolean;
  /** Prices show at this instrument's tick precision. */
  readonly symbol?: string | null;
}

export function rungOfState(state: string): number {
  const match = /^tp([123])/.exec(state);
  return match ? Number(match[1]) : 0;
}

export function ladder(input: LadderInput): HTMLElement {
  const cell = (label: string, value: number, cls: string) =>
    h(
      'span',
      { class: cls, title: `${label} ${price(value, input.symbol)}` },
      h('b', {}, label),
      price(value, input.symbol),
    );
  const target = (n: 1 | 2 | 3, value: number) =>
    cell(`TP${n}`, value, input.rung === n ? 'current' : input.rung > n ? 'reached' : '');
  return h(
    'div',
    { class: 'ladder', 'data-rung': input.rung },
    cell('Stop', input.stop, 'stop'),
    cell('Entry', input.entry, input.rung === 0 && !input.pending ? 'current' : ''),
    target(1, input.tp1),
    target(2, input.tp2),
    target(3, input.tp3),
  );
}
