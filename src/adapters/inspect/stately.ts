/**
 * `--inspect`: show the live actors in Stately's visual inspector.
 *
 * `@statelyai/inspect`'s Node WebSocket inspector is a client: it sends every inspection event to a
 * WebSocket relay, and a browser page relays them into the hosted viewer (https://stately.ai/inspect)
 * in an iframe. We run that relay ourselves instead of the package's `createInspectorServer`, which
 * listens on every interface, cannot pick a free port and opens a browser through a shell; ours
 * listens on loopback only and serves the same bridge page. Open `url` in a browser.
 * The package defers every event through setTimeout(0): never attach it to a backtest.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent } from 'xstate';

export interface StatelyInspectorOptions {
  /** Port of the relay and the bridge page; 0 picks a free one. Default 8787. */
  readonly port?: number;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** The hosted viewer the bridge page embeds. */
  readonly viewerUrl?: string;
  /** Events the relay replays to a viewer that connects late (default 500). */
  readonly replay?: number;
}

export interface StatelyInspector {
  /** Pass as the runtime's `inspect` option. */
  readonly inspect: (event: InspectionEvent) => void;
  /** The bridge page to open in a browser. */
  readonly url: string;
  /** The WebSocket relay the inspector and viewers connect to. */
  readonly wsUrl: string;
  stop(): Promise<void>;
}

function bridgePage(wsUrl: string, viewerUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>valuearea · Stately inspector</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src="${viewerUrl}"></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer) iframe.contentWindow.postMessage(event, '*');
        buffer.length = 0;
      }
    });
    const ws = new WebSocket(${JSON.stringify(wsUrl)});
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `--inspect: cannot listen on ${host}:${port} (${error.code ?? error.message}); choose another port with --inspect-port`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function createStatelyInspector(
  options: StatelyInspectorOptions = {},
): Promise<StatelyInspector> {
  const host = options.host ?? '127.0.0.1';
  const viewerUrl = options.viewerUrl ?? 'https://stately.ai/inspect';
  const replayLimit = options.replay ?? 500;
  let page = '';
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page);
  });
  const port = await listen(server, options.port ?? 8787, host);
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const wsUrl = `ws://${hostInUrl}:${port}`;
  page = bridgePage(wsUrl, viewerUrl);

  // The relay: whatever one client sends goes to every other client; late viewers get a replay.
  const relay = new WebSocketServer({ server });
  const recent: string[] = [];
  relay.on('connection', (socket) => {
    for (const message of recent) socket.send(message);
    socket.on('message', (data) => {
      const message = data.toString();
      recent.push(message);
      if (recent.length > replayLimit) recent.shift();
      for (const client of relay.clients) {
        if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
      }
    });
  });

  const inspector = createWebSocketInspector({ url: wsUrl });
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    url: `http://${hostInUrl}:${port}`,
    wsUrl,
    async stop() {
      inspector.stop();
      for (const client of relay.clients) client.terminate();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
