// Where OpenClaw keeps its state, resolved exactly as OpenClaw does (src/config/paths.ts, src/cli/profile.ts).

import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const DEFAULT_GATEWAY_PORT = 18789;

export type StateDirSource =
  | "--state-dir"
  | "config openclaw.stateDir"
  | "OPENCLAW_STATE_DIR"
  | "profile"
  | "~/.openclaw"
  | "~/.clawdbot (legacy)";

export interface OpenClawLocation {
  home: string;
  stateDir: string;
  stateDirSource: StateDirSource;
  profile: string | null;
  configPath: string;
  /** The state directories considered, in order, for messages like "no OpenClaw state found". */
  searched: string[];
  /** OPENCLAW_GATEWAY_PORT in effect (the dev profile implies 19001), if any. */
  portOverride: number | null;
}

export interface LocateOptions {
  env: NodeJS.ProcessEnv;
  stateDir?: string | null | undefined;
  stateDirFrom?: "--state-dir" | "config openclaw.stateDir";
  profile?: string | null | undefined;
  configPath?: string | null | undefined;
  osHomedir?: () => string;
}

function clean(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t && t !== "undefined" && t !== "null" ? t : undefined;
}

/** resolveRawHomeDir: OPENCLAW_HOME (with ~), else HOME, else USERPROFILE, else os.homedir(). */
export function resolveOpenClawHome(env: NodeJS.ProcessEnv, osHomedir: () => string = os.homedir): string {
  const osHome = clean(env.HOME) ?? clean(env.USERPROFILE) ?? clean(osHomedir()) ?? process.cwd();
  const explicit = clean(env.OPENCLAW_HOME);
  if (explicit) return path.resolve(explicit.replace(/^~(?=$|[\\/])/, osHome));
  return path.resolve(osHome);
}

export function expandUserPath(input: string, home: string): string {
  return path.resolve(input.trim().replace(/^~(?=$|[\\/])/, home));
}

export function profileStateDir(profile: string, home: string): string {
  return path.join(home, profile.toLowerCase() === "default" ? ".openclaw" : `.openclaw-${profile}`);
}

export function locateOpenClaw(opts: LocateOptions): OpenClawLocation {
  const env = opts.env;
  const home = resolveOpenClawHome(env, opts.osHomedir);
  const profile = opts.profile ?? null;
  const envStateDir = clean(env.OPENCLAW_STATE_DIR);
  const envConfig = clean(env.OPENCLAW_CONFIG_PATH);
  const defaultDir = path.join(home, ".openclaw");
  const legacyDir = path.join(home, ".clawdbot");
  let portOverride = Number.parseInt(clean(env.OPENCLAW_GATEWAY_PORT) ?? "", 10);
  if (!Number.isFinite(portOverride) && profile === "dev") portOverride = 19001;

  let stateDir: string;
  let source: StateDirSource;
  let searched: string[];
  if (opts.stateDir) {
    stateDir = expandUserPath(opts.stateDir, home);
    source = opts.stateDirFrom ?? "--state-dir";
    searched = [stateDir];
  } else if (envStateDir) {
    // applyCliProfileEnv keeps an OPENCLAW_STATE_DIR that is already set, so it wins over a profile.
    stateDir = expandUserPath(envStateDir, home);
    source = "OPENCLAW_STATE_DIR";
    searched = [stateDir];
  } else if (profile) {
    stateDir = profileStateDir(profile, home);
    source = "profile";
    searched = [stateDir];
  } else if (existsSync(defaultDir) || !existsSync(legacyDir)) {
    stateDir = defaultDir;
    source = "~/.openclaw";
    searched = [defaultDir, legacyDir];
  } else {
    stateDir = legacyDir;
    source = "~/.clawdbot (legacy)";
    searched = [defaultDir, legacyDir];
  }

  let configPath: string;
  if (opts.configPath) configPath = expandUserPath(opts.configPath, home);
  else if (envConfig && !opts.stateDir) configPath = expandUserPath(envConfig, home);
  else {
    const current = path.join(stateDir, "openclaw.json");
    const legacy = path.join(stateDir, "clawdbot.json");
    configPath = !existsSync(current) && existsSync(legacy) ? legacy : current;
  }
  return {
    home,
    stateDir,
    stateDirSource: source,
    profile,
    configPath,
    searched,
    portOverride: Number.isFinite(portOverride) ? portOverride : null,
  };
}

/** Which OpenClaw state one watched instance is, as the command line would name it. */
export interface InstanceTarget {
  stateDirFlag?: string;
  profileFlag?: string;
}

export interface DiscoverOptions {
  env: NodeJS.ProcessEnv;
  /** The config's openclaw section. */
  openclaw: { stateDir: string | null; profile: string | null; instances: readonly string[] | null };
  osHomedir?: () => string;
}

const PROFILE_DIR = /^\.openclaw-([A-Za-z0-9_-]+)$/;

/** Whether a folder holds an OpenClaw state (OpenClaw wrote its config or its identity there). */
function holdsState(dir: string): boolean {
  return existsSync(path.join(dir, "openclaw.json")) || existsSync(path.join(dir, "identity"));
}

/** One target per state the watchdog should watch, and how it was chosen (for messages). */
export function discoverInstances(o: DiscoverOptions): { targets: InstanceTarget[]; how: string } {
  const { openclaw } = o;
  if (openclaw.stateDir || openclaw.profile)
    return { targets: [{}], how: "config openclaw.stateDir/profile" };
  if (clean(o.env.OPENCLAW_STATE_DIR)) return { targets: [{}], how: "OPENCLAW_STATE_DIR" };
  if (openclaw.instances) {
    const targets = openclaw.instances.map((entry): InstanceTarget => {
      const e = entry.trim();
      return /^[~./]/.test(e) ? { stateDirFlag: e } : e.toLowerCase() === "default" ? {} : { profileFlag: e };
    });
    return { targets, how: "config openclaw.instances" };
  }
  const home = resolveOpenClawHome(o.env, o.osHomedir);
  let names: string[] = [];
  try {
    names = readdirSync(home);
  } catch {
    // no home to look in: the default state is all there can be
  }
  const profiles = names
    .map((n) => PROFILE_DIR.exec(n)?.[1])
    .filter((p): p is string => p !== undefined && p.toLowerCase() !== "default")
    .filter((p) => holdsState(path.join(home, `.openclaw-${p}`)))
    .sort();
  const base = locateOpenClaw({ env: o.env, ...(o.osHomedir ? { osHomedir: o.osHomedir } : {}) });
  // the default state is watched when it exists, or when nothing else does (the daemon then waits for it)
  const withDefault = existsSync(base.stateDir) || profiles.length === 0;
  return {
    targets: [...(withDefault ? [{}] : []), ...profiles.map((p) => ({ profileFlag: p }))],
    how: "every OpenClaw state in the home folder",
  };
}

/** How an instance is named in log lines, notifications, status and metrics: its profile, else "default". */
export function instanceName(
  location: Pick<OpenClawLocation, "profile" | "stateDir" | "stateDirSource">,
): string {
  if (location.profile) return location.profile;
  if (location.stateDirSource === "--state-dir" || location.stateDirSource === "config openclaw.stateDir")
    return location.stateDir;
  return "default";
}
