/**
 * `baton service install|uninstall|status`: the I/O around the pure unit and plist generators.
 * Writes the definition, then asks the service manager (systemctl --user, launchctl) to load it.
 * When the manager cannot be reached (no user bus in a container, no GUI session over ssh) the
 * definition is still written and the result carries a warning with the exact command to run.
 * Where no service manager runs at all (no systemd), nothing is written: the error carries the
 * commands that run the watcher without one (fallback.ts).
 */
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import writeFileAtomic from 'write-file-atomic';

import { BatonError } from '../domain/errors.js';
import { findExecutable } from '../proc/executable.js';
import { repoPaths } from '../store/paths.js';
import { firstLine, type RunResult, type ServiceContext, type ServiceManagerKind } from './context.js';
import { fallbackCommands } from './fallback.js';
import { launchdLabel, launchdPlistPath, renderLaunchdPlist } from './launchd.js';
import { assertSpecWritable, serviceName, type ServiceSpec } from './spec.js';
import { renderSystemdUnit, systemdUnitName, systemdUnitPath } from './systemd.js';

export { serviceContext, type ServiceContext, type ServiceManagerKind } from './context.js';
export { serviceArgv, type ServiceSpec } from './spec.js';

/** The spec of the service for the repository at `root`, run by this node and this baton. */
export function specFor(root: string, ctx: Pick<ServiceContext, 'pathEnv'>): ServiceSpec {
  const mainJs = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  return {
    name: serviceName(root),
    root,
    node: realOrSelf(process.execPath),
    mainJs: realOrSelf(mainJs),
    logFile: path.join(repoPaths(root).logsDir, 'watch.log'),
    path: ctx.pathEnv,
  };
}

/** The service definition for one manager: its name, file, text, and how to (un)load it. */
interface Definition {
  unit: string;
  file: string;
  text: string;
  /** The commands a user runs to load it by hand. */
  startCommand: string;
}

function definition(spec: ServiceSpec, ctx: ServiceContext): Definition {
  if (ctx.manager === 'systemd') {
    const unit = systemdUnitName(spec);
    return {
      unit,
      file: systemdUnitPath(ctx.home, spec),
      text: renderSystemdUnit(spec),
      startCommand: `systemctl --user daemon-reload && systemctl --user enable --now ${unit}`,
    };
  }
  const file = launchdPlistPath(ctx.home, spec);
  return {
    unit: launchdLabel(spec),
    file,
    text: renderLaunchdPlist(spec),
    startCommand: `launchctl bootstrap gui/${ctx.uid} ${file}`,
  };
}

/** What `install` did. `warning` is set when the definition was written but could not be started. */
export interface InstallResult {
  manager: ServiceManagerKind;
  unit: string;
  file: string;
  logFile: string;
  started: boolean;
  warning: string | null;
}

/** Writes the service definition for `root` and starts it (restarting one that runs). */
export async function installService(root: string, ctx: ServiceContext): Promise<InstallResult> {
  const spec = specFor(root, ctx);
  assertSpecWritable(spec);
  await assertManagerRuns(ctx, spec);
  const def = definition(spec, ctx);
  await fs.mkdir(path.dirname(def.file), { recursive: true });
  await fs.mkdir(path.dirname(spec.logFile), { recursive: true });
  await writeFileAtomic(def.file, def.text, { mode: 0o644 });
  const failure = ctx.manager === 'systemd' ? await startSystemd(ctx, def) : await startLaunchd(ctx, def);
  const base = { manager: ctx.manager, unit: def.unit, file: def.file, logFile: spec.logFile };
  if (failure === null) return { ...base, started: true, warning: null };
  return {
    ...base,
    started: false,
    warning: `Wrote ${def.file}, but could not start it (${failure}); run \`${def.startCommand}\` in your login session.`,
  };
}

/**
 * Throws NO_SERVICE_MANAGER, with the commands that work instead, when no systemd runs on this
 * machine: systemctl is missing, or says the system is `offline` (PID 1 is not systemd, as in
 * most containers). A systemd that runs but cannot be reached from this shell (ssh without a
 * user session) is not this case: the unit is written and a warning says what to run.
 */
async function assertManagerRuns(ctx: ServiceContext, spec: ServiceSpec): Promise<void> {
  if (ctx.manager !== 'systemd') return;
  const r = await ctx.run(ctx.controlBin, ['is-system-running']);
  const why =
    r.code === 127
      ? `${ctx.controlBin} is not installed`
      : r.stdout.trim().split('\n')[0] === 'offline'
        ? 'systemd is not running on this machine'
        : null;
  if (why === null) return;
  const tools = {
    setsid: findExecutable('setsid', ctx.pathEnv).ok,
    crontab: findExecutable('crontab', ctx.pathEnv).ok,
  };
  const steps = fallbackCommands(spec, tools).map((c) => `${c.what}:\n    ${c.command}`);
  throw new BatonError(
    'NO_SERVICE_MANAGER',
    `There is no user service manager here (${why}), so \`baton service install\` has nothing to install into.`,
    { hint: ['Run the watcher without one instead.', ...steps].join('\n  ') },
  );
}

