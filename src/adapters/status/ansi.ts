/** ANSI escapes for the status screen, and width helpers that ignore them. */

export const ESC = '\u001b[';
export const CURSOR_HOME = `${ESC}H`;
export const CLEAR_SCREEN = `${ESC}2J`;
export const CLEAR_LINE_END = `${ESC}K`;
export const CLEAR_BELOW = `${ESC}J`;
export const HIDE_CURSOR = `${ESC}?25l`;
export const SHOW_CURSOR = `${ESC}?25h`;

export type Tone = 'green' | 'red' | 'yellow' | 'dim' | 'bold';

const CODES: Record<Tone, [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export type Paint = (tone: Tone, text: string) => string;

export function painter(color: boolean): Paint {
  if (!color) return (_tone, text) => text;
  return (tone, text) => `${ESC}${CODES[tone][0]}m${text}${ESC}${CODES[tone][1]}m`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI_PATTERN = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

/** Cut a line to `width` visible characters, keeping escapes (and closing colours with a reset). */
export function truncateVisible(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  let out = '';
  let shown = 0;
  let i = 0;
  while (i < text.length && shown < width - 1) {
    ANSI_PATTERN.lastIndex = i;
    const sequence = text.startsWith('\u001b[', i) ? ANSI_PATTERN.exec(text) : null;
    if (sequence !== null && sequence.index === i) {
      out += sequence[0];
      i += sequence[0].length;
      continue;
    }
    const codePoint = text.codePointAt(i) ?? 0;
    const symbol = String.fromCodePoint(codePoint);
    out += symbol;
    i += symbol.length;
    shown++;
  }
  return `${out}…${text.includes('\u001b[') ? `${ESC}0m` : ''}`;
}

export function padVisible(text: string, width: number): string {
  const gap = width - visibleWidth(text);
  return gap > 0 ? text + ' '.repeat(gap) : text;
}
