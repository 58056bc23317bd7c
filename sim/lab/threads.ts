/**
 * Cells on worker threads, one per core by default. The bars are parsed once by the parent and
 * shared (shared-bars.ts); alerts and settings are copied once per worker at start. Each idle worker
 * takes the next task, so a slow cell never holds up the others; results are returned in task order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CellResult, LabData } from './cell.ts';
import { CellError, type LabExecutor } from './executor.ts';
import { shareBars } from './shared-bars.ts';

type Reply =
  | { readonly ok: true; readonly result: CellResult }
  | { readonly ok: false; readonly key: string; readonly message: string };

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export function threadExecutor(data: LabData, workers = defaultWorkers()): LabExecutor {
  // The history cache stays behind: each worker builds its own over the shared bars.
  const { bars, history: _history, ...rest } = data;
  const shared = shareBars(bars);
  const entry = new URL('./thread-worker.ts', import.meta.url).href;
  const pool: Worker[] = [];
  const spawn = () =>
    new Worker(new URL('./boot.mjs', import.meta.url), {
      workerData: { entry, bars: shared, data: rest },
    });
  return {
    parallelism: workers,
    name: `${workers} worker thread${workers === 1 ? '' : 's'}`,
    run(tasks, onDone) {
      while (pool.length < Math.min(workers, Math.max(1, tasks.length))) pool.push(spawn());
      return new Promise<CellResult[]>((resolve, reject) => {
        const results: (CellResult | undefined)[] = new Array(tasks.length);
        let next = 0;
        let done = 0;
        let failed = false;
        const cleanups: (() => void)[] = [];
        const finish = (error?: Error) => {
          for (const c of cleanups) c();
          if (error) reject(error);
          else resolve(results as CellResult[]);
        };
        if (tasks.length === 0) return finish();
        for (const worker of pool) {
          let current = -1;
          const feed = () => {
            if (failed || next >= tasks.length) return;
            current = next++;
            worker.postMessage(tasks[current]);
          };
          const onMessage = (reply: Reply) => {
            if (failed) return;
            if (!reply.ok) {
              failed = true;
              return finish(new CellError(reply.key, reply.message));
            }
            results[current] = reply.result;
            done++;
            onDone?.(reply.result, done, tasks.length);
            if (done === tasks.length) return finish();
            feed();
          };
          const onError = (error: Error) => {
            // A dead worker leaves the pool; the next run spawns a fresh one.
            const at = pool.indexOf(worker);
            if (at >= 0) pool.splice(at, 1);
            if (failed) return;
            failed = true;
            finish(new Error(`a lab worker thread failed: ${error.message}`));
          };
          const onExit = (code: number) => onError(new Error(`it exited with code ${code} mid-sweep`));
          worker.on('message', onMessage);
          worker.on('error', onError);
          worker.on('exit', onExit);
          cleanups.push(() => {
            worker.off('message', onMessage);
            worker.off('error', onError);
            worker.off('exit', onExit);
          });
          feed();
        }
      });
    },
    async close() {
      await Promise.all(pool.splice(0).map((w) => w.terminate()));
      // (terminate() emits 'exit', but every run has removed its listeners by then.)
    },
  };
}
