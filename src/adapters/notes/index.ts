/** LLM trade notes: the TradeNotes port over a command-line model (Claude Code by default). */
export * from './cli-notes.ts';
export * from './feed.ts';
export * from './prompt.ts';
