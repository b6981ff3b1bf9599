// The board: one row per task (a card on a narrow screen), as `baton status --json` carries it,
// and panels for rejected drops and problems. Rows are kept by slug and redrawn only when their
// data changed, so a board of a thousand tasks updates in place.
import { getJson, h, partsEl, serial, stateBadge, timeEl } from './dom.js';

/** Keys every row shows in a column of its own; any other non-empty key shows under "more". */
const SHOWN = new Set([
  'slug',
  'file',
  'state',
  'title',
  'agent',
  'branch',
  'runs',
  'pendingFollowups',
  'retryAt',
  'pid',
  'lastOutputAt',
  'lastProgressAt',
  'waiting',
  'error',
  // Said by other columns, or too internal for a row:
  'priority',
  'worktree',
  'agentPid',
  'runId',
  'epoch',
  'sessionId',
  'startedAt',
  'updatedAt',
  'autoRetries',
  // Said in words of their own below:
  'pr',
  'conflicts',
  'claim',
  'claimWords',
]);

const COLUMNS = [
  ['Task', (t) => h('a', { href: t.slug ? `#/task/${t.slug}` : null }, t.slug ?? t.file)],
  ['State', (t) => stateBadge(t.state)],
  ['Agent', (t) => t.agent ?? '—'],
  ['Branch', (t) => t.branch ?? '—'],
  ['Runs', (t) => String(t.runs)],
  ['Queued', (t) => String(t.pendingFollowups)],
  ['Retry at', (t) => timeEl(t.retryAt)],
  ['Worker', (t) => (t.pid === null ? '—' : `pid ${t.pid}`)],
  ['Last output', (t) => timeEl(t.lastOutputAt)],
  ['Last progress', (t) => timeEl(t.lastProgressAt)],
  ['Notes', notes],
];

/** Why it waits, what went wrong, and whatever else status carries. */
function notes(t) {
  const out = [];
  if (t.title) out.push(h('div', { class: 'title' }, t.title));
  if (t.waiting) out.push(h('div', { class: 'waiting' }, waitingWords(t.waiting)));
  if (t.error) out.push(h('div', { class: 'err' }, t.error));
  for (const c of t.conflicts ?? [])
    out.push(
      h(
        'div',
        { class: 'err' },
        `conflicts with ${c.with ?? c.branch ?? 'its base'}`,
        c.files?.length ? ` in ${c.files.join(', ')}` : '',
      ),
    );
  if (t.pr) out.push(h('div', { class: 'pr' }, prWords(t.pr)));
  // Cluster mode: where the task's claim is, as `baton status` says it.
  if (t.claimWords) out.push(h('div', { class: 'claim' }, 'claim: ', partsEl(t.claimWords)));
  for (const [k, v] of Object.entries(t)) {
    if (SHOWN.has(k) || v === null || v === false || v === 0 || (Array.isArray(v) && v.length === 0))
      continue;
    out.push(h('div', { class: 'more' }, `${k}: `, value(v)));
  }
  return out;
}

/**
 * A value status carries that this page has no column for (a PR, a conflict, ports, ...), as
 * words: objects as "key value, ...", web addresses as links.
 */
export function value(v) {
  if (typeof v === 'string' && /^https?:\/\/\S+$/.test(v))
    return h('a', { href: v, rel: 'noopener noreferrer', target: '_blank' }, v);
  if (Array.isArray(v)) return v.flatMap((x, i) => (i === 0 ? [value(x)] : [', ', value(x)]));
  if (v !== null && typeof v === 'object')
    return Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined)
      .flatMap(([k, x], i) => [...(i === 0 ? [] : ['; ']), `${k} `, ...[value(x)].flat()]);
  return String(v);
}

/** A pull request as a link and its state, then whatever else status says of it. */
function prWords(pr) {
  const { number, url, state, ...rest } = pr;
  const link = /^https?:\/\//.test(url ?? '')
    ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, `PR #${number}`)
    : `PR #${number ?? '?'}`;
  const more = Object.entries(rest).filter(
    ([, v]) => v !== null && v !== false && !(Array.isArray(v) && v.length === 0),
  );
  return [
    link,
    state ? ` ${state}` : '',
    ...more.map(([k, v]) => h('div', { class: 'more' }, `${k}: `, value(v))),
  ];
}