/** What `uninstall` did. */
export interface UninstallResult {
  unit: string;
  file: string;
  removed: boolean;
  warning: string | null;
}

/** Stops and disables the service, then removes its definition. Safe to run when not installed. */
export async function uninstallService(root: string, ctx: ServiceContext): Promise<UninstallResult> {
  const spec = specFor(root, ctx);
  const def = definition(spec, ctx);
  const installed = existsSync(def.file);
  let failure: string | null;
  if (ctx.manager === 'systemd') {
    const r = await systemctl(ctx, ['disable', '--now', def.unit]);
    // "not loaded" / "does not exist" means there is nothing to stop: not a failure.
    failure =
      !installed || r.code === 0 || /not (loaded|found)|does not exist/i.test(r.stderr) ? null : firstLine(r);
  } else {
    const r = await ctx.run(ctx.controlBin, ['bootout', `gui/${ctx.uid}/${def.unit}`]);
    const alt = r.code === 0 || !installed ? r : await ctx.run(ctx.controlBin, ['unload', '-w', def.file]);
    failure = alt.code === 0 || !installed ? null : firstLine(alt);
  }
  await fs.rm(def.file, { force: true });
  if (ctx.manager === 'systemd') {
    await systemctl(ctx, ['daemon-reload']);
    await systemctl(ctx, ['reset-failed', def.unit]);
  }
  const stopCommand =
    ctx.manager === 'systemd'
      ? `systemctl --user disable --now ${def.unit}`
      : `launchctl bootout gui/${ctx.uid}/${def.unit}`;
  return {
    unit: def.unit,
    file: def.file,
    removed: installed,
    warning:
      failure === null
        ? null
        : `Removed ${def.file}, but could not stop the service (${failure}); run \`${stopCommand}\` in your login session.`,
  };
}

/** What `status` reports. `active` is the manager's word (`active`, `inactive`, `running`, ...) or `unknown`. */
export interface ServiceStatus {
  manager: ServiceManagerKind;
  unit: string;
  file: string;
  logFile: string;
  installed: boolean;
  /** False when the installed definition differs from what `install` would write now (node or baton moved, PATH changed). */
  upToDate: boolean;
  active: boolean;
  state: string;
  /** Why the state is `unknown`, when it is. */
  detail: string | null;
}

/** Whether the service of `root` is installed and running. */
export async function serviceStatus(root: string, ctx: ServiceContext): Promise<ServiceStatus> {
  const spec = specFor(root, ctx);
  const def = definition(spec, ctx);
  const text = await fs.readFile(def.file, 'utf8').catch(() => null);
  let state: string;
  let detail: string | null = null;
  if (ctx.manager === 'systemd') {
    const r = await systemctl(ctx, ['is-active', def.unit]);
    state = r.stdout.trim().split('\n')[0] ?? '';
    if (state === '') {
      state = 'unknown';
      detail = firstLine(r);
    }
  } else {
    const r = await ctx.run(ctx.controlBin, ['print', `gui/${ctx.uid}/${def.unit}`]);
    state =
      r.code === 0
        ? (/^\s*state = (\S+)/m.exec(r.stdout)?.[1] ?? 'loaded')
        : r.code === 127
          ? 'unknown'
          : 'not loaded';
    if (r.code === 127) detail = firstLine(r);
  }
  return {
    manager: ctx.manager,
    unit: def.unit,
    file: def.file,
    logFile: spec.logFile,
    installed: text !== null,
    upToDate: text === def.text,
    active: state === 'active' || state === 'running',
    state,
    detail,
  };
}

/** Null when started, else why not (one line). */
async function startSystemd(ctx: ServiceContext, def: Definition): Promise<string | null> {
  for (const args of [['daemon-reload'], ['enable', def.unit], ['restart', def.unit]]) {
    const r = await systemctl(ctx, args);
    if (r.code !== 0) return `systemctl --user ${args.join(' ')}: ${firstLine(r)}`;
  }
  return null;
}

async function startLaunchd(ctx: ServiceContext, def: Definition): Promise<string | null> {
  // bootstrap refuses a label that is already loaded: unload the old definition first.
  await ctx.run(ctx.controlBin, ['bootout', `gui/${ctx.uid}/${def.unit}`]);
  const r = await ctx.run(ctx.controlBin, ['bootstrap', `gui/${ctx.uid}`, def.file]);
  if (r.code === 0) return null;
  const legacy = await ctx.run(ctx.controlBin, ['load', '-w', def.file]);
  return legacy.code === 0 ? null : `launchctl bootstrap: ${firstLine(r)}`;
}

function systemctl(ctx: ServiceContext, args: string[]): Promise<RunResult> {
  return ctx.run(ctx.controlBin, ['--user', ...args]);
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
