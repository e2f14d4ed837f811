// `scope-watchdog service install|uninstall|print [--systemd|--wsl]`: sets the daemon up to start by itself, as a
// systemd user unit or (WSL without systemd) a Windows logon task, or prints what it would install.

import { access } from "node:fs/promises";
import path from "node:path";
import { type ApplyResult, applyPlan } from "../actions/service/apply.js";
import {
  probeLinger,
  probeServiceFacts,
  probeWindowsPath,
  probeWindowsUser,
} from "../actions/service/facts.js";
import { createProcessHost, type ServiceHost } from "../actions/service/host.js";
import {
  chooseTarget,
  configHome,
  displayCommand,
  type InstallInputs,
  type PlanPaths,
  planSystemdInstall,
  planSystemdUninstall,
  planWslInstall,
  planWslUninstall,
  type ServicePlan,
  type ServiceTarget,
  unitFile,
  wslFiles,
} from "../actions/service/plan.js";
import { renderSystemUnit, renderUserUnit, servicePath, UNIT_NAME } from "../actions/service/systemd-unit.js";
import { renderBootCommand, renderLauncher, renderTaskXml } from "../actions/service/wsl-task.js";
import { resolveDataDir } from "../actions/state-store.js";
import { errorMessage } from "../common/errors.js";
import { loadConfig } from "../config/load.js";
import { EXIT, type Io, print, styleFor } from "./io.js";
import { wrapText } from "./style.js";

export interface ServiceOptions {
  systemd?: boolean;
  wsl?: boolean;
  /** print only: the system-wide unit for a dedicated account. */
  system?: boolean;
  /** The dedicated account of --system (default "openclaw"). */
  runAs?: string;
  /** The config file the service runs with (absolute path baked into the unit). */
  config?: string;
  /** The WSL distro, when WSL_DISTRO_NAME is not set. */
  distro?: string;
}

const ACTIONS = ["install", "uninstall", "print"] as const;
type Action = (typeof ACTIONS)[number];

function fail(io: Io, message: string): number {
  print(io.stderr, `scope-watchdog: ${message}`);
  return EXIT.failed;
}

/** The home of `user` from /etc/passwd, or null. */
async function homeOf(host: ServiceHost, user: string): Promise<string | null> {
  const passwd = (await host.readText("/etc/passwd")) ?? "";
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === user && f[5]) return f[5];
  }
  return null;
}

interface Context {
  host: ServiceHost;
  configFile: string | null;
  openclawBin: string | null;
  paths: PlanPaths;
}

/**
 * The config file to bake into the service: --config, else the file this shell finds through the environment
 * ($SCOPE_WATCHDOG_CONFIG, or a non-default $XDG_CONFIG_HOME), because a service does not inherit that environment.
 * The default ~/.config/openclaw-scope-watchdog/config.json is left to the service's own lookup.
 */
async function context(opts: ServiceOptions, io: Io, host: ServiceHost): Promise<Context> {
  // validates the file now, so a typo fails here and not in a restart loop
  const loaded = await loadConfig({ flag: opts.config, env: io.env, home: host.user.home });
  const viaEnv =
    loaded.source === "SCOPE_WATCHDOG_CONFIG" ||
    (loaded.source === "XDG_CONFIG_HOME" &&
      configHome(io.env, host.user.home) !== path.join(host.user.home, ".config"));
  const configFile = loaded.source === "--config" || viaEnv ? loaded.file : null;
  const bin = loaded.config.openclaw.bin;
  return {
    host,
    configFile,
    openclawBin: bin ? path.resolve(bin) : await host.which("openclaw"),
    paths: {
      configHome: configHome(io.env, host.user.home),
      dataDir: resolveDataDir(loaded.config.dataDir, io.env, host.user.home),
    },
  };
}

async function cliMustExist(cli: string): Promise<string | null> {
  try {
    await access(cli);
    return null;
  } catch {
    return `${cli} does not exist; build the package first (npm run build) or install it (npm install -g openclaw-scope-watchdog)`;
  }
}

