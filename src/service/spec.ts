/**
 * What a background `baton watch` service is, independent of the service manager: which repository,
 * which node and which baton to run, where output goes, which PATH agents are found on. Pure.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

import { BatonError } from '../domain/errors.js';

/** Everything a service definition is generated from. All paths absolute. */
export interface ServiceSpec {
  /** `<repo basename>-<8 hex of the root's hash>`: unique per repository, readable in listings. */
  name: string;
  /** The repository's main worktree: the service's working directory. */
  root: string;
  /** The node binary that runs baton (the one running now). */
  node: string;
  /** baton's `dist/cli/main.js`. */
  mainJs: string;
  /** Where the watcher's stdout and stderr are appended: `<root>/tasks/logs/watch.log`. */
  logFile: string;
  /** PATH captured at install time, so the service finds the same agents as the installer's shell. */
  path: string;
}

/** The argv the service runs: `[node, main.js, 'watch']`. */
export function serviceArgv(spec: ServiceSpec): string[] {
  return [spec.node, spec.mainJs, 'watch'];
}

/** The service name of the repository at `root` (a real path). */
export function serviceName(root: string): string {
  const base =
    path
      .basename(root)
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 48) || 'repo';
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 8);
  return `${base}-${hash}`;
}

/**
 * Throws when a value cannot be written into a unit file or plist faithfully: a line break
 * would end the setting early, and XML cannot carry most control characters.
 */
export function assertWritable(what: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new BatonError(
      'USAGE',
      `The ${what} ${JSON.stringify(value)} holds a control character, which a service definition cannot carry.`,
      {
        hint: 'Move the repository (or node, or baton) to a path without line breaks or control characters, or run `baton watch` in the foreground.',
      },
    );
  }
}

/** Checks every value of the spec (see `assertWritable`). */
export function assertSpecWritable(spec: ServiceSpec): void {
  assertWritable('repository path', spec.root);
  assertWritable('node path', spec.node);
  assertWritable('baton path', spec.mainJs);
  assertWritable('log path', spec.logFile);
  assertWritable('PATH', spec.path);
}
