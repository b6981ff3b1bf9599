/**
 * `baton ui`'s server: node:http on 127.0.0.1 (unless a host is given), every request judged by
 * auth.ts before anything else, then routed (routes.ts). It runs no shell and reads no path a
 * request names except through a validated slug or the static files' map.
 */
import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config/load.js';
import type { Repo } from '../ops/repo.js';
import { cookieName, judge, newToken, tokenCookie } from './auth.js';
import { startEventHub, type EventHub } from './events.js';
import { watchFleet } from './fleet.js';
import { route } from './routes.js';
import { loadStatic } from './static.js';

/** Options of {@link startUi}. */
export interface UiOptions {
  repo: Repo;
  /** 0 (default): a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A fixed token (tests); a new random one by default. */
  token?: string;
}

/** A running `baton ui`. */
export interface UiServer {
  /** The URL to open, with the token. */
  url: string;
  /** The origin, without the token. */
  origin: string;
  token: string;
  events: EventHub;
  close(): Promise<void>;
}

/**
 * The repository with baton.yaml as it is now: read again when its mtime changed; a config that
 * no longer parses leaves the last good one in use, as the watcher does (the CLI's actions open
 * the repository anew and say what is wrong with it).
 */
function currentRepo(first: Repo): () => Promise<Repo> {
  let repo = first;
  let seen = mtimeOf(first.paths.configFile);
  return async () => {
    const now = mtimeOf(repo.paths.configFile);
    if (now !== seen) {
      seen = now;
      try {
        repo = { ...repo, config: await loadConfig(repo.info.root) };
      } catch {
        // keep the last good config
      }
    }
    return repo;
  };
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Starts the server; resolves once it listens and watches the task folders. */
export async function startUi(opts: UiOptions): Promise<UiServer> {
  const token = opts.token ?? newToken();
  const host = opts.host ?? '127.0.0.1';
  const files = loadStatic();
  const events = startEventHub([opts.repo.paths.tasksDir, opts.repo.paths.logsDir]);
  const repo = currentRepo(opts.repo);
  const fleet = watchFleet(repo, events);
  const ctx = {
    repo,
    root: opts.repo.info.root,
    token,
    files,
    events,
    cache: new Map(),
    fleet,
  };
  let cookie = ''; // named after the port, known once listening (no request comes before)
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origins = req.headers.host === undefined ? [] : [`http://${req.headers.host}`];
    const verdict = judge(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
      token,
      origins,
      cookie,
    );
    switch (verdict.kind) {
      case 'unauthorized':
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('401 Unauthorized\n');
        return;
      case 'forbidden':
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`403 Forbidden: ${verdict.reason}\n`);
        return;
      case 'set-cookie':
        res.writeHead(303, { 'set-cookie': tokenCookie(cookie, token), location: verdict.location });
        res.end();
        return;
      case 'ok':
        await route(ctx, req, res);
    }
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    fleet.close();
    await events.close(); // its watch would keep the process alive after the error is shown
    throw err;
  }
  await events.ready;
  const { port } = server.address() as AddressInfo;
  cookie = cookieName(port);
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    events,
    async close() {
      fleet.close();
      await events.close(); // ends the event streams, which would hold the server open
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
