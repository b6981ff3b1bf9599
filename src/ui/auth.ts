/**
 * Who may use `baton ui`: whoever holds the token printed in its URL. Pure decisions over a
 * request's headers and URL, so they are table-tested; server.ts carries them out.
 *
 * The token reaches the server three ways: once as `?token=` in the printed URL (answered with a
 * cookie and a redirect that drops it from the address bar), then as that cookie on every page,
 * script and event-stream request, and as the `X-Baton-Token` header on writes. A write needs the
 * header (a cookie alone rides along on a cross-site form post; a header cannot be set there
 * without a CORS preflight this server never grants) and an Origin, when sent, naming this
 * server: a page elsewhere that somehow learned the token still cannot act.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The cookie that carries the token after the first visit, named per port: browsers keep one
 * cookie jar per host whatever the port, so two `baton ui`s on 127.0.0.1 (two repositories)
 * would otherwise overwrite each other's token.
 */
export function cookieName(port: number): string {
  return `baton_ui_token_${port}`;
}
/** The header that carries the token on writes. */
export const TOKEN_HEADER = 'x-baton-token';

/** A new random token: 32 bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The parts of a request the checks read. */
export interface RequestFacts {
  method: string;
  /** The path and query as sent. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What to do with a request before routing it. */
export type AuthVerdict =
  | { kind: 'ok' }
  /** The right token in the query: set the cookie and redirect to `location` without it. */
  | { kind: 'set-cookie'; location: string }
  | { kind: 'unauthorized' }
  /** A write from another origin, or without the token header. */
  | { kind: 'forbidden'; reason: string };

/**
 * Judges a request against `token`, carried in cookie `cookie` or the header. `origins` are the
 * origins this server answers as (e.g. `http://127.0.0.1:8123`); writes are every method but
 * GET and HEAD.
 */
export function judge(
  req: RequestFacts,
  token: string,
  origins: readonly string[],
  cookie: string,
): AuthVerdict {
  const url = new URL(req.url, 'http://x');
  const fromQuery = url.searchParams.get('token');
  const fromCookie = cookieOf(header(req, 'cookie'), cookie);
  const fromHeader = header(req, TOKEN_HEADER);
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (read && fromQuery !== null && same(fromQuery, token)) {
    url.searchParams.delete('token');
    return { kind: 'set-cookie', location: `${url.pathname}${url.search}` };
  }
  const held = [fromCookie, fromHeader].some((t) => t !== null && same(t, token));
  if (!held) return { kind: 'unauthorized' };
  if (read) return { kind: 'ok' };
  if (fromHeader === null || !same(fromHeader, token))
    return { kind: 'forbidden', reason: 'A write needs the X-Baton-Token header.' };
  const origin = header(req, 'origin');
  if (origin !== null && !origins.includes(origin))
    return { kind: 'forbidden', reason: `Writes from ${origin} are refused.` };
  return { kind: 'ok' };
}

/** The Set-Cookie value for `token`: not readable by scripts, never sent by other sites. */
export function tokenCookie(cookie: string, token: string): string {
  return `${cookie}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** One header's value (the first, when repeated), or null. */
function header(req: RequestFacts, name: string): string | null {
  const v = req.headers[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? null : one;
}

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieOf(cookieHeader: string | null, name: string): string | null {
  if (cookieHeader === null) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Compares in constant time (by digest, so lengths need not match). */
function same(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
