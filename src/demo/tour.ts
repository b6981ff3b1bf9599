/**
 * The steps of `baton demo`, narrated: init, a task dispatched, a follow-up queued and run in
 * the same session, an interrupt, the history, then merge and remove. Every baton command is
 * the real CLI run as a child process, so the tour is also a smoke test of the installed
 * package: any step that does not go as described fails the demo.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { HistoryEvent } from '../domain/history.js';
import { logOneline, mergeFastForward } from '../git/commits.js';
import type { TaskStatus } from '../domain/types.js';
import { waitFor as waitUntil, type Ran, type Sandbox } from './sandbox.js';

/** Where the narration goes. */
export type Say = (line: string) => void;

const SLUG = 'greeting';
const BRANCH = `task/${SLUG}`;

/** Runs the tour in `box`; throws when a step does not go as described. */
export async function runTour(box: Sandbox, say: Say, signal?: AbortSignal): Promise<void> {
  const step = stepper(say);
  const waitFor = <T>(what: string, probe: () => T | null | undefined | false, timeoutMs?: number) =>
    waitUntil(what, probe, timeoutMs, signal);
  const sh = async (args: string[], show: string = `baton ${args.map(quote).join(' ')}`): Promise<Ran> => {
    signal?.throwIfAborted();
    say(`   $ ${show}`);
    const r = await box.baton(args);
    for (const line of `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== ''))
      say(`   │ ${line}`);
    if (r.code !== 0) throw new Error(`\`${show}\` exited with ${r.code}`);
    return r;
  };

  step('A throwaway repository');
  say(`   ${box.repo} (git init, one commit on main)`);

  step('baton init: tasks/, tasks/logs/ (ignored by git), baton.yaml, git hooks');
  await sh(['init']);
  await fs.writeFile(path.join(box.repo, 'baton.yaml'), demoConfig(box));
  say("   baton.yaml now names the demo agent: it ships with baton, speaks Claude Code's");
  say('   stream-json, keeps sessions, edits DEMO.md and commits. No model, no login.');

  step('A task, dispatched: one task = one worktree = one branch = one worker');
  await writeTask(box, 'Add a greeting to DEMO.md.\n\n<!-- demo: steps=12 -->\n');
  say(`   tasks/${SLUG}.md: "Add a greeting to DEMO.md."`);
  await sh(['dispatch', SLUG]);
  const first = await waitFor('the agent to start', () => running(box.status(SLUG), 1));
  say(
    `   The worker (pid ${first.pid ?? '?'}) holds the task's lock and runs the agent (pid ${first.agentPid ?? '?'})`,
  );
  say(`   in ${path.relative(path.dirname(box.repo), first.worktree ?? '')} on branch ${BRANCH}.`);

  step('A follow-up, sent while the agent works: queued, then run in the same session');
  await sh(['followup', SLUG, 'Now add a farewell too.']);
  const afterQueue = await waitFor('the follow-up to run', () => settled(box, 2), 60_000);
  const sessions = await sessionIds(box);
  if (sessions.size !== 1) throw new Error(`expected one agent session, history shows ${sessions.size}`);
  say(`   ${afterQueue.runs} runs, 1 session (${short(afterQueue.sessionId)}): the follow-up resumed it.`);

  step('An interrupt: stop a long run and continue the session with a new instruction');
  await sh(['followup', SLUG, 'Write a long poem about worktrees.\n\n<!-- demo: steps=120 -->']);
  await waitFor('the long run to start', () => running(box.status(SLUG), 3), 60_000);
  say('   ... the agent is working on the poem; changing our mind:');
  await sh(['followup', SLUG, '--interrupt', 'Stop the poem: one line about worktrees is enough.']);
  const afterInterrupt = await waitFor('the interrupt to be handled', () => settled(box, 4), 60_000);
  const history = await box.history(SLUG);
  const sent = history.find((r) => r.type === 'interrupt_sent');
  if (!sent) throw new Error('history shows no interrupt_sent');
  say(`   The worker sent ${sent.signal ?? 'SIGINT'} to the agent, then resumed the same session`);
  say(
    `   (${short(afterInterrupt.sessionId)}) with the new instruction: ${afterInterrupt.runs} runs in all.`,
  );

  step('What happened');
  await sh(['status']);
  await sh(['history', SLUG]);
  const log = await logOneline(box.repo, `main..${BRANCH}`, { baseEnv: box.env });
  say(`   $ git log --oneline main..${BRANCH}`);
  for (const line of log) say(`   │ ${line}`);

  step('Merge the branch, then remove the worktree and branch');
  await mergeFastForward(box.repo, BRANCH, { baseEnv: box.env });
  say(`   $ git merge --ff-only ${BRANCH}`);
  await sh(['remove', SLUG]);
  await assertNothingRunning(history.concat(await box.history(SLUG)));
}

