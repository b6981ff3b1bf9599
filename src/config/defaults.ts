/** The defaults (docs/reference.md, "Configuration"), as values and as the commented `baton.yaml` that `baton init` writes. */
import type { AgentConfig, Config } from './types.js';

/** The scalar settings' defaults (everything but `agents` and `worktreesDir`, which need the repo). */
export const DEFAULTS = {
  defaultAgent: 'claude',
  branchPrefix: 'task/',
  maxConcurrent: 4,
  heartbeatSeconds: 30,
  maxDispatchesPerCycle: 1,
  dispatchTimeoutSeconds: 45,
  retryCooldownSeconds: 300,
  stallSeconds: 900,
  interruptGraceSeconds: 10,
  batchFollowups: false,
  limitBufferSeconds: 60,
  onConflict: 'report',
} as const satisfies Partial<Config>;

/** `worktreesDir` before resolution; `<repo-name>` is replaced by the repository folder's name. */
export const DEFAULT_WORKTREES_DIR = '../<repo-name>.worktrees';

/** The agents that always exist unless baton.yaml defines the same key. A fresh object per call. */
export function defaultAgents(): Record<string, AgentConfig> {
  return {
    claude: { name: 'claude', preset: 'claude', bin: 'claude', args: [], liveInput: false, env: {} },
    codex: { name: 'codex', preset: 'codex', bin: 'codex', args: [], liveInput: false, env: {} },
  };
}

/**
 * The `baton.yaml` that `baton init` writes: every key with its default and what it does.
 * Parsing it yields exactly the defaults (a test holds it to that).
 */
