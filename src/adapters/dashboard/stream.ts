/**
 * GET /api/stream: Server-Sent Events. Each DashboardEvent goes out as `event: <type>` with a JSON
 * body. A client that cannot keep up (over maxBufferedBytes unsent) is disconnected rather than
 * buffered without bound; EventSource reconnects by itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { merge, type Observable } from 'rxjs';
import type { DashboardEvent } from './events.ts';

export interface StreamOptions {
  readonly sources: readonly Observable<DashboardEvent>[];
  /** Sent first, so a new page has the current picture without waiting. */
  readonly hello: () => unknown;
  readonly heartbeatMs?: number;
  readonly maxBufferedBytes?: number;
}

export function serveStream(req: FastifyRequest, reply: FastifyReply, options: StreamOptions): void {
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const maxBuffered = options.maxBufferedBytes ?? 1_000_000;
  let id = 0;
  const send = (type: string, payload: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > maxBuffered) {
      req.log.warn('dashboard stream client too slow: disconnected (it reconnects and reloads)');
      res.end();
      return;
    }
    id++;
    res.write(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  res.write('retry: 2000\n\n');
  send('hello', options.hello());
  const subscription = merge(...options.sources).subscribe({
    next: (event) => send(event.type, event),
    error: (error: unknown) => {
      req.log.error(
        { err: error instanceof Error ? error.message : String(error) },
        'dashboard stream source failed',
      );
      res.end();
    },
  });
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(': keep-alive\n\n');
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  };
  res.on('close', stop);
  res.on('error', stop);
}
