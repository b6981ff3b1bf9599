/**
 * The page's own files, shipped in the package's `ui/` folder and loaded by the browser as they
 * are (no build step). Only names listed in that folder at start are served, looked up in a map:
 * no part of a request's path is ever joined to a path on disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file to serve. */
export interface StaticFile {
  type: string;
  body: Buffer;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The package's ui/ folder (dist/ui/static.js → ../../ui). */
export function uiFolder(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../ui');
}

/** Reads every servable file of `dir` once, by name (`index.html`, `app.js`, ...). */
export function loadStatic(dir = uiFolder()): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type === undefined || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
    files.set(name, { type, body: readFileSync(path.join(dir, name)) });
  }
  return files;
}

/** index.html with the token in a meta tag, for the page's writes (served only to token holders). */
export function indexWithToken(index: StaticFile, token: string): Buffer {
  return Buffer.from(
    index.body.toString('utf8').replace('{{TOKEN}}', token), // the token is base64url: nothing to escape
  );
}
