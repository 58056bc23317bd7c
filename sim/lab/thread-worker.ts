/** A lab worker thread: receives cell tasks, runs them on the shared bars, posts the results. */
import { parentPort, workerData } from 'node:worker_threads';
import { HistoryCache } from '../replay.ts';
import { type CellTask, type LabData, runCell } from './cell.ts';
import { type SharedBars, sharedBarSeries } from './shared-bars.ts';

interface Init {
  readonly entry: string;
  readonly bars: SharedBars;
  readonly data: Omit<LabData, 'bars' | 'history'>;
}

const init = workerData as Init;
const bars = sharedBarSeries(init.bars);
const data: LabData = { ...init.data, bars, history: new HistoryCache(bars) };

parentPort!.on('message', (task: CellTask) => {
  try {
    parentPort!.postMessage({ ok: true, result: runCell(data, task) });
  } catch (error) {
    parentPort!.postMessage({
      ok: false,
      key: task.key,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
