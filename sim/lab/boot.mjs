// Worker-thread bootstrap: TypeScript through tsx's loader, then the worker module named by the parent.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
