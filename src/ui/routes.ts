/**
 * `baton ui`'s routes, for requests that hold the token (server.ts checks it first):
 *
 *   GET  /                          the page (index.html with the token for its writes)
 *   GET  /<file>                    a file of the ui/ folder, by name from a map
 *   GET  /api/board                 `status --json`
 *   GET  /api/tasks/<slug>          one task: its board row, file, worktree, timeline
 *   GET  /api/tasks/<slug>/log      its log from ?offset= (see reads.ts), rendered
 *   GET  /api/events                the event stream (events.ts)
 *   POST /api/tasks                 create a task (the slug in the body)
 *   POST /api/tasks/<slug>/<action> followup, stop, continue, dispatch, remove (actions.ts)
 *
 * A slug comes from one path segment, decoded, and must be a valid slug: `..`, `%2F` and the
 * like are refused before anything is read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidSlug } from '../domain/slug.js';
import type { TaskFileCache } from '../ops/board.js';
import type { Repo } from '../ops/repo.js';
import { isAction, runAction } from './actions.js';
import type { EventHub } from './events.js';
import type { FleetWatch } from './fleet.js';
import { boardData, logChunk, taskData } from './reads.js';
import { indexWithToken, type StaticFile } from './static.js';

/** What every route may use. */
export interface RouteContext {
  /** The repository with its current config (server.ts reloads baton.yaml when it changes). */
  repo(): Promise<Repo>;
  /** Where the repository is: actions open it anew, as each command does. */
  root: string;
  token: string;
  files: ReadonlyMap<string, StaticFile>;
  events: EventHub;
  /** Parsed task files, kept across board reads (ops/board.ts). */
  cache: TaskFileCache;
  /** The claims on the remote, in cluster mode (fleet.ts). */
  fleet: FleetWatch;
}

/** Largest request body taken (a follow-up or a task file is at most 1 MiB, as on disk). */
const MAX_BODY = 1_100_000;

/** Answers one request that holds the token. */
export async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = segments(url.pathname);
  if (parts === null) return send(res, 400, { error: 'The path is not valid.' });
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return get(ctx, parts, url, res);
  if (method !== 'POST') return send(res, 405, { error: `${method} is not allowed.` });
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
    return send(res, 415, { error: 'Send JSON.' });
  const body = await readBody(req);
  if (body === null) return send(res, 400, { error: 'The body is not a JSON object of at most 1 MiB.' });
  if (parts.length === 2 && parts[0] === 'api' && parts[1] === 'tasks') {
    const slug = typeof body.slug === 'string' ? body.slug : '';
    return send(res, 200, await runAction(ctx.root, 'create', slug, body));
  }
  const [api, tasks, slug, action] = parts;
  if (parts.length === 4 && api === 'api' && tasks === 'tasks' && action !== 'create' && isAction(action!)) {
    if (!isValidSlug(slug!)) return badSlug(res);
    return send(res, 200, await runAction(ctx.root, action, slug!, body));
  }
  return send(res, 404, { error: 'No such route.' });
}

async function get(ctx: RouteContext, parts: string[], url: URL, res: ServerResponse): Promise<void> {
  if (parts.length === 0) {
    const index = ctx.files.get('index.html');
    if (!index) return send(res, 500, { error: 'The ui/ folder has no index.html.' });
    return file(res, index.type, indexWithToken(index, ctx.token));
  }
  if (parts.length === 1) {
    const f = ctx.files.get(parts[0]!);
    return f === undefined ? send(res, 404, { error: 'No such file.' }) : file(res, f.type, f.body);
  }
  if (parts[0] !== 'api') return send(res, 404, { error: 'No such route.' });
  if (parts.length === 2 && parts[1] === 'board') {
    const repo = await ctx.repo();
    return send(res, 200, await boardData(repo, ctx.cache, await ctx.fleet.current(repo)));
  }
  if (parts.length === 2 && parts[1] === 'events') return ctx.events.attach(res);
  if (parts[1] !== 'tasks' || parts.length < 3 || parts.length > 4)
    return send(res, 404, { error: 'No such route.' });
  const slug = parts[2]!;
  if (!isValidSlug(slug)) return badSlug(res);
  if (parts.length === 3) {
    const repo = await ctx.repo();
    const data = await taskData(repo, slug, ctx.cache, await ctx.fleet.current(repo));
    return data === null ? send(res, 404, { error: `There is no task ${slug}.` }) : send(res, 200, data);
  }
  if (parts[3] !== 'log') return send(res, 404, { error: 'No such route.' });
  const offset = Number(url.searchParams.get('offset') ?? '-1');
  const header = url.searchParams.get('header');
  return send(
    res,
    200,
    await logChunk(await ctx.repo(), slug, Number.isSafeInteger(offset) ? offset : -1, header),
  );
}

/** The path's segments, each decoded; null when one cannot be decoded. Empty segments are dropped. */
function segments(pathname: string): string[] | null {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

function badSlug(res: ServerResponse): void {
  send(res, 400, { ok: false, code: 'BAD_SLUG', message: 'That is not a valid task slug.', hint: null });
}

function send(res: ServerResponse, status: number, data: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(data));
}

/** Headers for the page's files: nothing may be loaded from anywhere but this server. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function file(res: ServerResponse, type: string, body: Buffer): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

/** The request's JSON object body, or null when it is too big or not an object. */
async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(c as Buffer);
  }
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
