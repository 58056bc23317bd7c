/** Inspection observers: Stately's visual inspector (--inspect) and the offline JSONL log (--inspect-log). */
export * from './jsonl-log.ts';
export * from './stately.ts';
