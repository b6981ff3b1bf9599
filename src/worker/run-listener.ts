/**
 * What one agent run records while it runs: its start (status `running`, `run_started`), the
 * session id its output names, and when it last showed output or progress. Writes caused by
 * output alone are spaced at least OUTPUT_FLUSH_MS apart, so a chatty agent costs few writes.
 */
import type { AgentRunListener } from './agent-run.js';
import type { Recorder } from './recorder.js';

/** Minimum spacing of status writes caused by output alone. */
const OUTPUT_FLUSH_MS = 1000;

/** The run being listened to, and what the chain wants to hear of it. */
export interface RunListenerSpec {
  rec: Recorder;
  /** The run's number within the worker's run, and the task's count of runs. */
  n: number;
  runs: number;
  argv: string[];
  prompt: string;
  /** Follow-ups waiting when the run started. */
  pending: number;
  /** The session the run resumes (null: a new one). */
  sessionId: string | null;
  /** The agent process started, with this pid. */
  onSpawn(pid: number): void;
  /** The agent named a session other than the one known so far. */
  onSession(id: string): void;
  /** The agent showed work at `now`. */
  onProgress(now: number): void;
}

/** A listener that records the run; `session()` is the latest session id it saw. */
export function runListener(spec: RunListenerSpec): AgentRunListener & { session(): string | null } {
  const { rec, n } = spec;
  let currentSession = spec.sessionId;
  let lastFlush = 0;
  let progressed = false;
  return {
    session: () => currentSession,
    onSpawn: (pid) => {
      void rec.status({
        state: 'running',
        agentPid: pid,
        runs: spec.runs,
        lastExitCode: null,
        error: null,
        retryAt: null,
        pendingFollowups: spec.pending,
        lastProgressAt: new Date().toISOString(),
      });
      // startRecorded: this run's agent records its own start, so run_started alone (its
      // process may die before it execs) does not mean an agent got the prompt.
      void rec.event('run_started', {
        n,
        pid,
        argv: redactPrompt(spec.argv, spec.prompt),
        startRecorded: true,
      });
      spec.onSpawn(pid);
    },
    onEvent: (ev) => {
      if (ev.type === 'session' && ev.id !== currentSession) {
        currentSession = ev.id;
        spec.onSession(ev.id);
        void rec.event('session_captured', { n, sessionId: ev.id });
        void rec.status({ sessionId: ev.id });
      } else if (ev.type === 'progress') {
        const now = Date.now();
        spec.onProgress(now);
        // The run's first work shows its agent is past any usage limit the task waited for.
        const first = !progressed;
        progressed = true;
        if (first || now - lastFlush >= OUTPUT_FLUSH_MS) {
          lastFlush = now;
          const iso = new Date(now).toISOString();
          void rec.status({
            lastOutputAt: iso,
            lastProgressAt: iso,
            ...(first ? { limitedAgent: null, limitHits: 0 } : {}),
          });
        }
      }
    },
    onOutput: () => {
      const now = Date.now();
      if (now - lastFlush >= OUTPUT_FLUSH_MS) {
        lastFlush = now;
        void rec.status({ lastOutputAt: new Date(now).toISOString() });
      }
    },
  };
}

/** argv with the prompt text shortened: history already holds it in full under prompt_sent. */
function redactPrompt(argv: string[], prompt: string): string[] {
  return argv.map((a) => (a === prompt && a.length > 80 ? `${a.slice(0, 77)}...` : a));
}
