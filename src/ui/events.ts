/**
 * The page's live updates: one watch of tasks/ and tasks/logs/ (through watch/folder-events.ts,
 * baton's one home of chokidar), whose events are gathered for `settleMs` and pushed to every open
 * event stream as one `changed` event naming the files that changed. The page refetches what it
 * shows. Nothing is sent while nothing changes: no polling, no keep-alive chatter (the page's
 * relative times tick in the browser).
 */
import type { ServerResponse } from 'node:http';
import { watchFolders, type FolderEvents } from '../watch/folder-events.js';

/** The fan-out of file events to event streams. */
export interface EventHub {
  /** Resolves once the folders are watched: every change after it is pushed. */
  readonly ready: Promise<void>;
  /** Takes an accepted event-stream response and keeps it until the client goes. */
  attach(res: ServerResponse): void;
  /** How many events were sent in all (for the benchmark's idle check). */
  sent(): number;
  /** Pushes `name` as changed (gathered like a file event): what changed is not a file here (the claims on the remote). */
  changed(name: string): void;
  /** How many event streams are open: with none, nobody looks. */
  clients(): number;
  close(): Promise<void>;
}

/** Watches `dirs` and pushes their changes, gathered for `settleMs` (default 100 ms). */
export function startEventHub(dirs: readonly string[], settleMs = 100): EventHub {
  const clients = new Set<ServerResponse>();
  let names = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let count = 0;
  const flush = (): void => {
    timer = null;
    const data = JSON.stringify({ names: [...names] });
    names = new Set();
    for (const res of clients) {
      res.write(`event: changed\ndata: ${data}\n\n`);
      count++;
    }
  };
  const changed = (name: string): void => {
    names.add(name);
    timer ??= setTimeout(flush, settleMs);
  };
  const events: FolderEvents = watchFolders(dirs, {
    onName: (_dir, name) => changed(name ?? '*'),
    onError: () => undefined, // the page refetches on its next event, or when reloaded
  });
  return {
    ready: events.ready,
    attach(res) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      // A first comment, so the browser's EventSource opens at once and the page knows it is live.
      res.write(': live\n\n');
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    sent: () => count,
    changed,
    clients: () => clients.size,
    async close() {
      if (timer) clearTimeout(timer);
      for (const res of clients) res.end();
      clients.clear();
      await events.close();
    },
  };
}
