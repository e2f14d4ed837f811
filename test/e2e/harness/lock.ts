// A cross-process lock (an atomic mkdir holding the owner's PID) with stale-owner takeover.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isAlive } from "./process-tree.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ownerOf(lockDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(lockDir, "pid"), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function tryAcquire(lockDir: string): boolean {
  try {
    mkdirSync(lockDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  writeFileSync(path.join(lockDir, "pid"), String(process.pid));
  return true;
}

/** Run `fn` while holding `lockDir`; waits up to `timeoutMs` for another live owner to finish. */
export async function withLock<T>(lockDir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let ownerMissingSince: number | null = null;
  while (!tryAcquire(lockDir)) {
    const owner = ownerOf(lockDir);
    if (owner !== null && !isAlive(owner)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (owner === null) {
      // the owner creates the dir and writes its pid right after; a dir without a pid for 5 s is stale
      ownerMissingSince ??= Date.now();
      if (Date.now() - ownerMissingSince > 5_000) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
    } else {
      ownerMissingSince = null;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for lock ${lockDir} (held by pid ${owner ?? "?"}); remove it if stale`,
      );
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
