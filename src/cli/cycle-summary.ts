/**
 * One heartbeat cycle in words (`baton watch --once`): a one-line summary a person reads, then a
 * line for each thing that went wrong, since those need their reason. Pure.
 */
import type { CycleReport } from '../watch/cycle.js';

/** The summary of `report`; `heartbeatSeconds` says how often a running watcher repeats it. */
export function summarizeCycle(report: CycleReport, heartbeatSeconds: number): string[] {
  const started = (kinds: readonly string[]): string[] =>
    report.decisions
      .filter((d) => kinds.includes(d.kind) && d.result.startsWith('started'))
      .map((d) => d.slug);
  const dispatched = started(['dispatch', 'start_inbox']);
  const retried = started(['retry']);
  const marked = report.decisions.filter((d) => d.kind === 'mark' && d.result.startsWith('marked'));
  const stalled = report.decisions.filter(
    (d) => d.kind === 'interrupt_stalled' && d.result.startsWith('asked'),
  );
  const failed = report.decisions.filter((d) => d.result.startsWith('failed'));
  const accepted = report.ingested.filter((i) => i.result.startsWith('accepted')).length;
  const named = (n: number, word: string, slugs: readonly string[] = []): string =>
    `${n} ${word}${slugs.length > 0 ? ` (${slugs.join(', ')})` : ''}`;
  const parts = [
    named(report.tasks.length, report.tasks.length === 1 ? 'task' : 'tasks'),
    `${report.running} running`,
    named(dispatched.length, 'dispatched', dispatched),
    named(retried.length, 'retried', retried),
  ];
  const some = (n: number, word: string, labels: readonly string[]): void => {
    if (n > 0) parts.push(named(n, word, labels));
  };
  some(
    marked.length,
    'marked',
    marked.map((d) => `${d.slug}: ${d.result}`),
  );
  some(
    stalled.length,
    'stalled, interrupting',
    stalled.map((d) => d.slug),
  );
  const resumed = report.decisions.filter(
    (d) => d.kind === 'resume_limited' && d.result.startsWith('resumed'),
  );
  some(
    resumed.length,
    'resumed after a usage limit',
    resumed.map((d) => d.slug),
  );
  const limited = report.limitedAgents ?? [];
  some(
    limited.length,
    limited.length === 1 ? 'agent at its usage limit' : 'agents at their usage limit',
    limited.map((a) => `${a.agent} until ${a.retryAt}`),
  );
  if (accepted > 0) parts.push(`${accepted} follow-up${accepted === 1 ? '' : 's'} taken in`);
  some(
    failed.length,
    'failed to start',
    failed.map((d) => d.slug),
  );
  if (report.problems.length > 0)
    parts.push(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`);
  const conflicting = report.tasks.filter((t) => (t.conflicts?.length ?? 0) > 0).map((t) => t.slug ?? t.file);
  some(conflicting.length, 'in conflict', conflicting);
  return [
    `heartbeat: ${parts.join(', ')}; next cycle in a running watcher every ${heartbeatSeconds} s`,
    ...failed.map((d) => `  ${d.slug}: ${d.result}`),
    ...report.ingested.filter((i) => !i.result.startsWith('accepted')).map((i) => `  ${i.file}: ${i.result}`),
    ...report.problems.map((p) => `  ${p}`),
    ...(report.radar?.off ? [`  ${report.radar.off}`] : []),
  ];
}
