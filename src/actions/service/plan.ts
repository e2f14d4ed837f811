// Pure planners for `scope-watchdog service install|uninstall`: which files to write or remove and which commands
// to run, in order, with the notes the user needs. The applier (apply.ts) carries a plan out.

import path from "node:path";
import type { ServiceFacts } from "./facts.js";
import { renderUserUnit, servicePath, UNIT_NAME } from "./systemd-unit.js";
import {
  encodeTaskXml,
  renderBootCommand,
  renderLauncher,
  renderTaskXml,
  schtasksCreateArgs,
  TASK_NAME,
  windowsQuoteArg,
  wslUncPath,
} from "./wsl-task.js";

export type ServiceTarget = "systemd" | "wsl";

export interface PlannedCommand {
  /** Runs on this machine (systemctl) or on Windows (schtasks.exe, through interop when it works). */
  side: "linux" | "windows";
  program: string;
  args: string[];
  /** A failure is reported but does not stop the plan (e.g. stopping a task that is not running). */
  optional?: boolean;
}

export type PlanStep =
  | { kind: "write"; file: string; data: string | Buffer; mode: number; what: string }
  | { kind: "remove"; file: string; what: string }
  | { kind: "run"; command: PlannedCommand };

export interface ServicePlan {
  target: ServiceTarget;
  action: "install" | "uninstall";
  steps: PlanStep[];
  /** Why commands cannot run here, when they cannot; they are then printed for the user to run. */
  cannotRun: string | null;
  /** Paragraphs for the user (wrapped when printed). */
  notes: string[];
  /** Commands and file snippets, printed verbatim. */
  snippets: Array<{ title: string; text: string }>;
}

export interface PlanPaths {
  /** $XDG_CONFIG_HOME (absolute) or ~/.config. */
  configHome: string;
  /** The watchdog's data folder (service.log of the WSL launcher). */
  dataDir: string;
}

export interface InstallInputs {
  facts: ServiceFacts;
  user: { name: string; home: string };
  paths: PlanPaths;
  node: string;
  cli: string;
  config: string | null;
  openclawBin: string | null;
  /** Current content of the unit file, when there is one (an update restarts a running service). */
  existingUnit: string | null;
  /** Linger of the user manager (loginctl), null when unknown. */
  linger: boolean | null;
  /** For the WSL task: DOMAIN\user and the XML file's Windows path, when interop could tell. */
  windowsUser: string | null;
  windowsXmlPath: string | null;
}

/** $XDG_CONFIG_HOME when it is an absolute path (XDG base-dir spec), else ~/.config. */
export function configHome(env: NodeJS.ProcessEnv, home: string): string {
  const x = env.XDG_CONFIG_HOME?.trim();
  return x && path.isAbsolute(x) ? x : path.join(home, ".config");
}

/** Where the user unit goes: $XDG_CONFIG_HOME/systemd/user/openclaw-scope-watchdog.service. */
export function unitFile(paths: Pick<PlanPaths, "configHome">): string {
  return path.join(paths.configHome, "systemd", "user", UNIT_NAME);
}

/** The WSL launcher and task XML, kept under $XDG_CONFIG_HOME/openclaw-scope-watchdog/wsl/. */
export function wslFiles(paths: Pick<PlanPaths, "configHome">): { launcher: string; xml: string } {
  const dir = path.join(paths.configHome, "openclaw-scope-watchdog", "wsl");
  return { launcher: path.join(dir, "start.sh"), xml: path.join(dir, `${TASK_NAME}.task.xml`) };
}

/** systemd when it runs (on WSL too); the Task Scheduler path on WSL without systemd. */
export function chooseTarget(facts: ServiceFacts, forced: ServiceTarget | null): ServiceTarget {
  if (forced) return forced;
  return facts.wsl && !facts.systemdRunning ? "wsl" : "systemd";
}

const systemctl = (...args: string[]): PlannedCommand => ({ side: "linux", program: "systemctl", args });
const schtasks = (args: string[], optional = false): PlannedCommand => ({
  side: "windows",
  program: "schtasks.exe",
  args,
  optional,
});

/** The command as the user would type it (Windows quoting for schtasks, shell quoting for systemctl). */
export function displayCommand(c: PlannedCommand): string {
  if (c.side === "windows") return ["schtasks", ...c.args].map(windowsQuoteArg).join(" ");
  return [c.program, ...c.args].map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(" ");
}

function systemdCannotRun(facts: ServiceFacts): string | null {
  if (!facts.systemctl) return "systemctl is not on PATH";
  if (!facts.systemdRunning) return "systemd is not running on this machine (no /run/systemd/system)";
  return null;
}

function lingerNote(user: string, linger: boolean | null): string {
  if (linger === true)
    return `Linger is on for ${user}: the service starts at boot and keeps running after you log out.`;
  const fix = `sudo loginctl enable-linger ${user}`;
  if (linger === false)
    return `Linger is off for ${user}: the service runs only while you are logged in. To start it at boot and keep it running without a login session: ${fix}`;
  return `Could not ask loginctl about linger. If the service must run without a login session (servers, WSL): ${fix}`;
}

function wslSystemdNotes(): string[] {
  return [
    "WSL: processes started by systemd usually have no Windows interop (microsoft/WSL#8846), so desktop toasts may not appear; set notify.ntfy.url or notify.webhook.url as well, or use `scope-watchdog service install --wsl` (Task Scheduler, which starts it through wsl.exe with interop).",
    'WSL: the VM stops shortly after the last wsl.exe client exits, and systemd services do not count; keep it alive with a logon task such as `schtasks /create /tn "WSL keepalive" /tr "wsl.exe -d <distro> --exec dbus-launch true" /sc onlogon /ru %USERNAME%` (service/README.md).',
  ];
}

