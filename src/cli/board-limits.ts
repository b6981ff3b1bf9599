/** The usage limits a board's waiting tasks are judged against (board-view.ts uses it). Pure. */
import type { AgentLimit } from '../domain/limits.js';
import type { WaitingContext, WaitingInput } from '../domain/waiting.js';
import type { Board, BoardTask } from '../ops/board.js';

/** The limits part of a waiting context. */
export interface LimitsContext {
  agentLimits?: ReadonlyMap<string, AgentLimit>;
  defaultAgent?: string;
}

/** What a board's waiting tasks are judged against, usage limits included. */
export type BoardContext = WaitingContext & LimitsContext;

/** The board's agent limits, by agent, and its default agent. */
export function limitsContext(board: Board): LimitsContext {
  return {
    agentLimits: new Map((board.agentLimits ?? []).map((l) => [l.agent, l])),
    ...(board.defaultAgent === undefined ? {} : { defaultAgent: board.defaultAgent }),
  };
}

/** The usage limit of the agent `t` runs with (or waits for), when one is recorded. */
export function agentLimitOf(t: BoardTask, ctx: BoardContext): WaitingInput['agentLimit'] {
  const agent = t.status?.limitedAgent ?? t.task?.agent ?? ctx.defaultAgent ?? null;
  const limit = agent === null ? undefined : ctx.agentLimits?.get(agent);
  return limit === undefined
    ? null
    : { agent: limit.agent, until: limit.retryAt, probe: limit.probe?.slug ?? null };
}
