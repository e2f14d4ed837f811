// WSL2 facts for Windows toasts: whether WSL interop can start a Windows .exe from this process, and making
// node-notifier's bundled SnoreToast executable (npm ships it as mode 0644; mikaelbr/node-notifier#353).

import { accessSync, constants, readFileSync } from "node:fs";
import { access, chmod, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

export const INTEROP_HINT =
  "Windows toasts from WSL need interop: run the watchdog from your WSL user session or a WSL startup command (a systemd unit usually starts without WSL_INTEROP, microsoft/WSL#8846), and keep [interop] enabled=true in /etc/wsl.conf. Meanwhile notifications go to notify.ntfy.url / notify.webhook.url when set.";

/** Whether binfmt_misc has WSL's interop handler registered and enabled (what runs .exe files). */
export function interopRegistered(binfmtDir = "/proc/sys/fs/binfmt_misc"): boolean {
  for (const name of ["WSLInterop", "WSLInterop-late"]) {
    try {
      if (readFileSync(path.join(binfmtDir, name), "utf8").startsWith("enabled")) return true;
    } catch {
      // not registered under this name
    }
  }
  return false;
}

/** Why this process cannot start Windows programs, or null when it can. */
export function interopProblem(env: NodeJS.ProcessEnv, registered: boolean): string | null {
  const missing: string[] = [];
  if (!env.WSL_INTEROP) missing.push("WSL_INTEROP is not set in this process's environment");
  else {
    try {
      accessSync(env.WSL_INTEROP, constants.F_OK);
    } catch {
      missing.push(`WSL_INTEROP points to ${env.WSL_INTEROP}, which does not exist`);
    }
  }
  if (!registered) missing.push("/proc/sys/fs/binfmt_misc/WSLInterop is not registered (interop disabled)");
  return missing.length > 0 ? missing.join("; ") : null;
}

/** node-notifier's vendor/snoreToast folder, or null when node-notifier cannot be resolved. */
export function snoreToastDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve("node-notifier/package.json");
    return path.join(path.dirname(pkg), "vendor", "snoreToast");
  } catch {
    return null;
  }
}

/** The SnoreToast build node-notifier runs on this CPU. */
export function snoreToastExe(dir: string, arch: string = process.arch): string {
  return path.join(dir, `snoretoast-x${arch === "x64" ? "64" : "86"}.exe`);
}

export type SnoreToastPrep =
  | { ok: true; changed: string[] }
  | { ok: false; changed: string[]; file: string; reason: string };

/**
 * Adds the execute bits to the SnoreToast builds we own (chmod +x). One we do not own and cannot run is
 * reported with the command that fixes it.
 */
export async function prepareSnoreToast(
  dir: string,
  uid: number | null,
  arch: string = process.arch,
): Promise<SnoreToastPrep> {
  const changed: string[] = [];
  const used = snoreToastExe(dir, arch);
  let problem: { file: string; reason: string } | null = null;
  for (const file of [snoreToastExe(dir, "x64"), snoreToastExe(dir, "ia32")]) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(file);
    } catch (err) {
      if (file === used)
        problem = { file, reason: `missing (${(err as NodeJS.ErrnoException).code ?? "?"})` };
      continue;
    }
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      continue;
    if (uid !== null && st.uid === uid) {
      try {
        await chmod(file, (st.mode & 0o777) | 0o111);
        changed.push(file);
        continue;
      } catch (err) {
        if (file === used)
          problem = { file, reason: `chmod failed (${(err as NodeJS.ErrnoException).code})` };
        continue;
      }
    }
    if (file === used)
      problem = {
        file,
        reason: `not executable and owned by uid ${st.uid}, not this process (uid ${uid ?? "?"}); run: sudo chmod +x ${file}`,
      };
  }
  return problem ? { ok: false, changed, ...problem } : { ok: true, changed };
}
