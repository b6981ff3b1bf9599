/**
 * `baton doctor [--fix] [--json]`: what is wrong with this repository, one line each with the
 * command that fixes it; `--fix` repairs what is safe to repair.
 *
 * Exit code 0 when healthy (or when `--fix` fixed everything), 1 while a problem remains. That
 * is the report's result, not an error, so it is set as `process.exitCode` (which main.ts
 * returns), as `baton hooks status` does; notes never count.
 */
import type { Command } from 'commander';
import { ExitCode } from '../domain/errors.js';
import type { Finding } from '../ops/doctor-types.js';

/** Registers `doctor`. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'Find stale locks, worktrees without tasks, misplaced branches, stray temp files, tasks/logs/ not ignored, hook problems; exit 1 while any remains.',
    )
    .option('--fix', 'fix what is safe to fix (never deletes worktrees, branches or follow-ups)')
    .option(
      '--json',
      'print {"problems": [{kind, message, fix, fixable, fixed}], "notes": [{kind, message, fix}]}',
    )
    .action(async (opts: { fix?: boolean; json?: boolean }) => {
      const { openRepo } = await import('../ops/repo.js');
      const { diagnose, fixFindings, unhealthy } = await import('../ops/doctor.js');
      // doctor reports (and --fix makes) what `baton init` would: it works where init never ran.
      const repo = await openRepo(process.cwd(), { setUp: 'optional' });
      let findings = await diagnose(repo);
      if (opts.fix) findings = await fixFindings(repo, findings);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(doctorJson(findings), null, 2)}\n`
          : renderFindings(findings, opts.fix === true),
      );
      if (unhealthy(findings)) process.exitCode = ExitCode.error;
    });
}

/** The stable json shape of `doctor --json`. */
export function doctorJson(findings: Finding[]): {
  problems: Record<string, unknown>[];
  notes: Record<string, unknown>[];
} {
  return {
    problems: findings
      .filter((f) => f.severity === 'problem')
      .map((f) => ({
        kind: f.kind,
        message: f.message,
        fix: f.fix,
        fixable: f.action !== null,
        fixed: f.fixed,
      })),
    notes: findings
      .filter((f) => f.severity === 'note')
      .map((f) => ({ kind: f.kind, message: f.message, fix: f.fix })),
  };
}

function renderFindings(findings: Finding[], fixing: boolean): string {
  const lines: string[] = [];
  for (const f of findings) {
    if (f.severity === 'note') lines.push(`note: ${f.message}`, `  ${f.fix}`);
    else if (f.fixed) lines.push(`fixed: ${f.message}`);
    else lines.push(`problem: ${f.message}`, `  fix: ${f.fix}`);
  }
  const problems = findings.filter((f) => f.severity === 'problem');
  const left = problems.filter((f) => !f.fixed);
  const fixable = left.filter((f) => f.action !== null).length;
  if (problems.length === 0) lines.push('No problems found.');
  else if (left.length === 0) lines.push(`Fixed ${problems.length} problem(s); none left.`);
  else {
    const fixed = problems.length - left.length;
    const hint = !fixing && fixable > 0 ? `; \`baton doctor --fix\` fixes ${fixable} of them` : '';
    lines.push(`${left.length} problem(s) left${fixed > 0 ? ` (${fixed} fixed)` : ''}${hint}.`);
  }
  return `${lines.join('\n')}\n`;
}
