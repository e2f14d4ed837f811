// Facts about the machine the watchdog runs on that change how it watches and notifies.

import { readFileSync } from "node:fs";

/** Whether this is Linux inside WSL (1 or 2): the kernel release names Microsoft, or WSL set its variables. */
export function isWsl(env: NodeJS.ProcessEnv = process.env, readOsRelease = defaultOsRelease): boolean {
  if (process.platform !== "linux") return false;
  if (env.WSL_DISTRO_NAME || env.WSL_INTEROP) return true;
  return /microsoft|wsl/i.test(readOsRelease());
}

function defaultOsRelease(): string {
  try {
    return readFileSync("/proc/sys/kernel/osrelease", "utf8");
  } catch {
    return "";
  }
}

/**
 * Whether to poll a path instead of using inotify. Windows drives mounted under /mnt/ in WSL deliver no
 * change events for writes made from Windows (microsoft/WSL#4739).
 */
export function shouldPoll(file: string, mode: "auto" | "always" | "never", wsl: boolean): boolean {
  if (mode !== "auto") return mode === "always";
  return wsl && /^\/mnt\/[a-z](\/|$)/i.test(file);
}
