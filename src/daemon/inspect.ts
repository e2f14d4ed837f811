// One full look at OpenClaw on this machine: where it is, which version, its gateway settings, its pairing
// state, and what is wrong with it. Shared by `check`, `fix` and the daemon's reconcile.

import { access } from "node:fs/promises";
import os from "node:os";
import { readKillSwitch } from "../actions/remediate/kill-switch.js";
import type { LastGoodState, OpenClawInstall, PairingStore } from "../common/types.js";
import { locateOpenClaw, type OpenClawLocation } from "../config/openclaw-paths.js";
import type { Config } from "../config/schema.js";
import type { Inspection } from "../detect/inspection.js";
import { assessState } from "../detect/inspection.js";
import { parseOpenClawVersion, storeForVersion } from "../detect/version.js";
import { findOpenClaw } from "../sources/host/openclaw-install.js";
import { discoverOpenClaw } from "../sources/host/openclaw-version.js";
import { readGatewaySettings } from "../sources/state/openclaw-config.js";
import { findUnsafeStatePaths } from "../sources/state/path-safety.js";
import { readPairingSnapshot } from "../sources/state/snapshot.js";
import type { OpenClawPort } from "./ports.js";

export interface InspectOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  nowMs: number;
  /** --state-dir and --profile from the command line; they win over the config file. */
  stateDirFlag?: string | undefined;
  profileFlag?: string | undefined;
  lastGood?: LastGoodState | null;
  /** A version already learnt (the daemon caches it): used when no cheaper source answers, instead of running
   * `openclaw --version` again. */
  install?: OpenClawInstall;
  /** server.version from hello-ok on the daemon's own gateway connection. */
  helloVersion?: string | null;
  /** The remediation kill switch, read for a remediation-halted finding (the daemon and fix pass it). */
  killSwitchFile?: string | null;
  /** Whose state folders must these be (default: this process's uid; null: not checked). */
  uid?: number | null;
}

/** The state directory does not exist: there is no OpenClaw state to inspect. */
export class NoOpenClawStateError extends Error {
  override readonly name = "NoOpenClawStateError";
  constructor(readonly location: OpenClawLocation) {
    super(
      `No OpenClaw state directory found. Looked at: ${location.searched.join(", ")} (from ${location.stateDirSource}). ` +
        "Install and start OpenClaw (openclaw gateway run), or point the watchdog at its state with --state-dir, --profile, or openclaw.stateDir in the config.",
    );
  }
}

export function locate(
  opts: Pick<InspectOptions, "config" | "env" | "stateDirFlag" | "profileFlag">,
): OpenClawLocation {
  const stateDir = opts.stateDirFlag ?? opts.config.openclaw.stateDir;
  return locateOpenClaw({
    env: opts.env,
    stateDir,
    stateDirFrom: opts.stateDirFlag ? "--state-dir" : "config openclaw.stateDir",
    profile: opts.profileFlag ?? opts.config.openclaw.profile,
    configPath: opts.config.openclaw.configPath,
  });
}

export async function stateDirExists(location: OpenClawLocation): Promise<boolean> {
  try {
    await access(location.stateDir);
    return true;
  } catch {
    return false;
  }
}

export async function inspectOpenClaw(opts: InspectOptions): Promise<Inspection> {
  const location = locate(opts);
  if (!(await stateDirExists(location))) throw new NoOpenClawStateError(location);
  const uid = opts.uid === undefined ? (process.getuid?.() ?? null) : opts.uid;
  const [gatewayRead, unsafePaths, killSwitch] = await Promise.all([
    readGatewaySettings(location.configPath, opts.env, location.portOverride),
    findUnsafeStatePaths(location.stateDir, uid),
    opts.killSwitchFile ? readKillSwitch(opts.killSwitchFile) : null,
  ]);
  const discovered = await discoverOpenClaw({
    configuredBin: opts.config.openclaw.bin,
    env: opts.env,
    home: opts.env.HOME?.trim() || os.homedir(),
    lastTouchedVersion: gatewayRead.settings.lastTouchedVersion ?? null,
    configPath: location.configPath,
    helloVersion: opts.helloVersion ?? null,
    profile: location.profile,
    port: gatewayRead.settings.port,
    allowExec: !opts.install?.version,
  });
  const install = discovered.version || !opts.install?.version ? discovered : opts.install;
  const version = install.version ? parseOpenClawVersion(install.version) : null;
  const store: PairingStore = version ? storeForVersion(version) : "unknown";
  const snapshot = await readPairingSnapshot({ stateDir: location.stateDir, store, nowMs: opts.nowMs });
  snapshot.problems.unshift(...gatewayRead.problems);
  return assessState({
    location,
    install,
    gateway: gatewayRead.settings,
    snapshot,
    requiredScopes: opts.config.requiredScopes,
    nowMs: opts.nowMs,
    lastGood: opts.lastGood ?? null,
    unsafePaths,
    remediationHalt: killSwitch?.halt ?? null,
  });
}

/** The daemon's and `fix`'s way to OpenClaw on this machine (tests pass their own). */
export function createOpenClawPort(env: NodeJS.ProcessEnv): OpenClawPort {
  return {
    locate: (config, target = {}) => locate({ config, env, ...target }),
    exists: stateDirExists,
    findInstall: (bin) => findOpenClaw({ configuredBin: bin, env, allowExec: false }),
    inspect: ({ config, nowMs, lastGood, install, target = {}, killSwitchFile, helloVersion }) =>
      inspectOpenClaw({
        config,
        env,
        nowMs,
        lastGood,
        ...(install ? { install } : {}),
        ...(helloVersion ? { helloVersion } : {}),
        ...(killSwitchFile ? { killSwitchFile } : {}),
        ...target,
      }),
  };
}
