/**
 * The Node.js version check, run by the `baton` entry (bin.ts) before anything else is loaded.
 * Written for old runtimes: no syntax newer than Node 14 understands and no imports, so an old
 * Node gets this sentence rather than a crash deep inside a dependency.
 */

/** The oldest Node.js baton runs on (package.json `engines`). */
export const MIN_NODE: readonly [number, number] = [22, 22];

/**
 * Null when `version` (`process.versions.node`, e.g. `22.22.0` or `v24.1.0`) is new enough;
 * otherwise the sentence to print. A version that cannot be parsed is let through.
 */
export function checkNodeVersion(version: string): string | null {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (m === null) return null;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const [needMajor, needMinor] = MIN_NODE;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return null;
  return `This is Node.js ${version.replace(/^v/, '')}, and baton needs Node.js ${needMajor}.${needMinor} or newer.`;
}

/** What to do about it. */
export const NODE_UPGRADE_HINT =
  'Install Node.js 22.22 or newer, 24 LTS recommended (https://nodejs.org/, or `nvm install 24`), then run baton again.';
