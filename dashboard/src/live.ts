// The live stream (Server-Sent Events): one connection, listeners by event type.
import { withToken } from './api.ts';
import type { DashboardEvent } from './types.ts';

type Listener = (event: DashboardEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
const TYPES = ['signal', 'position', 'position.finished', 'marks', 'actor', 'control'];

export function onLive(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function connectLive(onState: (connected: boolean) => void): void {
  source?.close();
  source = new EventSource(withToken('/api/stream'));
  source.addEventListener('open', () => onState(true));
  source.addEventListener('error', () => onState(false));
  source.addEventListener('hello', () => onState(true));
  for (const type of TYPES) {
    source.addEventListener(type, (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as DashboardEvent;
      for (const fn of listeners) fn(event);
    });
  }
}
