/**
 * `codex exec --json` events (see codex-parser.ts) as text a person reads: the agent's messages
 * as they are, a command as `→ $ npm test` and its end as `← exit 0: ...`, file changes, the
 * turn's verdict (`✓` / `✗`), and retries. What is not a known event is printed as it is.
 */
import { brief, isRecord, nonEmptyString, parseJsonObject } from './common.js';
import { firstLine, toolInput, type LogView } from './view.js';

/** A view for one Codex run. */
export function createCodexView(): LogView {
  return (line) => {
    const obj = parseJsonObject(line);
    if (obj === null) return [line];
    return render(obj) ?? [line];
  };
}

/** The lines for one event, or null when it is not one this view knows. */
function render(obj: Record<string, unknown>): string[] | null {
  switch (obj.type) {
    case 'thread.started':
      return [`[session ${String(obj.thread_id ?? '?')}]`];
    case 'turn.started':
      return ['[turn started]'];
    case 'turn.completed':
      return [`✓ turn completed${usage(obj.usage)}`];
    case 'turn.failed':
      return [`✗ turn failed: ${errorText(isRecord(obj.error) ? obj.error.message : null) ?? 'no message'}`];
    case 'error':
      return [`! ${errorText(obj.message) ?? 'error'}`];
    case 'item.started':
    case 'item.updated':
    case 'item.completed':
      return isRecord(obj.item) ? item(obj.type, obj.item) : null;
    default:
      return null;
  }
}

function item(event: string, it: Record<string, unknown>): string[] | null {
  const done = event === 'item.completed';
  switch (it.type) {
    case 'agent_message':
      return done ? String(it.text ?? '').split('\n') : [];
    case 'reasoning':
      return done ? [`(thinking) ${firstLine(String(it.text ?? ''))}`] : [];
    case 'command_execution': {
      if (!done) return event === 'item.started' ? [`→ $ ${brief(String(it.command ?? ''), 120)}`] : [];
      const code = typeof it.exit_code === 'number' ? `exit ${it.exit_code}` : String(it.status ?? 'ended');
      const out = firstLine(String(it.aggregated_output ?? ''));
      return [`  ← ${code}${out ? `: ${out}` : ''}`];
    }
    case 'file_change': {
      if (!done) return [];
      const changes = Array.isArray(it.changes) ? it.changes.filter(isRecord) : [];
      const list = changes.map((c) => `${String(c.path ?? '?')} (${String(c.kind ?? 'change')})`).join(', ');
      return [`→ files: ${brief(list, 200) || 'none'}${it.status === 'failed' ? ' — failed' : ''}`];
    }
    case 'mcp_tool_call': {
      const name = `${String(it.server ?? '?')}.${String(it.tool ?? '?')}`;
      if (event === 'item.started') return [`→ ${name}: ${toolInput(it.arguments)}`.replace(/: $/, '')];
      return done ? [`  ← ${name}: ${String(it.status ?? 'ended')}`] : [];
    }
    case 'web_search':
      return done ? [`→ web search: ${brief(String(it.query ?? ''), 120)}`] : [];
    case 'todo_list': {
      const items = Array.isArray(it.items) ? it.items.filter(isRecord) : [];
      const open = items.find((i) => i.completed !== true);
      const count = items.filter((i) => i.completed === true).length;
      return [
        `[todo ${count}/${items.length} done${open ? `; next: ${brief(String(open.text ?? ''), 80)}` : ''}]`,
      ];
    }
    case 'error':
      return [`! ${String(it.message ?? 'error')}`];
    default:
      return null;
  }
}

/** Codex passes an API error body through as its message: the inner message reads better. */
function errorText(message: unknown): string | null {
  const text = nonEmptyString(message);
  if (text === null || !text.startsWith('{')) return text;
  const body = parseJsonObject(text);
  return (body !== null && isRecord(body.error) ? nonEmptyString(body.error.message) : null) ?? text;
}

function usage(u: unknown): string {
  if (!isRecord(u) || typeof u.input_tokens !== 'number' || typeof u.output_tokens !== 'number') return '';
  return ` (${u.input_tokens} tokens in, ${u.output_tokens} out)`;
}
