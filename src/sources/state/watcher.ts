// Watches OpenClaw's pairing state on disk (identity/, devices/, state/openclaw.sqlite and its WAL,
// openclaw.json) and reports, debounced, that something may have changed. Content comparison is the
// caller's job: OpenClaw rewrites paired.json on every device-token use, so an event alone means little.

import path from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";

export interface StateWatcherOptions {
  stateDir: string;
  configPath: string;
  debounceMs: number;
  usePolling: boolean;
  pollIntervalMs: number;
  logger: Logger;
  /** Called once per burst of events with the files that changed. */
  onChange: (files: string[]) => void;
}

export interface StateWatcher {
  ready: Promise<void>;
  stop(): Promise<void>;
}

const WATCHED_FILES = [
  "identity/device.json",
  "identity/device-auth.json",
  "devices/paired.json",
  "devices/pending.json",
  "state/openclaw.sqlite",
  "state/openclaw.sqlite-wal",
];
const WATCHED_DIRS = ["identity", "devices", "state"];

export function createStateWatcher(opts: StateWatcherOptions): StateWatcher {
  const files = new Set(WATCHED_FILES.map((f) => path.join(opts.stateDir, f)));
  files.add(path.resolve(opts.configPath));
  const dirs = new Set([opts.stateDir, ...WATCHED_DIRS.map((d) => path.join(opts.stateDir, d))]);
  const configDir = path.dirname(path.resolve(opts.configPath));
  const relevant = (p: string) => files.has(p) || dirs.has(p) || p === configDir;

  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const flush = () => {
    timer = undefined;
    if (stopped || pending.size === 0) return;
    const changed = [...pending];
    pending = new Set();
    opts.onChange(changed);
  };

  const watcher: FSWatcher = watch([...new Set([opts.stateDir, configDir])], {
    ignoreInitial: true,
    depth: 1,
    atomic: true,
    usePolling: opts.usePolling,
    interval: opts.pollIntervalMs,
    binaryInterval: opts.pollIntervalMs,
    // Only the pairing files and the folders that hold them: OpenClaw's other folders (agents, sessions,
    // workspace) are never walked, and its temp files (<name>.<uuid>.tmp) never reach us.
    ignored: (p: string) => !relevant(path.resolve(p)),
  });
  watcher.on("all", (event, p) => {
    if (stopped) return;
    const file = path.resolve(p);
    if (!files.has(file) && !(event === "addDir" && dirs.has(file))) return;
    pending.add(file);
    timer ??= setTimeout(flush, opts.debounceMs);
  });
  watcher.on("error", (err) =>
    opts.logger.warn({ err: errorMessage(err) }, "file watcher error; the periodic reconcile still runs"),
  );
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));

  let stopping: Promise<void> | undefined;
  return {
    ready,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        timer = undefined;
        await watcher.close();
      })();
      return stopping;
    },
  };
}
