/**
 * The lab in the terminal: the progress bar (cells done, cells/s, time left), the plan line before
 * anything runs, and the summary (best cells, walk-forward windows). Numbers read as in
 * src/domain/format.ts.
 */
import { money } from '../../src/domain/format.ts';
import { formatDuration } from '../../src/domain/session-time.ts';
import type { LabReport } from './lab.ts';
import { type CellSummary, type ConstraintMetric, figure, figureText, OBJECTIVE_NAMES } from './objective.ts';

/** A figure for the terminal: as in the HTML report, with — for an undefined one. */
export function formatFigure(metric: ConstraintMetric, value: number | null): string {
  return figureText(metric, value, '—');
}

export function cellFigure(summary: CellSummary, metric: ConstraintMetric): string {
  return formatFigure(metric, figure(summary, metric));
}

/** "\r  lab [#####.....] 120/200 cells · 3.4 cells/s · 24s left" on a terminal; a line per 10% elsewhere. */
export function progressReporter(
  stream: NodeJS.WriteStream,
  /** Wall time in ms, from the CLI: the simulator reads no clock itself (tests/sim/determinism.test.ts). */
  now: () => number,
): (done: number, total: number) => void {
  const started = now();
  let lastTenth = -1;
  return (done, total) => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const left = rate > 0 ? ((total - done) / rate) * 1000 : 0;
    const text = `${done}/${total} cells · ${rate.toFixed(1)} cells/s · ${done >= total ? 'done' : `${formatDuration(left)} left`}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((done / Math.max(1, total)) * width);
      stream.write(`\r\u001b[K  lab [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
      if (done >= total) stream.write('\n');
      return;
    }
    const tenth = Math.floor((done / Math.max(1, total)) * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      stream.write(`  lab ${text}\n`);
    }
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function table(header: readonly string[], rows: readonly (readonly string[])[], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    `  ${r.map((c, i) => pad(c, widths[i]!, i >= rightFrom)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function labTerminalReport(report: LabReport, top = 10): string {
  const out: string[] = [];
  const obj = report.objective;
  out.push(
    `\nvaluearea lab · ${report.symbol} · ${report.cells.length} cells${report.random === null ? '' : ` (random of ${report.gridCells})`} · objective ${OBJECTIVE_NAMES[obj]}${report.constraints.length > 0 ? ` · constraints ${report.constraints.join(', ')}` : ''}`,
  );
  const qualified = report.cells.filter((c) => c.broken.length === 0).length;
  out.push(`  ${qualified} of ${report.cells.length} cells meet the constraints\n`);
  const rows = report.cells
    .slice(0, top)
    .map((c) => [
      String(c.rank),
      c.label,
      String(c.summary.trades),
      cellFigure(c.summary, 'netPnl'),
      cellFigure(c.summary, 'profitFactor'),
      cellFigure(c.summary, 'sharpe'),
      cellFigure(c.summary, 'maxDrawdown'),
      cellFigure(c.summary, 'expectancyR'),
      cellFigure(c.summary, 'passProbability'),
      c.broken.length > 0 ? `breaks ${c.broken.join(', ')}` : '',
    ]);
  out.push(table(['#', 'settings', 'trades', 'net', 'PF', 'Sharpe', 'max DD', 'exp.', 'pass', ''], rows, 2));
  if (report.best) {
    out.push(
      `\n  best: ${report.best.label} — ${OBJECTIVE_NAMES[obj]} ${cellFigure(report.best.summary, obj)}, ${report.best.summary.trades} trades, net ${cellFigure(report.best.summary, 'netPnl')}`,
    );
  } else {
    out.push('\n  no cell meets the constraints; loosen them or widen the grid');
  }
  const wf = report.walkForward;
  if (wf) {
    out.push(
      `\nwalk-forward (${wf.anchored ? 'anchored' : 'rolling'}: ${wf.inSampleDays} days in sample, ${wf.outOfSampleDays} out)`,
    );
    out.push(
      table(
        ['#', 'in sample', 'out of sample', 'chosen', `IS ${obj}`, `OOS ${obj}`, 'IS net/day', 'OOS net/day'],
        wf.windows.map((w) => [
          String(w.n),
          `${w.inSample.firstDay}…${w.inSample.lastDay}`,
          `${w.outOfSample.firstDay}…${w.outOfSample.lastDay}`,
          w.chosen?.label ?? 'none qualified',
          formatFigure(obj, w.inSampleObjective),
          formatFigure(obj, w.outOfSampleObjective),
          formatFigure('netPnl', w.inSampleNetPerDay),
          formatFigure('netPnl', w.outOfSampleNetPerDay),
        ]),
        4,
      ),
    );
    out.push(
      `  stitched out of sample: ${wf.stitched.trades} trades, net ${money(wf.stitched.netPnl)}, max drawdown ${money(wf.stitched.maxDrawdown)}, ` +
        `efficiency ${wf.efficiency === null ? '— (no in-sample profit)' : wf.efficiency.toFixed(2)} (out-of-sample net per day ÷ in-sample)`,
    );
  }
  return `${out.join('\n')}\n`;
}
