/** The normalised configuration (docs/reference.md, "Configuration"). Produced by `loadConfig`; read everywhere else. */
import type { PortsConfig, SetupConfig, TeardownConfig } from '../domain/setup.js';
import type { NotifierConfig } from '../domain/notify.js';
import type { PrConfig } from './pr.js';
import type { ClusterConfig } from './cluster.js';

export type { NotifierConfig } from '../domain/notify.js';

/** A Claude Code or Codex preset, run as `bin` plus the preset's documented flags plus `args`. */
export interface PresetAgentConfig {
  name: string;
  preset: 'claude' | 'codex';
  /** The executable; default `claude` / `codex` (looked up on PATH, never through a shell). */
  bin: string;
  /** Extra flags inserted after the preset's own (e.g. `--permission-mode`, `--sandbox`). */
  args: string[];
  /** Claude only: run with `--input-format stream-json` so `steer` follow-ups reach the live session. */
  liveInput: boolean;
  /** Extra environment for the agent. */
  env: Record<string, string>;
  /** This agent's own cap on workers running at once, inside `maxConcurrent`; absent: none. */
  maxConcurrent?: number | null;
  /**
   * A regular expression that recognises this agent's usage-limit message; a named group
   * `reset` holds the reset time, or `in` the seconds until it. Absent: the preset's own.
   */
  limitPattern?: string | null;
}

/** Any command, from argv templates with `{prompt} {promptFile} {sessionId} {slug} {worktree} {runId}`. */
export interface CommandAgentConfig {
  name: string;
  preset: 'command';
  command: string[];
  /** argv template to continue a session; null when the agent cannot resume. */
  resume: string[] | null;
  /** A regular expression whose first group is the session id, matched against each output line. */
  sessionIdPattern: string | null;
  /** When set, output is parsed as that agent's events and the outcome read from them. */
  outputFormat: 'claude' | 'codex' | null;
  env: Record<string, string>;
  /** This agent's own cap on workers running at once, inside `maxConcurrent`; absent: none. */
  maxConcurrent?: number | null;
  /**
   * A regular expression that recognises this agent's usage-limit message; a named group
   * `reset` holds the reset time, or `in` the seconds until it. Absent: the preset's own.
   */
  limitPattern?: string | null;
}

export type AgentConfig = PresetAgentConfig | CommandAgentConfig;

/** The `hooks:` section: how baton treats its git hooks. */
export interface HooksConfig {
  /**
   * Re-install baton's hooks when a hook manager replaced, renamed or deleted them (checked on
   * every dispatch and heartbeat); false: only warn.
   */
  autoRepair: boolean;
}

export interface Config {
  defaultAgent: string;
  agents: Record<string, AgentConfig>;
  /** Absolute path of the folder holding task worktrees. */
  worktreesDir: string;
  branchPrefix: string;
  maxConcurrent: number;
  heartbeatSeconds: number;
  maxDispatchesPerCycle: number;
  dispatchTimeoutSeconds: number;
  retryCooldownSeconds: number;
  stallSeconds: number;
  interruptGraceSeconds: number;
  batchFollowups: boolean;
  /** Seconds added to an agent's named usage-limit reset before baton resumes its tasks. */
  limitBufferSeconds: number;
  /** What the conflict radar does about a new conflict: show it, or also send a follow-up (domain/radar.ts). */
  onConflict: 'report' | 'followup';
  hooks: HooksConfig;
  /** What a new task worktree gets before its agent's first run (domain/setup.ts). */
  setup: SetupConfig;
  /** What `baton remove` runs before the worktree goes. */
  teardown: TeardownConfig;
  /** Where task port blocks start and their size. */
  ports: PortsConfig;
  /** The `notify:` list: commands told of the events a person cares about (domain/notify.ts). */
  notify: NotifierConfig[];
  /** The `pr:` section: pushing, opening and watching the task's pull request (config/pr.ts). */
  pr: PrConfig;
  /** The `cluster:` section: claims and follow-ups across hosts through the git remote; null: off. */
  cluster: ClusterConfig | null;
}
