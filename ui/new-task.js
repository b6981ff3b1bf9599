// The form that writes a new task file (the server checks the slug as the CLI does and writes
// the file whole; it never replaces an existing task).
import { h, post, showResult } from './dom.js';

/** The new-task view. */
export function newTaskView(main) {
  const field = (label, input) => h('label', {}, h('span', {}, label), input);
  const slug = h('input', {
    name: 'slug',
    id: 'new-slug',
    required: true,
    pattern: '[a-z0-9][a-z0-9\\-]{0,62}',
    autocomplete: 'off',
    placeholder: 'fix-login',
  });
  const title = h('input', { name: 'title', id: 'new-title' });
  const agent = h('input', { name: 'agent', id: 'new-agent', placeholder: 'default' });
  const priority = h('input', {
    name: 'priority',
    id: 'new-priority',
    type: 'number',
    step: '1',
    placeholder: '0',
  });
  const status = h(
    'select',
    { name: 'status', id: 'new-status' },
    h('option', { value: 'ready' }, 'ready'),
    h('option', { value: 'draft' }, 'draft'),
  );
  const prompt = h('textarea', { name: 'prompt', id: 'new-prompt', rows: '8', required: true });
  const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      class: 'new-task',
      onsubmit: async (e) => {
        e.preventDefault();
        const r = await post('/api/tasks', {
          slug: slug.value,
          title: title.value,
          agent: agent.value,
          priority: priority.value,
          status: status.value,
          prompt: prompt.value,
        });
        showResult(result, r);
        if (r.ok) result.append(h('div', {}, h('a', { href: `#/task/${slug.value}` }, `Open ${slug.value}`)));
      },
    },
    field('Slug', slug),
    field('Title', title),
    field('Agent', agent),
    field('Priority', priority),
    field('Status', status),
    field('Prompt', prompt),
    h('button', { type: 'submit', id: 'new-create' }, 'Create task'),
  );
  main.replaceChildren(h('h1', {}, 'New task'), form, result);
  return { refresh: async () => undefined, onChange: () => undefined };
}
