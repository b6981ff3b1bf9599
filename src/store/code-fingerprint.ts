/**
 * What identifies a piece of code on disk, for caches of its results kept between processes
 * (the task index, the config cache): when the code changes (an upgrade, a rebuild), every result
 * it cached stops being trusted, rather than being served by the new code.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The size and modification time of `modules` (paths without extension, relative to the module
 * at `from`, which is usually `import.meta.url`; they take its extension, `.js` when built and
 * `.ts` under the test runner) and of the `packages`' package.json. A module that cannot be
 * found gives a value no cache was ever written with, so nothing cached is used.
 */
export function codeFingerprint(
  from: string,
  modules: readonly string[],
  packages: readonly string[] = [],
): string {
  const self = fileURLToPath(from);
  const ext = path.extname(self);
  const parts: string[] = [];
  try {
    const require = createRequire(from);
    const files = [
      ...modules.map((m) => path.resolve(path.dirname(self), `${m}${ext}`)),
      ...packages.map((p) => require.resolve(`${p}/package.json`)),
    ];
    for (const f of files) {
      const st = statSync(f);
      parts.push(`${st.size}:${st.mtimeMs}`);
    }
  } catch {
    return `unknown:${process.pid}:${Date.now()}:${Math.random()}`;
  }
  return parts.join(',');
}
