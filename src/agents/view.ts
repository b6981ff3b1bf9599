/**
 * Rendering an agent's output for a person (`baton logs`). A view is made per run, may remember
 * what it saw (a tool call's name, for its result), and turns one output line into the lines to
 * print. The rule every view keeps: a line it does not understand is printed as it is, never
 * dropped, so a new event type or a stderr message is still seen.
 */
import type { AgentConfig } from '../config/types.js';
import { brief, isRecord } from './common.js';

/** Turns one line of a run's output (without its line break) into the lines to print. */
export type LogView = (line: string) => string[];

/** Which view applies to an agent's output: its event format, or plain text. */
export type ViewFormat = 'claude' | 'codex' | 'plain';

/** The view format of an agent's output: its preset's, a command agent's `outputFormat`, or plain. */
export function viewFormat(config: AgentConfig | undefined): ViewFormat {
  if (config === undefined) return 'plain';
  if (config.preset === 'command') return config.outputFormat ?? 'plain';
  return config.preset;
}

/** The plain view: a command agent's output as it is. */
export const plainView: LogView = (line) => [line];

/** The first line of `text`, cut to `max`, with how many lines were left out. */
export function firstLine(text: string, max = 120): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const first = brief(lines[0] ?? '', max);
  return lines.length > 1 ? `${first} (+${lines.length - 1} lines)` : first;
}

/** A tool's input in a few words: the field that says what it does, else its JSON, cut short. */
export function toolInput(input: unknown): string {
  if (!isRecord(input)) return input === undefined ? '' : brief(JSON.stringify(input), 100);
  for (const key of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'prompt', 'description']) {
    const v = input[key];
    if (typeof v === 'string' && v.trim() !== '') return brief(v, 100);
  }
  return brief(JSON.stringify(input), 100);
}
