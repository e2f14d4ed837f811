// Finding and signalling the descendants of a process we started (Linux /proc), never anything else.
import { readdirSync, readFileSync } from "node:fs";

/** Parent PID from /proc/<pid>/stat (the field after the parenthesised command name), or null if gone. */
function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(rest[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/** All live descendants of `root` (children, grandchildren, ...), not including `root`. */
export function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentPid(pid);
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The process start time (clock ticks since boot, /proc/<pid>/stat field 22): a PID plus this is unique. */
export function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Send `signal` to one PID, ignoring "no such process". */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until none of `pids` is alive, or `timeoutMs` passes; returns the ones still alive. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/**
 * Stop `pid` (which we spawned) and its descendants the way stop-gateway.sh does: SIGTERM to `pid` so it can
 * shut its own children down, SIGKILL after `graceMs` (2026.4.x can sit in a blocking `npm install` and ignore
 * SIGTERM), then SIGTERM and SIGKILL for descendants that outlived it (spawn broker, sqlite workers).
 * Returns true if `pid` needed SIGKILL.
 */
export async function stopProcessTree(pid: number, graceMs: number): Promise<boolean> {
  // remember each descendant with its start time, so a PID reused by an unrelated process is never signalled
  const tree = new Map<number, string | null>();
  const collect = (): void => {
    for (const p of descendantPids(pid)) if (!tree.has(p)) tree.set(p, startTime(p));
  };
  collect();
  signalPid(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) {
    collect();
    await sleep(100);
  }
  const killed = isAlive(pid);
  if (killed) {
    collect();
    signalPid(pid, "SIGKILL");
    await waitForExit([pid], 5_000);
  }
  const ours = (p: number): boolean => isAlive(p) && startTime(p) === tree.get(p);
  const orphans = [...tree.keys()].filter(ours);
  for (const p of orphans) signalPid(p, "SIGTERM");
  await waitForExit(orphans, 2_000);
  const left = orphans.filter(ours);
  for (const p of left) signalPid(p, "SIGKILL");
  await waitForExit(left, 5_000);
  return killed;
}
