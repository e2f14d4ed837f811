// Which OpenClaw version this machine runs, from the cheapest source that answers, so that it works as a service
// too (where `openclaw` is often not on PATH): the configured or PATH executable's package.json, openclaw.json's
// meta.lastTouchedVersion, the gateway's hello-ok, the gateway's own service file, the gateway process, the usual
// global install folders, and only last running `openclaw --version`. The running gateway is also looked up, so a
// disagreement (upgraded on disk, not restarted) can be reported: the running gateway decides the rules.

import { readdir, readFile, readlink, realpath } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { OpenClawInstall, VersionSighting, VersionSource } from "../../common/types.js";
import { loopbackListeners, parseProcNet, socketPids } from "./listener.js";
import { findOnPath, isExecutable, versionFromCli, versionFromPackage } from "./openclaw-install.js";

const VERSION = /^\d{4}\.\d{1,2}\.\d{1,3}(?:-[0-9A-Za-z.-]+)?$/;
const MAX_SMALL_FILE = 256 * 1024;

export interface VersionDiscoveryOptions {
  configuredBin: string | null;
  env: NodeJS.ProcessEnv;
  /** The user's home folder (service files, nvm, pnpm, bun live below it). */
  home: string;
  /** meta.lastTouchedVersion of openclaw.json, when it has one. */
  lastTouchedVersion: string | null;
  configPath: string;
  /** server.version of hello-ok on the watchdog's own connection (the daemon has it; check does not). */
  helloVersion?: string | null;
  /** The OpenClaw profile (its service is openclaw-gateway-<profile>.service), and the gateway's port. */
  profile: string | null;
  port: number;
  /** Running `openclaw --version` takes seconds; allowed only when nothing else answers. */
  allowExec?: boolean;
  execTimeoutMs?: number;
  /** For tests: where /proc is, and the system-wide global install folders. */
  procRoot?: string;
  systemPrefixes?: readonly string[];
  platform?: NodeJS.Platform;
}

type Answer = { version: string; from: string | null } | null;

