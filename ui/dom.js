// Small helpers the page's views share: building elements (text only, never HTML from data),
// calling the server, and relative times that tick in the browser.

const token = document.querySelector('meta[name="baton-token"]')?.getAttribute('content') ?? '';

/** An element with attributes and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** GET a JSON route. */
export async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok)
    throw new Error(`${res.status} ${(await res.json().catch(() => ({}))).error ?? res.statusText}`);
  return res.json();
}

/** POST to an action route: the result the CLI would print ({ok, lines} or {ok:false, message, hint}). */
export async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-baton-token': token },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => null);
  if (data && typeof data.ok === 'boolean') return data;
  return {
    ok: false,
    code: String(res.status),
    message: data?.error ?? `The server answered ${res.status}.`,
    hint: null,
  };
}

/** "3 s ago", "in 2 min", for an ISO time; '' for none. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  const span = spanWords(a);
  return s > 1 ? `in ${span}` : a <= 1 ? 'now' : `${span} ago`;
}

/** "45 s", "3 min", "2 h", "1 d" for a number of seconds. */
function spanWords(a) {
  return a < 60
    ? `${a} s`
    : a < 3600
      ? `${Math.round(a / 60)} min`
      : a < 86400
        ? `${Math.round(a / 3600)} h`
        : `${Math.round(a / 86400)} d`;
}

/** The seconds left until `iso` (count 'left', never below 0) or gone since it (count 'since'), in words. */
function countWords(iso, count, now) {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  return spanWords(Math.max(0, count === 'left' ? s : -s));
}

/**
 * Words the CLI made (cli/fleet-text.ts's parts): text as it is, and each span of time as a
 * <time> that keeps ticking (see tickTimes), starting from the CLI's own words for it.
 */
export function partsEl(parts) {
  return (parts ?? []).map((p) =>
    typeof p === 'string'
      ? p
      : h('time', { datetime: p.at, 'data-count': p.count, title: new Date(p.at).toLocaleString() }, p.text),
  );
}

/** A <time> whose words tick with the clock (see tickTimes). */
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'none' }, '—');
  return h('time', { datetime: iso, title: new Date(iso).toLocaleString() }, ago(iso));
}

/** Refreshes every <time> on the page; no request is made. */
export function tickTimes() {
  const now = Date.now();
  for (const t of document.querySelectorAll('time[datetime]')) {
    const count = t.getAttribute('data-count');
    const words = count
      ? countWords(t.getAttribute('datetime'), count, now)
      : ago(t.getAttribute('datetime'), now);
    if (t.textContent !== words) t.textContent = words;
  }
}

/** The state as a coloured word. */
export function stateBadge(state) {
  return h('span', { class: `state state-${state}` }, state);
}

/** Shows an action's result in `box`: the CLI's lines, or its error sentence and hint. */
export function showResult(box, r) {
  box.replaceChildren();
  box.className = `result ${r.ok ? 'ok' : 'error'}`;
  if (r.ok) for (const l of r.lines) box.append(h('div', {}, l));
  else {
    box.append(h('div', {}, `baton: ${r.message}`));
    if (r.hint) box.append(h('div', { class: 'hint' }, r.hint));
  }
}

/**
 * Wraps an async refresh so that one runs at a time and a call made while one runs asks for one
 * more run after it: the last drawing always starts after the last change, and a slow read never
 * paints over a newer one.
 */
export function serial(fn) {
  let running = null;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return running;
    }
    running = fn().finally(() => {
      running = null;
      if (again) {
        again = false;
        void run();
      }
    });
    return running;
  };
  return run;
}