/** Writes the user unit, reloads systemd, restarts it if it was updated, and enables and starts it. */
export function planSystemdInstall(i: InstallInputs): ServicePlan {
  const file = unitFile(i.paths);
  const unit = renderUserUnit({
    node: i.node,
    cli: i.cli,
    config: i.config,
    path: servicePath(i.node, i.openclawBin),
  });
  const steps: PlanStep[] = [
    { kind: "write", file, data: unit, mode: 0o644, what: "systemd user unit" },
    { kind: "run", command: systemctl("--user", "daemon-reload") },
  ];
  if (i.existingUnit !== null && i.existingUnit !== unit)
    steps.push({ kind: "run", command: systemctl("--user", "try-restart", UNIT_NAME) });
  steps.push({ kind: "run", command: systemctl("--user", "enable", "--now", UNIT_NAME) });
  const notes = [lingerNote(i.user.name, i.linger)];
  if (!i.openclawBin)
    notes.push(
      "No `openclaw` was found on PATH: the service cannot learn OpenClaw's version unless openclaw.bin is set in the config.",
    );
  if (i.facts.wsl) notes.push(...wslSystemdNotes());
  const snippets = [
    {
      title: "Then",
      text: `logs:    journalctl --user -u ${UNIT_NAME} -f\nstatus:  scope-watchdog status\nreload:  systemctl --user reload ${UNIT_NAME}`,
    },
  ];
  return {
    target: "systemd",
    action: "install",
    steps,
    cannotRun: systemdCannotRun(i.facts),
    notes,
    snippets,
  };
}

/** Stops and disables the unit, removes the file, reloads systemd. */
export function planSystemdUninstall(facts: ServiceFacts, paths: PlanPaths): ServicePlan {
  return {
    target: "systemd",
    action: "uninstall",
    steps: [
      { kind: "run", command: { ...systemctl("--user", "disable", "--now", UNIT_NAME), optional: true } },
      { kind: "remove", file: unitFile(paths), what: "systemd user unit" },
      { kind: "run", command: systemctl("--user", "daemon-reload") },
    ],
    cannotRun: systemdCannotRun(facts),
    notes: [],
    snippets: [],
  };
}

function wslCannotRun(facts: ServiceFacts): string | null {
  if (!facts.interop)
    return "Windows interop does not work from here (no enabled WSLInterop binfmt entry or no WSL_INTEROP), so schtasks.exe cannot be run from WSL";
  if (!facts.schtasks) return "schtasks.exe was not found (PATH or /mnt/c/Windows/System32)";
  return null;
}

/** Writes the launcher and the task XML, registers the task with schtasks.exe and starts it. */
export function planWslInstall(i: InstallInputs): ServicePlan {
  const distro = i.facts.distro;
  if (!distro)
    throw new Error("cannot tell the WSL distro's name (WSL_DISTRO_NAME is not set); pass --distro NAME");
  const files = wslFiles(i.paths);
  const launcher = renderLauncher({
    node: i.node,
    cli: i.cli,
    config: i.config,
    path: servicePath(i.node, i.openclawBin),
    logDir: i.paths.dataDir,
  });
  const xml = renderTaskXml({
    distro,
    linuxUser: i.user.name,
    launcher: files.launcher,
    windowsUser: i.windowsUser,
  });
  const winXml = i.windowsXmlPath ?? wslUncPath(distro, files.xml);
  const notes = [
    "Desktop toasts work on this path: the watchdog is started through wsl.exe, so it has Windows interop. node-notifier's SnoreToast .exe files need `chmod +x` when the package lives on the Linux file system (mikaelbr/node-notifier#353).",
    "While the watchdog runs, its wsl.exe window stays open (closing it stops the watchdog); it also keeps the WSL VM from idling out.",
  ];
  const snippets = [
    {
      title: "Then",
      text: `logs:    ${path.join(i.paths.dataDir, "service.log")}\nstatus:  scope-watchdog status`,
    },
    {
      title: `Alternative without Task Scheduler: add to /etc/wsl.conf (as root). It starts with the distro as ${i.user.name}, but without interop (no toasts) and without keeping the VM alive`,
      text: renderBootCommand({ linuxUser: i.user.name, launcher: files.launcher }).trimEnd(),
    },
  ];
  return {
    target: "wsl",
    action: "install",
    steps: [
      { kind: "write", file: files.launcher, data: launcher, mode: 0o700, what: "launcher" },
      { kind: "write", file: files.xml, data: encodeTaskXml(xml), mode: 0o644, what: "Task Scheduler XML" },
      { kind: "run", command: schtasks(schtasksCreateArgs(winXml)) },
      { kind: "run", command: schtasks(["/Run", "/TN", TASK_NAME]) },
    ],
    cannotRun: wslCannotRun(i.facts),
    notes,
    snippets,
  };
}

/** Stops and deletes the task, removes the launcher and the XML. */
export function planWslUninstall(facts: ServiceFacts, paths: PlanPaths): ServicePlan {
  const files = wslFiles(paths);
  return {
    target: "wsl",
    action: "uninstall",
    steps: [
      { kind: "run", command: schtasks(["/End", "/TN", TASK_NAME], true) },
      { kind: "run", command: schtasks(["/Delete", "/TN", TASK_NAME, "/F"]) },
      { kind: "remove", file: files.xml, what: "Task Scheduler XML" },
      { kind: "remove", file: files.launcher, what: "launcher" },
    ],
    cannotRun: wslCannotRun(facts),
    notes: [
      "If you used the /etc/wsl.conf [boot] command instead, remove that line yourself (it needs root).",
    ],
    snippets: [],
  };
}
