/**
 * Running the forge's CLI (`gh` by default; baton.yaml `pr.*` commands): each call bounded by
 * `pr.timeoutSeconds`, its failure turned into a kind and one sentence (domain/pr.ts) rather
 * than an exception. The argv may carry a PR body: it is never put into a message.
 */
import { classifyForgeFailure, describeForgeProblem, type ForgeProblemKind } from '../domain/forge.js';
import { fillArgv } from '../domain/pr-react.js';
import { run } from '../proc/exec.js';
import type { Repo } from './repo.js';

/** What a forge call gave. */
export type ForgeResult =
  { ok: true; stdout: string } | { ok: false; kind: ForgeProblemKind; message: string; hint: string };

/** Runs the `template` argv with `vars` filled in, in the repository root. */
export async function runForge(
  repo: Repo,
  template: readonly string[],
  vars: Parameters<typeof fillArgv>[1],
): Promise<ForgeResult> {
  const [program, ...args] = fillArgv(template, vars);
  if (program === undefined) return forgeProblem(repo, 'failed', '', '(no command)');
  const ran = await run(program, args, {
    cwd: repo.info.root,
    timeoutMs: repo.config.pr.timeoutSeconds * 1000,
    // gh must not wait on a prompt nobody sees, nor page its output.
    env: { ...process.env, GH_PROMPT_DISABLED: '1', GH_PAGER: 'cat', NO_COLOR: '1' },
  });
  if (ran.failure === null) return { ok: true, stdout: ran.stdout };
  const kind = classifyForgeFailure({ ...ran, failure: ran.failure, program });
  return forgeProblem(repo, kind, `${ran.stderr}\n${ran.stdout}`, program);
}

/** A forge problem of `kind` as a result. */
export function forgeProblem(
  repo: Repo,
  kind: ForgeProblemKind,
  said: string,
  program = repo.config.pr.view[0] ?? 'gh',
): Extract<ForgeResult, { ok: false }> {
  return { ok: false, kind, ...describeForgeProblem(kind, { program, said, remote: repo.config.pr.remote }) };
}
