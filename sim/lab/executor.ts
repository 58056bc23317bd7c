/**
 * Where cells run. The lab is written once against `LabExecutor`; the executors differ only in
 * where `runCell` executes: here, one after the other (`inlineExecutor`), on worker threads sharing
 * the parsed bars (threads.ts), or on any machine through the PostgreSQL job queue (queue.ts).
 * Results always come back in task order, so the report does not depend on which worker was first.
 */
import { type CellResult, type CellTask, type LabData, runCell } from './cell.ts';

export type OnCellDone = (result: CellResult, done: number, total: number) => void;

export interface LabExecutor {
  /** How many cells run at once (for the time estimate). */
  readonly parallelism: number;
  readonly name: string;
  run(tasks: readonly CellTask[], onDone?: OnCellDone): Promise<CellResult[]>;
  close(): Promise<void>;
}

export class CellError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`cell ${key}: ${message}`);
    this.name = 'CellError';
  }
}

/** One cell after the other in this process (the baseline the benchmark compares against). */
export function inlineExecutor(data: LabData): LabExecutor {
  return {
    parallelism: 1,
    name: 'one process',
    async run(tasks, onDone) {
      const out: CellResult[] = [];
      for (const task of tasks) {
        let result: CellResult;
        try {
          result = runCell(data, task);
        } catch (error) {
          throw new CellError(task.key, error instanceof Error ? error.message : String(error));
        }
        out.push(result);
        onDone?.(result, out.length, tasks.length);
        // Let a progress bar or a signal handler run between cells.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return out;
    },
    async close() {},
  };
}
