/** Reading git configuration. */
import { git } from './run.js';

/** One configuration value and the scope that set it. */
export interface ConfigValue {
  value: string;
  /** local, global, system, worktree, command; null when git did not say. */
  scope: string | null;
}

/**
 * A path-valued key as git resolves it (`--type=path` expands `~/`), with its scope; null when
 * the key is not set.
 */
export async function configPath(dir: string, key: string): Promise<ConfigValue | null> {
  // `config --get` exits 1 with no output when the key is unset.
  const r = await git(dir).exit(['config', '--show-scope', '--type=path', '--get', key], [1]);
  const line = r.stdout.replace(/\n$/, '');
  if (r.exitCode !== 0 || line === '') return null;
  const tab = line.indexOf('\t');
  return tab < 0 ? { value: line, scope: null } : { value: line.slice(tab + 1), scope: line.slice(0, tab) };
}
