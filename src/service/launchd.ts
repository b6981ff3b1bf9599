/**
 * The launchd agent that runs `baton watch` for one repository on macOS. Pure: text out;
 * loading it with launchctl is in index.ts.
 */
import path from 'node:path';

import { serviceArgv, type ServiceSpec } from './spec.js';

/** `dev.baton.<name>`. */
export function launchdLabel(spec: Pick<ServiceSpec, 'name'>): string {
  return `dev.baton.${spec.name}`;
}

/** `<home>/Library/LaunchAgents/<label>.plist`. */
export function launchdPlistPath(home: string, spec: Pick<ServiceSpec, 'name'>): string {
  return path.join(home, 'Library', 'LaunchAgents', `${launchdLabel(spec)}.plist`);
}

/**
 * The property list. `AbandonProcessGroup` keeps launchd from killing the workers the watcher
 * started when the job stops (launchd otherwise ends the job's whole process group);
 * `KeepAlive.SuccessfulExit=false` restarts it only when it fails, like `Restart=on-failure`.
 */
export function renderLaunchdPlist(spec: ServiceSpec): string {
  const str = (s: string): string => `<string>${xml(s)}</string>`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- Written by \`baton service install\` for ${xml(spec.root).replace(/--/g, '- -')}; \`baton service uninstall\` removes it. -->`,
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${str(launchdLabel(spec))}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...serviceArgv(spec).map((a) => `    ${str(a)}`),
    '  </array>',
    '  <key>WorkingDirectory</key>',
    `  ${str(spec.root)}`,
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    '    <key>PATH</key>',
    `    ${str(spec.path)}`,
    '  </dict>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>5</integer>',
    '  <key>AbandonProcessGroup</key>',
    '  <true/>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '  <key>StandardOutPath</key>',
    `  ${str(spec.logFile)}`,
    '  <key>StandardErrorPath</key>',
    `  ${str(spec.logFile)}`,
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
