// systemd units for the watchdog, rendered from absolute paths: the user unit `service install` writes, and the
// system-wide variant for a dedicated account. Pure; every hardening choice carries its reason as a comment.

import path from "node:path";

export const UNIT_NAME = "openclaw-scope-watchdog.service";

export interface UnitCommand {
  /** Absolute path of the Node executable (process.execPath at install time). */
  node: string;
  /** Absolute path of the package's dist/cli/bin.js. */
  cli: string;
  /** Absolute path of the config file, or null for the default lookup. */
  config: string | null;
  /** The PATH the service runs with (see servicePath). */
  path: string;
}

export interface SystemUnitOptions extends UnitCommand {
  /** The dedicated account that runs both the OpenClaw gateway and the watchdog. */
  user: string;
  /** That account's home (holds ~/.openclaw and ~/.local/state/openclaw-scope-watchdog). */
  home: string;
}

const SAFE_ARG = /^[A-Za-z0-9_@%$+=:,./-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * One word of a unit setting: specifiers (`%`) escaped, `$` doubled where systemd expands variables (ExecStart=),
 * and quoted C-style when it holds anything but safe characters.
 */
export function quoteExecArg(arg: string, opts: { expandsDollar?: boolean } = {}): string {
  if (CONTROL.test(arg))
    throw new Error(`cannot put a control character in a systemd unit: ${JSON.stringify(arg)}`);
  let escaped = arg.replace(/%/g, "%%");
  if (opts.expandsDollar !== false) escaped = escaped.replace(/\$/g, "$$$$");
  if (SAFE_ARG.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A whole `KEY=value` assignment for Environment=, quoted; specifiers escaped (Environment= does not expand `$`). */
function quoteAssignment(key: string, value: string): string {
  if (CONTROL.test(value)) throw new Error(`cannot put a control character in a systemd unit: ${key}`);
  return `"${`${key}=${value}`.replace(/%/g, "%%").replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * The service's PATH: Node's own folder first (an npm-installed `openclaw` starts with `#!/usr/bin/env node`), then
 * the folder of the `openclaw` found at install time, then the system folders. A user manager's PATH rarely holds
 * nvm or npm-global folders. Nothing else from the installing shell is copied: a baked token goes stale (#19410).
 */
export function servicePath(node: string, openclawBin: string | null): string {
  const dirs = [path.dirname(node), ...(openclawBin ? [path.dirname(openclawBin)] : [])];
  dirs.push("/usr/local/bin", "/usr/bin", "/bin");
  return [...new Set(dirs)].join(":");
}

/**
 * The ExecStart= line's value: node, the CLI, `run`, and --config when one was given. The executable itself gets
 * no `$` expansion (systemd takes it literally) and may not contain quotes or backslashes at all.
 */
export function execStart(o: UnitCommand): string {
  if (/["'\\]/.test(o.node))
    throw new Error(`systemd refuses an executable path with quotes or backslashes: ${o.node}`);
  const args = [o.cli, "run", ...(o.config ? ["--config", o.config] : [])];
  return [quoteExecArg(o.node, { expandsDollar: false }), ...args.map((a) => quoteExecArg(a))].join(" ");
}

const RESTART = `# Restart after a crash, but give up after 5 failed starts in 10 minutes instead of looping for ever
# (the fleet alert on a stale reconcile then fires); \`systemctl --user reset-failed\` re-arms it.`;

const LOGGING = `# Logs: pino JSON lines on stdout go to the journal (journalctl --user -u openclaw-scope-watchdog -f).
StandardOutput=journal
StandardError=journal
SyslogIdentifier=openclaw-scope-watchdog`;

const LIFECYCLE = `# Type=exec: systemctl reports a missing Node or CLI as a failed start, not as a running service.
Type=exec
# SIGHUP re-reads the config and keeps the running one when the new file is invalid.
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=10s
TimeoutStopSec=30s
# control-group (the default, stated on purpose): an \`openclaw devices approve\` child that hangs after printing
# "Approved" (NVIDIA/NemoClaw#12064) is stopped together with the watchdog instead of outliving it.
KillMode=control-group`;

const SECCOMP_HARDENING = `# Private files by default: the state folder, the status socket and the audit log are 0600/0700 anyway.
UMask=0077
# No setuid escalation for the watchdog or the \`openclaw\` it runs (neither needs sudo or setuid helpers).
NoNewPrivileges=yes
# Seccomp-only restrictions: they need no namespaces, so they work in a user manager, and touch nothing Node,
# \`openclaw\`, notify-send or WSL's .exe interop use.
LockPersonality=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
SystemCallArchitectures=native`;

/** The systemd user unit (~/.config/systemd/user/openclaw-scope-watchdog.service). */
export function renderUserUnit(o: UnitCommand): string {
  return `# ${UNIT_NAME}: systemd user unit for openclaw-scope-watchdog.
# Written by \`scope-watchdog service install --systemd\`. The paths are absolute on purpose; run the install again
# after upgrading or moving Node or the package. By hand: copy this file to ~/.config/systemd/user/, then
#   systemctl --user daemon-reload && systemctl --user enable --now ${UNIT_NAME}
# To keep it running without a login session: sudo loginctl enable-linger "$USER"

[Unit]
Description=OpenClaw scope watchdog (device pairing and scope regressions)
${RESTART}
StartLimitIntervalSec=10min
StartLimitBurst=5

[Service]
${LIFECYCLE}
ExecStart=${execStart(o)}
Environment=${quoteAssignment("PATH", o.path)}
${LOGGING}

${SECCOMP_HARDENING}
# Deliberately NOT set in the user unit:
# - ProtectSystem=, ProtectHome=, PrivateTmp=, PrivateDevices=, ReadWritePaths=: in a user manager they need
#   unprivileged user namespaces (PrivateUsers= is implied); where those are disabled the unit fails to start with
#   226/NAMESPACE. They would also add little: the process already runs as you and cannot write /usr or /etc.
# - ProtectHome=read-only: \`openclaw devices approve\` (the CLI's local fallback) writes OpenClaw's state folder
#   (~/.openclaw), and the watchdog writes its own (~/.local/state/openclaw-scope-watchdog).
# - PrivateTmp=yes: the gateway writes its log to /tmp/openclaw, which the watchdog follows, and node-notifier
#   uses /tmp on WSL; a private /tmp would hide both.
# - MemoryDenyWriteExecute=yes: V8's JIT needs writable and executable memory; Node would crash at start.
# - SystemCallFilter= / RestrictAddressFamilies=: a denied call kills or breaks the \`openclaw\` child (a Node 24
#   program that changes with every OpenClaw release) and WSL's .exe interop used for desktop toasts.
# - Environment with tokens: nothing secret is baked in (a baked OPENCLAW_GATEWAY_TOKEN goes stale, #19410).
# The user manager sets XDG_RUNTIME_DIR: the status socket lives in $XDG_RUNTIME_DIR/openclaw-scope-watchdog/, and
# notify-send reaches the session bus at $XDG_RUNTIME_DIR/bus (Debian/Ubuntu package dbus-user-session).

[Install]
WantedBy=default.target
`;
}

/** The system-wide unit for a dedicated account (/etc/systemd/system/openclaw-scope-watchdog.service). */
export function renderSystemUnit(o: SystemUnitOptions): string {
  if (!/^[a-z_][a-z0-9_-]*\$?$/i.test(o.user)) throw new Error(`not a user name: ${JSON.stringify(o.user)}`);
  if (o.user === "root") throw new Error("the system-wide unit is for a dedicated account, not root");
  if (!path.isAbsolute(o.home)) throw new Error(`the home folder must be absolute: ${o.home}`);
  return `# ${UNIT_NAME}: system-wide unit running openclaw-scope-watchdog as the dedicated account "${o.user}",
# the account that also runs the OpenClaw gateway (the watchdog reads that account's ~/.openclaw).
# Install (as root): copy this file to /etc/systemd/system/, then
#   systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}
# Status: sudo -u ${o.user} -H scope-watchdog status. There is no desktop session for a service account, so
# configure notify.ntfy.url or notify.webhook.url for notifications.

[Unit]
Description=OpenClaw scope watchdog (device pairing and scope regressions) for ${o.user}
${RESTART.replace("systemctl --user reset-failed", "systemctl reset-failed")}
StartLimitIntervalSec=10min
StartLimitBurst=5

[Service]
User=${o.user}
${LIFECYCLE}
ExecStart=${execStart(o)}
Environment=${quoteAssignment("PATH", o.path)}
${LOGGING}

${SECCOMP_HARDENING}
# The system manager sets up namespaces itself, so the file-system sandbox works here:
# everything read-only except the account's home (OpenClaw's state, which \`openclaw devices approve\` writes, and
# the watchdog's own state and status socket) and /tmp (the gateway's log in /tmp/openclaw, written by the
# gateway and by every \`openclaw\` command). Other users' homes are hidden.
ProtectSystem=strict
ProtectHome=tmpfs
BindPaths=${quoteExecArg(o.home, { expandsDollar: false })}
ReadWritePaths=/tmp
# Not PrivateTmp=: a private /tmp would hide the gateway's log from the watchdog.
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
CapabilityBoundingSet=
AmbientCapabilities=
# AF_NETLINK: Node's os.networkInterfaces() (getifaddrs) needs it; the rest are the gateway connection, webhooks
# and local sockets.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
# Not MemoryDenyWriteExecute= (V8's JIT) and not SystemCallFilter= (a denied call kills the \`openclaw\` child).

[Install]
WantedBy=multi-user.target
`;
}
