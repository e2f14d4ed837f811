// Where OpenClaw keeps its state, resolved exactly as OpenClaw does (src/config/paths.ts, src/cli/profile.ts).

import { existsSync } from "node:fs";
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