function waitingWords(w) {
  if (typeof w === 'string') return w;
  return w.detail || w.reason || JSON.stringify(w);
}

/** The board view: mounts into `main`; `refresh()` refetches and updates it in place. */
export function boardView(main) {
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'board' },
    h('caption', { class: 'visually-hidden' }, 'Tasks'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        COLUMNS.map(([name]) => h('th', { scope: 'col' }, name)),
      ),
    ),
    tbody,
  );
  const summary = h('p', { class: 'summary', role: 'status' });
  const empty = h(
    'p',
    { class: 'empty', hidden: true },
    'No tasks yet: write tasks/<slug>.md, or use New task.',
  );
  const rejected = h('section', { class: 'panel', 'aria-labelledby': 'rej-h', hidden: true });
  const problems = h('section', { class: 'panel', 'aria-labelledby': 'prob-h', hidden: true });
  const hosts = h('section', { class: 'panel', id: 'hosts', 'aria-labelledby': 'hosts-h', hidden: true });
  main.replaceChildren(
    h('h1', {}, 'Board'),
    summary,
    empty,
    h('div', { class: 'table-wrap' }, table),
    problems,
    hosts,
    rejected,
  );
  const rows = new Map(); // slug or file → { key, tr }

  const refresh = serial(async () => {
    const b = await getJson('/api/board');
    const seen = new Set();
    let prev = null;
    for (const t of b.tasks) {
      const id = t.slug ?? t.file;
      seen.add(id);
      const key = JSON.stringify(t);
      let row = rows.get(id);
      if (!row || row.key !== key) {
        const tr = h(
          'tr',
          { 'data-slug': id, class: `row-${t.state}` },
          COLUMNS.map(([name, cell]) => h('td', { 'data-label': name }, cell(t))),
        );
        if (row) row.tr.replaceWith(tr);
        row = { key, tr };
        rows.set(id, row);
      }
      // Keep the server's order (status order) with as few moves as possible.
      const want = prev ? prev.nextSibling : tbody.firstChild;
      if (want !== row.tr) tbody.insertBefore(row.tr, want);
      prev = row.tr;
    }
    for (const [id, row] of rows)
      if (!seen.has(id)) {
        row.tr.remove();
        rows.delete(id);
      }
    const running = b.tasks.filter((t) => t.pid !== null).length;
    summary.textContent =
      `${b.tasks.length} task${b.tasks.length === 1 ? '' : 's'}, ${running} running; ` +
      (b.watcher ? `watcher pid ${b.watcher.pid}` : 'no watcher running (tasks start only by hand)') +
      (b.drops ? `; ${b.drops} follow-up drop${b.drops === 1 ? '' : 's'} not yet taken in` : '') +
      (b.radar?.off ? `; conflict radar off: ${b.radar.off}` : '') +
      (b.hooks?.lastRepair
        ? `; hooks last repaired ${b.hooks.lastRepair.at} (${b.hooks.lastRepair.said})`
        : '');
    empty.hidden = b.tasks.length > 0;
    panel(
      problems,
      'prob-h',
      'Problems',
      b.problems.map((p) => h('li', {}, p)),
    );
    hostsPanel(hosts, b.fleet);
    panel(
      rejected,
      'rej-h',
      'Rejected drops',
      b.rejected.map((r) => h('li', {}, h('code', {}, r.file), ` — ${r.reason} `, timeEl(r.ts))),
    );
  });
  return { refresh, onChange: () => refresh() };
}

function panel(section, id, title, items) {
  section.hidden = items.length === 0;
  section.replaceChildren(h('h2', { id }, `${title} (${items.length})`), h('ul', {}, items));
}

/** Cluster mode: every claim on the remote, as `baton status` ends (cli/fleet-text.ts). */
function hostsPanel(section, fleet) {
  section.hidden = !fleet;
  if (!fleet) return;
  const items = [
    fleet.problem ? h('li', { class: 'err' }, fleet.problem) : null,
    fleet.none ? h('li', {}, fleet.none) : null,
    ...fleet.claims.map((c) =>
      h('li', { 'data-slug': c.slug }, h('a', { href: `#/task/${c.slug}` }, c.slug), ': ', partsEl(c.parts)),
    ),
  ];
  section.replaceChildren(h('h2', { id: 'hosts-h' }, fleet.title), h('ul', {}, items));
}
