import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { loadBarsCsv } from '../../sim/csv.ts';
import { type EngineDecision, type JournalEntry, replayJournal } from '../../sim/journal.ts';

const ES = fileURLToPath(
  new URL('../../../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv', import.meta.url),
);
const haveData = existsSync(ES);
if (!haveData && process.env.CI === 'true') throw new Error(`CI needs the shared market data at ${ES}`);
if (!haveData) console.warn(`skipped journal replay test: ${ES} not found (clone ../shared beside the repo)`);

describe('event journal', () => {
  it.skipIf(!haveData)(
    'a recorded journal replays into a fresh runtime to the same decisions (ES file)',
    () => {
      const bars = loadBarsCsv(ES, { tickSize: 0.25 });
      const alerts = demoSignals(bars, { symbol: 'ES', period: 30, barMs: 60_000 });
      const journal: JournalEntry[] = [];
      const decisions: EngineDecision[] = [];
      const result = runBacktest({
        symbol: 'ES',
        bars,
        alerts,
        barMs: 60_000,
        settings: { dailyLossLimit: 0, trailingDrawdown: 0 },
        journal,
        decisionLog: decisions,
      });
      expect(result.trades.length).toBeGreaterThan(10);
      expect(decisions.filter((d) => d.kind === 'command').length).toBeGreaterThan(100);
      // Through JSON, as a journal file would be stored.
      const stored = JSON.parse(JSON.stringify(journal)) as JournalEntry[];
      const replayed = replayJournal(stored, bars.ts[0]!);
      expect(replayed).toEqual(decisions);
    },
  );

  it.skipIf(!haveData)('a tampered journal gives different decisions (the comparison can fail)', () => {
    const bars = loadBarsCsv(ES, { tickSize: 0.25 });
    const alerts = demoSignals(bars, { symbol: 'ES', period: 30, barMs: 60_000 });
    const journal: JournalEntry[] = [];
    const decisions: EngineDecision[] = [];
    runBacktest({
      symbol: 'ES',
      bars,
      alerts,
      barMs: 60_000,
      settings: { dailyLossLimit: 0, trailingDrawdown: 0 },
      journal,
      decisionLog: decisions,
    });
    const firstFill = journal.findIndex((e) => e.kind === 'broker' && e.event.type === 'order.filled');
    const tampered = journal.filter((_, i) => i !== firstFill);
    expect(replayJournal(tampered, bars.ts[0]!)).not.toEqual(decisions);
  });
});
