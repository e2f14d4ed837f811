// The environment every OpenClaw process of a test runs with: isolated HOME, offline switches, loopback guard.
import path from "node:path";
import { GUARD_FILE, minimalPath } from "./paths.js";

export interface TestDirs {
  /** The per-test folder (mkdtemp under os.tmpdir()); everything else lives inside it. */
  root: string;
  home: string;
  tmp: string;
  guardLog: string;
}

/** Quote a path for NODE_OPTIONS, which splits on spaces but honours double quotes. */
function nodeOptionsPath(file: string): string {
  return /[\s"\\]/.test(file) ? `"${file.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"` : file;
}

/**
 * A complete environment (nothing inherited from the developer's shell): real-gateway-lab.md §2's offline
 * switches, HOME/TMPDIR/XDG_* inside the test folder, Node 24 first on PATH, and the loopback guard preload.
 */
export function offlineEnv(dirs: TestDirs, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: minimalPath(),
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(dirs.home, ".config"),
    XDG_CACHE_HOME: path.join(dirs.home, ".cache"),
    XDG_DATA_HOME: path.join(dirs.home, ".local", "share"),
    XDG_STATE_HOME: path.join(dirs.home, ".local", "state"),
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    OPENCLAW_NO_AUTO_UPDATE: "1",
    DO_NOT_TRACK: "1",
    OPENCLAW_DISABLE_BONJOUR: "1",
    OPENCLAW_NO_RESPAWN: "1",
    OPENCLAW_SKIP_CHANNELS: "1",
    OPENCLAW_EXEC_SHELL_SNAPSHOT: "0",
    CLAWHUB_DISABLE_TELEMETRY: "1",
    NODE_OPTIONS: `--require ${nodeOptionsPath(GUARD_FILE)}`,
    OC_GUARD_LOG: dirs.guardLog,
    ...extra,
  };
}
