// A task's page: its state and where it works, the actions the CLI has, the live log (it follows
// the end unless the person scrolled up), the history as a timeline with every prompt whole, and
// the task file as written.
import { getJson, h, partsEl, post, serial, showResult, stateBadge, timeEl } from './dom.js';

/** The task view for `slug`. */
export function taskView(main, slug) {
  const api = `/api/tasks/${encodeURIComponent(slug)}`;
  const head = h('div', { class: 'task-head' });
  const facts = h('dl', { class: 'facts' });
  const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite', id: 'result' });
  const log = h('pre', { class: 'log', id: 'log', tabindex: '0', 'aria-label': 'Log' });
  const jump = h(
    'button',
    { type: 'button', class: 'jump', hidden: true, onclick: () => follow(true) },
    'Jump to the end ↓',
  );
  const timeline = h('pre', { class: 'timeline', id: 'timeline', tabindex: '0' });
  const file = h('pre', { class: 'taskfile', id: 'taskfile', tabindex: '0' });
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← Board')),
    head,
    facts,
    actions(),
    result,
    h('section', { 'aria-labelledby': 'log-h' }, h('h2', { id: 'log-h' }, 'Log'), log, jump),
    h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, 'History'), timeline),
    h('section', { 'aria-labelledby': 'file-h' }, h('h2', { id: 'file-h' }, 'Task file'), file),
  );

  function actions() {
    const text = h('textarea', {
      id: 'followup-text',
      rows: '3',
      placeholder: 'A follow-up (Ctrl+Enter queues it), or what to say on continue',
      'aria-label': 'Follow-up text',
    });
    const send = (mode) => () => run('followup', { mode, text: text.value }, () => (text.value = ''));
    // Ctrl+Enter (⌘+Enter) queues what was typed, as the Queue button does.
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void send('queue')();
      }
    });
    const btn = (label, onclick, extra = {}) => h('button', { type: 'button', onclick, ...extra }, label);
    return h(
      'section',
      { class: 'actions', 'aria-label': 'Actions' },
      text,
      h(
        'div',
        { class: 'buttons' },
        btn('Queue', send('queue'), { id: 'btn-queue', title: 'Runs after the current run' }),
        btn('Steer', send('steer'), {
          id: 'btn-steer',
          title: 'Into the running session, where the agent takes live input',
        }),
        btn('Interrupt', send('interrupt'), {
          id: 'btn-interrupt',
          class: 'warn',
          title: 'Interrupt the agent; this runs next',
        }),
        h('span', { class: 'sep' }),
        btn('Continue', () => run('continue', { text: text.value }, () => (text.value = '')), {
          id: 'btn-continue',
        }),
        btn('Dispatch', dispatch, { id: 'btn-dispatch' }),
        btn('Stop', () => run('stop', {}), { id: 'btn-stop', class: 'warn' }),
        btn('Remove', remove, { id: 'btn-remove', class: 'danger' }),
      ),
    );
  }

  async function run(action, body, onOk) {
    result.className = 'result busy';
    result.textContent = `${action}…`;
    const r = await post(`${api}/${action}`, body);
    showResult(result, r);
    if (r.ok) onOk?.();
    return r;
  }

  /**
   * Runs `action`; when the CLI would accept `--force` for the refusal it got (remove with work
   * to lose, dispatch of a task whose `after:` is unmet), offers it behind a confirmation.
   */
  async function forceable(action, refusal, question) {
    const r = await run(action, { force: false });
    if (!r.ok && r.code === refusal)
      result.append(
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            id: 'btn-force',
            onclick: () => {
              if (confirm(question)) void run(action, { force: true });
            },
          },
          `${action[0].toUpperCase()}${action.slice(1)} anyway (--force)…`,
        ),
      );
  }
  // Function declarations: actions() above, called first, refers to them.
  function remove() {
    return forceable(
      'remove',
      'WORKTREE_CONFLICT',
      `Remove ${slug} anyway (--force)? Uncommitted or unmerged work is thrown away.`,
    );
  }
  function dispatch() {
    return forceable(
      'dispatch',
      'TASK_BLOCKED',
      `Start ${slug} now (--force), before the tasks it waits for are done?`,
    );
  }

  const refreshTask = serial(async () => {
    let d;
    try {
      d = await getJson(api);
    } catch (e) {
      head.replaceChildren(h('h1', {}, slug), h('p', { class: 'err' }, String(e.message)));
      return;
    }
    const t = d.task;
    head.replaceChildren(
      h('h1', {}, slug, ' ', t ? stateBadge(t.state) : ''),
      t?.title ? h('p', { class: 'title' }, t.title) : '',
    );
    const row = (k, v) => [h('dt', {}, k), h('dd', {}, v ?? '—')];
    facts.replaceChildren(
      ...row('Branch', d.branch),
      ...row('Worktree', h('code', {}, d.worktree)),
      ...row('Agent', t?.agent),
      ...row('Worker', t?.pid ? `pid ${t.pid}` : null),
      ...row('Runs', String(t?.runs ?? 0)),
      ...row('Queued', String(t?.pendingFollowups ?? 0)),
      ...row('Last output', timeEl(t?.lastOutputAt)),
      ...row('Last progress', timeEl(t?.lastProgressAt)),
      ...row('Retry at', timeEl(t?.retryAt)),
      ...(t?.claimWords ? row('Claim', partsEl(t.claimWords)) : []),
      ...(t?.waiting ? row('Waiting', t.waiting.detail) : []),
      ...(t?.error ? row('Error', t.error) : []),
    );
    timeline.textContent = d.timeline.length ? d.timeline.join('\n') : 'Nothing has happened yet.';
    file.textContent = d.text ?? `${d.file}: ${d.textError}`;
  });

  // The log: read on from where the last read ended; follow the end while the person is there.
  let at = { offset: -1, header: null };
  let following = true;
  log.addEventListener('scroll', () => {
    following = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    jump.hidden = following;
  });
  function follow(yes) {
    following = yes;
    jump.hidden = yes;
    if (yes) log.scrollTop = log.scrollHeight;
  }
  const readLog = serial(async () => {
    const q = new URLSearchParams({ offset: String(at.offset) });
    if (at.header) q.set('header', at.header);
    const c = await getJson(`${api}/log?${q}`);
    const atEnd = following;
    if (c.reset) log.textContent = '';
    if (c.lines.length) log.append(`${c.lines.join('\n')}\n`);
    at = { offset: c.offset, header: c.header };
    if (atEnd) log.scrollTop = log.scrollHeight;
  });

  async function refresh() {
    await Promise.all([refreshTask(), readLog()]);
  }
  function onChange(names) {
    const mine = (n) =>
      n === '*' || n === `${slug}.md` || n.startsWith(`dispatch-${slug}.`) || n.startsWith(`${slug}.`);
    if (names.some((n) => n === '*' || n === `dispatch-${slug}.log`)) void readLog();
    // 'cluster': the claims on the remote changed (src/ui/fleet.ts).
    if (names.some((n) => n === 'cluster' || (mine(n) && n !== `dispatch-${slug}.log`))) void refreshTask();
  }
  return { refresh, onChange };
}
