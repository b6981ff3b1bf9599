/**
 * A task's log (`dispatch-<slug>.log`) rendered for a person. The log holds, in order, the
 * worker's own messages and, for every agent run, a header line the worker writes
 * (`=== baton run <runId> #<n> · <agent> · <mode> ... ===`) followed by that agent's output.
 * Each run is rendered by the view of the agent its header names; text before the first header,
 * and runs of an agent no longer configured, are printed as they are. Headers are kept.
 */
import type { AgentConfig } from '../config/types.js';
import { createClaudeView } from './claude-view.js';
import { createCodexView } from './codex-view.js';
import { plainView, viewFormat, type LogView, type ViewFormat } from './view.js';

/** The agent named by a run header line, or null when the line is not one. */
export function runHeaderAgent(line: string): string | null {
  const m = /^=== baton run \S+ #\d+ · (\S+) · .* ===$/.exec(line);
  return m?.[1] ?? null;
}

/** A fresh view for one run of an agent whose output has format `format`. */
export function createView(format: ViewFormat): LogView {
  switch (format) {
    case 'claude':
      return createClaudeView();
    case 'codex':
      return createCodexView();
    case 'plain':
      return plainView;
  }
}

/** Renders a whole log, line by line, choosing each run's view from `agents` by its header. */
export function createLogRenderer(agents: Readonly<Record<string, AgentConfig>>): LogView {
  let view: LogView = plainView;
  return (line) => {
    const agent = runHeaderAgent(line);
    if (agent === null) return view(line);
    view = createView(viewFormat(Object.hasOwn(agents, agent) ? agents[agent] : undefined));
    return [line];
  };
}
