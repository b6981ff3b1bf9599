/**
 * Claude Code's stream-json output (see claude-parser.ts) as text a person reads: the assistant's
 * words as they are, one line per tool call (`→ Bash: echo hi`) and per result (`← hi`), the
 * user messages baton sent (`» ...`), retries, and the run's verdict (`✓` / `✗`). What is not a
 * known event is printed as it is.
 */
import { brief, isRecord, nonEmptyString, parseJsonObject } from './common.js';
import { firstLine, toolInput, type LogView } from './view.js';

/** A view for one Claude run. */
export function createClaudeView(): LogView {
  const tools = new Map<string, string>(); // tool_use id → tool name, for its result
  return (line) => {
    const obj = parseJsonObject(line);
    if (obj === null) return [line];
    const shown = render(obj, tools);
    return shown ?? [line];
  };
}

/** The lines for one event, or null when it is not one this view knows. */
function render(obj: Record<string, unknown>, tools: Map<string, string>): string[] | null {
  switch (obj.type) {
    case 'system':
      return system(obj);
    case 'assistant':
      return assistant(obj, tools);
    case 'user':
      return user(obj, tools);
    case 'result':
      return [result(obj)];
    default:
      return null;
  }
}

function system(obj: Record<string, unknown>): string[] | null {
  if (obj.subtype === 'init') {
    const model = nonEmptyString(obj.model);
    return [`[session ${String(obj.session_id ?? '?')}${model ? `, model ${model}` : ''}]`];
  }
  if (obj.subtype === 'api_retry') {
    const delay =
      typeof obj.retry_delay_ms === 'number' ? `, next in ${(obj.retry_delay_ms / 1000).toFixed(1)} s` : '';
    const why = nonEmptyString(obj.error) ?? (obj.error_status === null ? null : String(obj.error_status));
    return [
      `[API retry ${String(obj.attempt ?? '?')}/${String(obj.max_retries ?? '?')}${why ? ` (${why})` : ''}${delay}]`,
    ];
  }
  return null;
}

function assistant(obj: Record<string, unknown>, tools: Map<string, string>): string[] | null {
  const content = isRecord(obj.message) ? obj.message.content : undefined;
  if (!Array.isArray(content)) return null;
  const texts = content.filter(isRecord);
  if (obj.error !== undefined && obj.error !== null) {
    // Claude's stand-in for a reply it could not get (not logged in, API unreachable).
    const said = texts.flatMap((b) => (typeof b.text === 'string' ? [b.text] : [])).join(' ');
    return [`✗ ${String(obj.error)}${said ? `: ${brief(said, 300)}` : ''}`];
  }
  const out: string[] = [];
  for (const b of texts) {
    if (b.type === 'text' && typeof b.text === 'string') out.push(...b.text.split('\n'));
    else if (b.type === 'thinking') out.push(`(thinking) ${firstLine(String(b.thinking ?? ''))}`.trimEnd());
    else if (b.type === 'tool_use') {
      const name = String(b.name ?? 'tool');
      if (typeof b.id === 'string') tools.set(b.id, name);
      out.push(`→ ${name}: ${toolInput(b.input)}`);
    } else out.push(JSON.stringify(b)); // a block type this view does not know: as it is
  }
  return out;
}

function user(obj: Record<string, unknown>, tools: Map<string, string>): string[] | null {
  const content = isRecord(obj.message) ? obj.message.content : undefined;
  if (typeof content === 'string') return [`» ${firstLine(content)}`];
  if (!Array.isArray(content)) return null;
  const out: string[] = [];
  for (const b of content.filter(isRecord)) {
    if (b.type === 'tool_result') {
      const name = typeof b.tool_use_id === 'string' ? tools.get(b.tool_use_id) : undefined;
      const text = resultText(b.content);
      out.push(
        `  ← ${name ? `${name}: ` : ''}${b.is_error === true ? 'error: ' : ''}${firstLine(text) || '(no output)'}`,
      );
    } else if (b.type === 'text' && typeof b.text === 'string') out.push(`» ${firstLine(b.text)}`);
    else out.push(JSON.stringify(b));
  }
  return out;
}

/** A tool result's text, whether a string or a list of text blocks. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((c) => (typeof c.text === 'string' ? c.text : `[${String(c.type)}]`))
    .join('\n');
}

function result(obj: Record<string, unknown>): string {
  const facts = [
    typeof obj.num_turns === 'number' ? `${obj.num_turns} turn${obj.num_turns === 1 ? '' : 's'}` : null,
    typeof obj.duration_ms === 'number' ? `${(obj.duration_ms / 1000).toFixed(1)} s` : null,
    typeof obj.total_cost_usd === 'number' && obj.total_cost_usd > 0
      ? `$${obj.total_cost_usd.toFixed(4)}`
      : null,
  ].filter((x) => x !== null);
  const tail = facts.length > 0 ? ` (${facts.join(', ')})` : '';
  // The verdict is `is_error` alone, as the parser reads it: "success" can carry is_error true.
  if (obj.is_error === false) return `✓ done${tail}`;
  const errors = Array.isArray(obj.errors) ? obj.errors.filter((e) => typeof e === 'string') : [];
  const said = nonEmptyString(obj.result) ?? (errors.length > 0 ? errors.join('; ') : null);
  return `✗ failed, ${String(obj.subtype ?? 'no subtype')}${tail}${said ? `: ${brief(said, 300)}` : ''}`;
}
