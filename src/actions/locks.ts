// Locks between watchdogs, through the kept library proper-lockfile (an atomic mkdir, kept fresh by its
// holder, taken over once stale when the holder died without releasing it). They live in one private folder
// of this user on this machine, whatever each watchdog's config or data dir, and never in OpenClaw's state dir
// (the watchdog never writes there): $XDG_RUNTIME_DIR/openclaw-scope-watchdog, else /run/user/<uid>/… when it
// exists, else <tmpdir>/openclaw-scope-watchdog-<uid>. Each lock is named by a hash of the resolved state dir.
//   remediation-<hash>: one remediation pass at a time per OpenClaw state, from decision to verification,
//     shared by the daemon and `fix`;
//   daemon-<hash>: one daemon per OpenClaw state, for its lifetime (even with another socket or data dir).

import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, realpath, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { errorMessage } from "../common/errors.js";
import { APP_NAME } from "../config/load.js";

/** A lock not refreshed for this long is stale: its holder died (SIGKILL, power loss) and it may be taken over. */
export const LOCK_STALE_MS = 10_000;

/** A lock cannot be used at all (its folder is not private, the file system refuses): fail closed. */
export class LockError extends Error {
  override readonly name = "LockError";
}

export interface HeldLock {
  /** The lock's path (a folder proper-lockfile creates). */
  readonly path: string;
  /** Why the lock was lost while held (taken over as stale after the event loop stalled), or null. */
  lost(): string | null;
  /** Releases it; idempotent. */
  release(): Promise<void>;
}

export interface MachineLocks {
  /** The folder the locks are in. */
  dir(): Promise<string>;
  /** The remediation lock on a state dir, or null when another pass (daemon or fix) holds it. */
  remediation(stateDir: string): Promise<HeldLock | null>;
  /** The daemon lock on a state dir, or null when another daemon holds it. */
  daemon(stateDir: string): Promise<HeldLock | null>;
}

export interface MachineLocksOptions {
  env: NodeJS.ProcessEnv;
  uid?: number | null;
  tmpdir?: string;
  staleMs?: number;
  /** Told when a held lock is lost (another process took it over as stale). */
  onLost?: (lockPath: string, why: string) => void;
}

/** Where this user's locks live (see the header); the folder itself is made by ensureLockDir. */
export async function lockDirFor(
  env: NodeJS.ProcessEnv,
  uid: number | null,
  tmpdir = os.tmpdir(),
): Promise<string> {
  const runtime = env.XDG_RUNTIME_DIR?.trim();
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, APP_NAME);
  if (uid !== null) {
    const systemd = `/run/user/${uid}`;
    const st = await stat(systemd).catch(() => null);
    if (st?.isDirectory() && st.uid === uid) return path.join(systemd, APP_NAME);
  }
  return path.join(tmpdir, uid === null ? APP_NAME : `${APP_NAME}-${uid}`);
}

/** Creates the lock folder 0700 and checks it is a real folder of this user (a planted one is refused). */
async function ensureLockDir(dir: string, uid: number | null): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory() || (uid !== null && st.uid !== uid))
    throw new LockError(
      `the lock folder ${dir} is not a folder of this user; remove it or set XDG_RUNTIME_DIR`,
    );
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** The state dir as one name: resolved, and with symlinks resolved when it exists. */
export async function stateKey(stateDir: string): Promise<string> {
  const absolute = path.resolve(stateDir);
  // not there yet: the daemon waits for it under the same resolved path
  const resolved = await realpath(absolute).catch(() => absolute);
  return createHash("sha256").update(resolved).digest("hex").slice(0, 16);
}

/** Takes the lock at `target` (proper-lockfile makes `<target>.lock`); null when a live holder has it. */
export async function acquireLock(
  target: string,
  o: { staleMs?: number; retries?: number; onLost?: (why: string) => void } = {},
): Promise<HeldLock | null> {
  // loaded on first use: the library hooks process exit (to remove held locks) when it loads
  const lockfile = await import("proper-lockfile");
  let lostWhy: string | null = null;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: o.staleMs ?? LOCK_STALE_MS,
      retries: o.retries ? { retries: o.retries, minTimeout: 20, maxTimeout: 200 } : 0,
      onCompromised: (err) => {
        lostWhy = err.message;
        o.onLost?.(err.message);
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOCKED") return null;
    throw new LockError(`cannot take the lock ${target}.lock: ${errorMessage(err)}`);
  }
  let releasing: Promise<void> | null = null;
  return {
    path: `${target}.lock`,
    lost: () => lostWhy,
    release() {
      releasing ??= lostWhy ? Promise.resolve() : release().catch(() => undefined);
      return releasing;
    },
  };
}

/** Runs `fn` holding a short lock on `file` (read-modify-write of a file several watchdogs share). */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const held = await acquireLock(file, { retries: 20 });
  if (!held) throw new LockError(`${file} stayed locked by another watchdog`);
  try {
    return await fn();
  } finally {
    await held.release();
  }
}

/** The machine-wide locks of this user (see the header). */
export function createMachineLocks(o: MachineLocksOptions): MachineLocks {
  const uid = o.uid === undefined ? (process.getuid?.() ?? null) : o.uid;
  let dir: Promise<string> | null = null;
  const folder = () => {
    dir ??= lockDirFor(o.env, uid, o.tmpdir).then(async (d) => {
      await ensureLockDir(d, uid);
      return d;
    });
    // a failure is not cached: the next pass tries again
    return dir.catch((err: unknown) => {
      dir = null;
      throw err instanceof LockError
        ? err
        : new LockError(`cannot prepare the lock folder: ${errorMessage(err)}`);
    });
  };
  const take = async (kind: string, stateDir: string) => {
    const target = path.join(await folder(), `${kind}-${await stateKey(stateDir)}`);
    return acquireLock(target, {
      ...(o.staleMs !== undefined ? { staleMs: o.staleMs } : {}),
      onLost: (why) => o.onLost?.(`${target}.lock`, why),
    });
  };
  return {
    dir: folder,
    remediation: (stateDir) => take("remediation", stateDir),
    daemon: (stateDir) => take("daemon", stateDir),
  };
}