async function readSmall(file: string): Promise<string | null> {
  try {
    const text = await readFile(file, "utf8");
    return text.length <= MAX_SMALL_FILE ? text : null;
  } catch {
    return null;
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** The openclaw package an argument list runs (its entry script, or an `openclaw` link in a bin folder). */
async function packageOfArgs(args: readonly string[]): Promise<Answer> {
  for (const arg of args) {
    if (!path.isAbsolute(arg) || !/openclaw/i.test(arg)) continue;
    const version = await versionFromPackage(arg);
    if (version) return { version, from: arg };
  }
  return null;
}

/** ExecStart of a systemd unit's [Service] section, split like systemd does for quoted words. */
export function execStartArgs(unit: string): string[] {
  const service = unit.split(/^\s*\[Service\]\s*$/m)[1]?.split(/^\s*\[/m)[0] ?? "";
  const line = /^\s*ExecStart=\s*[-@:+!]*(.*)$/m.exec(service)?.[1] ?? "";
  const args: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g))
    args.push((m[1] ?? m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1"));
  return args;
}

/** Environment=OPENCLAW_SERVICE_VERSION=… in a unit (OpenClaw writes the version it installed the unit with). */
function serviceVersionEnv(text: string): string | null {
  const m = /OPENCLAW_SERVICE_VERSION[=<>/a-z\s]*?(\d{4}\.\d{1,2}\.\d{1,3}(?:-[0-9A-Za-z.-]+)?)/.exec(text);
  return m?.[1] ?? null;
}

/** The strings of a launchd plist's ProgramArguments array. */
export function plistProgramArguments(plist: string): string[] {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? "";
  const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return [...array.matchAll(/<string>([^<]*)<\/string>/g)].map(([, s]) =>
    (s ?? "").replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => entities[e] ?? ""),
  );
}

/** The service files of OpenClaw's gateway: this profile's first, then any other. */
async function serviceFiles(
  o: VersionDiscoveryOptions,
): Promise<{ file: string; args: string[]; text: string }[]> {
  const out: { file: string; args: string[]; text: string }[] = [];
  const suffix = o.profile && o.profile.toLowerCase() !== "default" ? `-${o.profile}` : "";
  const systemdDir = path.join(o.home, ".config", "systemd", "user");
  const units = (await names(systemdDir)).filter((n) => /^openclaw-gateway.*\.service$/.test(n));
  const mine = `openclaw-gateway${suffix}.service`;
  for (const n of [...units.filter((u) => u === mine), ...units.filter((u) => u !== mine)]) {
    const text = await readSmall(path.join(systemdDir, n));
    if (text) out.push({ file: path.join(systemdDir, n), args: execStartArgs(text), text });
  }
  const agents = path.join(o.home, "Library", "LaunchAgents");
  const label = `ai.openclaw.${suffix ? suffix.slice(1) : "gateway"}.plist`;
  const plists = (await names(agents)).filter((n) => /openclaw/i.test(n) && n.endsWith(".plist"));
  for (const n of [...plists.filter((p) => p === label), ...plists.filter((p) => p !== label)]) {
    const text = await readSmall(path.join(agents, n));
    if (text) out.push({ file: path.join(agents, n), args: plistProgramArguments(text), text });
  }
  // a unit for another port belongs to another profile's gateway
  const portOf = (args: string[]) => {
    const i = args.indexOf("--port");
    return i >= 0 ? Number(args[i + 1]) : null;
  };
  return out.filter((s) => portOf(s.args) === null || portOf(s.args) === o.port);
}

async function fromService(o: VersionDiscoveryOptions): Promise<Answer> {
  for (const s of await serviceFiles(o)) {
    const found = await packageOfArgs(s.args);
    if (found) return { version: found.version, from: s.file };
    const declared = serviceVersionEnv(s.text);
    if (declared) return { version: declared, from: s.file };
  }
  return null;
}

/**
 * The gateway listening on the port: its command line names its entry script, unless it set its process title
 * (OpenClaw does: "openclaw-gateway" overwrites the command line), then the Node.js it runs tells the prefix npm
 * installed it under (nvm, /usr, /usr/local). Its maps and open files name no package file (seen on 2026.4.24).
 */
async function fromProcess(o: VersionDiscoveryOptions): Promise<Answer> {
  const procRoot = o.procRoot ?? "/proc";
  for (const pid of await gatewayPids(procRoot, o.port)) {
    const dir = path.join(procRoot, String(pid));
    const cmdline = (await readSmall(path.join(dir, "cmdline")))?.split("\0").filter(Boolean) ?? [];
    const found = await packageOfArgs(cmdline);
    if (found) return { version: found.version, from: `pid ${pid} (${found.from})` };
    const exe = await readlink(path.join(dir, "exe")).catch(() => null);
    if (exe && path.basename(path.dirname(exe)) === "bin") {
      const pkg = path.join(
        path.dirname(path.dirname(exe)),
        "lib",
        "node_modules",
        "openclaw",
        "package.json",
      );
      const version = await packageVersion(pkg);
      if (version) return { version, from: `pid ${pid} (${pkg})` };
    }
  }
  return null;
}

/**
 * This user's processes holding a LISTEN socket on 127.0.0.1:port. Only Node.js and OpenClaw processes (by
 * /proc/<pid>/comm) have their descriptors read, which keeps this cheap on a busy machine.
 */
async function gatewayPids(procRoot: string, port: number): Promise<number[]> {
  const le = os.endianness() === "LE";
  const read = (f: string) => readFile(path.join(procRoot, "net", f), "utf8").catch(() => "");
  const sockets = loopbackListeners(
    [...parseProcNet(await read("tcp"), 4, le), ...parseProcNet(await read("tcp6"), 6, le)],
    port,
  );
  const uid = process.getuid?.() ?? -1;
  const inodes = new Set(sockets.filter((s) => s.uid === uid).map((s) => s.inode));
  if (inodes.size === 0) return [];
  return socketPids(procRoot, inodes, uid, (comm) => /^(node|nodejs|openclaw)/.test(comm));
}

async function packageVersion(file: string): Promise<string | null> {
  const text = await readSmall(file);
  if (!text) return null;
  try {
    const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
    return pkg.name === "openclaw" && typeof pkg.version === "string" ? pkg.version : null;
  } catch {
    return null;
  }
}

/** The global node_modules folders npm, nvm, pnpm and bun install into, most specific first. */
async function globalRoots(o: VersionDiscoveryOptions): Promise<string[]> {
  const roots: string[] = [];
  const prefix = o.env.NPM_CONFIG_PREFIX ?? o.env.npm_config_prefix;
  if (prefix) roots.push(path.join(prefix, "lib", "node_modules"));
  roots.push(path.join(o.home, ".npm-global", "lib", "node_modules"));
  const nvm = o.env.NVM_DIR ?? path.join(o.home, ".nvm");
  const nodes = (await names(path.join(nvm, "versions", "node"))).sort((a, b) =>
    b.localeCompare(a, "en", { numeric: true }),
  );
  for (const v of nodes) roots.push(path.join(nvm, "versions", "node", v, "lib", "node_modules"));
  const pnpmHome = o.env.PNPM_HOME ?? path.join(o.home, ".local", "share", "pnpm");
  for (const v of (await names(path.join(pnpmHome, "global"))).reverse())
    roots.push(path.join(pnpmHome, "global", v, "node_modules"));
  roots.push(path.join(o.env.BUN_INSTALL ?? path.join(o.home, ".bun"), "install", "global", "node_modules"));
  roots.push(...(o.systemPrefixes ?? ["/usr/local/lib/node_modules", "/usr/lib/node_modules"]));
  return roots;
}

async function fromGlobalInstall(o: VersionDiscoveryOptions): Promise<Answer> {
  for (const root of await globalRoots(o)) {
    const pkg = path.join(root, "openclaw", "package.json");
    const version = await packageVersion(pkg);
    if (version) return { version, from: pkg };
  }
  return null;
}

function valid(v: string | null | undefined): v is string {
  return typeof v === "string" && VERSION.test(v.trim().replace(/^v/, ""));
}

/**
 * The version, from the first source that answers, and every source consulted that answered. The running
 * gateway (hello-ok, else the process on the port) is always asked, since it decides the rules.
 */
export async function discoverOpenClaw(o: VersionDiscoveryOptions): Promise<OpenClawInstall> {
  const seen: VersionSighting[] = [];
  const add = (source: VersionSource, a: Answer, running = false) => {
    if (a && valid(a.version))
      seen.push({ source, version: a.version.trim().replace(/^v/, ""), from: a.from, running });
  };
  let bin: string | null = o.configuredBin;
  let problem: string | null = null;
  if (bin) {
    if (!(await isExecutable(bin))) problem = `openclaw.bin ${bin} is not an executable file`;
    else add("openclaw.bin", await packageAnswer(bin));
  } else {
    bin = await findOnPath("openclaw", o.env.PATH);
    if (bin) add("PATH", await packageAnswer(bin));
  }
  if (seen.length === 0)
    add(
      "lastTouchedVersion",
      o.lastTouchedVersion ? { version: o.lastTouchedVersion, from: o.configPath } : null,
    );
  // the running gateway: hello-ok, else the process (asked even when a file answered, to catch a stale gateway)
  if (o.helloVersion) add("gateway hello-ok", { version: o.helloVersion, from: null }, true);
  if (seen.length === 0) add("gateway service", await fromService(o));
  if (!o.helloVersion && (o.platform ?? process.platform) === "linux")
    add("gateway process", await fromProcess(o), true);
  if (seen.length === 0) add("global install", await fromGlobalInstall(o));
  if (seen.length === 0 && bin && problem === null && o.allowExec !== false) {
    const v = await versionFromCli(bin, o.env, o.execTimeoutMs ?? 15_000);
    add("openclaw --version", v ? { version: v, from: bin } : null);
  }
  // the running gateway decides the rules: its version wins over what is on disk (openclaw-version-mismatch)
  const running = seen.find((x) => x.running);
  const first = running && seen[0] && running.version !== seen[0].version ? running : seen[0];
  if (!first)
    return {
      bin,
      version: null,
      via: null,
      problem: problem ?? (bin ? `could not read the version of ${bin}` : "no `openclaw` executable on PATH"),
      versionSource: null,
      versionFrom: null,
      versionsSeen: [],
    };
  return {
    bin,
    version: first.version,
    via:
      first.source === "openclaw --version"
        ? "--version"
        : first.source === "lastTouchedVersion" || first.source === "gateway hello-ok"
          ? null
          : "package.json",
    // a configured openclaw.bin that is not executable stays reported even when another source answered
    problem,
    versionSource: first.source,
    versionFrom: first.from,
    versionsSeen: seen,
  };
}

async function packageAnswer(bin: string): Promise<Answer> {
  const version = await versionFromPackage(bin);
  if (!version) return null;
  const real = await realpath(bin).catch(() => bin);
  return { version, from: real };
}
