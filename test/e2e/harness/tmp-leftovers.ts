// Tracks OpenClaw's hardcoded /tmp folders so a run removes only the ones it created.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";

/** Paths OpenClaw uses outside HOME and TMPDIR: 4.x logs and tmp, the per-uid tmp, 9.x state locks. */
export function openclawTmpPaths(): string[] {
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return ["/tmp/openclaw", `/tmp/openclaw-${uid}`, `/tmp/openclaw-state-locks-${uid}`];
}

export interface TmpSnapshot {
  /** The tracked paths that did not exist when the snapshot was taken. */
  readonly absent: readonly string[];
}

export interface TmpCleanup {
  removed: string[];
  /** New paths left in place because another OpenClaw process (not ours) is running and may be using them. */
  kept: string[];
  foreignPids: number[];
}

export function snapshotOpenclawTmp(): TmpSnapshot {
  return { absent: openclawTmpPaths().filter((p) => !existsSync(p)) };
}

/** This process and its ancestors (the test runner), which are never "another OpenClaw process". */
function ourAncestry(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid); ) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** Live OpenClaw processes (a gateway, or node running openclaw.mjs / its dist) other than us. */
export function otherOpenclawPids(): number[] {
  const ours = ourAncestry();
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || ours.has(Number(name))) continue;
    try {
      const comm = readFileSync(`/proc/${name}/comm`, "utf8").trim();
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      const isOpenclaw =
        comm.startsWith("openclaw") ||
        argv.some((a) => /(^|\/)openclaw(\.mjs)?$/.test(a) || /\/node_modules\/openclaw\/dist\//.test(a));
      if (isOpenclaw) found.push(Number(name));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * Remove the tracked paths that appeared since `snapshot`, unless another OpenClaw process is running (then it
 * may have created or be using them, and they are left alone).
 */
export function removeNewOpenclawTmp(snapshot: TmpSnapshot): TmpCleanup {
  const appeared = snapshot.absent.filter((p) => existsSync(p));
  if (appeared.length === 0) return { removed: [], kept: [], foreignPids: [] };
  const foreignPids = otherOpenclawPids();
  if (foreignPids.length > 0) return { removed: [], kept: appeared, foreignPids };
  for (const p of appeared) rmSync(p, { recursive: true, force: true });
  return { removed: appeared, kept: [], foreignPids };
}
