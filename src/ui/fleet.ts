/**
 * The claims on the page (cluster mode, docs/design.md "Several hosts"). They live on the remote,
 * where no file event tells of a change, so while a page is open (an event stream is attached)
 * the server reads them every `cluster.pollSeconds`, the rate the watcher asks the remote, and
 * pushes a `changed` event named `cluster` when they differ from the last read. With no page
 * open, or cluster mode off, nothing is read. The board and task reads take the last fleet read
 * (ops/fleet.ts `fleetReader`: at most one `ls-remote` per `pollSeconds`).
 */
import { fleetReader, type Fleet } from '../ops/fleet.js';
import type { Repo } from '../ops/repo.js';
import type { EventHub } from './events.js';

/** The page's view of the remote's claims. */
export interface FleetWatch {
  /** The fleet as last read (read first when older than `pollSeconds`); null when cluster mode is off. */
  current(repo: Repo): Promise<Fleet | null>;
  close(): void;
}

/** The name a claims change is pushed under (the page refetches the board and the task). */
export const FLEET_CHANGED = 'cluster';

/** Starts looking at the claims for the pages `hub` serves. */
export function watchFleet(repo: () => Promise<Repo>, hub: EventHub): FleetWatch {
  const reader = fleetReader();
  /** The fleet pages were last given or told of. */
  let seen: string | null = null;
  const read = async (r: Repo): Promise<Fleet | null> => {
    const fleet = await reader.current(r);
    const key = JSON.stringify(fleet);
    const changed = seen !== null && key !== seen;
    seen = key;
    if (changed) hub.changed(FLEET_CHANGED);
    return fleet;
  };
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const tick = async (): Promise<number> => {
    const r = await repo();
    const cluster = r.config.cluster;
    if (cluster === null) return 1000; // cluster mode may be turned on in baton.yaml meanwhile
    if (hub.clients() > 0) await read(r);
    return cluster.pollSeconds * 1000;
  };
  const loop = (): void => {
    tick()
      .catch(() => 1000) // a read never throws (the remote's problem is in the fleet); a config read might
      .then((ms) => {
        if (!closed) timer = setTimeout(loop, ms);
      })
      .catch(() => undefined);
  };
  loop();
  return {
    current: read,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
