// The page's entry: a router over the address's #fragment (#/, #/task/<slug>, #/new), the event
// stream that tells the view in sight what changed, and the clock for relative times.
import { boardView } from './board.js';
import { newTaskView } from './new-task.js';
import { taskView } from './task.js';
import { tickTimes } from './dom.js';

const main = document.getElementById('main');
const live = document.getElementById('live');
let view = null;

function route() {
  const hash = location.hash || '#/';
  const m = /^#\/task\/([a-z0-9][a-z0-9-]{0,62})$/.exec(hash);
  view = m ? taskView(main, m[1]) : hash === '#/new' ? newTaskView(main) : boardView(main);
  void view
    .refresh()
    .catch((e) =>
      main.append(Object.assign(document.createElement('p'), { className: 'err', textContent: String(e) })),
    );
}

const events = new EventSource('/api/events');
let opened = false;
events.addEventListener('open', () => {
  live.textContent = 'live';
  live.className = 'live on';
  // After a reconnection, what changed while the stream was down: read everything again.
  if (opened) void view?.refresh();
  opened = true;
});
events.addEventListener('error', () => {
  live.textContent = 'reconnecting…';
  live.className = 'live off';
});
events.addEventListener('changed', (e) => view?.onChange(JSON.parse(e.data).names));

window.addEventListener('hashchange', () => {
  route();
  // Keyboard and screen-reader users land on the new view, not on the link they left.
  main.focus({ preventScroll: true });
});
setInterval(tickTimes, 1000);
route();
