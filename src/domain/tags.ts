/**
 * Order tags (ProjectX `customTag`): deterministic, `${positionId}-${leg}`, ASCII [A-Za-z0-9_-],
 * at most 40 characters. Never built from an in-memory counter: every leg number comes from
 * persisted machine context, so a restart reproduces the same tags.
 */

export const MAX_TAG_LENGTH = 40;
const TAG_RE = /^[A-Za-z0-9_-]{1,40}$/;

export type LegKind = 'entry' | 'stop' | 'exit';

export function entryTag(positionId: string, leg: number): string {
  return checked(`${positionId}-e${leg}`);
}

export function stopTag(positionId: string, sequence: number): string {
  return checked(`${positionId}-s${sequence}`);
}

export function exitTag(positionId: string, sequence: number): string {
  return checked(`${positionId}-x${sequence}`);
}

export interface ParsedTag {
  readonly positionId: string;
  readonly kind: LegKind;
  readonly index: number;
}

/** Split a tag into its position id and leg; undefined for tags we did not make. */
export function parseTag(tag: string): ParsedTag | undefined {
  const dash = tag.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const leg = tag.slice(dash + 1);
  const kindChar = leg[0];
  const index = Number(leg.slice(1));
  if (!Number.isInteger(index) || index < 0 || leg.length < 2) return undefined;
  const kind: LegKind | undefined =
    kindChar === 'e' ? 'entry' : kindChar === 's' ? 'stop' : kindChar === 'x' ? 'exit' : undefined;
  if (!kind) return undefined;
  return { positionId: tag.slice(0, dash), kind, index };
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

function checked(tag: string): string {
  if (!TAG_RE.test(tag)) {
    throw new Error(
      `order tag "${tag}" is not valid: use at most ${MAX_TAG_LENGTH} characters from [A-Za-z0-9_-]`,
    );
  }
  return tag;
}
