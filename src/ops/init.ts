/** Preparing a repository: tasks/, tasks/logs/ ignored by git, a commented baton.yaml. */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_YAML } from '../config/defaults.js';
import { resolveCommit } from '../git/refs.js';
import { findRepo } from '../git/repo.js';
import { installHooks } from '../hooks/install.js';
import { repoPaths } from '../store/paths.js';

/** What `init` did (one line each) and what the user should know before the first task. */
export interface InitResult {
  done: string[];
  warnings: string[];
}

/** Initialises the repository around `cwd`; returns what it did, one line each, and warnings. */
export async function initRepo(cwd: string): Promise<InitResult> {
  const { root } = await findRepo(cwd);
  const warnings: string[] = [];
  // Not an error: init prepares the folder; but every task branch starts from a commit.
  if ((await resolveCommit(root, 'HEAD')) === null) {
    warnings.push(
      'this repository has no commits yet, so no task can start until it has one: `git commit --allow-empty -m "initial commit"`.',
    );
  }
  const paths = repoPaths(root);
  const done: string[] = [];
  for (const dir of [paths.tasksDir, paths.logsDir]) {
    if (!existsSync(dir)) {
      await fs.mkdir(dir, { recursive: true });
      done.push(`created ${path.relative(root, dir)}/`);
    }
  }
  if (await ensureIgnored(root, 'tasks/logs/')) done.push('added tasks/logs/ to .gitignore');
  if (!existsSync(paths.configFile)) {
    await fs.writeFile(paths.configFile, DEFAULT_CONFIG_YAML, { flag: 'wx' }).catch(() => undefined);
    done.push('wrote baton.yaml (every key commented, with its default)');
  }
  done.push(...(await installHooks(root)));
  if (done.length === 0) done.push('already initialised: nothing to do');
  return { done, warnings };
}

async function ensureIgnored(root: string, pattern: string): Promise<boolean> {
  const file = path.join(root, '.gitignore');
  const text = existsSync(file) ? await fs.readFile(file, 'utf8') : '';
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines.includes(pattern) || lines.includes(pattern.replace(/\/$/, '')) || lines.includes(`/${pattern}`))
    return false;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  await fs.appendFile(file, `${sep}# baton's state, logs and inbox (see baton status)\n${pattern}\n`);
  return true;
}