/** An argument as a shell would need it, demo directives left out of sight. */
function quote(arg: string): string {
  const text = arg.replace(/\s*<!--[\s\S]*?-->\s*/g, '').trim();
  return /^[\w./:@=-]+$/.test(text) ? text : `"${text.replace(/(["\\$`])/g, '\\$1')}"`;
}

function stepper(say: Say): (title: string) => void {
  let n = 0;
  return (title) => {
    n++;
    say('');
    say(`${n}. ${title}`);
  };
}

/** baton.yaml for the demo: the shipped agent as a command agent read as Claude output. */
function demoConfig(box: Sandbox): string {
  const node = JSON.stringify(process.execPath);
  const script = JSON.stringify(box.agentScript);
  return [
    '# Written by `baton demo`.',
    'defaultAgent: demo',
    'agents:',
    '  demo:',
    `    command: [${node}, ${script}, --prompt-file, "{promptFile}"]`,
    `    resume: [${node}, ${script}, --resume, "{sessionId}", --prompt-file, "{promptFile}"]`,
    '    outputFormat: claude',
    `    env: { BATON_DEMO_HOME: ${JSON.stringify(box.agentHome)} }`,
    'interruptGraceSeconds: 2',
    '',
  ].join('\n');
}

async function writeTask(box: Sandbox, body: string): Promise<void> {
  const file = path.join(box.repo, 'tasks', `${SLUG}.md`);
  await fs.writeFile(`${file}.tmp`, `---\ntitle: A greeting\n---\n${body}`);
  await fs.rename(`${file}.tmp`, file);
}

/** The status once agent run `n` is under way. */
function running(s: TaskStatus | null, n: number): TaskStatus | null {
  return s !== null && s.state === 'running' && s.runs >= n && s.agentPid !== null ? s : null;
}

/** The status once `runs` runs are done and the worker has let go. */
function settled(box: Sandbox, runs: number): TaskStatus | null {
  const s = box.status(SLUG);
  if (s === null || s.runs < runs || s.pid !== null || s.pendingFollowups > 0) return null;
  if (s.state === 'failed') throw new Error(`the task failed: ${s.error ?? 'no error recorded'}`);
  return s.state === 'idle' ? s : null;
}

async function sessionIds(box: Sandbox): Promise<Set<string>> {
  const ids = (await box.history(SLUG)).filter((r) => r.type === 'session_captured').map((r) => r.sessionId);
  return new Set(ids);
}

function short(id: string | null): string {
  return id === null ? 'none' : id.slice(0, 8);
}

/**
 * Every worker and agent the history names has ended (a zombie counts as ended); waits a
 * moment for the last worker, which releases its lock just before it exits.
 */
async function assertNothingRunning(history: HistoryEvent[]): Promise<void> {
  const pids = new Set<number>();
  for (const r of history) {
    if (r.type === 'task_dispatched') pids.add(r.pid);
    if (r.type === 'run_started' && typeof r.pid === 'number') pids.add(r.pid);
  }
  const { snapshotOf } = await import('../proc/identity.js');
  const alive = async (): Promise<number[]> => {
    const out: number[] = [];
    for (const pid of pids) {
      const snap = await snapshotOf(pid);
      if (snap !== null && !snap.state.startsWith('Z')) out.push(pid);
    }
    return out;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const left = await alive();
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still running after the tour: pid ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