function printPlanResult(io: Io, plan: ServicePlan, r: ApplyResult): void {
  const style = styleFor(io);
  const lines: string[] = [];
  for (const o of r.outcomes) {
    const what =
      o.step.kind === "run"
        ? displayCommand(o.step.command)
        : `${o.step.file} ${style.dim(`(${o.step.what})`)}`;
    lines.push(`  ${o.status.padEnd(9)} ${what}`);
  }
  if (lines.length > 0) print(io.stdout, lines.join("\n"));
  if (r.failed?.step.kind === "run") {
    const res = r.failed.result;
    const why = res?.error ?? `exit ${res?.exitCode}`;
    const out = (res?.stderr || res?.stdout || "").trim().split("\n").slice(0, 6).join("\n    ");
    print(
      io.stderr,
      `scope-watchdog: \`${displayCommand(r.failed.step.command)}\` failed (${why})${out ? `:\n    ${out}` : ""}`,
    );
  }
  if (r.manual.length > 0) {
    const windows = r.manual.some((c) => c.side === "windows");
    const head = r.failed
      ? "Then run the rest yourself"
      : `${plan.cannotRun ?? "cannot run commands here"}; run these yourself`;
    print(
      io.stdout,
      `\n${head}${windows ? " from Windows (PowerShell or cmd)" : ""}:\n${r.manual.map((c) => `  ${displayCommand(c)}`).join("\n")}`,
    );
  }
  for (const note of plan.notes) print(io.stdout, `\n${wrapText(note, style.width, "  ", "Note: ")}`);
  for (const snip of plan.snippets)
    print(
      io.stdout,
      `\n${wrapText(`${snip.title}:`, style.width, "")}\n${snip.text
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n")}`,
    );
}

async function install(ctx: Context, target: ServiceTarget, opts: ServiceOptions, io: Io): Promise<number> {
  const { host } = ctx;
  const missing = await cliMustExist(host.cliPath);
  if (missing) return fail(io, missing);
  const facts = await probeServiceFacts(host);
  if (opts.distro) facts.distro = opts.distro;
  const files = wslFiles(ctx.paths);
  const wsl = target === "wsl";
  const inputs: InstallInputs = {
    facts,
    user: host.user,
    paths: ctx.paths,
    node: host.execPath,
    cli: host.cliPath,
    config: ctx.configFile,
    openclawBin: ctx.openclawBin,
    existingUnit: wsl ? null : await host.readText(unitFile(ctx.paths)),
    linger: wsl ? null : await probeLinger(host, facts.loginctl),
    windowsUser: wsl && facts.interop ? await probeWindowsUser(host) : null,
    windowsXmlPath: wsl ? await probeWindowsPath(host, files.xml) : null,
  };
  let plan: ServicePlan;
  try {
    plan = wsl ? planWslInstall(inputs) : planSystemdInstall(inputs);
  } catch (err) {
    return fail(io, errorMessage(err));
  }
  print(io.stdout, wsl ? "Windows logon task for WSL:" : `systemd user unit ${UNIT_NAME}:`);
  const result = await applyPlan(plan, host, { systemctl: facts.systemctl, schtasks: facts.schtasks });
  printPlanResult(io, plan, result);
  return result.failed ? EXIT.failed : EXIT.ok;
}

async function uninstall(ctx: Context, target: ServiceTarget, io: Io): Promise<number> {
  const facts = await probeServiceFacts(ctx.host);
  const plan = target === "wsl" ? planWslUninstall(facts, ctx.paths) : planSystemdUninstall(facts, ctx.paths);
  print(io.stdout, target === "wsl" ? "Removing the Windows logon task:" : `Removing ${UNIT_NAME}:`);
  const result = await applyPlan(plan, ctx.host, { systemctl: facts.systemctl, schtasks: facts.schtasks });
  printPlanResult(io, plan, result);
  return result.failed ? EXIT.failed : EXIT.ok;
}