export const DEFAULT_CONFIG_YAML = `# baton configuration. Every key is optional; the values below are the defaults.

# The agent a task runs with when its front matter names none (a key of \`agents\`).
defaultAgent: claude

# Agents a task can name with \`agent:\`. Each is run from an argv, never through a shell.
agents:
  # Claude Code (claude -p ... --output-format stream-json --verbose), resumed by session id.
  # Optional: bin (executable), args (extra flags), liveInput (steer into a running session), env.
  claude: { preset: claude }
  # Codex (codex exec --json ...), resumed with \`codex exec ... resume <id>\`. Optional: bin, args, env.
  codex: { preset: codex }
  # Any command, from argv templates; placeholders {prompt} {promptFile} {sessionId} {slug} {worktree} {runId}.
  # It runs in the task's worktree; a program with a slash (./scripts/agent.sh) is relative to the
  # repository root, a bare name is looked up on PATH.
  # mine:
  #   command: [my-agent, --prompt-file, "{promptFile}"]
  #   resume: [my-agent, --resume, "{sessionId}", --prompt-file, "{promptFile}"]  # optional
  #   sessionIdPattern: "session: (\\\\S+)"  # optional: its first group is the session id
  #   outputFormat: claude                   # optional: read the outcome from claude or codex events
  #   env: { MY_SETTING: "1" }              # optional: extra environment
  #   limitPattern: "quota until (?<reset>\\d+:\\d+)"  # optional: its usage-limit message
  # Any agent may also set maxConcurrent (its own cap, inside the global one).

# Folder holding the task worktrees; relative to the repository root; <repo-name> is its folder name.
worktreesDir: ../<repo-name>.worktrees

# A task's branch is <branchPrefix><slug>.
branchPrefix: task/

# Most workers running at once.
maxConcurrent: 4

# Seconds between heartbeat cycles, which re-read everything from disk.
heartbeatSeconds: 30

# Most new tasks one heartbeat cycle dispatches (env BATON_MAX_DISPATCHES_PER_CYCLE).
maxDispatchesPerCycle: 1

# Seconds a dispatch may take to get its worker holding the lock (env BATON_DISPATCH_TIMEOUT_SECONDS).
dispatchTimeoutSeconds: 45

# Seconds before a worker_gone or stalled task is retried, once (env BATON_DISPATCH_RETRY_COOLDOWN_SECONDS).
retryCooldownSeconds: 300

# Seconds without progress after which a live worker is stalled, interrupted and retried once.
stallSeconds: 900

# Seconds between SIGINT, SIGTERM and SIGKILL when an agent is interrupted.
interruptGraceSeconds: 10

# true: join queued follow-ups into one prompt; false: one run per follow-up.
batchFollowups: false

# Seconds after an agent's usage limit resets before baton resumes its parked (limited) tasks.
limitBufferSeconds: 60

# The conflict radar merges live task branches in memory when one moves (git 2.38+) and shows
# conflicts in \`baton status\`. report: only show them; followup: also tell the agent, once per
# new conflict, which files conflict and to rebase onto its base (a task may set its own).
onConflict: report

# Git hooks. autoRepair: re-install baton's hooks when a hook manager (husky, lefthook,
# simple-git-hooks, pre-commit) replaced, renamed or deleted them; false: only warn.
hooks:
  autoRepair: true

# What a new task worktree gets before its agent's first run. copy: paths or globs relative to
# the repository root, copied from here (never a tracked file, never through a symlink out of the
# repository). run: commands, each an argv list ([npm, ci]) or {sh: "..."} run by sh -c, in the
# worktree with the task's BATON_* variables; each is killed after timeoutSeconds. A failure
# fails the task before its agent starts; \`baton continue\` runs the setup again.
#   copy: [.env, "config/*.local.json"]
#   run: [[npm, ci], {sh: "cp .env.example .env.local"}]
setup:
  copy: []
  run: []
  timeoutSeconds: 600

# Commands \`baton remove\` runs in the worktree before it goes (same forms as setup.run).
teardown:
  run: []
  timeoutSeconds: 120

# Each task worktree gets its own block of ports: BATON_PORT is its first, BATON_PORT_COUNT its size.
ports:
  base: 20000
  count: 10
# Commands told when a task needs a person: each gets the event as JSON on stdin and
# BATON_EVENT, BATON_SLUG, BATON_STATE in its environment. \`command\` is an argv (never through a
# shell; placeholders {event} {slug} {state} {title} {detail} {branch} {runId}); \`sh\` is a command
# line for sh -c. events (default all): idle, failed, stalled, worker_gone, limited, conflict,
# pr_opened, checks_failed, pr_merged. One that fails or takes longer than timeoutSeconds (10) is
# cut off and logged in tasks/logs/notify.log. For example:
# notify:
#   - command: [notify-send, "baton: {slug} {event}", "{detail}"]
#     events: [failed, stalled, worker_gone, idle]
#   - sh: 'curl -fsS -H "Title: baton: $BATON_SLUG $BATON_EVENT" -d "$BATON_DETAIL" https://ntfy.sh/my-topic'
#     timeoutSeconds: 10
# None by default:
notify: []

# Pull requests (\`baton pr <task>\`): push the task branch to \`remote\` and open a PR with the GitHub
# CLI (run \`gh auth login\` once). The watcher polls each open PR every pollSeconds: a failing check
# (with the last logLines lines of its log) or new review comments become one follow-up to the
# task; a merged PR makes the task done. openOnIdle: open the PR when a run ends idle with commits
# ahead of the base; removeOnMerge: then remove the worktree by \`baton remove\`'s safe rules.
# Commands are argv templates ({branch} {base} {title} {body} {number} {runId} ...): create, find,
# view, comments and logs; see docs/reference.md to point them at another forge's CLI.
pr:
  remote: origin
  pollSeconds: 60
  logLines: 80
  timeoutSeconds: 30
  openOnIdle: false
  removeOnMerge: false

# Several hosts on one repository: off while empty. Each host claims a task on \`remote\` (a ref
# under refs/baton/) before it runs it, renews the claim every leaseSeconds / 3, and stops its agent
# when it cannot; a host whose lease lapsed by more than skewSeconds is taken over. pollSeconds: how
# often the watcher looks for follow-ups other hosts sent. The host's name: BATON_HOST, else host,
# else the machine's. Example: { remote: origin, leaseSeconds: 120, skewSeconds: 10, pollSeconds: 10 }
cluster:
`;
