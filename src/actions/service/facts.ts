// What the installer needs to know about the machine: WSL or not, is systemd running, does WSL interop work,
// which service tools exist, and whether the user manager lingers. Read through the ServiceHost boundary.

import { isWsl } from "../../sources/host/platform.js";
import type { ServiceHost } from "./host.js";

export interface ServiceFacts {
  wsl: boolean;
  /** WSL_DISTRO_NAME, when WSL set it. */
  distro: string | null;
  /** systemd is PID 1 (sd_booted(): /run/systemd/system exists). */
  systemdRunning: boolean;
  /** WSL interop works for this process: the WSLInterop binfmt entry is enabled and WSL_INTEROP is set. */
  interop: boolean;
  systemctl: string | null;
  loginctl: string | null;
  /** schtasks.exe through interop (PATH, else C:\Windows\System32 under /mnt/c). */
  schtasks: string | null;
}

const BINFMT = ["/proc/sys/fs/binfmt_misc/WSLInterop", "/proc/sys/fs/binfmt_misc/WSLInterop-late"];
const SCHTASKS_FALLBACK = "/mnt/c/Windows/System32/schtasks.exe";

/** Whether a binfmt_misc entry file says "enabled" on its first line. */
export function binfmtEnabled(text: string | null): boolean {
  return text?.split("\n")[0]?.trim() === "enabled";
}

/** Reads the facts; nothing here changes the machine. */
export async function probeServiceFacts(host: ServiceHost): Promise<ServiceFacts> {
  const osRelease = (await host.readText("/proc/sys/kernel/osrelease")) ?? "";
  const wsl = isWsl(host.env, () => osRelease);
  const comm = (await host.readText("/proc/1/comm"))?.trim();
  const systemdRunning = (await host.exists("/run/systemd/system")) || comm === "systemd";
  let interop = false;
  let schtasks: string | null = null;
  if (wsl) {
    const entries = await Promise.all(BINFMT.map((f) => host.readText(f)));
    interop = entries.some(binfmtEnabled) && Boolean(host.env.WSL_INTEROP?.trim());
    schtasks =
      (await host.which("schtasks.exe")) ??
      ((await host.exists(SCHTASKS_FALLBACK)) ? SCHTASKS_FALLBACK : null);
  }
  return {
    wsl,
    distro: host.env.WSL_DISTRO_NAME?.trim() || null,
    systemdRunning,
    interop,
    systemctl: await host.which("systemctl"),
    loginctl: await host.which("loginctl"),
    schtasks,
  };
}

/** `loginctl show-user USER -p Linger`: true/false, or null when it cannot tell (no loginctl, no logind). */
export async function probeLinger(host: ServiceHost, loginctl: string | null): Promise<boolean | null> {
  if (!loginctl) return null;
  const r = await host.run(loginctl, ["show-user", host.user.name, "-p", "Linger"]);
  if (r.exitCode !== 0) return null;
  const m = /^Linger=(yes|no)$/m.exec(r.stdout);
  return m ? m[1] === "yes" : null;
}

/** DOMAIN\user of the Windows account, through whoami.exe (needs interop); null when it cannot tell. */
export async function probeWindowsUser(host: ServiceHost): Promise<string | null> {
  const whoami = await host.which("whoami.exe");
  if (!whoami) return null;
  const r = await host.run(whoami, []);
  const name = r.stdout.trim();
  return r.exitCode === 0 && /^[^\s\\/]+\\[^\\/\r\n]+$/.test(name) ? name : null;
}

/** The Windows path of a Linux file (wslpath -w), or null when wslpath is not there or fails. */
export async function probeWindowsPath(host: ServiceHost, linuxPath: string): Promise<string | null> {
  const wslpath = await host.which("wslpath");
  if (!wslpath) return null;
  const r = await host.run(wslpath, ["-w", linuxPath]);
  const out = r.stdout.trim();
  return r.exitCode === 0 && out !== "" && !out.includes("\n") ? out : null;
}