async function printUnits(
  ctx: Context,
  target: ServiceTarget,
  opts: ServiceOptions,
  io: Io,
): Promise<number> {
  const { host } = ctx;
  const cmd = { node: host.execPath, cli: host.cliPath, config: ctx.configFile };
  const svcPath = servicePath(host.execPath, ctx.openclawBin);
  if (opts.system) {
    const user = opts.runAs ?? "openclaw";
    const home = await homeOf(host, user);
    if (!home)
      return fail(
        io,
        `there is no account "${user}"; create it (e.g. sudo useradd --system --create-home --home-dir /var/lib/${user} --shell /usr/sbin/nologin ${user}), run OpenClaw as it, or pass --run-as USER`,
      );
    const hidden = [host.execPath, host.cliPath].filter(
      (p) => /^\/(home|root)\//.test(p) && !p.startsWith(`${home}/`),
    );
    if (hidden.length > 0)
      print(
        io.stderr,
        `scope-watchdog: warning: ${hidden.join(" and ")} lie in another user's home, which the unit hides (ProtectHome=tmpfs); install Node and the package system-wide (e.g. npm install -g under /usr/local) and print again`,
      );
    let unit: string;
    try {
      unit = renderSystemUnit({ ...cmd, path: svcPath, user, home });
    } catch (err) {
      return fail(io, errorMessage(err));
    }
    print(io.stdout, unit);
    return EXIT.ok;
  }
  if (target === "systemd") {
    print(io.stdout, renderUserUnit({ ...cmd, path: svcPath }));
    return EXIT.ok;
  }
  const facts = await probeServiceFacts(host);
  const distro = opts.distro ?? facts.distro ?? "<distro>";
  const files = wslFiles(ctx.paths);
  const launcher = renderLauncher({ ...cmd, path: svcPath, logDir: ctx.paths.dataDir });
  const xml = renderTaskXml({
    distro,
    linuxUser: host.user.name,
    launcher: files.launcher,
    windowsUser: null,
  });
  print(
    io.stdout,
    [
      `# ---- ${files.launcher} (mode 0700) ----`,
      launcher,
      `# ---- ${files.xml} (install writes it as UTF-16, which schtasks /XML reads) ----`,
      xml,
      "# ---- or, instead of the task, in /etc/wsl.conf ----",
      renderBootCommand({ linuxUser: host.user.name, launcher: files.launcher }),
    ].join("\n"),
  );
  return EXIT.ok;
}

/** Runs one `service` action; resolves to the exit code (0 done or printed, 2 failed). */
export async function runService(
  action: string,
  opts: ServiceOptions,
  io: Io,
  host: ServiceHost = createProcessHost(io.env),
): Promise<number> {
  if (!ACTIONS.includes(action as Action))
    return fail(io, `unknown service action "${action}"; expected install, uninstall or print`);
  if (opts.systemd && opts.wsl) return fail(io, "choose one of --systemd and --wsl");
  if (opts.system && action !== "print")
    return fail(
      io,
      `the system-wide unit is installed as root by hand: scope-watchdog service print --systemd --system --run-as USER | sudo tee /etc/systemd/system/${UNIT_NAME}, then sudo systemctl daemon-reload && sudo systemctl enable --now ${UNIT_NAME}`,
    );
  const ctx = await context(opts, io, host);
  const forced: ServiceTarget | null = opts.systemd ? "systemd" : opts.wsl ? "wsl" : null;
  const target = forced ?? (action === "print" && opts.system ? "systemd" : null);
  if (action === "print") {
    const t = target ?? chooseTarget(await probeServiceFacts(host), null);
    return printUnits(ctx, t, opts, io);
  }
  const t = target ?? chooseTarget(await probeServiceFacts(host), null);
  return action === "install" ? install(ctx, t, opts, io) : uninstall(ctx, t, io);
}
