// WSL without systemd: a launcher script, the Windows Task Scheduler definition that runs it through wsl.exe at
// logon, and the /etc/wsl.conf `[boot] command` alternative. Pure renderers.

export const TASK_NAME = "openclaw-scope-watchdog";
const MAX_LOG_BYTES = 10 * 1024 * 1024;

/** A word for /bin/sh: single-quoted unless it is plainly safe. */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface LauncherOptions {
  node: string;
  cli: string;
  config: string | null;
  path: string;
  /** Where service.log goes (the watchdog's data folder). */
  logDir: string;
}

/** The launcher both WSL start paths run: fixed PATH, private umask, the log appended to a file, then `run`. */
export function renderLauncher(o: LauncherOptions): string {
  const run = [o.node, o.cli, "run", ...(o.config ? ["--config", o.config] : [])].map(shQuote).join(" ");
  return `#!/bin/sh
# openclaw-scope-watchdog launcher for WSL without systemd; written by \`scope-watchdog service install --wsl\`.
# Started at Windows logon by the task "${TASK_NAME}" (wsl.exe ... --exec this file), or by a
# [boot] command in /etc/wsl.conf. Runs the watchdog in the foreground; its JSON log is appended to service.log (one previous
# file of up to 10 MiB is kept as service.log.1).
set -eu
umask 077
log_dir=${shQuote(o.logDir)}
log="$log_dir/service.log"
mkdir -p "$log_dir"
if [ -f "$log" ] && [ "$(wc -c < "$log")" -gt ${MAX_LOG_BYTES} ]; then mv -f "$log" "$log.1"; fi
PATH=${shQuote(o.path)}
export PATH
exec >>"$log" 2>&1
exec ${run}
`;
}

/** One argument on a Windows command line (CommandLineToArgvW rules): quoted when it holds spaces or quotes. */
export function windowsQuoteArg(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      slashes++;
      continue;
    }
    out += ch === '"' ? `${"\\".repeat(slashes * 2 + 1)}"` : `${"\\".repeat(slashes)}${ch}`;
    slashes = 0;
  }
  return `${out}${"\\".repeat(slashes * 2)}"`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface TaskOptions {
  distro: string;
  linuxUser: string;
  launcher: string;
  /** DOMAIN\user from whoami.exe; null registers the task for whoever runs schtasks. */
  windowsUser: string | null;
  /** The XML declaration's encoding: UTF-16 for the file schtasks reads (encodeTaskXml), UTF-8 for a text copy. */
  encoding?: "UTF-16" | "UTF-8";
}

/** wsl.exe's arguments: the distro, the Linux user, and the launcher run without a shell. */
export function wslArguments(o: Pick<TaskOptions, "distro" | "linuxUser" | "launcher">): string {
  return ["-d", o.distro, "-u", o.linuxUser, "--exec", o.launcher].map(windowsQuoteArg).join(" ");
}

/** The Task Scheduler definition (XML; write it with encodeTaskXml for schtasks /XML). */
export function renderTaskXml(o: TaskOptions): string {
  const user = o.windowsUser ? `\n      <UserId>${xmlEscape(o.windowsUser)}</UserId>` : "";
  return `<?xml version="1.0" encoding="${o.encoding ?? "UTF-16"}"?>
<!-- Starts openclaw-scope-watchdog in WSL at logon, under your own Windows account (not SYSTEM, which cannot
     see per-user distros). Written by scope-watchdog service install. wsl.exe stays open while the watchdog
     runs: that keeps the WSL VM from idling out, and a process started through wsl.exe has Windows interop,
     so desktop toasts work. -->
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Starts openclaw-scope-watchdog in WSL (${xmlEscape(o.distro)}) at logon.</Description>
    <URI>\\${TASK_NAME}</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>${user}
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">${user}
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <!-- PT0S: no time limit (the default of 72 hours would stop the watchdog) -->
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>3</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>wsl.exe</Command>
      <Arguments>${xmlEscape(wslArguments(o))}</Arguments>
    </Exec>
  </Actions>
</Task>
`;
}

/** UTF-16LE with a byte-order mark: the encoding Task Scheduler exports and schtasks /XML reads. */
export function encodeTaskXml(xml: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml.replace(/\r?\n/g, "\r\n"), "utf16le")]);
}

/** schtasks.exe arguments that register (or replace) the task from its XML file. */
export function schtasksCreateArgs(windowsXmlPath: string): string[] {
  return ["/Create", "/TN", TASK_NAME, "/XML", windowsXmlPath, "/F"];
}

/** The file as Windows sees it through WSL's file server, when wslpath cannot say. */
export function wslUncPath(distro: string, linuxPath: string): string {
  return `\\\\wsl.localhost\\${distro}${linuxPath.replace(/\//g, "\\")}`;
}

/** The /etc/wsl.conf alternative: root runs it when the distro starts; setsid -f returns at once. */
export function renderBootCommand(o: { linuxUser: string; launcher: string }): string {
  return `[boot]
command = setsid -f runuser -u ${shQuote(o.linuxUser)} -- ${shQuote(o.launcher)}
`;
}
