#!/usr/bin/env node
/**
 * The `baton` executable: refuses a Node.js that is too old in one sentence, then loads the CLI.
 * main.js is imported only after the check because its imports (and theirs) may not even load
 * on an old Node. Keep this file free of newer syntax and of static imports but node-check.
 */
import './compile-cache.js';
import { NODE_UPGRADE_HINT, checkNodeVersion } from './node-check.js';

const problem = checkNodeVersion(process.versions.node);
if (problem !== null) {
  process.stderr.write(`baton: ${problem}\n  ${NODE_UPGRADE_HINT}\n`);
  process.exitCode = 1;
} else {
  import('./main.js').catch((err: unknown) => {
    process.stderr.write(
      `baton: could not load the CLI: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  });
}
